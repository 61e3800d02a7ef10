"""Links between seizures: matching results propose one; an investigator or supervisor who
sees both seizures confirms or dismisses it; confirmed links show on both seizures as far
as each viewer may see, and count as linked for the follow-up figures."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from casetracker.core.choices import HandlingCode, Role
from forensics import selectors, services
from forensics.choices import LinkStatus, TaskKind
from forensics.models import SeizureLink
from forensics.panels import seizure_panel
from seizures import sharing
from seizures.models import Seizure

from .. import factories as f
from .conftest import DRUG_RESULT, report, request_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(officer):
    return f.UserFactory(username="gye_boss", unit=officer.unit, role=Role.SUPERVISOR)


def profiled(officer, lab, examiner, signature, seizure=None):
    seizure = seizure or f.log_seizure(officer)
    task = request_task(officer, seizure, lab)
    return report(task, examiner, results={**DRUG_RESULT, "profile_signature": signature})


def share(seizure, unit, boss):
    sharing.seizure_share(seizure=seizure, unit=unit, handling_level=HandlingCode.H1, by=boss)


def test_matching_profiles_propose_one_link_per_pair(officer, lab, examiner):
    first = profiled(officer, lab, examiner, "CP-2025-017")
    assert not SeizureLink.objects.exists()
    second = profiled(officer, lab, examiner, "cp 2025 017")  # written differently
    profiled(officer, lab, examiner, "CP-2025-099")  # another profile: no link
    (link,) = SeizureLink.objects.all()
    assert {link.seizure_a_id, link.seizure_b_id} == {first.seizure_id, second.seizure_id}
    assert link.status == LinkStatus.PROPOSED and link.basis == "drug_profile"
    # A second result on the same seizure with the same profile proposes nothing new.
    profiled(officer, lab, examiner, "CP2025017", seizure=second.seizure)
    assert SeizureLink.objects.count() == 1
    # A third seizure of the profile is proposed with both.
    profiled(officer, lab, examiner, "CP-2025-017")
    assert SeizureLink.objects.count() == 3


def test_a_dna_match_links_seizures_but_a_profile_reference_alone_does_not(officer, lab, examiner):
    results = {
        "profile_obtained": "yes",
        "profile_reference": "EC-DNA-1",
        "comparison": "identified",
        "match_reference": "CODIS-77",
        "conclusions": "Matches a known profile.",
    }
    for _ in range(2):
        task = request_task(officer, f.log_seizure(officer), lab, kind=TaskKind.DNA)
        report(task, examiner, results=results)
    (link,) = SeizureLink.objects.all()
    assert (link.basis, link.value) == ("dna", "CODIS77")


def test_an_investigator_who_sees_both_seizures_confirms_the_link(
    officer, boss, investigator, lab, examiner
):
    a = profiled(officer, lab, examiner, "CP-1").seizure
    b = profiled(officer, lab, examiner, "CP-1").seizure
    link = SeizureLink.objects.get()
    share(a, investigator.unit, boss)
    # Seeing one of the two is not enough to decide.
    with pytest.raises(PermissionDenied):
        services.link_confirm(by=investigator, link=link, note="Same profile, same route.")
    share(b, investigator.unit, boss)
    assert list(selectors.proposals(user=investigator)) == [link]
    with pytest.raises(ValidationError):
        services.link_confirm(by=investigator, link=link, note=" ")
    link = services.link_confirm(by=investigator, link=link, note="Same profile, same route.")
    assert link.status == LinkStatus.CONFIRMED and link.decided_by == investigator
    with pytest.raises(ValidationError, match="already confirmed"):
        services.link_dismiss(by=investigator, link=link, note="Changed my mind")
    assert selectors.linked_seizure_ids() == {a.pk, b.pk}
    assert set(Seizure.objects.filter(selectors.linked_condition())) == {a, b}


def test_officers_do_not_decide_links_but_their_supervisor_does(officer, boss, lab, examiner):
    profiled(officer, lab, examiner, "CP-1")
    profiled(officer, lab, examiner, "CP-1")
    link = SeizureLink.objects.get()
    with pytest.raises(PermissionDenied):
        services.link_confirm(by=officer, link=link, note="Looks the same")
    services.link_dismiss(by=boss, link=link, note="Same supplier lot, not the same network.")
    link.refresh_from_db()
    assert link.status == LinkStatus.DISMISSED
    assert selectors.linked_seizure_ids() == set()


def _panel(user, seizure) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return str(seizure_panel(request, seizure) or "")


def test_a_viewer_who_cannot_see_the_other_seizure_learns_only_that_a_link_exists(
    officer, boss, other_officer, investigator, lab, examiner
):
    ours = profiled(officer, lab, examiner, "CP-9").seizure
    theirs = profiled(other_officer, lab, examiner, "CP-9").seizure
    link = SeizureLink.objects.get()
    # The investigating unit sees both (both were referred to it) and confirms.
    share(ours, investigator.unit, boss)
    theirs_boss = f.UserFactory(username="anr_boss", unit=theirs.unit, role=Role.SUPERVISOR)
    share(theirs, investigator.unit, theirs_boss)
    services.link_confirm(by=investigator, link=link, note="Same profile, same broker.")

    investigators_view = _panel(investigator, ours)
    assert theirs.reference in investigators_view
    assert "Same profile, same broker." in investigators_view
    officers_view = _panel(officer, ours)
    assert "Same drug profile signature" in officers_view
    assert theirs.reference not in officers_view
    assert "a seizure your unit cannot see" in officers_view
    assert "Same profile, same broker." not in officers_view
    # And the other way round.
    assert ours.reference not in _panel(other_officer, theirs)
    assert "Confirmed" in _panel(other_officer, theirs)


def test_links_are_hidden_from_whoever_sees_neither_seizure(
    officer, other_officer, investigator, lab, examiner
):
    profiled(officer, lab, examiner, "CP-3")
    profiled(officer, lab, examiner, "CP-3")
    assert not selectors.link_list(user=other_officer).exists()
    assert not selectors.link_list(user=investigator).exists()
    assert selectors.link_list(user=officer).count() == 1
