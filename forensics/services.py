"""Every write to forensic tasks and links between seizures.

Who may do what:
- request a task: an officer, supervisor or investigator of a unit that sees the seizure
  (and, for an item, sees the item);
- accept, reject or assign: an examiner or the supervisor of the lab the task went to;
- start the work and file the result: the examiner it is assigned to (accepting assigns it
  to the examiner who accepts);
- confirm or dismiss a proposed link: an investigator (a role that answers referrals) or a
  supervisor who sees both seizures.

Each move is a django-fsm transition (an out-of-order move is refused by the machine and
said in words here) and leaves a ``TaskEvent`` with who and when, in one transaction.
A wrong person gets PermissionDenied, a wrong order or bad input ValidationError.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from casetracker.core import access
from casetracker.core.choices import Role, UnitKind
from casetracker.core.models import Unit, User
from casetracker.core.roles import Action, can
from evidence.choices import ItemState
from evidence.models import EvidenceItem
from evidence.selectors import ITEM_VIEW, item_list
from seizures.attachments import PDF, clean_file_name, validate_upload
from seizures.models import Seizure
from seizures.selectors import seizure_list

from . import notifications
from .choices import TaskKind, TaskStatus
from .models import ForensicTask, SeizureLink, TaskEvent
from .results import ResultForm, match_key

# Roles that work on a seizure and may ask a lab for an examination.
REQUESTER_ROLES = {Role.OFFICER, Role.SUPERVISOR, Role.INVESTIGATOR}
# Roles of a lab that take a task in and hand it to an examiner.
LAB_MANAGER_ROLES = {Role.EXAMINER, Role.SUPERVISOR}
MAX_DUE_DAYS = 365

_STATE_WORDS = {
    TaskStatus.REQUESTED: gettext_lazy("The lab has not accepted this task yet."),
    TaskStatus.ACCEPTED: gettext_lazy("The task is accepted and waits for its examiner."),
    TaskStatus.IN_PROGRESS: gettext_lazy("The work on this task is in progress."),
    TaskStatus.REPORTED: gettext_lazy(
        "The result of this task is filed; nothing more can happen to it."
    ),
    TaskStatus.REJECTED: gettext_lazy("The lab rejected this task; nothing more can happen to it."),
}


# --- who may do what (pages ask the same to offer the buttons) ----------------------------


def may_request(user, seizure: Seizure) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if not (user.is_superuser or user.role in REQUESTER_ROLES):
        return False
    return seizure_list(user=user).filter(pk=seizure.pk).exists()


def may_manage(user, task: ForensicTask) -> bool:
    """An examiner or the supervisor of the task's lab."""
    if user.is_superuser:
        return True
    return user.is_active and user.unit_id == task.lab_id and user.role in LAB_MANAGER_ROLES


def may_work(user, task: ForensicTask) -> bool:
    """The examiner the task is assigned to."""
    if user.is_superuser:
        return True
    return (
        can(user, Action.FORENSIC_EXAMINE)
        and user.unit_id == task.lab_id
        and task.assigned_to_id == user.pk
    )


def may_decide(user, link: SeizureLink) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    role_ok = user.is_superuser or (
        can(user, Action.REFERRAL_RESPOND) or user.role == Role.SUPERVISOR
    )
    if not role_ok:
        return False
    visible = seizure_list(user=user).filter(pk__in=[link.seizure_a_id, link.seizure_b_id])
    return visible.count() == 2


# --- helpers ---------------------------------------------------------------------------


def _locked(task: ForensicTask) -> ForensicTask:
    return (
        ForensicTask.objects.select_for_update(of=("self",))
        .select_related("seizure", "lab", "item", "assigned_to")
        .get(pk=task.pk)
    )


def _move(task: ForensicTask, name: str, *, by, details=None, **kwargs) -> TaskEvent:
    before = task.status
    try:
        getattr(task, name)(**kwargs)
    except TransitionNotAllowed:
        raise ValidationError(
            _STATE_WORDS.get(before, _("This move is not possible now."))
        ) from None
    return TaskEvent(
        task=task,
        from_status=before,
        to_status=task.status,
        at=kwargs["at"],
        by=by,
        details=details or {},
    )


def _save(task: ForensicTask, events: list[TaskEvent], fields: list[str]) -> ForensicTask:
    try:
        task.save(update_fields=["status", *fields])
    except ConcurrentTransition:
        raise ValidationError(
            _("Someone else moved this task at the same moment; reload the page.")
        ) from None
    for event in events:
        event.save()
    return task


def _check_examiner(lab: Unit, examiner: User) -> None:
    if not (examiner.is_active and examiner.unit_id == lab.pk and examiner.role == Role.EXAMINER):
        raise ValidationError({"examiner": _("Choose an examiner of the lab.")})


# --- the task's life cycle ---------------------------------------------------------------


