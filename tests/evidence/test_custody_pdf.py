"""The chain-of-custody form: the item and every event as a court reads them, the label
and "page X of Y" on every page, the chain checked when the form is made, the same bytes
for the same chain, and who may download it.

Each page's text is read from its own content stream (``_page_streams``), so "on every
page" is checked page by page, not somewhere in the file.
"""

import datetime as dt
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from casetracker.core.choices import Role
from evidence import services
from evidence.choices import Condition, ItemKind, Purpose, SealCheck
from evidence.custody_pdf import custody_form, render_custody_pdf
from evidence.models import CustodyEvent, EvidenceItem

from .. import factories as f
from ..seizures.test_exports import _pdf_text
from .conftest import bag
from .test_labels import _page_streams

pytestmark = pytest.mark.django_db


def _url(item) -> str:
    return reverse("evidence:custody-pdf", kwargs={"label": item.label})


def _form(user, item) -> bytes:
    return render_custody_pdf(custody_form(user=user, item=EvidenceItem.objects.get(pk=item.pk)))


def _hand_over(item, sender, receiver, **confirm):
    services.transfer_start(
        item=item, by=sender, to=receiver, purpose=Purpose.LABORATORY, place="Port gate 3"
    )
    services.transfer_confirm(
        item=item,
        by=receiver,
        seal_check=confirm.pop("seal_check", SealCheck.INTACT),
        condition=Condition.GOOD,
        storage_location="Lab safe 2",
        **confirm,
    )


def test_the_form_shows_the_item_and_every_event_in_order(officer, item, lab_custodian, colleague):
    _hand_over(
        item,
        officer,
        lab_custodian,
        seal_check=SealCheck.REPLACED,
        new_seals="LAB-7781",
        note="Seal cut to weigh",
    )
    _hand_over(item, lab_custodian, officer)
    services.item_dispose(
        item=item, by=officer, purpose=Purpose.DISPOSAL, witness=colleague, place="Incinerator"
    )
    text = _pdf_text(_form(officer, item))
    item.refresh_from_db()
    for shown in (
        item.label,
        "Brick wrapped in black tape",
        item.seizure.reference,
        "Port gate 3",
        "Lab safe 2",
        "Seal cut to weigh",
        "LAB-7781",
        "S-100",
        "Incinerator",
        colleague.get_full_name(),
        lab_custodian.get_full_name(),
        "EC-LAB",
        "Officer of the court",
    ):
        assert shown.encode() in text, shown
    events = list(CustodyEvent.objects.filter(item=item).order_by("seq"))
    assert len(events) == 6
    # The events table, in chain order (a cell starts with the short hash; the footer
    # carries the head's hash inside a longer line).
    table = text.index(b"Event and purpose")
    positions = [text.index(b"(" + event.hash[:12].encode(), table) for event in events]
    assert positions == sorted(positions)
    for event in events:  # and each full hash, to recompute the chain by hand
        assert event.hash[:32].encode() in text and event.hash[32:].encode() in text
    assert item.chain_head.encode() in text
    assert b"intact" in text


def test_the_seal_history_lists_each_check_and_each_new_seal(officer, item, lab_custodian):
    _hand_over(item, officer, lab_custodian, seal_check=SealCheck.REPLACED, new_seals="LAB-1")
    form = custody_form(user=officer, item=item)
    assert [(e.kind, e.seal_check, e.seals) for e in form.seal_history] == [
        ("intake", SealCheck.INTACT, ["S-100"]),
        ("received", SealCheck.REPLACED, ["LAB-1"]),
    ]


def test_the_form_names_sub_items_and_the_item_they_come_from(officer, seizure, item):
    swab = bag(
        seizure, officer, kind=ItemKind.DNA_SWAB, description="Swab of the tape", parent=item
    )
    parent_text = _pdf_text(_form(officer, item))
    assert swab.label.encode() in parent_text and b"Swab of the tape" in parent_text
    child_text = _pdf_text(_form(officer, swab))
    assert b"Taken from" in child_text and item.label.encode() in child_text


