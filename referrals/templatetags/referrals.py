"""Referral bits shown on many pages: the deadline countdown and the menu's waiting count."""

import datetime as dt

from django import template
from django.utils import dateformat, timezone
from django.utils.formats import get_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries.fields import Country

from casetracker.core.roles import Action, can

from .. import selectors
from ..models import RECIPIENT_UNIT_KINDS

register = template.Library()

# A deadline this close is shown as pressing.
SOON = dt.timedelta(hours=12)


class Clock:
    """Countdowns for one page: the words and the date format are looked up once here,
    not for every row (a 50-row inbox otherwise spends its time in gettext)."""

    def __init__(self, now: dt.datetime | None = None):
        self.now = now or timezone.now()
        self.minutes = _("%(n)d min")
        self.hours = _("%(n)d h")
        self.days = _("%(n)d d")
        self.overdue = _("overdue by %(span)s")
        self.due_in = _("due in %(span)s")
        self.date_format = get_format("DATETIME_FORMAT")

    def span(self, delta: dt.timedelta) -> str:
        seconds = abs(delta.total_seconds())
        if seconds < 3600:
            return self.minutes % {"n": max(1, seconds // 60)}
        if seconds < 48 * 3600:
            return self.hours % {"n": seconds // 3600}
        return self.days % {"n": seconds // 86400}

    def text(self, due: dt.datetime) -> tuple[str, str]:
        """("due in 5 h" or "overdue by 2 d", its state: "overdue", "soon" or "later")."""
        delta = due - self.now
        if delta.total_seconds() < 0:
            return self.overdue % {"span": self.span(delta)}, "overdue"
        state = "soon" if delta <= SOON else "later"
        return self.due_in % {"span": self.span(delta)}, state

    def html(self, due: dt.datetime | None) -> str:
        """The time left, worded, in a ``<time>`` with the local date on hover."""
        if due is None:
            return "—"
        text, state = self.text(due)
        return format_html(
            '<time class="countdown countdown-{}" datetime="{}" title="{}">{}</time>',
            state,
            due.isoformat(),
            dateformat.format(timezone.localtime(due), self.date_format),
            text,
        )


def countdown_text(due: dt.datetime, now: dt.datetime | None = None) -> tuple[str, str]:
    """("due in 5 h" or "overdue by 2 d", its state: "overdue", "soon" or "later")."""
    return Clock(now).text(due)


@register.simple_tag
def countdown(due):
    """``{% countdown referral.next_due %}``: the time left, worded, with the date on hover.
    For many rows, build one ``Clock`` in the view instead."""
    return Clock().html(due)


@register.simple_tag
def referrals_waiting(user) -> int:
    """Referrals waiting for the user's unit to acknowledge or answer (one COUNT, and only
    for those who answer referrals)."""
    if not can(user, Action.REFERRAL_RESPOND) or user.unit_id is None:
        return 0
    return selectors.inbox_counts(user=user)["waiting"]


@register.inclusion_tag("referrals/_menu.html", takes_context=True)
def referrals_menu(context) -> dict:
    """The menu's referral link: the inbox for those who answer referrals, the unit's sent
    referrals for those who send them (a supervisor gets the one their unit's kind calls
    for), with the waiting referrals and the unread messages counted."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"link": None}
    responds = can(user, Action.REFERRAL_RESPOND)
    sends = can(user, Action.REFERRAL_SEND)
    current = context.get("current", "")
    if responds and (not sends or user.unit_id is None or user.unit.kind in RECIPIENT_UNIT_KINDS):
        name, label = "referrals:inbox", _("Referrals")
        waiting = selectors.inbox_counts(user=user)["waiting"] if user.unit_id else 0
    elif sends:
        name, label, waiting = "referrals:sent", _("Sent referrals"), 0
    else:
        return {"link": None}
    unread = context.get("unread_messages")
    return {
        "link": {"name": name, "label": label, "current": current == name},
        "waiting": waiting,
        "unread": selectors.unread_count(user=user) if unread is None else unread,
    }


@register.filter
def outcome_figures(outcome) -> str:
    """The key figures of an outcome in a line: how many, where, with whom, how much."""
    parts: list[str] = []
    if outcome.count:
        parts.append(ngettext("%(n)d person", "%(n)d people", outcome.count) % {"n": outcome.count})
    if outcome.organisers:
        parts.append(_("organisers: %(n)d") % {"n": outcome.organisers})
    if outcome.couriers:
        parts.append(_("couriers: %(n)d") % {"n": outcome.couriers})
    if outcome.place:
        parts.append(outcome.place)
    if outcome.countries:
        parts.append(", ".join(str(Country(code).name) for code in outcome.countries))
    if outcome.counterpart_country:
        parts.append(str(outcome.counterpart_country.name))
    if outcome.legal_basis:
        parts.append(outcome.get_legal_basis_display())
    if outcome.offence:
        parts.append(outcome.offence)
    if outcome.mla_result:
        parts.append(outcome.get_mla_result_display())
    if outcome.mla_days is not None:
        parts.append(
            ngettext("answered in %(n)d day", "answered in %(n)d days", outcome.mla_days)
            % {"n": outcome.mla_days}
        )
    if outcome.refusal_grounds:
        parts.append(_("grounds: %(text)s") % {"text": outcome.refusal_grounds})
    if outcome.sentence:
        parts.append(outcome.sentence)
    if outcome.value is not None:
        parts.append(f"{number_format(outcome.value, 2, force_grouping=True)} {outcome.currency}")
    if outcome.close_reason:
        parts.append(outcome.get_close_reason_display())
    return " · ".join(parts) or "—"