@transaction.atomic
def task_request(
    *,
    by,
    seizure: Seizure,
    kind: str,
    lab: Unit,
    questions: str,
    due_at: dt.datetime,
    item: EvidenceItem | None = None,
) -> ForensicTask:
    """Ask ``lab`` to examine ``item`` (or the seizure as a whole) by ``due_at``. The lab
    is granted sight of the item, and of nothing else of the seizure."""
    if not may_request(by, seizure):
        raise PermissionDenied(
            _(
                "Only officers, supervisors and investigators who work on "
                "the seizure ask a lab for an examination."
            )
        )
    errors = {}
    if kind not in TaskKind.values:
        errors["kind"] = _("Choose the examination.")
    if lab is None or lab.kind != UnitKind.FORENSIC_LAB:
        errors["lab"] = _("Choose a forensic laboratory.")
    if not questions.strip():
        errors["questions"] = _("Say what the lab should answer.")
    now = timezone.now()
    if due_at is None or timezone.is_naive(due_at) or due_at <= now:
        errors["due_at"] = _("The due date must be in the future.")
    elif due_at > now + dt.timedelta(days=MAX_DUE_DAYS):
        errors["due_at"] = _("At most a year from now.")
    if item is not None:
        if item.seizure_id != seizure.pk or not item_list(user=by).filter(pk=item.pk).exists():
            errors["item"] = _("Choose an item of this seizure.")
        elif item.state == ItemState.DISPOSED:
            errors["item"] = _("%(label)s was disposed of.") % {"label": item.label}
    if errors:
        raise ValidationError(errors)
    task = ForensicTask(
        seizure=seizure,
        item=item,
        kind=kind,
        lab=lab,
        questions=questions.strip(),
        requested_by=by,
        requested_at=now,
        due_at=due_at,
        remind_at=now + (due_at - now) * 3 / 4,
    )
    task.full_clean(exclude=["status"])
    task.save()
    TaskEvent.objects.create(
        task=task,
        from_status="",
        to_status=TaskStatus.REQUESTED,
        at=now,
        by=by,
        details={"lab": lab.code, "item": item.label if item else ""},
    )
    if item is not None:
        # Examiners see only the items sent to them: this grant is their way to this one.
        access.unit_grant(unit=lab, obj=item, perms=[ITEM_VIEW])
    # The lab hears of the request at once, not first when the reminder is due.
    notifications.notify(task=task, key="requested", addressees=notifications.lab_desk(task))
    return task


@transaction.atomic
def task_accept(*, by, task: ForensicTask, examiner: User | None = None) -> ForensicTask:
    """The lab takes the task on; it goes to ``examiner``, or to the examiner accepting."""
    task = _locked(task)
    if not may_manage(by, task):
        raise PermissionDenied(_("Only the lab the task was sent to accepts it."))
    if examiner is None and by.role == Role.EXAMINER:
        examiner = by
    if examiner is not None:
        _check_examiner(task.lab, examiner)
    now = timezone.now()
    event = _move(
        task, "accept", by=by, at=now, details={"examiner": examiner.username if examiner else ""}
    )
    task.assigned_to = examiner
    return _save(task, [event], ["accepted_at", "assigned_to"])


