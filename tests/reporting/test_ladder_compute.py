"""The ladder's definitions, on facts alone (the pure computation, no database)."""

import datetime as dt

from casetracker.core.choices import UnitKind
from casetracker.reporting.choices import Flag, Rung
from casetracker.reporting.ladder import (
    OutcomeFacts,
    ReferralFacts,
    SeizureFacts,
    compute,
    day_start,
)
from referrals.choices import OutcomeKind, RecipientKind, ReferralStatus

UTC = dt.UTC
SEIZED = dt.datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in Guayaquil


def hours(n: float) -> dt.datetime:
    return SEIZED + dt.timedelta(hours=n)


def referral(
    pk=1,
    *,
    sent=2,
    ack=None,
    investigating=None,
    case_number="",
    status=ReferralStatus.SENT,
    kind=RecipientKind.UNIT,
    unit_kind=UnitKind.INVESTIGATING,
    country="EC",
) -> ReferralFacts:
    return ReferralFacts(
        id=pk,
        sent_at=hours(sent),
        acknowledged_at=None if ack is None else hours(ack),
        investigating_at=None if investigating is None else hours(investigating),
        case_number=case_number,
        status=status,
        recipient_kind=kind,
        recipient_unit_kind=None if kind == RecipientKind.EXTERNAL else unit_kind,
        recipient_country=country,
    )


def seizure(referrals=(), outcomes=(), *, zone="America/Guayaquil", **more) -> SeizureFacts:
    return SeizureFacts(
        id=7,
        occurred_at=SEIZED,
        country="EC",
        timezone=zone,
        referrals=list(referrals),
        outcomes=list(outcomes),
        **more,
    )


def outcome(kind, day, referral_id=1) -> OutcomeFacts:
    return OutcomeFacts(referral_id=referral_id, kind=kind, occurred_on=day)


def test_a_seizure_never_referred_stands_on_rung_zero_since_it_occurred():
    result = compute(seizure())

    assert result.ladder.rung == Rung.LOGGED
    assert result.ladder.reached == {} and result.ladder.flags == {}
    assert not result.ladder.moved
    assert result.ladder.last_progress_at == SEIZED
    assert result.ladder.hours_to_referral is None and result.ladder.hours_to_ack is None


def test_each_rung_is_dated_by_its_first_event_and_the_clocks_follow():
    facts = seizure(
        [referral(sent=3, ack=27, investigating=51, case_number="UA-1", status="investigating")]
    )

    ladder = compute(facts).ladder

    assert ladder.rung == Rung.INVESTIGATING
    assert ladder.reached == {1: hours(3), 2: hours(27), 3: hours(51)}
    assert ladder.hours_to_referral == 3
    assert ladder.hours_to_ack == 24
    assert ladder.last_progress_at == hours(51)


def test_an_investigation_without_a_case_number_is_not_rung_three():
    ladder = compute(seizure([referral(ack=5, investigating=8, case_number="")])).ladder

    assert ladder.rung == Rung.ACKNOWLEDGED


def test_rungs_reached_out_of_order_date_every_rung_below_from_the_higher_event():
    # A conviction recorded on a referral nobody acknowledged in the app.
    facts = seizure([referral(sent=2)], [outcome(OutcomeKind.CONVICTION, dt.date(2026, 9, 1))])

    ladder = compute(facts).ladder

    conviction = dt.datetime(2026, 9, 1, 5, 0, tzinfo=UTC)  # 00:00 in Guayaquil
    assert ladder.rung == Rung.CONVICTED
    assert ladder.reached[Rung.REFERRED] == hours(2)
    for rung in range(Rung.ACKNOWLEDGED, Rung.CONVICTED + 1):
        assert ladder.reached[rung] == conviction
    assert Rung.DISMANTLED not in ladder.reached
    dates = [ladder.reached[rung] for rung in sorted(ladder.reached)]
    assert dates == sorted(dates)


def test_an_earlier_higher_event_pulls_the_lower_rungs_dates_back():
    # Arrests on 3 March, the case number only typed in on 20 March.
    facts = seizure(
        [referral(sent=1, ack=2, investigating=24 * 18, case_number="X", status="investigating")],
        [outcome(OutcomeKind.ARREST, dt.date(2026, 3, 3))],
    )

    ladder = compute(facts).ladder

    arrest = dt.datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
    assert ladder.reached[Rung.INVESTIGATING] == arrest
    assert ladder.reached[Rung.ACKNOWLEDGED] == hours(2)
    assert ladder.rung == Rung.ARRESTED


