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


class DecimalMark(models.TextChoices):
    # What "12,000" and "1.500" mean: the file's other amounts tell (normalise.parse_amount)
    # unless the uploader says which mark is the decimal one.
    AUTO = "auto", _("As the file shows")
    POINT = "point", _("Point: 1,234.5")
    COMMA = "comma", _("Comma: 1.234,5")

    @property
    def character(self) -> str | None:
        return {"point": ".", "comma": ","}.get(self.value)
