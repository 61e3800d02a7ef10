"""Notes on a seizure: added on the detail page with an agency and a handling code."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from casetracker.core.choices import AgencyKind, HandlingCode, Role
from seizures import sharing
from seizures.models import Note
from seizures.notes import note_add

from .. import factories as f


@pytest.fixture
def agencies(officer):
    customs = f.AgencyFactory(name="SENAE", kind=AgencyKind.CUSTOMS, country="EC")
    police = f.AgencyFactory(name="Policía Nacional", kind=AgencyKind.POLICE, country="EC")
    officer.unit.agencies.add(customs, police)
    return customs, police


def note_url(seizure) -> str:
    return reverse("seizures:note-add", args=[seizure.public_id])


def test_an_officer_adds_a_note_marked_with_agency_and_code(client, officer, agencies, seizure):
    _customs, police = agencies
    client.force_login(officer)
    response = client.post(
        note_url(seizure),
        {"text": "Tip: same consignee in March", "agency": police.pk, "handling_code": "0"},
    )
    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.text, note.agency, note.handling_code, note.author) == (
        "Tip: same consignee in March",
        police,
        HandlingCode.H0,
        officer,
    )
    page = client.get(reverse("seizures:detail", args=[seizure.public_id])).content.decode()
    assert "Tip: same consignee in March" in page and "Policía Nacional" in page


def test_the_note_form_offers_the_units_agencies_and_h1_by_default(
    client, officer, agencies, seizure
):
    client.force_login(officer)
    form = client.get(reverse("seizures:detail", args=[seizure.public_id])).context["note_form"]
    offered = {label for _value, label in form.fields["agency"].choices}
    assert offered == {"SENAE (EC)", "Policía Nacional (EC)"}
    assert form["handling_code"].value() == HandlingCode.H1


def test_an_empty_note_or_missing_agency_is_refused_and_nothing_saved(
    client, officer, agencies, seizure
):
    client.force_login(officer)
    response = client.post(note_url(seizure), {"text": "  ", "agency": "", "handling_code": "1"})
    assert response.status_code == 400
    assert set(response.context["note_form"].errors) == {"text", "agency"}
    assert not Note.objects.exists()


def test_an_agency_of_another_unit_is_refused_by_the_service(officer, seizure):
    foreign = f.AgencyFactory(name="Douane", kind=AgencyKind.CUSTOMS, country="BE")
    with pytest.raises(ValidationError) as refused:
        note_add(user=officer, seizure=seizure, text="x", agency=foreign, handling_code=1)
    assert "agency" in refused.value.message_dict


def test_a_recipient_may_not_add_notes(client, investigator, seizure):
    sharing.seizure_share(
        seizure=seizure, unit=investigator.unit, handling_level=HandlingCode.H1, by=None
    )
    client.force_login(investigator)
    page = client.get(reverse("seizures:detail", args=[seizure.public_id])).content.decode()
    response = client.post(note_url(seizure), {"text": "Ours", "handling_code": "1"})

    assert note_url(seizure) not in page
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        note_add(user=investigator, seizure=seizure, text="Ours", agency=None, handling_code=1)
    assert not Note.objects.exists()


def test_a_custodian_of_the_unit_may_not_add_notes(seizure, officer):
    custodian = f.UserFactory(role=Role.CUSTODIAN, unit=officer.unit)
    with pytest.raises(PermissionDenied):
        note_add(user=custodian, seizure=seizure, text="x", agency=None, handling_code=1)


def test_notes_reach_a_recipient_by_their_code(client, officer, investigator, seizure):
    for code in (HandlingCode.H0, HandlingCode.H1, HandlingCode.H3):
        note_add(
            user=officer, seizure=seizure, text=f"Note {code}", agency=None, handling_code=code
        )
    sharing.seizure_share(
        seizure=seizure, unit=investigator.unit, handling_level=HandlingCode.H1, by=None
    )
    client.force_login(investigator)
    page = client.get(reverse("seizures:detail", args=[seizure.public_id])).content.decode()
    assert "Note 1" in page and "Note 3" in page and "Note 0" not in page
