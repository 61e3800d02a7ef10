"""How far each seizure was followed up: the ladder, its flags and clocks.

Three layers, so that what is kept and what a rebuild gives are computed by one function:

- ``load_facts`` reads a batch of seizures' facts in five queries (seizures, referrals,
  outcomes, reported forensic tasks, confirmed links), whatever the batch's size;
- ``compute`` is pure: facts in, the seizure's ladder and each referral's out;
- ``refresh`` (one seizure, in the transaction of the event that moved it) and
  ``rebuild`` (every seizure, in batches) write the rows of ``models``.

The definitions (README, "The follow-up ladder"):

- A referral *counts* when it was sent to a recipient that takes a seizure further: an
  external counterpart, or a unit that investigates, an NCB, a prosecution office or a
  financial intelligence unit (``referrals.models.RECIPIENT_UNIT_KINDS``, the only units
  a referral can be addressed to). A withdrawn referral counts for nothing, nor do the
  outcomes recorded against it; a referral sent again after a withdrawal is a new
  referral and counts. A declined referral counts for what it reached (sent,
  acknowledged).
- Events: sent (rung 1), acknowledged (2), investigation opened with a case number (3),
  and the outcomes: suspects identified (4), arrests (5), charges (6), conviction (7),
  network dismantled or assets confiscated (8).
- ``reached[r]`` is the earliest instant of any counting event at rung r *or above*: a
  conviction recorded before anyone typed in the case number still puts the seizure on
  rungs 3 to 7 from the conviction's day, and the dates never go down as the rungs go up.
  The seizure's rung is the highest reached.
- Outcomes are dated by day: a day counts from its start (00:00) in the port's time zone,
  stored in UTC. No instant counts before the seizure itself: an earlier one (an outcome
  dated on the seizure's own day, a typo) counts from the seizure's instant. Nor does an
  outcome's rung count before its referral was sent: it counts from the sending.
- Flags and their dates: forensics done (the first forensic task reported), linked (the
  first confirmed link), international (a counting referral to an external recipient or
  one in another country than the port's, from its sending; or to an NCB, from its
  acknowledgement), joint investigation team, mutual legal assistance requested (sent),
  controlled delivery, assets frozen (frozen or confiscated).
- Clocks: hours from the seizure to rung 1, hours from rung 1 to rung 2; days to each rung
  are shown from the dates.
- Progress is a rung first reached or a flag first raised; ``last_progress_at`` is the
  latest of those and the seizure's own instant. A seizure below the top rung whose last
  progress is more than ``CASETRACKER_STALLED_DAYS`` old is *stalled*.

A referral's own ladder is the same computation over that referral's events alone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from casetracker.core import timezones
from casetracker.core.choices import UnitKind
from forensics.choices import LinkStatus, TaskStatus
from forensics.models import ForensicTask, SeizureLink
from referrals.choices import OutcomeKind, RecipientKind, ReferralStatus
from referrals.models import RECIPIENT_UNIT_KINDS, Outcome, Referral
from seizures.models import Seizure

from .choices import RUNG_FIELDS, Flag, Rung
from .models import ReferralProgress, SeizureProgress

OUTCOME_RUNGS = {
    OutcomeKind.SUSPECTS_IDENTIFIED: Rung.IDENTIFIED,
    OutcomeKind.ARREST: Rung.ARRESTED,
    OutcomeKind.CHARGES: Rung.CHARGED,
    OutcomeKind.CONVICTION: Rung.CONVICTED,
    OutcomeKind.NETWORK_DISMANTLED: Rung.DISMANTLED,
    OutcomeKind.ASSETS_CONFISCATED: Rung.DISMANTLED,
}
OUTCOME_FLAGS = {
    OutcomeKind.CONTROLLED_DELIVERY: Flag.CONTROLLED_DELIVERY,
    OutcomeKind.JOINT_INVESTIGATION: Flag.JOINT_INVESTIGATION,
    OutcomeKind.MLA_SENT: Flag.MLA,
    OutcomeKind.ASSETS_FROZEN: Flag.ASSETS_FROZEN,
    OutcomeKind.ASSETS_CONFISCATED: Flag.ASSETS_FROZEN,
}
LADDER_OUTCOMES = set(OUTCOME_RUNGS) | set(OUTCOME_FLAGS)


# --- facts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralFacts:
    id: int
    sent_at: dt.datetime
    acknowledged_at: dt.datetime | None
    investigating_at: dt.datetime | None
    case_number: str
    status: str
    recipient_kind: str
    recipient_unit_kind: str | None
    recipient_country: str


@dataclass(frozen=True)
class OutcomeFacts:
    referral_id: int
    kind: str
    occurred_on: dt.date


@dataclass
class SeizureFacts:
    id: int
    occurred_at: dt.datetime
    country: str
    timezone: str
    referrals: list[ReferralFacts] = field(default_factory=list)
    outcomes: list[OutcomeFacts] = field(default_factory=list)
    forensics_reported: list[dt.datetime] = field(default_factory=list)
    links_confirmed: list[dt.datetime] = field(default_factory=list)


# --- the pure computation ------------------------------------------------------------------


@dataclass
class Ladder:
    rung: int
    reached: dict[int, dt.datetime]
    flags: dict[str, dt.datetime]
    hours_to_referral: float | None
    hours_to_ack: float | None
    last_progress_at: dt.datetime

    @property
    def moved(self) -> bool:
        return bool(self.reached or self.flags)

    def columns(self) -> dict:
        """The progress row's values."""
        values = {"rung": self.rung, "last_progress_at": self.last_progress_at}
        values["hours_to_referral"] = self.hours_to_referral
        values["hours_to_ack"] = self.hours_to_ack
        for rung, name in RUNG_FIELDS.items():
            values[name] = self.reached.get(rung)
        for flag in Flag:
            values[flag.value] = self.flags.get(flag.value)
        return values


