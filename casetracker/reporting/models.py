"""The follow-up ladder as kept: one row per seizure that moved, one per referral.

Rows are written by ``ladder.refresh`` in the transaction of the event that changed them
(see ``receivers``) and by ``manage.py ladder_rebuild``; they are never computed while a
page is drawn. A seizure without a row stands on rung 0 ("logged") since it occurred:
queries join it with a LEFT JOIN and coalesce (``ladder.with_ladder``).

Whether a seizure is stalled is not stored: it changes with time alone. The row keeps
the last instant it moved, and "stalled" is a condition on that (``ladder.stalled``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from referrals.models import Referral
from seizures.models import Seizure

from .choices import RUNG_FIELDS, Rung


def rung_dates_condition() -> models.Q:
    """A row holds the date of every rung up to its own and of none above: ``ladder``
    computes it so, and the cohort figures count the seizures that reached a rung by
    their rung alone (``cohort.cohort_figures``), so the database holds it too."""
    condition = models.Q()
    for rung, column in RUNG_FIELDS.items():
        condition &= models.Q(rung__gte=rung, **{f"{column}__isnull": False}) | models.Q(
            rung__lt=rung, **{f"{column}__isnull": True}
        )
    return condition


class Progress(models.Model):
    rung = models.PositiveSmallIntegerField(_("rung"), choices=Rung.choices, default=Rung.LOGGED)
    # The instant each rung was first reached, in UTC (see the README for the definition).
    referred_at = models.DateTimeField(_("referred"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    investigating_at = models.DateTimeField(_("investigating"), null=True, blank=True)
    identified_at = models.DateTimeField(_("suspects identified"), null=True, blank=True)
    arrested_at = models.DateTimeField(_("arrests"), null=True, blank=True)
    charged_at = models.DateTimeField(_("charged"), null=True, blank=True)
    convicted_at = models.DateTimeField(_("convicted"), null=True, blank=True)
    dismantled_at = models.DateTimeField(_("dismantled"), null=True, blank=True)
    # Flags: the instant each was first raised (null: not raised).
    international_at = models.DateTimeField(_("international"), null=True, blank=True)
    jit_at = models.DateTimeField(_("joint investigation team"), null=True, blank=True)
    mla_at = models.DateTimeField(_("mutual legal assistance requested"), null=True, blank=True)
    controlled_delivery_at = models.DateTimeField(_("controlled delivery"), null=True, blank=True)
    assets_frozen_at = models.DateTimeField(_("assets frozen"), null=True, blank=True)
    # Clocks kept as numbers so the evaluators' figures aggregate them directly.
    hours_to_referral = models.FloatField(_("hours from seizure to referral"), null=True)
    hours_to_ack = models.FloatField(_("hours from referral to acknowledgement"), null=True)
    last_progress_at = models.DateTimeField(_("last progress"))

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=rung_dates_condition(), name="%(class)s_dated_up_to_rung"
            ),
        ]


class SeizureProgress(Progress):
    seizure = models.OneToOneField(
        Seizure, on_delete=models.CASCADE, primary_key=True, related_name="ladder"
    )
    forensics_at = models.DateTimeField(_("forensics done"), null=True, blank=True)
    linked_at = models.DateTimeField(_("linked to other seizures"), null=True, blank=True)

    class Meta(Progress.Meta):
        verbose_name = _("seizure's follow-up")
        verbose_name_plural = _("seizures' follow-up")
        indexes = [
            models.Index(fields=["rung"], name="seizure_progress_rung"),
            models.Index(fields=["last_progress_at"], name="seizure_progress_last"),
        ]

    def __str__(self) -> str:
        return f"{self.seizure_id}: {self.get_rung_display()}"


class ReferralProgress(Progress):
    """One referral's own rungs, flags and clocks. ``counts`` is false for a referral the
    seizure's ladder leaves out (withdrawn, or to a recipient that does not investigate)."""

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, primary_key=True, related_name="ladder"
    )
    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="+")
    counts = models.BooleanField(_("counts for the seizure"), default=True)

    class Meta(Progress.Meta):
        verbose_name = _("referral's follow-up")
        verbose_name_plural = _("referrals' follow-up")

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.get_rung_display()}"


# --- cohort reports (PDF, CSV, XLSX), built in the background ----------------------------


def report_file_path(instance, filename: str) -> str:
    # Private storage (MEDIA_URL is None): served only by ``report_views.report_download``
    # to the user who asked for the report.
    return f"reports/{instance.public_id.hex}.{instance.format}"


class ReportRun(models.Model):
    """One cohort report asked for by an evaluator: its filters, the instant its figures
    are computed as of (so building it again gives the same bytes), progress, the file."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    # The dashboard's query string, as {name: [values]}: the cohort is filtered again from it.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10)
    as_of = models.DateTimeField(_("figures as of"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.TextField(_("message"), blank=True)
    file = models.FileField(_("file"), upload_to=report_file_path, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("cohort report")
        verbose_name_plural = _("cohort reports")

    def __str__(self) -> str:
        return f"{self.public_id} ({self.format}, {self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
