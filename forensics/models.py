"""Forensic tasks sent to a lab, their results, and the links between seizures that
matching results propose.

A task's life cycle is declared once here (django-fsm, protected): requested → accepted →
in progress → reported, or rejected. The services decide who may make each move and record
it as a ``TaskEvent``; the mixin refuses a save whose state changed in the database since
the move started, so two examiners answering at once cannot both win.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from casetracker.core.choices import UnitKind
from casetracker.core.models import Unit
from evidence.models import EvidenceItem
from seizures.models import Seizure

from .choices import LinkStatus, MatchBasis, TaskKind, TaskStatus


def report_path(instance, filename: str) -> str:
    # A fresh random name: the lab's file name never reaches the disk.
    return f"forensics/{instance.public_id}/{uuid.uuid4().hex}"


class ForensicTask(ConcurrentTransitionMixin, models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seizure = models.ForeignKey(
        Seizure, verbose_name=_("seizure"), on_delete=models.PROTECT, related_name="forensic_tasks"
    )
    item = models.ForeignKey(
        EvidenceItem,
        verbose_name=_("evidence item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="forensic_tasks",
    )
    kind = models.CharField(_("examination"), max_length=20, choices=TaskKind.choices)
    lab = models.ForeignKey(
        Unit,
        verbose_name=_("laboratory"),
        on_delete=models.PROTECT,
        related_name="forensic_tasks",
        limit_choices_to={"kind": UnitKind.FORENSIC_LAB},
    )
    questions = models.TextField(_("questions to the lab"), max_length=4000)
    status = FSMField(
        _("status"), default=TaskStatus.REQUESTED, choices=TaskStatus.choices, protected=True
    )

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"))
    due_at = models.DateTimeField(_("due"))
    # The deadline check's moments and stamps (reminder at three quarters of the time, as
    # for referrals).
    remind_at = models.DateTimeField(editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("examiner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="forensic_tasks",
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    started_at = models.DateTimeField(_("work started"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    reject_reason = models.TextField(_("why rejected"), blank=True, max_length=4000)

    results = models.JSONField(_("results"), default=dict, blank=True)
    # The result's match key (results.MATCH_FIELD), normalised, for proposing links.
    match_basis = models.CharField(max_length=20, choices=MatchBasis.choices, blank=True)
    match_value = models.CharField(max_length=80, blank=True)
    report = models.FileField(_("lab report"), upload_to=report_path, blank=True)
    report_name = models.CharField(_("file name"), max_length=255, blank=True)
    report_size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    report_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("forensic task")
        verbose_name_plural = _("forensic tasks")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.REPORTED) | ~Q(report_sha256=""),
                name="forensic_report_has_file",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=F("requested_at")), name="forensic_due_after_request"
            ),
        ]
        indexes = [
            # The lab's queue, by due date.
            models.Index(fields=["lab", "status", "due_at"], name="forensic_queue"),
            models.Index(
                fields=["match_basis", "match_value"],
                name="forensic_match",
                condition=~Q(match_value=""),
            ),
            # The deadline check's two questions.
            models.Index(
                fields=["remind_at"],
                name="forensic_remind",
                condition=Q(
                    status__in=["requested", "accepted", "in_progress"], reminded_at__isnull=True
                ),
            ),
            models.Index(
                fields=["due_at"],
                name="forensic_overdue",
                condition=Q(
                    status__in=["requested", "accepted", "in_progress"], escalated_at__isnull=True
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.seizure.reference}"

    def clean(self) -> None:
        errors = {}
        if self.lab_id and self.lab.kind != UnitKind.FORENSIC_LAB:
            errors["lab"] = _("Choose a forensic laboratory.")
        if self.item_id and self.seizure_id and self.item.seizure_id != self.seizure_id:
            errors["item"] = _("Choose an item of this seizure.")
        if self.due_at and self.requested_at and self.due_at <= self.requested_at:
            errors["due_at"] = _("The due date must be in the future.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.status in TaskStatus.open_states()

    # The life cycle: which moves exist and the dates they stamp. Who may make them is
    # decided in services.py.
    @transition(field=status, source=TaskStatus.REQUESTED, target=TaskStatus.ACCEPTED)
    def accept(self, *, at) -> None:
        self.accepted_at = at

    @transition(field=status, source=TaskStatus.REQUESTED, target=TaskStatus.REJECTED)
    def reject(self, *, at, reason: str) -> None:
        self.rejected_at = at
        self.reject_reason = reason

    @transition(field=status, source=TaskStatus.ACCEPTED, target=TaskStatus.IN_PROGRESS)
    def start(self, *, at) -> None:
        self.started_at = at

    @transition(field=status, source=TaskStatus.IN_PROGRESS, target=TaskStatus.REPORTED)
    def file_report(self, *, at) -> None:
        self.reported_at = at


class TaskEvent(models.Model):
    """One move of a task: from which state to which, who moved it, when, and details."""

    task = models.ForeignKey(ForensicTask, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=20, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=TaskStatus.choices)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("forensic task event")
        verbose_name_plural = _("forensic task events")

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_status or '—'} → {self.to_status}"


class SeizureLink(ConcurrentTransitionMixin, models.Model):
    """Two seizures whose results match, proposed by the system and confirmed (or
    dismissed) by an investigator who sees both. Stored once per pair, basis and value,
    with the lower seizure id first."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seizure_a = models.ForeignKey(Seizure, on_delete=models.PROTECT, related_name="+")
    seizure_b = models.ForeignKey(Seizure, on_delete=models.PROTECT, related_name="+")
    task_a = models.ForeignKey(ForensicTask, on_delete=models.PROTECT, related_name="+")
    task_b = models.ForeignKey(ForensicTask, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(_("basis"), max_length=20, choices=MatchBasis.choices)
    value = models.CharField(_("matching value"), max_length=80)
    status = FSMField(
        _("status"), default=LinkStatus.PROPOSED, choices=LinkStatus.choices, protected=True
    )
    proposed_at = models.DateTimeField(_("proposed"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.TextField(_("basis of the decision"), blank=True, max_length=4000)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("link between seizures")
        verbose_name_plural = _("links between seizures")
        constraints = [
            models.CheckConstraint(
                condition=Q(seizure_a__lt=F("seizure_b")), name="seizure_link_ordered_pair"
            ),
            models.UniqueConstraint(
                fields=["seizure_a", "seizure_b", "basis", "value"], name="seizure_link_once"
            ),
        ]
        indexes = [
            models.Index(fields=["seizure_b", "status"], name="seizure_link_b"),
            models.Index(fields=["status", "-proposed_at"], name="seizure_link_status"),
        ]

    def __str__(self) -> str:
        return f"{self.seizure_a_id} ↔ {self.seizure_b_id} ({self.basis})"

    def other(self, seizure_id: int) -> int:
        return self.seizure_b_id if seizure_id == self.seizure_a_id else self.seizure_a_id

    @transition(field=status, source=LinkStatus.PROPOSED, target=LinkStatus.CONFIRMED)
    def confirm(self, *, at, by, note: str) -> None:
        self.decided_at, self.decided_by, self.note = at, by, note

    @transition(field=status, source=LinkStatus.PROPOSED, target=LinkStatus.DISMISSED)
    def dismiss(self, *, at, by, note: str) -> None:
        self.decided_at, self.decided_by, self.note = at, by, note


class Notification(models.Model):
    """One message about one task event (reminder, escalation) to one person or address:
    unique per task, event and addressee, so the deadline check never sends it twice."""

    task = models.ForeignKey(ForensicTask, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=60)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="forensic_notifications",
    )
    email = models.EmailField(blank=True)
    subject = models.CharField(max_length=250)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("forensic notification")
        verbose_name_plural = _("forensic notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "key", "user"],
                condition=Q(user__isnull=False),
                name="forensic_notification_per_user",
            ),
            models.UniqueConstraint(
                fields=["task", "key", "email"],
                condition=Q(user__isnull=True),
                name="forensic_notification_per_address",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="forensic_notification_unsent",
                condition=Q(sent_at__isnull=True) & ~Q(email=""),
            ),
        ]

    def __str__(self) -> str:
        return self.subject