@dataclass
class SeizureLadder:
    seizure_id: int
    ladder: Ladder
    referrals: dict[int, tuple[Ladder, bool]]  # referral id -> (its own ladder, counts)


def day_start(day: dt.date, zone: str) -> dt.datetime:
    """The start of ``day`` at the port (its time zone), in UTC."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezones.zone(zone)).astimezone(dt.UTC)


def referral_counts(referral: ReferralFacts) -> bool:
    if referral.status == ReferralStatus.WITHDRAWN:
        return False
    if referral.recipient_kind == RecipientKind.EXTERNAL:
        return True
    return referral.recipient_unit_kind in RECIPIENT_UNIT_KINDS


def _earliest(flags: dict[str, dt.datetime], flag: str, at: dt.datetime | None) -> None:
    if at is not None and (flag not in flags or at < flags[flag]):
        flags[flag] = at


def _hours(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 3600


def _ladder(occurred_at, events: list[tuple[int, dt.datetime]], flags) -> Ladder:
    """The ladder over ``events`` ((rung, instant) pairs): see the module's definitions."""
    events = [(rung, max(at, occurred_at)) for rung, at in events]
    flags = {name: max(at, occurred_at) for name, at in flags.items()}
    reached: dict[int, dt.datetime] = {}
    earliest = None
    for rung in range(Rung.DISMANTLED, Rung.LOGGED, -1):
        for event_rung, at in events:
            if event_rung == rung and (earliest is None or at < earliest):
                earliest = at
        if earliest is not None:
            reached[rung] = earliest
    top = max(reached, default=Rung.LOGGED)
    moments = [occurred_at, *reached.values(), *flags.values()]
    return Ladder(
        rung=top,
        reached=reached,
        flags=flags,
        hours_to_referral=_hours(occurred_at, reached.get(Rung.REFERRED)),
        hours_to_ack=_hours(reached.get(Rung.REFERRED), reached.get(Rung.ACKNOWLEDGED)),
        last_progress_at=max(moments),
    )


def _referral_events(facts: SeizureFacts, referral: ReferralFacts, outcomes):
    events = [(Rung.REFERRED, referral.sent_at)]
    if referral.acknowledged_at:
        events.append((Rung.ACKNOWLEDGED, referral.acknowledged_at))
    if referral.investigating_at and referral.case_number:
        events.append((Rung.INVESTIGATING, referral.investigating_at))
    flags: dict[str, dt.datetime] = {}
    foreign = referral.recipient_kind == RecipientKind.EXTERNAL or (
        referral.recipient_country != facts.country
    )
    if foreign:
        _earliest(flags, Flag.INTERNATIONAL, referral.sent_at)
    if referral.recipient_unit_kind == UnitKind.NCB:
        _earliest(flags, Flag.INTERNATIONAL, referral.acknowledged_at)
    for outcome in outcomes:
        at = day_start(outcome.occurred_on, facts.timezone)
        if outcome.kind in OUTCOME_RUNGS:
            # What a referral's follow-up achieved cannot come before the referral: an
            # outcome dated earlier would date "referred" before it was sent, and make a
            # seizure moved on today look untouched for months.
            events.append((OUTCOME_RUNGS[outcome.kind], max(at, referral.sent_at)))
        if outcome.kind in OUTCOME_FLAGS:
            _earliest(flags, OUTCOME_FLAGS[outcome.kind], at)
    return events, flags