def test_a_digital_items_file_hash_is_on_the_form(officer, seizure):
    digest = "ab12" * 16
    phone_dump = bag(
        seizure,
        officer,
        kind=ItemKind.DIGITAL_FILE,
        description="Chat export",
        file_facts={"name": "chat.txt", "size": 1234, "sha256": digest, "stored_name": "x/y"},
    )
    text = _pdf_text(_form(officer, phone_dump))
    assert b"chat.txt" in text
    assert digest[:32].encode() in text and digest[32:].encode() in text


def test_a_changed_event_shows_the_broken_link_on_the_form(officer, item, lab_custodian):
    _hand_over(item, officer, lab_custodian)
    # Bypassing the services and, on PostgreSQL, switching the append-only trigger off
    # first: what a forger with the database owner's rights would do.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE evidence_custodyevent DISABLE TRIGGER USER")
        CustodyEvent.objects.filter(item=item, seq=2).update(place="Somewhere else")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE evidence_custodyevent ENABLE TRIGGER USER")
    text = _pdf_text(_form(officer, item))
    assert b"FAILED" in text
    assert b"event 2" in text
    assert b"intact" not in text


def test_500_events_run_over_pages_each_with_the_label_and_page_x_of_y(officer, item):
    for n in range(499):
        services.item_check(
            item=item,
            by=officer,
            seal_check=SealCheck.INTACT,
            condition=Condition.GOOD,
            storage_location=f"Shelf {n}",
        )
    content = _form(officer, item)
    pages = _page_streams(content)
    assert len(pages) > 10
    for number, page in enumerate(pages, start=1):
        assert item.label.encode() in page, number
        assert f"Page {number} of {len(pages)}".encode() in page
    text = _pdf_text(content)
    assert b"Shelf 498" in text
    assert b"All 500 events" in text


def test_the_same_chain_gives_the_same_bytes_whenever_it_is_printed(officer, item, lab_custodian):
    _hand_over(item, officer, lab_custodian)
    first = _form(officer, item)
    later = timezone.now() + dt.timedelta(days=30)
    with mock.patch("django.utils.timezone.now", return_value=later):
        second = _form(officer, item)
    assert first == second and first.startswith(b"%PDF-")
    services.item_check(
        item=item,
        by=lab_custodian,
        seal_check=SealCheck.INTACT,
        condition=Condition.GOOD,
        storage_location="Lab safe 3",
    )
    assert _form(officer, item) != first  # a new event, a new form


# --- the view ------------------------------------------------------------------------------


def test_the_custody_form_downloads_and_is_in_the_audit_trail(client, officer, item):
    client.force_login(officer)
    response = client.get(_url(item))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{item.label}-custody.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert item.label.encode() in _pdf_text(response.content)
    row = LogEntry.objects.get(
        action=LogEntry.Action.ACCESS, actor=officer, additional_data__event="download"
    )
    assert row.object_repr == item.label
    assert row.additional_data["document"] == "custody_form"
    assert row.additional_data["chain_head"] == item.chain_head
    assert row.additional_data["chain_intact"] is True


def test_someone_of_another_unit_gets_no_custody_form(client, other_officer, item):
    client.force_login(other_officer)
    assert client.get(_url(item)).status_code == 404
    assert not LogEntry.objects.filter(actor=other_officer, additional_data__event="download")


def test_an_evaluator_gets_no_custody_form(client, item):
    unit = f.UnitFactory(code="EVAL", kind="evaluation", port=None, country="AT")
    evaluator = f.UserFactory(username="evaluator", unit=unit, role=Role.EVALUATOR)
    client.force_login(evaluator)
    assert client.get(_url(item)).status_code == 404


def test_the_lab_holding_the_item_downloads_its_form(client, officer, item, lab_custodian):
    _hand_over(item, officer, lab_custodian)
    client.force_login(lab_custodian)
    assert client.get(_url(item)).status_code == 200


def test_the_form_draws_its_arrows_with_characters_the_font_has(
    officer, item, lab_custodian, undrawable
):
    # The "from → to" column: Vera has no arrow, so a plain "→" printed as a box.
    _hand_over(item, officer, lab_custodian)
    text = _pdf_text(_form(officer, item))
    assert undrawable == set()
    assert b"->" in text
