"""Demo referrals: who receives seizures, the default rules, and a plausible history.

``referrals_seed`` gives the demo's investigating units, NCBs, Ecuador's prosecution office
and Ghana's FIU a recipient each, adds two foreign counterparts reached by e-mail, writes
the default rules per seizing country, routes every submitted seizure that has none yet
and answers a seeded-random share of the referrals the way recipients do: most are
acknowledged, many accepted, some declined, some under investigation, a few closed and
a few left overdue. Running it again adds only what is missing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Subquery
from django.utils import timezone

from casetracker.core.choices import HandlingCode, UnitKind
from casetracker.core.models import Unit
from seizures.choices import CommodityCategory, QuantityUnit, SeizureStatus, Substance
from seizures.models import Seizure, SeizureGroupObjectPermission, SeizureShare
from seizures.sharing import RECIPIENT_PERMS

from . import deadlines, notifications, routing, services
from .choices import (
    ClosingOutcome,
    DeclineReason,
    LegalBasis,
    MlaResult,
    Origin,
    OutcomeKind,
    RecipientKind,
    ReferralStatus,
    RouteRole,
)
from .models import (
    RESPONDER_ROLES,
    Notification,
    Outcome,
    Recipient,
    Referral,
    ReferralEvent,
    RoutingJob,
    RoutingRule,
)

# Messages (new referral, reminders, escalations) are written for the referrals of the
# last weeks only: the inboxes look lived in without rendering hundreds of old ones.
NOTIFY_RECENT = dt.timedelta(days=14)

# Units that receive referrals, with the prefix of their own case numbers.
RECIPIENT_UNITS = {
    "EC-INV": "DNIA",
    "BE-INV": "FGP-ANT",
    "GH-INV": "NACOC",
    "EC-NCB": "NCB-UIO",
    "BE-NCB": "NCB-BRU",
    "GH-NCB": "NCB-ACC",
    "EC-FGE": "FEDO",
    "GH-FIC": "FIC",
}


@dataclass(frozen=True)
class Counterpart:
    name: str
    country: str
    email: str
    language: str
    case_prefix: str


COUNTERPARTS = (
    Counterpart(
        "Policía Nacional de Colombia – Dirección de Antinarcóticos",
        "CO",
        "antinarcoticos.colombia@example.org",
        "es",
        "DIRAN",
    ),
    Counterpart(
        "Policía Nacional de Panamá – Dirección Nacional Antidrogas",
        "PA",
        "antidrogas.panama@example.org",
        "es",
        "DNA-PA",
    ),
)


@dataclass(frozen=True)
class RuleSpec:
    name: str
    recipient: str  # a unit code or a counterpart's e-mail
    handling_code: int
    ack_hours: int
    respond_days: int
    priority: int
    conditions: dict


def default_rules() -> list[RuleSpec]:
    """Per seizing country: everything to the investigators, the NCB when a foreign country
    is on the route; cash to Ghana's FIU and big cocaine seizures to Ecuador's prosecutors;
    the counterpart of a country the shipment came from or passed through."""
    specs = []
    for country, name in (("EC", "Ecuador"), ("BE", "Belgium"), ("GH", "Ghana")):
        specs += [
            RuleSpec(
                f"Every seizure in {name} to the investigating unit",
                f"{country}-INV",
                HandlingCode.H1,
                24,
                7,
                10,
                {"seizing_countries": [country]},
            ),
            RuleSpec(
                f"Foreign country on the route of a seizure in {name} to the NCB",
                f"{country}-NCB",
                HandlingCode.H2,
                48,
                14,
                20,
                {"seizing_countries": [country], "foreign_on_route": True},
            ),
        ]
    specs += [
        RuleSpec(
            "Cash seized in Ghana to the Financial Intelligence Centre",
            "GH-FIC",
            HandlingCode.H1,
            24,
            10,
            30,
            {"seizing_countries": ["GH"], "commodities": [CommodityCategory.CASH]},
        ),
        RuleSpec(
            "Cocaine from 500 kg seized in Ecuador to the prosecution office",
            "EC-FGE",
            HandlingCode.H1,
            24,
            5,
            30,
            {
                "seizing_countries": ["EC"],
                "commodities": [CommodityCategory.DRUGS],
                "substances": [Substance.COCAINE],
                "min_quantity": Decimal("500"),
                "quantity_unit": QuantityUnit.KILOGRAM,
            },
        ),
        RuleSpec(
            "Shipments loaded in Colombia to the Colombian anti-narcotics police",
            COUNTERPARTS[0].email,
            HandlingCode.H2,
            72,
            21,
            40,
            {"route_countries": ["CO"], "route_role": RouteRole.ORIGIN},
        ),
        # Panama is where cocaine bound for Europe and West Africa is transhipped rather
        # than loaded, so its counterpart hears of cocaine that passed through.
        RuleSpec(
            "Cocaine transhipped in Panama to the Panamanian anti-narcotics police",
            COUNTERPARTS[1].email,
            HandlingCode.H2,
            72,
            21,
            40,
            {
                "substances": [Substance.COCAINE],
                "route_countries": ["PA"],
                "route_role": RouteRole.TRANSIT,
            },
        ),
    ]
    return specs


# --- recipients and rules ------------------------------------------------------------------


def recipients_ensure() -> dict[str, Recipient]:
    """A recipient per demo unit that exists and per counterpart, keyed by unit code or
    e-mail; existing ones (perhaps edited by an administrator) are left as they are."""
    recipients: dict[str, Recipient] = {}
    for unit in Unit.objects.filter(code__in=RECIPIENT_UNITS):
        recipient = Recipient.objects.filter(unit=unit).first()
        if recipient is None:
            recipient = Recipient(
                name=unit.name, kind=RecipientKind.UNIT, unit=unit, country=unit.country
            )
            recipient.full_clean()
            recipient.save()
        recipients[unit.code] = recipient
    for spec in COUNTERPARTS:
        recipient = Recipient.objects.filter(kind=RecipientKind.EXTERNAL, email=spec.email).first()
        if recipient is None:
            recipient = Recipient(
                name=spec.name,
                kind=RecipientKind.EXTERNAL,
                email=spec.email,
                country=spec.country,
                language=spec.language,
            )
            recipient.full_clean()
            recipient.save()
        recipients[spec.email] = recipient
    return recipients


def rules_ensure(recipients: dict[str, Recipient]) -> int:
    """The default rules, by name; returns how many were created."""
    created = 0
    for spec in default_rules():
        recipient = recipients.get(spec.recipient)
        if recipient is None or RoutingRule.objects.filter(name=spec.name).exists():
            continue
        rule = RoutingRule(
            name=spec.name,
            priority=spec.priority,
            recipient=recipient,
            handling_code=spec.handling_code,
            ack_hours=spec.ack_hours,
            respond_days=spec.respond_days,
            **spec.conditions,
        )
        rule.full_clean()
        rule.save()
        created += 1
    return created


# --- routing the seizures that have no referrals yet ----------------------------------------


def seizures_waiting() -> list[int]:
    """Submitted seizures without referrals, oldest first."""
    return list(
        Seizure.objects.filter(status=SeizureStatus.SUBMITTED, referrals__isnull=True)
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)
    )


def seizures_route(waiting: list[int]) -> list[int]:
    """Route ``waiting`` through the routing service; returns the new referrals' ids.

    Seizures submitted before any rule existed have a routing job already done (with
    nothing to send): it is opened again, as an administrator would after adding rules.
    """
    have_job = set(
        RoutingJob.objects.filter(seizure_id__in=waiting).values_list("seizure_id", flat=True)
    )
    RoutingJob.objects.bulk_create(
        [RoutingJob(seizure_id=pk) for pk in waiting if pk not in have_job]
    )
    RoutingJob.objects.filter(seizure_id__in=waiting).update(done_at=None)
    created = []
    for pk in waiting:
        created += [referral.pk for referral in routing.seizure_route(seizure_id=pk)]
    return created


# --- a history of answers --------------------------------------------------------------------

DECLINE_REASONS = (
    (DeclineReason.NOT_COMPETENT, 3),
    (DeclineReason.ALREADY_INVESTIGATED, 3),
    (DeclineReason.INSUFFICIENT_INFORMATION, 2),
    (DeclineReason.NO_LINK, 2),
    (DeclineReason.NO_RESOURCES, 1),
    (DeclineReason.OTHER, 1),
)
OTHER_DECLINE_TEXTS = (
    "The consignee is a front company already covered by a joint investigation team.",
    "Handed to the customs investigation service, which leads on this route.",
)
OUTCOMES = (
    ClosingOutcome.CHARGES_FILED,
    ClosingOutcome.HANDED_TO_PROSECUTION,
    ClosingOutcome.MERGED,
    ClosingOutcome.NO_SUSPECT_IDENTIFIED,
    ClosingOutcome.INSUFFICIENT_EVIDENCE,
)


@dataclass
class Story:
    """When each step of one referral happened (None: not reached)."""

    sent: dt.datetime
    acknowledged: dt.datetime | None = None
    decided: dt.datetime | None = None
    declined: bool = False
    investigating: dt.datetime | None = None
    closed: dt.datetime | None = None


def story(rng: random.Random, referral: Referral, sent: dt.datetime, now) -> Story:
    """What happened to ``referral`` sent at ``sent``, drawn so older referrals are further
    along: a step only happened if its moment is already past."""
    told = Story(sent=sent)
    ack_hours = (referral.ack_due_at - referral.sent_at).total_seconds() / 3600
    respond_days = (referral.respond_due_at - referral.sent_at).days
    never = 0.25 if referral.recipient.is_external else 0.05  # overdue, never acknowledged
    if rng.random() < never:
        return told
    # Most acknowledge within the time allowed, a few late.
    acknowledged = sent + dt.timedelta(hours=ack_hours * rng.choice((0.1, 0.3, 0.5, 0.7, 1.3)))
    if acknowledged > now:
        return told
    told.acknowledged = acknowledged
    if rng.random() < 0.06:  # acknowledged, then left waiting: the answer is overdue
        return told
    decided = acknowledged + dt.timedelta(days=respond_days * rng.uniform(0.1, 0.9))
    if decided > now:
        return told
    told.decided = decided
    ncb = referral.recipient.unit_id and referral.recipient.unit.kind == UnitKind.NCB
    told.declined = rng.random() < (0.2 if ncb or referral.recipient.is_external else 0.08)
    if told.declined or rng.random() < 0.35:
        return told
    investigating = decided + dt.timedelta(days=rng.uniform(1, 20))
    if investigating > now:
        return told
    told.investigating = investigating
    closed = investigating + dt.timedelta(days=rng.uniform(30, 300))
    if closed < now and rng.random() < 0.4:
        told.closed = closed
    return told


def _actor(referral: Referral):
    if referral.recipient.is_external:
        return services.ExternalActor(referral_id=referral.pk)
    return _actor_of(referral.recipient)


def _actor_of(recipient: Recipient):
    """The member of a unit recipient who answers in the demo (None for external ones)."""
    if recipient.unit_id is None:
        return None
    return (
        recipient.unit.members.filter(is_active=True, role__in=RESPONDER_ROLES)
        .order_by("role", "username")
        .first()
    )


def _tell(rng: random.Random, referral: Referral, told: Story, case_numbers: Counter) -> None:
    """Move ``referral`` through the services as its story says."""
    actor = _actor(referral)
    if actor is None or told.acknowledged is None:
        return
    services.referral_acknowledge(actor=actor, referral=referral)
    if told.decided is None:
        return
    if told.declined:
        reason = rng.choices(*zip(*DECLINE_REASONS, strict=True))[0]
        text = rng.choice(OTHER_DECLINE_TEXTS) if reason == DeclineReason.OTHER else ""
        services.referral_decline(actor=actor, referral=referral, reason=reason, text=text)
        return
    services.referral_accept(actor=actor, referral=referral)
    if told.investigating is None:
        return
    prefix = case_prefix(referral.recipient)
    case_numbers[prefix] += 1
    case_number = f"{prefix}-{told.investigating.year}-{case_numbers[prefix]:04d}"
    services.referral_open_investigation(actor=actor, referral=referral, case_number=case_number)
    if told.closed is not None:
        services.referral_close(actor=actor, referral=referral, outcome=rng.choice(OUTCOMES))


def case_prefix(recipient: Recipient) -> str:
    if recipient.unit_id:
        return RECIPIENT_UNITS.get(recipient.unit.code, recipient.unit.code)
    spec = next((c for c in COUNTERPARTS if c.email == recipient.email), None)
    return spec.case_prefix if spec else "REF"


def _backdate(referral: Referral, told: Story) -> None:
    """The services stamp "now"; the demo's referral moved back then. Dates, deadlines,
    events, the share and the e-mails are rewritten with ``QuerySet.update`` (no service
    changes a date after the fact, and none should)."""
    times = routing.deadlines(
        sent_at=told.sent,
        ack_hours=round((referral.ack_due_at - referral.sent_at).total_seconds() / 3600),
        respond_days=(referral.respond_due_at - referral.sent_at).days,
    )
    Referral.objects.filter(pk=referral.pk).update(
        **times,
        acknowledged_at=told.acknowledged,
        decided_at=told.decided,
        investigating_at=told.investigating,
        closed_at=told.closed,
    )
    when = {
        ReferralStatus.SENT: told.sent,
        ReferralStatus.ACKNOWLEDGED: told.acknowledged,
        ReferralStatus.ACCEPTED: told.decided,
        ReferralStatus.DECLINED: told.decided,
        ReferralStatus.INVESTIGATING: told.investigating,
        ReferralStatus.CLOSED: told.closed,
    }
    for status, at in when.items():
        if at is not None:
            ReferralEvent.objects.filter(referral=referral, to_status=status).update(at=at)
    share = SeizureShare.objects.filter(seizure_id=referral.seizure_id)
    if referral.recipient.unit_id:
        share.filter(unit_id=referral.recipient.unit_id).update(
            shared_at=told.sent, revoked_at=told.decided if told.declined else None
        )
    by_key = {"sent": told.sent, "declined": told.decided}
    for key, at in by_key.items():
        if at is not None:
            Notification.objects.filter(referral=referral, key=key).update(created_at=at)


# What the deadline task stamps on a referral, when, in which states, under which key.
_DEADLINE_STEPS = (
    ("ack_reminded_at", "ack_remind_at", [ReferralStatus.SENT], "ack_reminder"),
    ("ack_escalated_at", "ack_due_at", [ReferralStatus.SENT], "ack_overdue"),
    (
        "respond_reminded_at",
        "respond_remind_at",
        [ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED],
        "respond_reminder",
    ),
    (
        "respond_escalated_at",
        "respond_due_at",
        [ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED],
        "respond_overdue",
    ),
)


def _deadlines_backdate(referral_ids: list[int], *, after: int) -> None:
    """Open referrals whose moments passed were reminded and escalated back then. Those of
    the last weeks go through the deadline task (so supervisors see the escalations), older
    ones are only stamped (as for their "new referral" messages: rendering hundreds of
    messages nobody reads would slow the demo's start); all is dated to when it was due."""
    now = timezone.now()
    ours = Referral.objects.filter(pk__in=referral_ids)
    old = ours.filter(sent_at__lt=now - NOTIFY_RECENT)
    for stamp, due, statuses, _key in _DEADLINE_STEPS:
        old.filter(**{f"{stamp}__isnull": True, f"{due}__lte": now, "status__in": statuses}).update(
            **{stamp: F(due)}
        )
    deadlines.deadlines_check()
    for stamp, due, _statuses, key in _DEADLINE_STEPS:
        ours.filter(**{f"{stamp}__isnull": False}).update(**{stamp: F(due)})
        moment = Referral.objects.filter(pk=OuterRef("referral_id")).values(due)[:1]
        Notification.objects.filter(key=key, pk__gt=after, referral_id__in=referral_ids).update(
            created_at=Subquery(moment)
        )


def _mark_mailed(*, after: int, now: dt.datetime) -> None:
    """The demo's e-mails went out back then: mark them sent, so that starting the demo
    does not print hundreds of them on the console; those older than a few days were read.
    """
    ours = Notification.objects.filter(pk__gt=after)
    ours.filter(sent_at__isnull=True).update(
        enqueued_at=F("created_at"), sent_at=F("created_at"), attempts=1
    )
    ours.filter(created_at__lt=now - dt.timedelta(days=3)).update(
        read_at=F("created_at") + dt.timedelta(hours=2)
    )


# --- the bulk path ------------------------------------------------------------------------

_STATUS = (
    (lambda t: t.closed, ReferralStatus.CLOSED),
    (lambda t: t.investigating, ReferralStatus.INVESTIGATING),
    (lambda t: t.decided and t.declined, ReferralStatus.DECLINED),
    (lambda t: t.decided, ReferralStatus.ACCEPTED),
    (lambda t: t.acknowledged, ReferralStatus.ACKNOWLEDGED),
)


def _status(told: Story) -> str:
    return next((status for reached, status in _STATUS if reached(told)), ReferralStatus.SENT)


def _history(
    rng, referral: Referral, told: Story, actor, case_numbers: Counter
) -> list[ReferralEvent]:
    """Fill in the answers ``told`` on an unsaved referral; its events, as the services
    would have recorded them."""
    external = referral.recipient.is_external
    events = [(told.sent, "", ReferralStatus.SENT, None, {"origin": Origin.RULE})]
    previous = ReferralStatus.SENT
    referral.acknowledged_at = told.acknowledged
    if told.acknowledged:
        events.append((told.acknowledged, previous, ReferralStatus.ACKNOWLEDGED, actor, {}))
        previous = ReferralStatus.ACKNOWLEDGED
    referral.decided_at = told.decided
    if told.decided and told.declined:
        reason = rng.choices(*zip(*DECLINE_REASONS, strict=True))[0]
        referral.decline_reason = reason
        if reason == DeclineReason.OTHER:
            referral.decline_text = rng.choice(OTHER_DECLINE_TEXTS)
        events.append((told.decided, previous, ReferralStatus.DECLINED, actor, {"reason": reason}))
    elif told.decided:
        events.append((told.decided, previous, ReferralStatus.ACCEPTED, actor, {}))
        previous = ReferralStatus.ACCEPTED
    if told.investigating:
        prefix = case_prefix(referral.recipient)
        case_numbers[prefix] += 1
        referral.case_number = f"{prefix}-{told.investigating.year}-{case_numbers[prefix]:04d}"
        referral.investigating_at = told.investigating
        details = {"case_number": referral.case_number}
        events.append((told.investigating, previous, ReferralStatus.INVESTIGATING, actor, details))
        previous = ReferralStatus.INVESTIGATING
    if told.closed:
        referral.closed_at = told.closed
        referral.outcome = rng.choice(OUTCOMES)
        details = {"outcome": referral.outcome}
        events.append((told.closed, previous, ReferralStatus.CLOSED, actor, details))
    return [
        ReferralEvent(
            from_status=before,
            to_status=after,
            at=at,
            by=by,
            by_external=external and after != ReferralStatus.SENT,
            details={"handling_code": referral.handling_code, **details}
            if after == ReferralStatus.SENT
            else details,
        )
        for at, before, after, by, details in events
    ]


def _write_bulk(waiting: list[int], rng: random.Random, now: dt.datetime) -> list[int]:
    """The same decisions and stories as the services, written with ``bulk_create``: the
    referrals with their final state and dates, their events, the recipient units' shares
    and grants, and the routing jobs marked done. Hundreds of seizures in seconds where
    the services take a minute; the "new referral" messages of the last weeks still go
    through ``notifications.notify`` so the inboxes look lived in."""
    rules = routing.rules_active()
    seizures = (
        Seizure.objects.filter(pk__in=waiting).select_related("unit").prefetch_related("items")
    )
    by_pk = {seizure.pk: seizure for seizure in seizures}
    actors = {rule.recipient.pk: _actor_of(rule.recipient) for rule, _units in rules}
    case_numbers: Counter = Counter()
    referrals, events = [], []
    for pk in waiting:
        seizure = by_pk[pk]
        sent = min(seizure.submitted_at + dt.timedelta(minutes=rng.randint(1, 12)), now)
        decisions = routing.decisions_for(routing.SeizureFacts.of(seizure), rules)
        for decision in sorted(decisions, key=lambda d: d.recipient.name):
            fields = {
                "seizure": seizure,
                "recipient": decision.recipient,
                "handling_code": decision.handling_code,
                "origin": Origin.RULE,
                "reasons": decision.reasons,
                **routing.deadlines(
                    sent_at=sent,
                    ack_hours=decision.ack_hours,
                    respond_days=decision.respond_days,
                ),
            }
            told = story(rng, Referral(**fields), sent, now)
            actor = actors.get(decision.recipient.pk)
            if actor is None and not decision.recipient.is_external:
                told = Story(sent=sent)  # nobody there to answer
            # The state is given at creation: the machine refuses setting it afterwards.
            referral = Referral(**fields, status=_status(told))
            events.append(_history(rng, referral, told, actor, case_numbers))
            referrals.append(referral)
    Referral.objects.bulk_create(referrals, batch_size=500)
    for referral, history in zip(referrals, events, strict=True):
        for event in history:
            event.referral = referral
    ReferralEvent.objects.bulk_create([e for h in events for e in h], batch_size=500)
    _shares_bulk(referrals)
    jobs = Counter(referral.seizure_id for referral in referrals)
    have_job = set(
        RoutingJob.objects.filter(seizure_id__in=waiting).values_list("seizure_id", flat=True)
    )
    RoutingJob.objects.bulk_create(
        [RoutingJob(seizure_id=pk) for pk in waiting if pk not in have_job]
    )
    for pk in waiting:
        RoutingJob.objects.filter(seizure_id=pk).update(done_at=now, referrals_created=jobs[pk])
    for referral in referrals:
        if referral.sent_at > now - NOTIFY_RECENT:
            notifications.notify(
                referral=referral,
                key="sent",
                template="sent",
                addressees=notifications.responders(referral.recipient),
            )
            Notification.objects.filter(referral=referral, key="sent").update(
                created_at=referral.sent_at
            )
    return [referral.pk for referral in referrals]


def _shares_bulk(referrals: list[Referral]) -> None:
    """What ``seizure_share`` (and ``seizure_unshare`` on declining) leave, in bulk."""
    perms = list(
        Permission.objects.filter(
            content_type__app_label="seizures",
            codename__in=[perm.split(".")[1] for perm in RECIPIENT_PERMS],
        ).values_list("pk", flat=True)
    )
    to_units = [r for r in referrals if r.recipient.unit_id]
    shares = SeizureShare.objects.bulk_create(
        [
            SeizureShare(
                seizure_id=r.seizure_id,
                unit_id=r.recipient.unit_id,
                handling_level=r.handling_code,
                revoked_at=r.decided_at if r.status == ReferralStatus.DECLINED else None,
            )
            for r in to_units
        ],
        batch_size=500,
    )
    # shared_at is stamped on creation: dated back to the referral like everything else.
    for share, referral in zip(shares, to_units, strict=True):
        SeizureShare.objects.filter(pk=share.pk).update(shared_at=referral.sent_at)
    SeizureGroupObjectPermission.objects.bulk_create(
        [
            SeizureGroupObjectPermission(
                permission_id=perm,
                group_id=r.recipient.unit.group_id,
                content_object_id=r.seizure_id,
            )
            for r in to_units
            if r.status != ReferralStatus.DECLINED
            for perm in perms
        ],
        batch_size=500,
        ignore_conflicts=True,
    )


# --- both together -----------------------------------------------------------------------

# Above this many seizures to route, the bulk path; below it, the services.
BULK_ABOVE = 40


@dataclass(frozen=True)
class ReferralsSeedResult:
    recipients: int
    rules: int
    referrals: int
    states: dict[str, int]
    bulk: bool
    seconds: float


@transaction.atomic
def referrals_seed(*, seed: int = 1, bulk_above: int = BULK_ABOVE) -> ReferralsSeedResult:
    """Recipients, default rules, routing of unrouted seizures, and a history of answers.

    One transaction: the e-mails the services queue for after commit find themselves
    already sent (``_mark_mailed``) and are not printed again.
    """
    started = timezone.now()
    last_notification = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    recipients = recipients_ensure()
    rules = rules_ensure(recipients)
    waiting = seizures_waiting()
    rng = random.Random(seed)
    bulk = len(waiting) > bulk_above
    if bulk:
        created = _write_bulk(waiting, rng, started)
    else:
        created = seizures_route(waiting)
        _answer(created, rng, started)
    if created:
        _deadlines_backdate(created, after=last_notification)
        _outcomes_write(created, rng, started)
    _mark_mailed(after=last_notification, now=started)
    states = dict(
        Referral.objects.filter(pk__in=created)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return ReferralsSeedResult(
        recipients=len(recipients),
        rules=rules,
        referrals=len(created),
        states=states,
        bulk=bulk,
        seconds=(timezone.now() - started).total_seconds(),
    )


# What investigations achieved, step by step: each step happens to a share of those that
# reached the one before, so the evaluators' funnel narrows as it does in real follow-up.
# (kind, share of the previous step, days after it, lowest and highest)
OUTCOME_STEPS = (
    (OutcomeKind.SUSPECTS_IDENTIFIED, 0.7, (5, 60)),
    (OutcomeKind.ARREST, 0.6, (3, 90)),
    (OutcomeKind.CHARGES, 0.7, (20, 120)),
    (OutcomeKind.CONVICTION, 0.5, (90, 365)),
    (OutcomeKind.NETWORK_DISMANTLED, 0.25, (30, 200)),
)
# Beside the steps, once an investigation is open: (kind, chance).
OUTCOME_FLAGS = (
    (OutcomeKind.MLA_SENT, 0.18),
    (OutcomeKind.JOINT_INVESTIGATION, 0.05),
    (OutcomeKind.CONTROLLED_DELIVERY, 0.06),
    (OutcomeKind.ASSETS_FROZEN, 0.1),
)
MLA_COUNTERPARTS = ("CO", "PA", "ES", "NL", "BR", "PE", "MA")
JUSTIFICATION = "Recorded from the case file."


def _outcomes_write(created: list[int], rng: random.Random, now: dt.datetime) -> None:
    """Outcomes of the investigations the demo opened, written in bulk (``ladder_rebuild``
    runs after the seeds and reads them)."""
    today = now.date()
    outcomes = []
    for referral in (
        Referral.objects.filter(pk__in=created, investigating_at__isnull=False)
        .only("pk", "seizure_id", "investigating_at")
        .order_by("pk")
    ):
        day = referral.investigating_at.date()
        happened = []
        for kind, chance in OUTCOME_FLAGS:
            on = day + dt.timedelta(days=rng.randint(2, 40))
            if rng.random() < chance and on <= today:
                happened.append((kind, on))
        for kind, chance, (low, high) in OUTCOME_STEPS:
            day += dt.timedelta(days=rng.randint(low, high))
            if rng.random() >= chance or day > today:
                break
            happened.append((kind, day))
        outcomes += [
            Outcome(
                referral_id=referral.pk,
                seizure_id=referral.seizure_id,
                kind=kind,
                occurred_on=on,
                justification=JUSTIFICATION,
                recorded_via="app",
                **_outcome_fields(kind, rng, on, today),
            )
            for kind, on in happened
        ]
    Outcome.objects.bulk_create(outcomes, batch_size=1000)


def _outcome_fields(kind: str, rng: random.Random, on: dt.date, today: dt.date) -> dict:
    if kind in (OutcomeKind.SUSPECTS_IDENTIFIED, OutcomeKind.ARREST):
        return {"count": rng.randint(1, 6)}
    if kind == OutcomeKind.CHARGES:
        return {"count": rng.randint(1, 4), "offence": "Drug trafficking"}
    if kind == OutcomeKind.CONVICTION:
        return {
            "count": rng.randint(1, 3),
            "offence": "Drug trafficking",
            "sentence": f"{rng.randint(4, 15)} years",
        }
    if kind == OutcomeKind.JOINT_INVESTIGATION:
        return {"countries": rng.sample(MLA_COUNTERPARTS, 2)}
    if kind == OutcomeKind.ASSETS_FROZEN:
        return {"value": Decimal(rng.randrange(20_000, 2_000_000, 1000)), "currency": "USD"}
    if kind == OutcomeKind.MLA_SENT:
        answered = on + dt.timedelta(days=rng.randint(20, 240))
        result = rng.choice(
            (MlaResult.EXECUTED, MlaResult.EXECUTED, MlaResult.PARTLY, MlaResult.REFUSED)
        )
        if answered > today:
            answered, result = None, MlaResult.PENDING
        return {
            "counterpart_country": rng.choice(MLA_COUNTERPARTS),
            "offence": "Drug trafficking",
            "legal_basis": rng.choice(
                (LegalBasis.CONVENTION_1988, LegalBasis.CONVENTION_1988, LegalBasis.BILATERAL)
            ),
            "mla_result": result,
            "answered_on": answered,
            "refusal_grounds": "Dual criminality not established."
            if result == MlaResult.REFUSED
            else "",
        }
    return {}


def _answer(created: list[int], rng: random.Random, now: dt.datetime) -> None:
    """Move the referrals the routing service just sent through the life-cycle services,
    then date everything back to when it happened."""
    case_numbers: Counter = Counter()
    referrals = (
        Referral.objects.filter(pk__in=created)
        .select_related("seizure", "recipient", "recipient__unit")
        .order_by("seizure__submitted_at", "seizure__pk", "recipient__name")
    )
    for referral in referrals:
        # Routing ran within minutes of the submission.
        sent = min(referral.seizure.submitted_at + dt.timedelta(minutes=rng.randint(1, 12)), now)
        told = story(rng, referral, sent, now)
        if _actor(referral) is None:
            told = Story(sent=sent)  # nobody there to answer
        _tell(rng, referral, told, case_numbers)
        _backdate(referral, told)