def compute(facts: SeizureFacts) -> SeizureLadder:
    """The seizure's ladder and each of its referrals' own, from its facts alone."""
    outcomes_of = defaultdict(list)
    for outcome in facts.outcomes:
        outcomes_of[outcome.referral_id].append(outcome)
    events: list[tuple[int, dt.datetime]] = []
    flags: dict[str, dt.datetime] = {}
    referrals = {}
    for referral in facts.referrals:
        own_events, own_flags = _referral_events(facts, referral, outcomes_of[referral.id])
        counts = referral_counts(referral)
        referrals[referral.id] = (_ladder(facts.occurred_at, own_events, own_flags), counts)
        if counts:
            events += own_events
            for name, at in own_flags.items():
                _earliest(flags, name, at)
    for at in facts.forensics_reported:
        _earliest(flags, Flag.FORENSICS, at)
    for at in facts.links_confirmed:
        _earliest(flags, Flag.LINKED, at)
    return SeizureLadder(facts.id, _ladder(facts.occurred_at, events, flags), referrals)


# --- reading facts in bulk -----------------------------------------------------------------


def _between(name: str, span: tuple[int, int]) -> dict:
    # Foreign keys have no __range lookup.
    return {f"{name}__gte": span[0], f"{name}__lte": span[1]}


def load_facts(seizure_ids: Iterable[int]) -> dict[int, SeizureFacts]:
    """The facts of these seizures, in five queries. The related rows are read by the
    range of the ids (an index range scan) and kept when their seizure was asked for."""
    ids = sorted(set(seizure_ids))
    if not ids:
        return {}
    span = (ids[0], ids[-1])
    facts = {
        pk: SeizureFacts(pk, occurred_at, str(country), tz or "UTC")
        for pk, occurred_at, country, tz in Seizure.objects.filter(pk__in=ids)
        .order_by()
        .values_list("pk", "occurred_at", "port__country", "port__timezone")
    }
    referrals = (
        Referral.objects.filter(**_between("seizure_id", span))
        .order_by("sent_at", "id")
        .values_list(
            "seizure_id",
            "id",
            "sent_at",
            "acknowledged_at",
            "investigating_at",
            "case_number",
            "status",
            "recipient__kind",
            "recipient__unit__kind",
            "recipient__country",
        )
    )
    for seizure_id, *row in referrals:
        if seizure_id in facts:
            *head, country = row
            facts[seizure_id].referrals.append(ReferralFacts(*head, str(country)))
    outcomes = (
        Outcome.objects.filter(**_between("seizure_id", span), kind__in=LADDER_OUTCOMES)
        .order_by()
        .values_list("seizure_id", "referral_id", "kind", "occurred_on")
    )
    for seizure_id, referral_id, kind, occurred_on in outcomes:
        if seizure_id in facts:
            facts[seizure_id].outcomes.append(OutcomeFacts(referral_id, kind, occurred_on))
    reported = (
        ForensicTask.objects.filter(**_between("seizure_id", span), status=TaskStatus.REPORTED)
        .exclude(reported_at=None)
        .order_by()
        .values_list("seizure_id", "reported_at")
    )
    for seizure_id, at in reported:
        if seizure_id in facts:
            facts[seizure_id].forensics_reported.append(at)
    links = (
        SeizureLink.objects.filter(
            Q(**_between("seizure_a_id", span)) | Q(**_between("seizure_b_id", span)),
            status=LinkStatus.CONFIRMED,
        )
        .exclude(decided_at=None)
        .order_by()
        .values_list("seizure_a_id", "seizure_b_id", "decided_at")
    )
    for a, b, at in links:
        for seizure_id in {a, b}:
            if seizure_id in facts:
                facts[seizure_id].links_confirmed.append(at)
    return facts


# --- writing the rows ----------------------------------------------------------------------


