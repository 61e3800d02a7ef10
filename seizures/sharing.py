"""Sharing a seizure with another unit, and taking it back.

The owning unit's group holds view + change on its seizures from the moment they are
logged. Any other unit sees a seizure only while an active share exists: the share records
who granted it, when and at which handling level, and grants the unit's group the view
permission through django-guardian. Revoking removes the permission and keeps the record.
Referrals (a later issue) grant and revoke through these two functions only.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.core import access
from casetracker.core.choices import HandlingCode
from casetracker.core.models import Unit

from .models import Seizure, SeizureShare

RECIPIENT_PERMS = ["seizures.view_seizure"]


@transaction.atomic
def seizure_share(
    *, seizure: Seizure, unit: Unit, handling_level: int, by, reason: str = ""
) -> SeizureShare:
    """Let ``unit`` see ``seizure`` with the pieces marked for ``handling_level`` or wider.

    Sharing again with an active share changes its level (the latest decision wins);
    sharing with the owning unit is refused, it already sees everything.
    """
    if unit.pk == seizure.unit_id:
        raise ValidationError(_("A seizure is not shared with the unit that logged it."))
    if handling_level not in (HandlingCode.H1, HandlingCode.H2, HandlingCode.H3):
        raise ValidationError(
            {"handling_level": _("Share at H1, H2 or H3; H0 pieces never leave the unit.")}
        )
    share = (
        SeizureShare.objects.select_for_update()
        .filter(seizure=seizure, unit=unit, revoked_at__isnull=True)
        .first()
    )
    if share is None:
        share = SeizureShare(seizure=seizure, unit=unit, shared_by=by)
    share.handling_level = handling_level
    share.reason = reason
    share.full_clean(exclude=["seizure", "unit", "shared_by", "revoked_by"])
    share.save()
    access.unit_grant(unit=unit, obj=seizure, perms=RECIPIENT_PERMS)
    return share


@transaction.atomic
def seizure_unshare(*, seizure: Seizure, unit: Unit, by) -> SeizureShare | None:
    """Take the seizure back from ``unit``; a no-op (None) when it was not shared."""
    share = (
        SeizureShare.objects.select_for_update()
        .filter(seizure=seizure, unit=unit, revoked_at__isnull=True)
        .first()
    )
    if share is None:
        return None
    share.revoked_at = timezone.now()
    share.revoked_by = by
    share.save(update_fields=["revoked_at", "revoked_by"])
    access.unit_revoke(unit=unit, obj=seizure, perms=RECIPIENT_PERMS)
    return share
