"""An officer bags two items from a seizure, prints their labels, hands one to the lab's
custodian, who confirms it; the lab examines it and records the result."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from reportlab.pdfgen import canvas

from casetracker.core.choices import Role, UnitKind
from evidence.choices import ItemState
from evidence.models import EvidenceItem
from evidence.verification import verify_item
from forensics.choices import TaskStatus
from forensics.models import ForensicTask

from .. import factories as f
from .test_referral_inbox import log_in

pytestmark = pytest.mark.browser


def _tab(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 768}, locale="en-GB"
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.problems = []
    tab.on("pageerror", lambda error: tab.problems.append(f"page error: {error}"))
    return context, tab


def _lab_report() -> bytes:
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.drawString(72, 720, "Lab report: cocaine hydrochloride, 87.5 %")
    sheet.save()
    return buffer.getvalue()


def test_bag_label_hand_over_confirm_and_examine(page, browser, live_server):
    f.port("ECGYE")
    officer = f.UserFactory(username="maria", unit=f.pcu("ECGYE"), role=Role.OFFICER)
    lab = f.UnitFactory(
        code="EC-LAB", kind=UnitKind.FORENSIC_LAB, port=None, country="EC", name="Lab Quito"
    )
    f.UserFactory(
        username="carla", first_name="Carla", last_name="Vega", unit=lab, role=Role.CUSTODIAN
    )
    f.UserFactory(username="eric", unit=lab, role=Role.EXAMINER)
    seizure = f.log_seizure(officer, submit=True)

    # The officer bags two items from the seizure's page.
    log_in(page, f"/seizures/{seizure.public_id}/", "maria")
    page.locator("#evidence").get_by_role("link", name="Bag evidence").click()
    page.get_by_label("Kind").select_option("drug_sample")
    page.get_by_label("Description").fill("Sample from brick 1, 5 g")
    page.get_by_label("Seal numbers").fill("S-1001")
    page.get_by_label("Storage location").fill("Port store, shelf A1")
    page.get_by_role("button", name="Bag it and add another").click()
    expect(page.locator(".message-success")).to_contain_text("-E1 is in your custody")
    page.get_by_label("Kind").select_option("phone")
    page.get_by_label("Description").fill("Courier's phone")
    page.get_by_label("Seal numbers").fill("S-1002")
    page.get_by_label("Storage location").fill("Port store, shelf A1")
    page.get_by_role("button", name="Bag it", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{seizure.reference}-E2")

    # Labels for both, as printed from the seizure's page.
    page.goto(f"/seizures/{seizure.public_id}/")
    expect(page.locator("#evidence tbody tr")).to_have_count(2)
    labels_url = page.locator("#evidence").get_by_role("link", name="Print all labels (PDF)")
    labels = page.request.get(labels_url.get_attribute("href"))
    assert labels.status == 200 and labels.headers["content-type"] == "application/pdf"
    assert labels.body().startswith(b"%PDF")

    # The sample goes to the lab's custodian, with a request to examine it.
    sample = EvidenceItem.objects.get(number=1)
    page.goto(f"/evidence/{sample.label}/")
    page.get_by_label("Hand over to").select_option(
        label="Carla Vega · EC-LAB · Evidence custodian"
    )
    page.get_by_label("Purpose").select_option("laboratory")
    page.get_by_role("button", name="Hand over", exact=True).click()
    expect(page.locator(".message-success")).to_contain_text("in transit to Carla Vega")
    expect(page.locator(".evidence-state")).to_have_text("In transit")
    page.get_by_role("link", name="Request a forensic examination of this item").click()
    page.get_by_label("Examination").select_option("drug_profiling")
    page.get_by_label("Questions to the lab").fill("Purity and profile, please.")
    due = timezone.localdate() + dt.timedelta(days=30)
    page.get_by_label("Due date").fill(due.isoformat())
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".message-success")).to_be_visible()
    task = ForensicTask.objects.get()

    # The custodian scans the label (opens the item's page) and confirms receipt.
    custodian_context, custodian = _tab(browser, live_server)
    log_in(custodian, f"/evidence/{sample.label}/", "carla")
    expect(custodian.locator("#next")).to_contain_text("is handing this item to you")
    custodian.get_by_label("Intact").check()
    custodian.get_by_label("Kept at").fill("Vault 3")
    custodian.get_by_role("button", name="Confirm receipt").click()
    expect(custodian.locator(".message-success")).to_contain_text("is in your custody")
    expect(custodian.locator(".evidence-state")).to_have_text("In custody")
    custodian_context.close()

    # The examiner takes the task from the lab's queue and records the result.
    examiner_context, examiner = _tab(browser, live_server)
    log_in(examiner, "/forensics/lab/", "eric")
    examiner.get_by_role("link", name="Drug purity and profiling").click()
    examiner.get_by_role("button", name="Accept").click()
    examiner.get_by_label("Substance identified").fill("Cocaine hydrochloride")
    examiner.get_by_label("Purity (%)").fill("87.5")
    examiner.get_by_label("Drug profile signature").fill("CL-2026-17")
    examiner.get_by_label("Conclusions").fill("High-purity cocaine, profile class 17.")
    examiner.get_by_label("Lab report (PDF)").set_input_files(
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": _lab_report()}
    )
    examiner.get_by_role("button", name="File the result").click()
    expect(examiner.locator(".message-success")).to_be_visible()
    examiner_context.close()

    task.refresh_from_db()
    sample.refresh_from_db()
    assert task.status == TaskStatus.REPORTED
    assert task.results["purity_percent"] == "87.5"
    assert sample.state == ItemState.IN_CUSTODY and sample.custodian.username == "carla"
    assert verify_item(sample) is None
    assert page.problems == [] and custodian.problems == [] and examiner.problems == []