def _rows(ladders: Iterable[SeizureLadder]) -> tuple[list[dict], list[dict]]:
    seizure_rows, referral_rows = [], []
    for result in ladders:
        if result.ladder.moved:
            seizure_rows.append({"seizure_id": result.seizure_id, **result.ladder.columns()})
        for referral_id, (ladder, counts) in result.referrals.items():
            columns = ladder.columns()
            for name in (Flag.FORENSICS, Flag.LINKED):
                columns.pop(name.value)
            referral_rows.append(
                {
                    "referral_id": referral_id,
                    "seizure_id": result.seizure_id,
                    "counts": counts,
                    **columns,
                }
            )
    return seizure_rows, referral_rows


# Below this many rows the ORM's INSERT is as fast as COPY.
COPY_ABOVE = 100


def _insert(model, rows: list[dict]) -> None:
    """Insert ``rows`` (column values by attribute name). On PostgreSQL a rebuild's batch
    goes through COPY: preparing thousands of model instances field by field costs more
    than reading and computing the whole batch."""
    if connection.vendor != "postgresql" or len(rows) < COPY_ABOVE:
        model.objects.bulk_create([model(**row) for row in rows])
        return
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([row.get(f.attname) for f in fields])


def _write(ids: list[int], ladders: Iterable[SeizureLadder]) -> None:
    seizure_rows, referral_rows = _rows(ladders)
    # ``ids`` are every seizure in their range (one, or a keyset batch): delete by range.
    scope = _between("seizure_id", (ids[0], ids[-1]))
    SeizureProgress.objects.filter(**scope).delete()
    ReferralProgress.objects.filter(**scope).delete()
    _insert(SeizureProgress, seizure_rows)
    _insert(ReferralProgress, referral_rows)


def refresh(seizure_id: int) -> SeizureLadder | None:
    """Recompute one seizure's rows from its facts, in the caller's transaction.

    The seizure's row is locked first, so two events on one seizure committing at once
    refresh one after the other, and the second reads the first's facts."""
    with transaction.atomic():
        locked = list(
            Seizure.objects.select_for_update().filter(pk=seizure_id).values_list("pk", flat=True)
        )
        if not locked:
            return None
        facts = load_facts(locked)
        result = compute(facts[seizure_id])
        _write(locked, [result])
    return result


def rebuild(*, batch: int = 2000, progress=None) -> int:
    """Recompute every seizure's rows, ``batch`` seizures per transaction (whose rows are
    locked meanwhile, so an event landing during the rebuild is not overwritten by facts
    read before it). Returns how many seizures were done."""
    last, done = 0, 0
    while True:
        with transaction.atomic():
            ids = list(
                Seizure.objects.select_for_update()
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            facts = load_facts(ids)
            _write(ids, [compute(facts[pk]) for pk in ids])
        # Rows of seizures deleted since are removed with them (on_delete cascade).
        last, done = ids[-1], done + len(ids)
        if progress:
            progress(done)
    return done


# --- reading the ladder back ---------------------------------------------------------------


def stalled_days() -> int:
    return settings.CASETRACKER_STALLED_DAYS


def with_ladder(queryset: QuerySet[Seizure]) -> QuerySet[Seizure]:
    """Annotate each seizure's rung and last progress, rung 0 since its own instant when
    it has no row (a LEFT JOIN)."""
    return queryset.annotate(
        ladder_rung=Coalesce(F("ladder__rung"), Value(Rung.LOGGED)),
        ladder_last_progress_at=Coalesce(F("ladder__last_progress_at"), F("occurred_at")),
    )


def stalled_since(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=stalled_days())


def stalled_condition(now: dt.datetime | None = None) -> Q:
    """What ``stalled`` filters on, over ``with_ladder``'s annotations: also usable as an
    aggregate's ``filter`` to count the stalled among other figures in one query."""
    return Q(ladder_rung__lt=Rung.DISMANTLED, ladder_last_progress_at__lt=stalled_since(now))


def stalled(queryset: QuerySet[Seizure], *, now: dt.datetime | None = None) -> QuerySet[Seizure]:
    """The seizures of ``queryset`` that are stalled at ``now``: below the top rung, with
    no progress for ``CASETRACKER_STALLED_DAYS`` days."""
    return with_ladder(queryset).filter(stalled_condition(now))


def is_stalled(rung: int, last_progress_at: dt.datetime, *, now=None) -> bool:
    """The same condition as ``stalled``, on values already read."""
    return rung < Rung.DISMANTLED and last_progress_at < stalled_since(now)
