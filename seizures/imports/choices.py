from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ImportLayout(models.TextChoices):
    IDS = "ids", _("UNODC Individual Drug Seizures (IDS) extract")
    TEMPLATE = "template", _("casetracker import template")


class IssueKind(models.TextChoices):
    REJECTED = "rejected", _("Line rejected")
    FLAGGED = "flagged", _("Imported with a remark")