def test_a_declined_referral_counts_for_what_it_reached_beside_an_accepted_one():
    declined = referral(1, sent=1, ack=4, status=ReferralStatus.DECLINED)
    accepted = referral(
        2, sent=2, ack=30, investigating=40, case_number="C", status=ReferralStatus.INVESTIGATING
    )

    ladder = compute(seizure([declined, accepted])).ladder

    assert ladder.rung == Rung.INVESTIGATING
    assert ladder.reached == {1: hours(1), 2: hours(4), 3: hours(40)}
    assert ladder.hours_to_ack == 3


def test_a_withdrawn_referral_counts_for_nothing_and_its_resent_successor_does():
    withdrawn = referral(1, sent=1, ack=2, status=ReferralStatus.WITHDRAWN)
    resent = referral(2, sent=10)
    arrest = outcome(OutcomeKind.ARREST, dt.date(2026, 3, 5), referral_id=1)

    result = compute(seizure([withdrawn, resent], [arrest]))

    assert result.ladder.rung == Rung.REFERRED
    assert result.ladder.reached == {1: hours(10)}
    own, counts = result.referrals[1]
    assert not counts and own.rung == Rung.ARRESTED  # its own ladder is still shown
    assert result.referrals[2][1]


def test_only_a_withdrawn_referral_leaves_the_seizure_on_rung_zero():
    result = compute(seizure([referral(status=ReferralStatus.WITHDRAWN)]))

    assert not result.ladder.moved and result.ladder.rung == Rung.LOGGED


def test_a_referral_to_a_unit_that_does_not_investigate_does_not_count():
    result = compute(seizure([referral(unit_kind=UnitKind.FORENSIC_LAB)]))

    assert result.ladder.rung == Rung.LOGGED


def test_each_referral_has_its_own_rungs():
    first = referral(1, sent=1, ack=3)
    second = referral(2, sent=5)
    charges = outcome(OutcomeKind.CHARGES, dt.date(2026, 4, 1), referral_id=2)

    result = compute(seizure([first, second], [charges]))

    assert result.referrals[1][0].rung == Rung.ACKNOWLEDGED
    assert result.referrals[2][0].rung == Rung.CHARGED
    assert result.referrals[2][0].reached[Rung.REFERRED] == hours(5)
    assert result.ladder.reached[Rung.REFERRED] == hours(1)
    assert result.ladder.rung == Rung.CHARGED


def test_outcome_days_start_at_midnight_in_the_ports_time_zone():
    day = dt.date(2026, 1, 15)

    assert day_start(day, "America/Guayaquil") == dt.datetime(2026, 1, 15, 5, tzinfo=UTC)
    assert day_start(day, "Europe/Brussels") == dt.datetime(2026, 1, 14, 23, tzinfo=UTC)
    assert day_start(dt.date(2026, 7, 15), "Europe/Brussels") == dt.datetime(
        2026, 7, 14, 22, tzinfo=UTC
    )
    assert day_start(day, "Not/AZone") == dt.datetime(2026, 1, 15, tzinfo=UTC)


def test_the_same_outcome_day_lands_on_different_instants_at_different_ports():
    arrest = [outcome(OutcomeKind.ARREST, dt.date(2026, 3, 10))]

    quayside = compute(seizure([referral()], arrest, zone="America/Guayaquil")).ladder
    antwerp = compute(seizure([referral()], arrest, zone="Europe/Brussels")).ladder

    assert quayside.reached[Rung.ARRESTED] == dt.datetime(2026, 3, 10, 5, tzinfo=UTC)
    assert antwerp.reached[Rung.ARRESTED] == dt.datetime(2026, 3, 9, 23, tzinfo=UTC)


def test_nothing_counts_before_the_seizure_itself():
    # A controlled delivery on the seizure's own day: its midnight would come before the
    # seizure at 10:00. So would a referral's sending typed in wrong.
    facts = seizure(
        [referral(sent=-3)], [outcome(OutcomeKind.CONTROLLED_DELIVERY, dt.date(2026, 3, 2))]
    )

    ladder = compute(facts).ladder

    assert ladder.flags[Flag.CONTROLLED_DELIVERY] == SEIZED
    assert ladder.reached[Rung.REFERRED] == SEIZED
    assert ladder.hours_to_referral == 0


