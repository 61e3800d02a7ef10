"""Referral bits shown on many pages: the deadline countdown and the menu's waiting count."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from casetracker.core.roles import Action, can

from .. import selectors

register = template.Library()

# A deadline this close is shown as pressing.
SOON = dt.timedelta(hours=12)


def _span(delta: dt.timedelta) -> str:
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        return _("%(n)d min") % {"n": max(1, seconds // 60)}
    if seconds < 48 * 3600:
        return _("%(n)d h") % {"n": seconds // 3600}
    return _("%(n)d d") % {"n": seconds // 86400}


def countdown_text(due: dt.datetime, now: dt.datetime | None = None) -> tuple[str, str]:
    """("due in 5 h" or "overdue by 2 d", its state: "overdue", "soon" or "later")."""
    delta = due - (now or timezone.now())
    if delta.total_seconds() < 0:
        return _("overdue by %(span)s") % {"span": _span(delta)}, "overdue"
    state = "soon" if delta <= SOON else "later"
    return _("due in %(span)s") % {"span": _span(delta)}, state


@register.simple_tag
def countdown(due):
    """``{% countdown referral.next_due %}``: the time left, worded, with the date on hover."""
    if due is None:
        return "—"
    text, state = countdown_text(due)
    local = timezone.localtime(due)
    return format_html(
        '<time class="countdown countdown-{}" datetime="{}" title="{}">{}</time>',
        state,
        due.isoformat(),
        date_format(local, "DATETIME_FORMAT"),
        text,
    )


@register.simple_tag
def referrals_waiting(user) -> int:
    """Referrals waiting for the user's unit to acknowledge or answer (one COUNT, and only
    for those who answer referrals)."""
    if not can(user, Action.REFERRAL_RESPOND) or user.unit_id is None:
        return 0
    return selectors.inbox_counts(user=user)["waiting"]
