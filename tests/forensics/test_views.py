"""The forensic pages as their users meet them: the request form from a seizure or an
item, the task page with the moves each person may make, the lab's queue, the lab report
download and the link proposals."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evidence import panels as item_panels
from forensics.choices import TaskStatus
from forensics.models import ForensicTask, SeizureLink

from .. import factories as f
from .conftest import DRUG_RESULT, pdf_bytes, pdf_upload, report, request_task

pytestmark = pytest.mark.django_db


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def detail(task) -> str:
    return reverse("forensics:detail", args=[task.public_id])


def test_an_officer_requests_an_examination_of_an_item_from_the_seizure(
    client, officer, seizure, item, lab
):
    url = reverse("forensics:request", args=[seizure.public_id])
    response = page(client, officer, url + f"?item={item.public_id}")
    assert response.status_code == 200
    assert f'<option value="{item.pk}" selected>' in response.content.decode()
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    response = client.post(
        url,
        {
            "kind": "drug_profiling",
            "lab": lab.pk,
            "item": item.pk,
            "questions": "Purity and profile, please.",
            "due_on": due,
        },
    )
    task = ForensicTask.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(task)
    assert task.item == item and task.lab == lab and task.requested_by == officer
    assert task.due_at.date().isoformat() == due


def test_a_request_due_today_is_refused_with_the_reason(client, officer, seizure, lab):
    response = page(client, officer, reverse("forensics:request", args=[seizure.public_id]))
    response = client.post(
        reverse("forensics:request", args=[seizure.public_id]),
        {
            "kind": "dna",
            "lab": lab.pk,
            "questions": "Swab",
            "due_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400 and "must be after today" in response.content.decode()
    assert not ForensicTask.objects.exists()


def test_the_examiner_accepts_starts_and_files_the_result_on_the_task_page(client, task, examiner):
    content = page(client, examiner, detail(task)).content.decode()
    assert "Accept" in content and "File the result" not in content
    client.post(reverse("forensics:accept", args=[task.public_id]), {"examiner": ""})
    content = client.get(detail(task)).content.decode()
    assert "Purity (%)" in content and "Drug profile signature" in content
    response = client.post(
        reverse("forensics:report", args=[task.public_id]),
        {**DRUG_RESULT, "report": pdf_upload("analysis.pdf")},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED and task.report_name == "analysis.pdf"
    content = client.get(detail(task)).content.decode()
    assert "83.50" in content and "CP-2025-017" in content and task.report_sha256 in content


def test_a_result_posted_before_acceptance_is_refused_on_the_page(client, task, examiner):
    client.force_login(examiner)
    response = client.post(
        reverse("forensics:report", args=[task.public_id]), {**DRUG_RESULT, "report": pdf_upload()}
    )
    assert response.status_code == 400
    assert "has not accepted" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.REQUESTED


def test_the_requesting_side_reads_the_task_but_cannot_move_it(client, task, officer):
    content = page(client, officer, detail(task)).content.decode()
    assert "What you can do now" not in content
    response = client.post(reverse("forensics:accept", args=[task.public_id]))
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["rival_examiner", "other_officer", "investigator"], ids=str)
def test_who_has_nothing_to_do_with_the_task_finds_nothing(client, task, examiner, request, who):
    report(task, examiner)
    user = request.getfixturevalue(who)
    for url in (detail(task), reverse("forensics:report-download", args=[task.public_id])):
        assert page(client, user, url).status_code == 404
    client.force_login(user)
    assert client.post(reverse("forensics:accept", args=[task.public_id])).status_code == 404


def test_an_examiner_does_not_open_the_seizure_page(client, task, examiner):
    url = reverse("seizures:detail", args=[task.seizure.public_id])
    assert page(client, examiner, url).status_code == 404
    assert page(client, examiner, detail(task)).status_code == 200


def test_the_lab_report_download_is_audited(client, task, examiner, officer):
    task = report(task, examiner)
    url = reverse("forensics:report-download", args=[task.public_id])
    response = page(client, officer, url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    row = LogEntry.objects.filter(actor=officer, additional_data__event="download").get()
    assert row.additional_data["sha256"] == task.report_sha256


def test_the_lab_queue_lists_the_labs_tasks_by_due_date_and_marks_the_overdue(
    client, officer, seizure, lab, rival_lab, lab_custodian
):
    later = request_task(officer, seizure, lab, days=20)
    sooner = request_task(officer, seizure, lab, days=2)
    late = request_task(officer, seizure, lab, days=1)
    ForensicTask.objects.filter(pk=late.pk).update(
        due_at=timezone.now() - dt.timedelta(hours=1),
        requested_at=timezone.now() - dt.timedelta(days=3),
    )
    elsewhere = request_task(officer, seizure, rival_lab)
    content = page(client, lab_custodian, reverse("forensics:queue")).content.decode()
    positions = [content.index(str(t.public_id)) for t in (late, sooner, later)]
    assert positions == sorted(positions)
    assert str(elsewhere.public_id) not in content
    assert content.count("Overdue") == 1 and "forensic-overdue" in content


def test_the_queue_is_for_lab_members_only(client, officer):
    assert page(client, officer, reverse("forensics:queue")).status_code == 403


def test_the_seizure_page_shows_its_tasks_and_offers_a_request(client, task, officer):
    content = page(client, officer, reverse("seizures:detail", args=[task.seizure.public_id]))
    content = content.content.decode()
    assert "Forensic work" in content and detail(task) in content
    assert reverse("forensics:request", args=[task.seizure.public_id]) in content


def test_the_item_section_lists_the_items_tasks_for_the_examiner_without_a_request_button(
    rf, task, item, examiner, officer
):
    request = rf.get("/")
    request.user = examiner
    (section,) = [s for s in item_panels.render(request, item) if "Forensic work" in s]
    assert detail(task) in section and "Request a forensic examination" not in section
    request.user = officer
    (section,) = [s for s in item_panels.render(request, item) if "Forensic work" in s]
    assert f"?item={item.public_id}" in section


def test_an_investigator_confirms_a_proposed_link_on_the_proposals_page(
    client, officer, lab, examiner, investigator
):
    from seizures import sharing

    boss = f.UserFactory(username="boss", unit=officer.unit, role="supervisor")
    for _ in range(2):
        task = request_task(officer, f.log_seizure(officer), lab)
        report(task, examiner)
        sharing.seizure_share(
            seizure=task.seizure, unit=investigator.unit, handling_level=1, by=boss
        )
    link = SeizureLink.objects.get()
    content = page(client, investigator, reverse("forensics:links")).content.decode()
    assert link.seizure_a.reference in content and "Confirm the link" in content
    url = reverse("forensics:link-confirm", args=[link.public_id])
    assert client.post(url, {"note": ""}).status_code == 400
    assert client.post(url, {"note": "Same profile and the same consignee."}).status_code == 302
    link.refresh_from_db()
    assert link.status == "confirmed" and link.decided_by == investigator
    assert "No proposed link waits" in client.get(reverse("forensics:links")).content.decode()


def test_the_examiner_opens_the_item_sent_to_the_lab_and_sees_its_task_there(
    client, task, item, examiner
):
    content = page(client, examiner, reverse("evidence:item", args=[item.label])).content
    content = content.decode()
    assert "Forensic work" in content and detail(task) in content
    task_page = client.get(detail(task)).content.decode()
    assert reverse("evidence:item", args=[item.label]) in task_page


def test_the_queue_and_the_seizure_section_cost_the_same_queries_for_3_or_30_tasks(
    officer, seizure, item, lab, examiner
):
    lab_side, seizing_side = Client(), Client()
    lab_side.force_login(examiner)
    seizing_side.force_login(officer)
    pages = [
        (lab_side, reverse("forensics:queue")),
        (seizing_side, reverse("seizures:detail", args=[seizure.public_id])),
    ]

    def counts():
        found = []
        for client, url in pages:
            client.get(url)  # caches warmed, sessions settled
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    for _ in range(3):
        request_task(officer, seizure, lab, item=item)
    few = counts()
    for _ in range(27):
        request_task(officer, seizure, lab, item=item)
    assert counts() == few
