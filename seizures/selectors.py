"""Every read of seizures goes through here and through the access helper.

What a user may not see does not exist for them: lists leave it out, detail look-ups
answer 404.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from casetracker.core import access
from casetracker.core.choices import HandlingCode
from casetracker.core.roles import Action, can

from .models import Attachment, Seizure, SeizureShare


def seizure_list(*, user) -> QuerySet[Seizure]:
    if not can(user, Action.SEIZURE_VIEW):
        # Evaluators read through casetracker.reporting only, even when their unit holds
        # grants (an evaluator seconded to a port control unit sees no party by this road).
        return Seizure.objects.none()
    return access.restrict(user, "seizures.view_seizure", Seizure.objects.all()).select_related(
        "unit", "port"
    )


def seizure_get(*, user, public_id, for_change: bool = False) -> Seizure:
    perm = "seizures.change_seizure" if for_change else "seizures.view_seizure"
    queryset = Seizure.objects.select_related("unit", "port", "created_by")
    if not can(user, Action.SEIZURE_VIEW):
        queryset = queryset.none()
    return access.get_or_404(user, perm, queryset, public_id=public_id)


def attachment_get(*, user, public_id) -> Attachment:
    """An attachment is visible when its seizure is and its handling code allows it."""
    visible = seizure_list(user=user).values("pk")
    try:
        attachment = Attachment.objects.select_related("seizure").get(
            seizure__in=visible, public_id=public_id
        )
    except Attachment.DoesNotExist:
        raise Http404 from None
    level = handling_level(user=user, seizure=attachment.seizure)
    if not visible_pieces(Attachment.objects.filter(pk=attachment.pk), level=level).exists():
        raise Http404
    return attachment


# What the owning unit (and administrators) see: every piece, whatever its handling code.
FULL_VIEW = None


def handling_level(*, user, seizure: Seizure) -> int | None:
    """The handling level at which ``user`` sees ``seizure``'s restricted pieces.

    ``FULL_VIEW`` (None) for the owning unit and administrators; otherwise the level of the
    user's unit's active share. A user without a share sees no restricted piece at all
    (they should not have reached the seizure, but a piece must never leak by mistake).
    """
    if user.is_superuser or (user.unit_id is not None and user.unit_id == seizure.unit_id):
        return FULL_VIEW
    level = (
        SeizureShare.objects.filter(seizure=seizure, unit_id=user.unit_id, revoked_at__isnull=True)
        .values_list("handling_level", flat=True)
        .first()
    )
    return level if level is not None else _NOTHING


_NOTHING = 99


def visible_pieces(queryset: QuerySet, *, level: int | None) -> QuerySet:
    """The parties, attachments or notes a viewer at ``level`` may see.

    Every page, API response, export and PDF filters through here, so a piece marked H0
    or for a narrower audience never leaves by one path while hidden on another.
    """
    if level is FULL_VIEW:
        return queryset
    return queryset.filter(handling_code__gte=max(level, 1))


def visible_pieces_of_many(queryset: QuerySet, *, user) -> QuerySet:
    """``visible_pieces`` for pieces of many seizures at once (lists, exports).

    One condition on the piece instead of a level per seizure, so a page or an export chunk
    costs one query per kind of piece: every piece of the unit's own seizures; of a shared
    one, those marked H1 or wider and at least at the active share's level.
    """
    if user.is_superuser:
        return queryset
    shared_at_or_below = SeizureShare.objects.filter(
        seizure_id=OuterRef("seizure_id"),
        unit_id=user.unit_id,
        revoked_at__isnull=True,
        handling_level__lte=OuterRef("handling_code"),
    )
    return queryset.filter(
        Q(seizure__unit_id=user.unit_id)
        | (Q(handling_code__gte=HandlingCode.H1) & Exists(shared_at_or_below))
    )
