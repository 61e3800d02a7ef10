"""Every read of referrals goes through here.

A referral is seen by the unit it was sent to and by the unit that logged the seizure
(administrators see all). Nobody else learns it exists: look-ups answer 404. Evaluators
read referral figures through casetracker.reporting only.
"""

from __future__ import annotations

from django.db.models import Case, F, Q, QuerySet, When
from django.http import Http404

from casetracker.core.roles import Action, can

from .choices import ReferralStatus
from .models import Notification, Recipient, Referral


def referral_list(*, user) -> QuerySet[Referral]:
    queryset = Referral.objects.select_related(
        "seizure", "seizure__unit", "seizure__port", "recipient", "recipient__unit"
    )
    if not can(user, Action.SEIZURE_VIEW):
        return queryset.none()
    if user.is_superuser:
        return queryset
    if user.unit_id is None:
        return queryset.none()
    return queryset.filter(Q(recipient__unit_id=user.unit_id) | Q(seizure__unit_id=user.unit_id))


def referral_get(*, user, public_id) -> Referral:
    try:
        return referral_list(user=user).get(public_id=public_id)
    except (Referral.DoesNotExist, ValueError):
        raise Http404 from None


def with_next_due(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    """Annotate the deadline the recipient should mind now (None once decided)."""
    return queryset.annotate(
        next_due=Case(
            When(status=ReferralStatus.SENT, then=F("ack_due_at")),
            When(status=ReferralStatus.ACKNOWLEDGED, then=F("respond_due_at")),
            default=None,
        )
    )


INBOX_VIEWS = ("open", "decided", "all")


def inbox(*, user, view: str = "open") -> QuerySet[Referral]:
    """Referrals to the user's unit, soonest deadline first.

    ``open``: still to be answered or being worked on; ``decided``: declined, closed or
    withdrawn; ``all``. Without a unit (or a role that answers referrals) it is empty.
    """
    if user.unit_id is None or not can(user, Action.SEIZURE_VIEW):
        return Referral.objects.none()
    queryset = Referral.objects.filter(recipient__unit_id=user.unit_id).select_related(
        "seizure", "seizure__unit", "seizure__port", "recipient"
    )
    if view == "open":
        queryset = queryset.filter(status__in=ReferralStatus.open_states())
    elif view == "decided":
        queryset = queryset.exclude(status__in=ReferralStatus.open_states())
    return with_next_due(queryset).order_by(
        F("next_due").asc(nulls_last=True), F("respond_due_at").asc(), "id"
    )


def inbox_counts(*, user) -> dict[str, int]:
    """How many referrals wait for the unit's acknowledgement or answer (the menu badge)."""
    if user.unit_id is None or not can(user, Action.REFERRAL_RESPOND):
        return {"waiting": 0}
    waiting = Referral.objects.filter(
        recipient__unit_id=user.unit_id, status__in=ReferralStatus.awaiting_decision()
    ).count()
    return {"waiting": waiting}


def referrals_of_seizure(*, user, seizure) -> QuerySet[Referral]:
    """A seizure's referrals as ``user`` may see them: all of them for the seizing unit,
    the unit's own for a recipient."""
    return with_next_due(referral_list(user=user).filter(seizure=seizure)).order_by("sent_at", "id")


def recipients_for(*, seizure) -> QuerySet[Recipient]:
    """Recipients a seizure can still be referred to by hand."""
    return (
        Recipient.objects.filter(active=True)
        .exclude(referrals__seizure=seizure)
        .exclude(unit_id=seizure.unit_id)
        .select_related("unit")
        .order_by("country", "name")
    )


def notifications_for(*, user, limit: int = 20) -> list[Notification]:
    """The user's latest referral messages (reminders, escalations, new referrals)."""
    if not user.is_authenticated:
        return []
    return list(
        Notification.objects.filter(user=user)
        .select_related("referral", "referral__seizure")
        .order_by("-created_at", "-id")[:limit]
    )