def test_an_outcomes_rung_counts_from_its_referrals_sending_at_the_earliest():
    # Arrests recorded as made three days after the seizure, on a referral sent after 40:
    # "referred" stays the day it was sent, and the seizure moved then, not before.
    facts = seizure([referral(sent=24 * 40)], [outcome(OutcomeKind.ARREST, dt.date(2026, 3, 5))])

    ladder = compute(facts).ladder

    assert ladder.rung == Rung.ARRESTED
    assert {ladder.reached[r] for r in (Rung.REFERRED, Rung.ARRESTED)} == {hours(24 * 40)}
    assert ladder.hours_to_referral == 24 * 40
    assert ladder.last_progress_at == hours(24 * 40)


def test_dismantling_or_confiscation_is_the_top_rung_and_confiscation_also_freezes():
    facts = seizure([referral()], [outcome(OutcomeKind.ASSETS_CONFISCATED, dt.date(2026, 6, 1))])

    ladder = compute(facts).ladder

    assert ladder.rung == Rung.DISMANTLED
    assert ladder.flags[Flag.ASSETS_FROZEN] == dt.datetime(2026, 6, 1, 5, tzinfo=UTC)


def test_outcome_flags_take_their_first_date():
    facts = seizure(
        [referral()],
        [
            outcome(OutcomeKind.CONTROLLED_DELIVERY, dt.date(2026, 3, 4)),
            outcome(OutcomeKind.JOINT_INVESTIGATION, dt.date(2026, 5, 1)),
            outcome(OutcomeKind.MLA_SENT, dt.date(2026, 5, 9)),
            outcome(OutcomeKind.MLA_SENT, dt.date(2026, 4, 9)),
            outcome(OutcomeKind.ASSETS_FROZEN, dt.date(2026, 4, 20)),
        ],
    )

    flags = compute(facts).ladder.flags

    assert flags[Flag.CONTROLLED_DELIVERY].date() == dt.date(2026, 3, 4)
    assert flags[Flag.JOINT_INVESTIGATION].date() == dt.date(2026, 5, 1)
    assert flags[Flag.MLA].date() == dt.date(2026, 4, 9)
    assert flags[Flag.ASSETS_FROZEN].date() == dt.date(2026, 4, 20)
    assert compute(facts).ladder.rung == Rung.REFERRED  # flags are not rungs
    # The second request (9 May) raised nothing new: the team on 1 May was the last step.
    assert compute(facts).ladder.last_progress_at == flags[Flag.JOINT_INVESTIGATION]


def test_a_request_received_is_not_a_request_sent():
    facts = seizure([referral()], [outcome(OutcomeKind.MLA_RECEIVED, dt.date(2026, 4, 9))])

    assert Flag.MLA not in compute(facts).ladder.flags


def test_international_means_a_foreign_counterpart_or_an_ncb_that_answered():
    domestic = compute(seizure([referral()])).ladder.flags
    external = compute(seizure([referral(kind=RecipientKind.EXTERNAL, country="EC")])).ladder
    abroad = compute(seizure([referral(country="BE", sent=6)])).ladder
    ncb_silent = compute(seizure([referral(unit_kind=UnitKind.NCB)])).ladder
    ncb_answered = compute(seizure([referral(unit_kind=UnitKind.NCB, ack=9)])).ladder

    assert Flag.INTERNATIONAL not in domestic
    assert external.flags[Flag.INTERNATIONAL] == hours(2)
    assert abroad.flags[Flag.INTERNATIONAL] == hours(6)
    assert Flag.INTERNATIONAL not in ncb_silent.flags
    assert ncb_answered.flags[Flag.INTERNATIONAL] == hours(9)


def test_a_withdrawn_foreign_referral_is_not_international():
    facts = seizure([referral(kind=RecipientKind.EXTERNAL, status=ReferralStatus.WITHDRAWN)])

    assert Flag.INTERNATIONAL not in compute(facts).ladder.flags


def test_forensics_and_links_are_seizure_flags_and_count_as_progress():
    facts = seizure(forensics_reported=[hours(90), hours(50)], links_confirmed=[hours(200)])

    ladder = compute(facts).ladder

    assert ladder.rung == Rung.LOGGED and ladder.moved
    assert ladder.flags[Flag.FORENSICS] == hours(50)
    assert ladder.flags[Flag.LINKED] == hours(200)
    assert ladder.last_progress_at == hours(200)
