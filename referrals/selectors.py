"""Every read of referrals goes through here.

A referral is seen by the unit it was sent to and by the unit that logged the seizure
(administrators see all). Nobody else learns it exists: look-ups answer 404. Evaluators
read referral figures through casetracker.reporting only.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet, Subquery
from django.http import Http404

from casetracker.core.roles import Action, can

from .choices import ReferralStatus
from .models import NEXT_DUE, Notification, Recipient, Referral


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
    return queryset.annotate(next_due=NEXT_DUE)


INBOX_VIEWS = ("open", "decided", "all")

# What an inbox row shows, and nothing else: the rest of a referral and its seizure (texts,
# JSON, a dozen dates) costs time to fetch and decode for 50 rows a page.
INBOX_FIELDS = (
    "public_id",
    "seizure_id",
    "recipient_id",
    "status",
    "handling_code",
    "sent_at",
    "ack_due_at",
    "respond_due_at",
    "seizure__public_id",
    "seizure__reference",
    "seizure__unit_id",
    "seizure__occurred_at",
    "seizure__port_id",
    "seizure__commodities",
    "seizure__unit__code",
    "seizure__port__name",
    "seizure__port__timezone",
)


def _unit_recipient(user) -> Subquery:
    """The recipient of the user's unit, as a scalar subquery (a unit is one recipient at
    most): comparing ``recipient_id`` to it lets PostgreSQL read the inbox in deadline
    order straight from the ``referral_inbox_next_due`` index instead of sorting the
    unit's thousands of referrals joined to their seizures."""
    return Subquery(Recipient.objects.filter(unit_id=user.unit_id).order_by().values("pk")[:1])


def _deadline_order(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    return with_next_due(queryset).order_by(
        F("next_due").asc(nulls_last=True), F("respond_due_at").asc(), "id"
    )


def _in_view(queryset: QuerySet[Referral], view: str) -> QuerySet[Referral]:
    if view == "open":
        return queryset.filter(status__in=ReferralStatus.open_states())
    if view == "decided":
        return queryset.exclude(status__in=ReferralStatus.open_states())
    return queryset


def inbox_rows(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    """``queryset``'s referrals as an inbox row shows them, soonest deadline first."""
    return _deadline_order(
        queryset.select_related("seizure", "seizure__unit", "seizure__port").only(*INBOX_FIELDS)
    )


def inbox(*, user, view: str = "open") -> QuerySet[Referral]:
    """Referrals to the user's unit, soonest deadline first.

    ``open``: still to be answered or being worked on; ``decided``: declined, closed or
    withdrawn; ``all``. Without a unit (or a role that answers referrals) it is empty.
    """
    if user.unit_id is None or not can(user, Action.SEIZURE_VIEW):
        return Referral.objects.none()
    return inbox_rows(_in_view(Referral.objects.filter(recipient_id=_unit_recipient(user)), view))


# A sent referral's row: the inbox's, with the recipient instead of the seizing unit.
SENT_FIELDS = (
    *(f for f in INBOX_FIELDS if not f.startswith("seizure__unit")),
    "recipient__name",
    "recipient__country",
    "recipient__kind",
)


def sent_rows(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    """``queryset``'s referrals as a row of the sent page shows them, soonest deadline first."""
    return _deadline_order(
        queryset.select_related("seizure", "seizure__port", "recipient").only(*SENT_FIELDS)
    )


def sent(*, user, view: str = "open") -> QuerySet[Referral]:
    """Referrals of the seizures the user's unit logged, soonest deadline first; for those
    who send referrals (the unit's officers and supervisors). ``view`` as in ``inbox``."""
    if user.unit_id is None or not can(user, Action.REFERRAL_SEND):
        return Referral.objects.none()
    return sent_rows(_in_view(Referral.objects.filter(seizure__unit_id=user.unit_id), view))


def unread_count(*, user) -> int:
    """The user's referral messages not yet read (opening the referral reads them)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox_counts(*, user) -> dict[str, int]:
    """How many referrals wait for the unit's acknowledgement or answer (the menu badge)."""
    if user.unit_id is None or not can(user, Action.REFERRAL_RESPOND):
        return {"waiting": 0}
    waiting = Referral.objects.filter(
        recipient_id=_unit_recipient(user), status__in=ReferralStatus.awaiting_decision()
    ).count()
    return {"waiting": waiting}


def referrals_of_seizure(*, user, seizure) -> QuerySet[Referral]:
    """A seizure's referrals as ``user`` may see them: all of them for the seizing unit,
    the unit's own for a recipient."""
    return with_next_due(referral_list(user=user).filter(seizure=seizure)).order_by("sent_at", "id")


def recipients_for(*, seizure) -> QuerySet[Recipient]:
    """Recipients a seizure can still be referred to by hand: not those it was referred to,
    unless that referral was withdrawn (it can be sent again)."""
    live = Referral.objects.filter(seizure=seizure).exclude(status=ReferralStatus.WITHDRAWN)
    return (
        Recipient.objects.filter(active=True)
        .exclude(pk__in=live.values("recipient_id"))
        .exclude(unit_id=seizure.unit_id)
        .select_related("unit")
        .order_by("country", "name")
    )


def notifications_for(*, user, limit: int = 20) -> list[Notification]:
    """The user's referral messages (reminders, escalations, new referrals): the unread
    ones first, newest first, then those read, the latest read first."""
    if not user.is_authenticated:
        return []
    return list(
        Notification.objects.filter(user=user)
        .select_related("referral")
        # The referral's status too: its state machine reads it on loading.
        .only("subject", "created_at", "read_at", "referral__public_id", "referral__status")
        .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id")[:limit]
    )
