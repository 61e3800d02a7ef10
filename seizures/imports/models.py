"""An import run (one uploaded file) and what it found wrong, line by line."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casetracker.core.models import Unit

from .choices import DecimalMark, ImportLayout, ImportStatus, IssueKind


def import_file_path(instance, filename: str) -> str:
    # A fresh name: the uploader's file name never reaches the disk (it is kept as data).
    return f"imports/{uuid.uuid4().hex}"


class ImportRun(models.Model):
    """One file imported (or tried, in a dry run) into one unit's seizures.

    The file stays in private storage with its SHA-256, so every imported seizure can be
    traced to the bytes it came from (``Seizure.import_run`` and ``import_line``).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=import_file_path)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    layout = models.CharField(_("layout"), max_length=10, choices=ImportLayout.choices)
    dry_run = models.BooleanField(_("dry run"), default=False)
    decimal_mark = models.CharField(
        _("decimal mark"), max_length=5, choices=DecimalMark.choices, default=DecimalMark.AUTO
    )
    # The dry run this import was confirmed from, if any.
    confirms = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress, kept current batch by batch; total_rows is the file's line count, known
    # before the first row is read (an estimate when cells hold line breaks).
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(_("imported"), default=0)
    duplicate_count = models.PositiveIntegerField(_("already imported"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    flagged_count = models.PositiveIntegerField(_("imported with a remark"), default=0)
    notes = models.JSONField(default=list, blank=True)  # about the whole file (encoding…)
    preview = models.JSONField(default=list, blank=True)  # first records, as stored
    error = models.TextField(blank=True)  # why the whole file could not be read

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.original_name} → {self.unit_id}"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ImportIssue(models.Model):
    """A rejected line (not imported) or a remark on an imported one, with the reason."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="issues")
    line = models.PositiveIntegerField(_("line"))
    kind = models.CharField(_("kind"), max_length=10, choices=IssueKind.choices)
    column = models.CharField(_("column"), max_length=40, blank=True)
    message = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["line", "id"]
        verbose_name = _("import issue")
        verbose_name_plural = _("import issues")
        indexes = [models.Index(fields=["run", "kind", "line"], name="import_issue_run_line")]

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"
