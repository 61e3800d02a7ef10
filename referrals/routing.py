"""Which recipients a submitted seizure goes to, and why: the routing rules applied.

Matching is pure (a seizure's facts against a rule) so the same code explains a referral,
previews a rule and routes 10 000 seizures. ``seizure_route`` is the idempotent write
the Celery task calls: one referral per seizure and recipient, however often it runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from casetracker.core.choices import HandlingCode
from seizures.choices import PortCallRole
from seizures.models import Seizure

from .choices import Origin, RouteRole
from .models import Recipient, Referral, RoutingJob, RoutingRule, comparable

_ROUTE_ROLE = {
    PortCallRole.LOADING: RouteRole.ORIGIN,
    PortCallRole.TRANSHIPMENT: RouteRole.TRANSIT,
    PortCallRole.DISCHARGE: RouteRole.DESTINATION,
    PortCallRole.FINAL_DESTINATION: RouteRole.DESTINATION,
}


@dataclass(frozen=True)
class Item:
    category: str
    substance: str
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class SeizureFacts:
    """What rules look at, read once per seizure."""

    unit_id: int
    unit_code: str
    country: str
    items: tuple[Item, ...]
    # (route role, country) per stop, in order.
    route: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, seizure: Seizure) -> SeizureFacts:
        items = tuple(
            Item(i.category, i.substance, i.quantity, i.quantity_unit) for i in seizure.items.all()
        )
        route = tuple(
            (_ROUTE_ROLE[call.role], str(call.port.country))
            for call in seizure.port_calls.select_related("port").order_by("sequence")
        )
        return cls(
            unit_id=seizure.unit_id,
            unit_code=seizure.unit.code,
            country=str(seizure.unit.country),
            items=items,
            route=route,
        )


@dataclass
class Decision:
    """What the matching rules decided for one recipient (several rules may agree)."""

    recipient: Recipient
    handling_code: int = HandlingCode.H1
    ack_hours: int = 0
    respond_days: int = 0
    reasons: list[dict] = field(default_factory=list)

    def merge(self, rule: RoutingRule, conditions: list[dict]) -> None:
        """The strictest of every matching rule: the narrowest handling, the soonest
        deadlines. A piece the narrower rule would hide is never shown by a wider one."""
        if not self.reasons:
            self.handling_code = rule.handling_code
            self.ack_hours, self.respond_days = rule.ack_hours, rule.respond_days
        else:
            self.handling_code = max(self.handling_code, rule.handling_code)
            self.ack_hours = min(self.ack_hours, rule.ack_hours)
            self.respond_days = min(self.respond_days, rule.respond_days)
        self.reasons.append(
            {"kind": "rule", "rule_id": rule.pk, "rule": rule.name, "conditions": conditions}
        )


def _plain(number: Decimal) -> str:
    """500, not 5E+2 (what ``str(Decimal("500.000").normalize())`` gives)."""
    return format(number.normalize(), "f")


def rule_match(rule: RoutingRule, facts: SeizureFacts, seizing_unit_ids=None) -> list[dict] | None:
    """The conditions of ``rule`` that ``facts`` meet, as data for the explanation; None
    when any condition fails. ``seizing_unit_ids`` is the rule's unit list, when the caller
    has read it already (routing many seizures)."""
    met: list[dict] = []
    items = facts.items
    if rule.commodities:
        items = tuple(i for i in items if i.category in rule.commodities)
        if not items:
            return None
        met.append({"what": "commodity", "values": sorted({i.category for i in items})})
    if rule.substances:
        items = tuple(i for i in items if i.substance in rule.substances)
        if not items:
            return None
        met.append({"what": "substance", "values": sorted({i.substance for i in items})})
    if rule.min_quantity is not None:
        wanted = comparable(rule.min_quantity, rule.quantity_unit)
        heavy = [
            i
            for i in items
            if (have := comparable(i.quantity, i.unit))[0] == wanted[0] and have[1] >= wanted[1]
        ]
        if not heavy:
            return None
        biggest = max(heavy, key=lambda i: comparable(i.quantity, i.unit)[1])
        met.append(
            {
                "what": "quantity",
                "quantity": _plain(biggest.quantity),
                "unit": biggest.unit,
                "substance": biggest.substance or biggest.category,
                "min": _plain(rule.min_quantity),
                "min_unit": rule.quantity_unit,
            }
        )
    if seizing_unit_ids is None:
        seizing_unit_ids = {u.pk for u in rule.seizing_units.all()}
    if seizing_unit_ids:
        if facts.unit_id not in seizing_unit_ids:
            return None
        met.append({"what": "seizing_unit", "unit": facts.unit_code})
    seizing = {str(c) for c in rule.seizing_countries}
    if seizing:
        if facts.country not in seizing:
            return None
        met.append({"what": "seizing_country", "country": facts.country})
    wanted_route = {str(c) for c in rule.route_countries}
    if wanted_route:
        hits = [
            (role, country)
            for role, country in facts.route
            if country in wanted_route and rule.route_role in (RouteRole.ANY, role)
        ]
        if not hits:
            return None
        met.append(
            {
                "what": "route_country",
                "role": rule.route_role,
                "countries": sorted({country for _role, country in hits}),
            }
        )
    if rule.foreign_on_route:
        foreign = sorted({c for _role, c in facts.route if c != facts.country})
        if not foreign:
            return None
        met.append({"what": "foreign_on_route", "countries": foreign})
    if not met:
        met.append({"what": "every_seizure"})
    return met


def rules_active() -> list[tuple[RoutingRule, set[int]]]:
    """The active rules with their unit lists, read once (2 queries) for many seizures."""
    rules = list(
        RoutingRule.objects.filter(active=True, recipient__active=True)
        .select_related("recipient", "recipient__unit")
        .prefetch_related("seizing_units")
    )
    return [(rule, {u.pk for u in rule.seizing_units.all()}) for rule in rules]


def decisions_for(facts: SeizureFacts, rules=None) -> list[Decision]:
    """One decision per recipient that at least one active rule sends the seizure to."""
    if rules is None:
        rules = rules_active()
    decisions: dict[int, Decision] = {}
    for rule, unit_ids in rules:
        conditions = rule_match(rule, facts, unit_ids)
        if conditions is None:
            continue
        decision = decisions.setdefault(rule.recipient_id, Decision(recipient=rule.recipient))
        decision.merge(rule, conditions)
    for decision in decisions.values():
        abroad_floor(decision, seizing_country=facts.country)
    return list(decisions.values())


def abroad_floor(decision: Decision, *, seizing_country: str) -> None:
    """A recipient in another country sees pieces cleared to go abroad (H2) at least."""
    if str(decision.recipient.country) != seizing_country and decision.handling_code < 2:
        decision.handling_code = HandlingCode.H2
        decision.reasons.append({"kind": "abroad", "country": str(decision.recipient.country)})


def deadlines(*, sent_at: dt.datetime, ack_hours: int, respond_days: int) -> dict:
    """The due and reminder times of a referral sent at ``sent_at``.

    Reminders go out when three quarters of the time allowed has passed, so a 24-hour
    acknowledgement is reminded after 18 hours and a 14-day answer after 10.5 days.
    """
    ack_due = sent_at + dt.timedelta(hours=ack_hours)
    respond_due = sent_at + dt.timedelta(days=respond_days)
    return {
        "sent_at": sent_at,
        "ack_due_at": ack_due,
        "respond_due_at": respond_due,
        "ack_remind_at": sent_at + (ack_due - sent_at) * 3 / 4,
        "respond_remind_at": sent_at + (respond_due - sent_at) * 3 / 4,
    }


def routing_job_open(*, seizure: Seizure) -> RoutingJob:
    """The outbox row for routing ``seizure``, written in the submitting transaction; the
    task is enqueued once that transaction commits (see outbox.py)."""
    from . import outbox

    job, _created = RoutingJob.objects.get_or_create(seizure=seizure)
    outbox.enqueue_routing_on_commit(job.pk)
    return job


@transaction.atomic
def seizure_route(*, seizure_id: int) -> list[Referral]:
    """Apply the rules to a submitted seizure and send what they decide; idempotent.

    The job row is locked for the whole routing, so two workers routing the same seizure
    queue behind each other and the second finds the job done. Recipients already
    referred (by hand, or by an earlier run cut short, or withdrawn since) are left as
    they are.
    """
    from .services import referral_send

    job = RoutingJob.objects.select_for_update().filter(seizure_id=seizure_id).first()
    if job is None or job.done_at is not None:
        return []
    seizure = Seizure.objects.select_related("unit").get(pk=seizure_id)
    # Withdrawn referrals count too: a withdrawal is the sender's decision, and routing
    # run again (a redelivered task) must not undo it. Sending again is done by hand.
    already = set(Referral.objects.filter(seizure=seizure).values_list("recipient_id", flat=True))
    created = []
    for decision in decisions_for(SeizureFacts.of(seizure)):
        if decision.recipient.pk in already:
            continue
        created.append(
            referral_send(
                seizure=seizure,
                recipient=decision.recipient,
                handling_code=decision.handling_code,
                ack_hours=decision.ack_hours,
                respond_days=decision.respond_days,
                origin=Origin.RULE,
                reasons=decision.reasons,
                by=None,
            )
        )
    job.done_at = timezone.now()
    job.referrals_created = len(created)
    job.save(update_fields=["done_at", "referrals_created"])
    return created
