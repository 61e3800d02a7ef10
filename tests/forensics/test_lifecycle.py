"""The forensic task's life cycle: requested → accepted → in progress → reported, or
rejected; only the right person moves each step, in order, and every move is recorded."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from casetracker.core.choices import Role
from evidence.selectors import item_list
from forensics import services
from forensics.choices import TaskKind, TaskStatus
from forensics.models import ForensicTask, TaskEvent

from .. import factories as f
from ..evidence.conftest import bag
from .conftest import DRUG_RESULT, pdf_bytes, pdf_upload, report, request_task

pytestmark = pytest.mark.django_db


def test_a_task_goes_from_request_to_report_with_every_move_recorded(task, examiner):
    task = services.task_accept(by=examiner, task=task)
    assert task.status == TaskStatus.ACCEPTED and task.assigned_to == examiner
    task = services.task_start(by=examiner, task=task)
    task = services.task_report(
        by=examiner, task=task, results=DRUG_RESULT, upload=pdf_upload(text="Result 1")
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED
    assert task.results["purity_percent"] == "83.50"
    assert (task.match_basis, task.match_value) == ("drug_profile", "CP2025017")
    assert len(task.report_sha256) == 64 and task.report_name == "report.pdf"
    with task.report.open("rb") as stored:
        assert stored.read() == pdf_bytes("Result 1")
    moves = list(TaskEvent.objects.filter(task=task).values_list("to_status", "by__username"))
    assert moves == [
        ("requested", "officer"),
        ("accepted", "examiner"),
        ("in_progress", "examiner"),
        ("reported", "examiner"),
    ]


def test_filing_the_result_of_an_accepted_task_starts_it_on_the_way(task, examiner):
    task = report(task, examiner)
    assert task.status == TaskStatus.REPORTED and task.started_at == task.reported_at
    assert list(task.events.values_list("to_status", flat=True)) == [
        "requested",
        "accepted",
        "in_progress",
        "reported",
    ]


def test_a_result_cannot_be_filed_for_a_task_the_lab_has_not_accepted(task, examiner):
    with pytest.raises(ValidationError, match="has not accepted"):
        services.task_report(by=examiner, task=task, results=DRUG_RESULT, upload=pdf_upload())
    task.refresh_from_db()
    assert task.status == TaskStatus.REQUESTED and not task.report and task.results == {}


def test_a_rejected_task_takes_no_result(task, examiner):
    services.task_reject(by=examiner, task=task, reason="No reference standard for this drug.")
    with pytest.raises(ValidationError, match="rejected"):
        services.task_report(by=examiner, task=task, results=DRUG_RESULT, upload=pdf_upload())


@pytest.mark.parametrize(
    "move",
    [
        lambda task, by: services.task_start(by=by, task=task),
        lambda task, by: services.task_assign(by=by, task=task, examiner=by),
    ],
    ids=["start before acceptance", "assign before acceptance"],
)
def test_moves_out_of_order_are_refused_and_change_nothing(task, examiner, move):
    with pytest.raises(ValidationError):
        move(task, examiner)
    task.refresh_from_db()
    assert task.status == TaskStatus.REQUESTED and task.events.count() == 1


def test_a_reported_task_cannot_be_reported_again_or_rejected(task, examiner):
    task = report(task, examiner)
    with pytest.raises(ValidationError, match="filed"):
        services.task_report(by=examiner, task=task, results=DRUG_RESULT, upload=pdf_upload())
    with pytest.raises(ValidationError):
        services.task_reject(by=examiner, task=task, reason="Too late")
    assert ForensicTask.objects.get(pk=task.pk).status == TaskStatus.REPORTED


@pytest.mark.parametrize(
    "who", ["officer", "investigator", "lab_custodian", "rival_examiner"], ids=str
)
def test_only_the_lab_the_task_went_to_accepts_it(task, request, who):
    with pytest.raises(PermissionDenied):
        services.task_accept(by=request.getfixturevalue(who), task=task)
    assert ForensicTask.objects.get(pk=task.pk).status == TaskStatus.REQUESTED


def test_the_lab_supervisor_accepts_and_hands_the_task_to_an_examiner(
    task, lab_supervisor, examiner, examiner_two
):
    task = services.task_accept(by=lab_supervisor, task=task)
    assert task.assigned_to is None
    task = services.task_assign(by=lab_supervisor, task=task, examiner=examiner_two)
    assert task.assigned_to == examiner_two
    # Only the assigned examiner works on it.
    with pytest.raises(PermissionDenied):
        services.task_start(by=examiner, task=task)
    with pytest.raises(PermissionDenied):
        services.task_report(by=examiner, task=task, results=DRUG_RESULT, upload=pdf_upload())
    services.task_start(by=examiner_two, task=task)


def test_a_task_is_only_assigned_to_an_examiner_of_its_lab(task, examiner, rival_examiner):
    task = services.task_accept(by=examiner, task=task)
    with pytest.raises(ValidationError, match="examiner of the lab"):
        services.task_assign(by=examiner, task=task, examiner=rival_examiner)


def test_rejecting_needs_a_reason_and_takes_the_item_from_the_lab(task, examiner, item):
    assert item_list(user=examiner).filter(pk=item.pk).exists()
    with pytest.raises(ValidationError):
        services.task_reject(by=examiner, task=task, reason="  ")
    services.task_reject(by=examiner, task=task, reason="Not our field.")
    task.refresh_from_db()
    assert task.status == TaskStatus.REJECTED and task.reject_reason == "Not our field."
    assert not item_list(user=examiner).filter(pk=item.pk).exists()


def test_examiners_see_only_the_items_sent_to_their_lab(
    officer, seizure, lab, item, examiner, rival_examiner
):
    other_item = bag(seizure, officer, description="Brick 2")
    assert not item_list(user=examiner).exists()
    request_task(officer, seizure, lab, item=item)
    assert list(item_list(user=examiner)) == [item]
    assert other_item not in item_list(user=examiner)
    assert not item_list(user=rival_examiner).exists()


@pytest.mark.parametrize("who", ["other_officer", "investigator"], ids=str)
def test_a_task_is_requested_only_by_someone_who_works_on_the_seizure(seizure, lab, request, who):
    with pytest.raises(PermissionDenied):
        request_task(request.getfixturevalue(who), seizure, lab)


def test_examiners_and_custodians_do_not_request_tasks(seizure, lab, examiner):
    custodian = f.UserFactory(username="gye_store", unit=seizure.unit, role=Role.CUSTODIAN)
    for user in (examiner, custodian):
        with pytest.raises(PermissionDenied):
            request_task(user, seizure, lab)


def test_a_task_goes_to_a_laboratory_by_a_date_still_to_come(officer, seizure, investigator):
    with pytest.raises(ValidationError) as refused:
        request_task(officer, seizure, investigator.unit, days=-1)
    assert set(refused.value.message_dict) == {"lab", "due_at"}


def test_a_disposed_or_foreign_item_cannot_be_sent(officer, seizure, lab, other_officer):
    foreign = bag(f.log_seizure(other_officer), other_officer)
    with pytest.raises(ValidationError, match="item of this seizure"):
        request_task(officer, seizure, lab, item=foreign)


def test_the_lab_report_must_be_a_pdf(task, examiner):
    task = services.task_accept(by=examiner, task=task)
    picture = SimpleUploadedFile("report.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
    with pytest.raises(ValidationError) as refused:
        services.task_report(by=examiner, task=task, results=DRUG_RESULT, upload=picture)
    assert "report" in refused.value.message_dict
    task.refresh_from_db()
    assert task.status == TaskStatus.ACCEPTED and not task.report


def test_results_are_checked_against_the_fields_of_the_task_kind(officer, seizure, lab, examiner):
    task = request_task(officer, seizure, lab, kind=TaskKind.FINGERPRINTS)
    task = services.task_accept(by=examiner, task=task)
    with pytest.raises(ValidationError) as refused:
        services.task_report(
            by=examiner,
            task=task,
            results={
                "lifts_examined": "2",
                "lifts_usable": "3",
                "comparison": "identified",
                "conclusions": "One print identified.",
            },
            upload=pdf_upload(),
        )
    assert set(refused.value.message_dict) == {"lifts_usable", "match_reference"}
    task = services.task_report(
        by=examiner,
        task=task,
        results={
            "lifts_examined": "3",
            "lifts_usable": "2",
            "comparison": "identified",
            "match_reference": "AFIS 2025/0042",
            "conclusions": "One print identified.",
        },
        upload=pdf_upload(),
    )
    assert (task.match_basis, task.match_value) == ("fingerprint", "AFIS20250042")