@transaction.atomic
def task_reject(*, by, task: ForensicTask, reason: str) -> ForensicTask:
    """The lab refuses the task, saying why; it no longer sees the item for this task."""
    task = _locked(task)
    if not may_manage(by, task):
        raise PermissionDenied(_("Only the lab the task was sent to rejects it."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the lab rejects the task.")})
    now = timezone.now()
    event = _move(task, "reject", by=by, at=now, reason=reason.strip())
    _save(task, [event], ["rejected_at", "reject_reason"])
    if (
        task.item_id
        and not ForensicTask.objects.filter(item_id=task.item_id, lab_id=task.lab_id)
        .exclude(status=TaskStatus.REJECTED)
        .exists()
    ):
        access.unit_revoke(unit=task.lab, obj=task.item, perms=[ITEM_VIEW])
    return task


@transaction.atomic
def task_assign(*, by, task: ForensicTask, examiner: User) -> ForensicTask:
    """Hand an accepted task (or one in progress) to another examiner of the lab."""
    task = _locked(task)
    if not may_manage(by, task):
        raise PermissionDenied(_("Only the lab the task was sent to assigns it."))
    if task.status not in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS):
        raise ValidationError(_STATE_WORDS[task.status])
    _check_examiner(task.lab, examiner)
    now = timezone.now()
    previous = task.assigned_to.username if task.assigned_to_id else ""
    task.assigned_to = examiner
    task.save(update_fields=["assigned_to"])
    TaskEvent.objects.create(
        task=task,
        from_status=task.status,
        to_status=task.status,
        at=now,
        by=by,
        details={"examiner": examiner.username, "previous": previous},
    )
    return task


@transaction.atomic
def task_start(*, by, task: ForensicTask) -> ForensicTask:
    task = _locked(task)
    if not (may_work(by, task) or may_manage(by, task)):
        raise PermissionDenied(_("Only the lab the task was sent to works on it."))
    if task.status != TaskStatus.ACCEPTED:
        raise ValidationError(_STATE_WORDS[task.status])
    if not may_work(by, task):
        raise PermissionDenied(_("Only the examiner the task is assigned to works on it."))
    event = _move(task, "start", by=by, at=timezone.now())
    return _save(task, [event], ["started_at"])


def _store_report(task: ForensicTask, upload) -> None:
    try:
        content_type, _kind = validate_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"report": exc.error_list}) from None
    name = clean_file_name(getattr(upload, "name", ""))
    if content_type != PDF.content_type:
        raise ValidationError(
            {
                "report": _("%(name)s is not a PDF: the lab report is filed as a PDF.")
                % {"name": name}
            }
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    task.report.save(name, upload, save=False)
    task.report_name = name
    task.report_size = upload.size
    task.report_sha256 = digest.hexdigest()


def task_report(*, by, task: ForensicTask, results: dict, upload) -> ForensicTask:
    """File the result (the structured fields of the task's kind) and the lab report PDF.

    Only for a task the lab accepted: an accepted task not yet started is started on the
    way (both moves recorded). Matching results of other seizures propose links.
    """
    stored_name = ""
    try:
        with transaction.atomic():
            task = _locked(task)
            if not (may_work(by, task) or may_manage(by, task)):
                raise PermissionDenied(_("Only the lab the task was sent to files its result."))
            if task.status == TaskStatus.REQUESTED:
                raise ValidationError(
                    _(
                        "A result cannot be filed for a task the lab has not accepted: "
                        "accept it first."
                    )
                )
            if task.status not in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS):
                raise ValidationError(_STATE_WORDS[task.status])
            if not may_work(by, task):
                raise PermissionDenied(
                    _("Only the examiner the task is assigned to files its result.")
                )
            form = ResultForm(results, kind=task.kind)
            if not form.is_valid():
                raise ValidationError(form.errors.as_data())
            if upload is None:
                raise ValidationError({"report": _("Attach the lab report (PDF).")})
            now = timezone.now()
            events = []
            if task.status == TaskStatus.ACCEPTED:
                events.append(_move(task, "start", by=by, at=now))
            task.results = form.stored()
            task.match_basis, task.match_value = match_key(task.kind, task.results)
            _store_report(task, upload)
            stored_name = task.report.name
            events.append(
                _move(
                    task,
                    "file_report",
                    by=by,
                    at=now,
                    details={"report_sha256": task.report_sha256},
                )
            )
            _save(
                task,
                events,
                [
                    "started_at",
                    "reported_at",
                    "results",
                    "match_basis",
                    "match_value",
                    "report",
                    "report_name",
                    "report_size",
                    "report_sha256",
                ],
            )
            if task.match_value:
                links_propose(task=task, now=now)
    except Exception:
        if stored_name:
            task.report.storage.delete(stored_name)  # no file without its row
        raise
    return task


# --- links between seizures -------------------------------------------------------------


def links_propose(*, task: ForensicTask, now: dt.datetime) -> list[SeizureLink]:
    """Propose a link from ``task``'s seizure to every other seizure with a reported
    result of the same basis and value; a pair already proposed (or decided) is left."""
    created = []
    others = (
        ForensicTask.objects.filter(
            status=TaskStatus.REPORTED, match_basis=task.match_basis, match_value=task.match_value
        )
        .exclude(seizure_id=task.seizure_id)
        .order_by("reported_at", "id")
    )
    for other in others:
        first, second = sorted((task, other), key=lambda t: t.seizure_id)
        exists = SeizureLink.objects.filter(
            seizure_a_id=first.seizure_id,
            seizure_b_id=second.seizure_id,
            basis=task.match_basis,
            value=task.match_value,
        ).exists()
        if exists:
            continue
        link = SeizureLink(
            seizure_a_id=first.seizure_id,
            seizure_b_id=second.seizure_id,
            task_a=first,
            task_b=second,
            basis=task.match_basis,
            value=task.match_value,
            proposed_at=now,
        )
        try:
            with transaction.atomic():
                link.save()
        except IntegrityError:
            continue  # proposed meanwhile by a result filed at the same moment
        created.append(link)
    return created


def _decide(*, by, link: SeizureLink, note: str, move: str) -> SeizureLink:
    with transaction.atomic():
        link = SeizureLink.objects.select_for_update().get(pk=link.pk)
        if not may_decide(by, link):
            raise PermissionDenied(
                _("Only an investigator or a supervisor who sees both seizures decides on a link.")
            )
        if not note.strip():
            raise ValidationError({"note": _("Say on what you base your decision.")})
        try:
            getattr(link, move)(at=timezone.now(), by=by, note=note.strip())
        except TransitionNotAllowed:
            raise ValidationError(
                _("This link was already %(status)s.")
                % {"status": link.get_status_display().lower()}
            ) from None
        try:
            link.save()
        except ConcurrentTransition:
            raise ValidationError(_("Someone decided on this link at the same moment.")) from None
    return link


def link_confirm(*, by, link: SeizureLink, note: str) -> SeizureLink:
    """The two seizures are linked: it shows on both and counts for the follow-up figures."""
    return _decide(by=by, link=link, note=note, move="confirm")


def link_dismiss(*, by, link: SeizureLink, note: str) -> SeizureLink:
    return _decide(by=by, link=link, note=note, move="dismiss")
