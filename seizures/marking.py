"""Checks shared by every service that adds a marked piece (party, attachment, note)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from casetracker.core.models import Agency

from .models import Seizure


def marking_check(*, seizure: Seizure, agency: Agency | None) -> None:
    """The contributing agency must be one of the seizure's unit's member agencies.

    The forms only offer those; the check is here so the API or a crafted request cannot
    mark a piece as coming from an agency that never contributed to the unit.
    """
    if agency is None:
        return
    if not seizure.unit.agencies.filter(pk=agency.pk).exists():
        message = _("Choose one of the agencies of unit %(unit)s.") % {"unit": seizure.unit.code}
        raise ValidationError({"agency": message})
