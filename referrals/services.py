"""Every write to a referral: sending (by the rules or by hand) and each move of its life
cycle. Views, the API and the external response link all call these.

Who may move which step:
- acknowledge, accept, decline, open the investigation, close: a member of the recipient
  unit whose role answers referrals, or the external recipient through the signed link;
- send by hand and withdraw: an officer or supervisor of the unit that logged the seizure.

Outcomes (what the follow-up achieved) are recorded by the recipient too, once it accepted
the referral and after it closed it (``outcome_record``); the same people then record the
answer to a pending request for legal assistance (``outcome_answer``) and withdraw an
outcome recorded by mistake (``outcome_withdraw``).

Every move is a django-fsm transition (out-of-order moves are refused by the machine
itself) and leaves a ``ReferralEvent`` with who and when. Declining and withdrawing take
the recipient unit's access to the seizure away.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed, can_proceed

from casetracker.core.choices import HandlingCode
from casetracker.core.roles import Action, can
from seizures.choices import SeizureStatus
from seizures.models import Seizure
from seizures.sharing import seizure_share, seizure_unshare

from . import notifications
from .choices import (
    OUTCOME_DETAIL_FIELDS,
    OUTCOME_FIELDS,
    CloseReason,
    ClosingOutcome,
    DeclineReason,
    MlaResult,
    Origin,
    OutcomeKind,
    ReferralStatus,
)
from .models import Notification, Outcome, Recipient, Referral, ReferralEvent
from .routing import Decision, abroad_floor, deadlines


@dataclass(frozen=True)
class ExternalActor:
    """The holder of a valid response link: acts on that one referral, nothing else."""

    referral_id: int


def _check_contact(recipient: Recipient) -> None:
    if not notifications.responders(recipient):
        raise ValidationError(
            _(
                "%(name)s cannot be reached: no member answers referrals and no e-mail "
                "address is known. Ask an administrator to add a contact."
            )
            % {"name": recipient.name}
        )


def referral_send(
    *,
    seizure: Seizure,
    recipient: Recipient,
    handling_code: int,
    ack_hours: int,
    respond_days: int,
    origin: str,
    reasons: list[dict],
    by=None,
    message: str = "",
) -> Referral:
    """Create the referral, open the seizure to the recipient unit, tell the recipient.

    Runs inside the caller's transaction (routing or a hand-made referral); the e-mails
    leave after commit.
    """
    if seizure.status != SeizureStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted seizure can be referred."))
    if not recipient.active:
        raise ValidationError(_("This recipient is inactive."))
    if handling_code not in (HandlingCode.H1, HandlingCode.H2, HandlingCode.H3):
        raise ValidationError({"handling_code": _("Refer at H1, H2 or H3.")})
    _check_contact(recipient)
    now = timezone.now()
    referral = Referral(
        seizure=seizure,
        recipient=recipient,
        handling_code=handling_code,
        origin=origin,
        reasons=reasons,
        message=message,
        sent_by=by,
        **deadlines(sent_at=now, ack_hours=ack_hours, respond_days=respond_days),
    )
    referral.full_clean(exclude=["seizure", "recipient", "sent_by", "status"])
    referral.save()
    ReferralEvent.objects.create(
        referral=referral,
        from_status="",
        to_status=ReferralStatus.SENT,
        at=now,
        by=by,
        details={"handling_code": handling_code, "origin": origin},
    )
    if recipient.unit_id:
        seizure_share(seizure=seizure, unit=recipient.unit, handling_level=handling_code, by=by)
    notifications.notify(
        referral=referral,
        key="sent",
        template="sent",
        addressees=notifications.responders(recipient),
    )
    return referral


@transaction.atomic
def referral_add(
    *,
    user,
    seizure: Seizure,
    recipient: Recipient,
    handling_code: int,
    ack_hours: int,
    respond_days: int,
    message: str = "",
) -> Referral:
    """A referral made by hand by the seizing unit (besides, or instead of, the rules).

    A recipient whose referral was withdrawn can be sent the seizure again: a new referral,
    the withdrawn one stays in the history. Two officers doing it at once queue on the
    seizure's lock, and the second is told it was already done."""
    _require_sender(user, seizure)
    seizure = (
        Seizure.objects.select_for_update(of=("self",)).select_related("unit").get(pk=seizure.pk)
    )
    live = Referral.objects.filter(seizure=seizure, recipient=recipient).exclude(
        status=ReferralStatus.WITHDRAWN
    )
    if live.exists():
        raise ValidationError(
            {"recipient": _("This seizure has already been referred to this recipient.")}
        )
    errors = {}
    if not 1 <= ack_hours <= 24 * 90:
        errors["ack_hours"] = _("Between 1 hour and 90 days.")
    if not 1 <= respond_days <= 365:
        errors["respond_days"] = _("Between 1 and 365 days.")
    elif ack_hours > respond_days * 24:
        errors["ack_hours"] = _("Acknowledging cannot be due after the answer is due.")
    if errors:
        raise ValidationError(errors)
    decision = Decision(
        recipient=recipient,
        handling_code=handling_code,
        reasons=[{"kind": "manual", "by": user.get_full_name() or user.username}],
    )
    abroad_floor(decision, seizing_country=str(seizure.unit.country))
    try:
        with transaction.atomic():
            return referral_send(
                seizure=seizure,
                recipient=recipient,
                handling_code=decision.handling_code,
                ack_hours=ack_hours,
                respond_days=respond_days,
                origin=Origin.MANUAL,
                reasons=decision.reasons,
                by=user,
                message=message,
            )
    except IntegrityError:
        # The rules referred it to the same recipient a moment ago.
        raise ValidationError(
            {"recipient": _("This seizure has already been referred to this recipient.")}
        ) from None


def may_send(user, seizure: Seizure) -> bool:
    """An officer or supervisor of the unit that logged the seizure (or an administrator):
    who refers it by hand and withdraws its referrals. Pages ask this to offer the buttons."""
    return can(user, Action.REFERRAL_SEND) and (
        user.is_superuser or user.unit_id == seizure.unit_id
    )


def may_respond(actor, referral: Referral) -> bool:
    """A member of the recipient unit whose role answers referrals, or the holder of this
    referral's response link."""
    if isinstance(actor, ExternalActor):
        return actor.referral_id == referral.pk and referral.recipient.is_external
    unit_id = referral.recipient.unit_id
    return can(actor, Action.REFERRAL_RESPOND) and unit_id is not None and actor.unit_id == unit_id


def _require_sender(user, seizure: Seizure) -> None:
    if not may_send(user, seizure):
        raise PermissionDenied(_("Only the unit that logged the seizure refers or withdraws it."))


def _require_responder(actor, referral: Referral) -> None:
    if not may_respond(actor, referral):
        raise PermissionDenied(_("Only the recipient answers this referral."))


def _locked(referral: Referral) -> Referral:
    return (
        # of=self: PostgreSQL cannot lock the nullable side of the outer join to the unit.
        Referral.objects.select_for_update(of=("self",))
        .select_related("seizure", "seizure__unit", "recipient", "recipient__unit")
        .get(pk=referral.pk)
    )


def _move(referral: Referral, transition: str, *, actor, details=None, **kwargs) -> Referral:
    """Run one declared transition and record it; refuse it when out of order."""
    method = getattr(referral, transition)
    if not can_proceed(method):
        raise ValidationError(
            _("A referral that is %(status)s cannot be %(action)s.")
            % {"status": referral.get_status_display().lower(), "action": _ACTION_WORDS[transition]}
        )
    now = timezone.now()
    before = referral.status
    try:
        method(at=now, **kwargs)
    except TransitionNotAllowed:  # pragma: no cover - can_proceed said yes
        raise ValidationError(_("This step is not possible now.")) from None
    referral.save()
    external = isinstance(actor, ExternalActor)
    ReferralEvent.objects.create(
        referral=referral,
        from_status=before,
        to_status=referral.status,
        at=now,
        by=None if external else actor,
        by_external=external,
        details=details or {},
    )
    return referral


_ACTION_WORDS = {
    "acknowledge": gettext_lazy("acknowledged"),
    "accept": gettext_lazy("accepted"),
    "decline": gettext_lazy("declined"),
    "open_investigation": gettext_lazy("put under investigation"),
    "close": gettext_lazy("closed"),
    "withdraw": gettext_lazy("withdrawn"),
}


@transaction.atomic
def referral_acknowledge(*, actor, referral: Referral) -> Referral:
    referral = _locked(referral)
    _require_responder(actor, referral)
    return _move(referral, "acknowledge", actor=actor)


@transaction.atomic
def referral_accept(*, actor, referral: Referral) -> Referral:
    """Accept; a referral not yet acknowledged is acknowledged on the way (one click)."""
    referral = _locked(referral)
    _require_responder(actor, referral)
    if referral.status == ReferralStatus.SENT:
        _move(referral, "acknowledge", actor=actor)
    return _move(referral, "accept", actor=actor)


@transaction.atomic
def referral_decline(*, actor, referral: Referral, reason: str, text: str = "") -> Referral:
    """Decline with a reason from the list (and words when it is 'other'); the recipient
    unit loses access to the seizure."""
    referral = _locked(referral)
    _require_responder(actor, referral)
    if reason not in DeclineReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    text = (text or "").strip()
    if reason == DeclineReason.OTHER and not text:
        raise ValidationError({"text": _("Say why, when the reason is 'other'.")})
    if referral.status == ReferralStatus.SENT:
        _move(referral, "acknowledge", actor=actor)
    _move(referral, "decline", actor=actor, reason=reason, text=text, details={"reason": reason})
    _revoke_access(referral, by=None if isinstance(actor, ExternalActor) else actor)
    notifications.notify(
        referral=referral,
        key="declined",
        template="declined",
        addressees=_senders(referral),
    )
    return referral


@transaction.atomic
def referral_open_investigation(*, actor, referral: Referral, case_number: str) -> Referral:
    referral = _locked(referral)
    _require_responder(actor, referral)
    case_number = (case_number or "").strip()
    if not case_number:
        raise ValidationError({"case_number": _("Give your case number.")})
    if len(case_number) > 80:
        raise ValidationError({"case_number": _("At most 80 characters.")})
    return _move(
        referral,
        "open_investigation",
        actor=actor,
        case_number=case_number,
        details={"case_number": case_number},
    )


@transaction.atomic
def referral_close(*, actor, referral: Referral, outcome: str, text: str = "") -> Referral:
    referral = _locked(referral)
    _require_responder(actor, referral)
    if outcome not in ClosingOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome from the list.")})
    text = (text or "").strip()
    if outcome == ClosingOutcome.OTHER and not text:
        raise ValidationError({"text": _("Describe the outcome when it is 'other'.")})
    return _move(
        referral, "close", actor=actor, outcome=outcome, text=text, details={"outcome": outcome}
    )


@transaction.atomic
def referral_withdraw(*, user, referral: Referral, reason: str) -> Referral:
    """The sender takes the referral back: the recipient loses access and is told."""
    referral = _locked(referral)
    _require_sender(user, referral.seizure)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the referral is withdrawn.")})
    _move(referral, "withdraw", actor=user, reason=reason)
    _revoke_access(referral, by=user)
    notifications.notify(
        referral=referral,
        key="withdrawn",
        template="withdrawn",
        addressees=notifications.responders(referral.recipient),
    )
    return referral


@transaction.atomic
def referral_new_link(*, user, referral: Referral) -> Referral:
    """Void the external recipient's links and send a fresh one (a lost or leaked link)."""
    referral = _locked(referral)
    _require_sender(user, referral.seizure)
    if not referral.recipient.is_external:
        raise ValidationError(_("Only external recipients answer through a link."))
    # A closed referral still takes outcomes (a conviction years later): its recipient may
    # need a fresh link for them. Declined or withdrawn ones take nothing more.
    if not (referral.is_open or referral.status == ReferralStatus.CLOSED):
        raise ValidationError(_("This referral is no longer open."))
    referral.link_nonce = uuid.uuid4()
    referral.save(update_fields=["link_nonce"])
    sent = referral.notifications.filter(key__startswith="link:").count()
    notifications.notify(
        referral=referral,
        key=f"link:{sent + 1}",
        template="new_link",
        addressees=notifications.responders(referral.recipient),
    )
    return referral


# --- outcomes: what the follow-up achieved ----------------------------------------------

# A recipient records outcomes once it has taken the referral on, and after closing it
# too: convictions, confiscations and answers to legal-assistance requests often come
# years after the investigation itself is closed.
OUTCOME_STATES = {ReferralStatus.ACCEPTED, ReferralStatus.INVESTIGATING, ReferralStatus.CLOSED}
OUTCOME_VIA = {"app", "api", "link"}

# "Investigation closed" closes a referral still being worked on, with the nearest of the
# life cycle's closing outcomes (the outcome keeps the precise reason).
_CLOSING = {
    CloseReason.CONVICTED: ClosingOutcome.OTHER,
    CloseReason.ACQUITTED: ClosingOutcome.OTHER,
    CloseReason.NO_SUSPECT: ClosingOutcome.NO_SUSPECT_IDENTIFIED,
    CloseReason.INSUFFICIENT_EVIDENCE: ClosingOutcome.INSUFFICIENT_EVIDENCE,
    CloseReason.TRANSFERRED: ClosingOutcome.TRANSFERRED,
    CloseReason.MERGED: ClosingOutcome.MERGED,
    CloseReason.OTHER: ClosingOutcome.OTHER,
}


def may_record_outcome(actor, referral: Referral) -> bool:
    """The recipient (unit responders or the link holder), once it took the referral on.
    Pages ask this to offer the form; ``outcome_record`` has the last word."""
    return referral.status in OUTCOME_STATES and may_respond(actor, referral)


@transaction.atomic
def outcome_record(*, referral: Referral, actor, via: str, **fields) -> Outcome:
    """Record one outcome of ``referral``, recorded by ``actor`` (a user, or the
    ``ExternalActor`` of the response link) through ``via`` ("app", "api" or "link").

    ``fields`` are the outcome's: ``kind``, ``occurred_on``, ``justification`` and those
    the kind uses (``choices.OUTCOME_FIELDS``); the others are ignored, so a form that
    showed every field cannot leave a stray figure on the wrong kind. Recording
    "investigation closed" on a referral accepted or under investigation also closes it
    (a ``ReferralEvent`` of the move, as the close button would). The outcome itself is a
    row of its own with who, how and when, in the audit trail; it is not a move of the
    referral and so leaves no ``ReferralEvent``.
    """
    if via not in OUTCOME_VIA:
        raise ValueError(f"unknown channel {via!r}")
    unknown = set(fields) - {"kind", "occurred_on", "justification", *OUTCOME_DETAIL_FIELDS}
    if unknown:
        raise TypeError(f"not outcome fields: {', '.join(sorted(unknown))}")
    referral = _locked(referral)
    if not may_respond(actor, referral):
        raise PermissionDenied(_("Only the recipient records what the follow-up achieved."))
    if referral.status not in OUTCOME_STATES:
        raise ValidationError(
            _("Outcomes are recorded once the referral is accepted; this one is %(status)s.")
            % {"status": referral.get_status_display().lower()}
        )
    kind = fields.get("kind") or ""
    if kind not in OutcomeKind.values:
        raise ValidationError({"kind": _("Choose what happened from the list.")})
    kept = {"kind", "occurred_on", "justification", *OUTCOME_FIELDS[kind]}
    external = isinstance(actor, ExternalActor)
    outcome = Outcome(
        referral=referral,
        seizure=referral.seizure,
        recorded_by=None if external else actor,
        recorded_via=via,
        **{name: value for name, value in fields.items() if name in kept and value is not None},
    )
    outcome.full_clean()
    outcome.save()
    if kind == OutcomeKind.INVESTIGATION_CLOSED and can_proceed(referral.close):
        referral_close(
            actor=actor,
            referral=referral,
            outcome=_CLOSING[outcome.close_reason],
            text=outcome.justification,
        )
    return outcome


# What answering a request may set: where it stands now, when and, if refused, why.
MLA_KINDS = {OutcomeKind.MLA_SENT, OutcomeKind.MLA_RECEIVED}
MLA_ANSWERS = {MlaResult.EXECUTED, MlaResult.PARTLY, MlaResult.REFUSED, MlaResult.WITHDRAWN}


def _outcome_for_change(outcome: Outcome, *, actor) -> tuple[Outcome, Referral]:
    """The outcome read again under its referral's lock, for its recipient to change.

    The same people and the same states as recording one (``may_record_outcome``): the
    recipient, once it took the referral on, and after closing it."""
    referral = _locked(outcome.referral)
    outcome = Outcome.all_objects.select_for_update().get(pk=outcome.pk)
    if not may_respond(actor, referral):
        raise PermissionDenied(_("Only the recipient records what the follow-up achieved."))
    if referral.status not in OUTCOME_STATES:
        raise ValidationError(
            _("Outcomes are recorded once the referral is accepted; this one is %(status)s.")
            % {"status": referral.get_status_display().lower()}
        )
    if outcome.withdrawn_at is not None:
        raise ValidationError(_("This outcome was withdrawn; it can no longer be changed."))
    return outcome, referral


@transaction.atomic
def outcome_answer(
    *,
    outcome: Outcome,
    actor,
    via: str,
    mla_result: str,
    answered_on=None,
    refusal_grounds: str = "",
) -> Outcome:
    """Record the answer to a pending request for mutual legal assistance on the request
    itself: its result, the day it was answered and, for a refusal, the grounds.

    The request stays one row (the figures count it once, answered, with the days it
    took); ``Outcome.clean`` checks the answer as it checks a request recorded answered.
    The change is in the audit trail with who made it. A request already answered is not
    answered again: withdraw it and record it anew to correct it."""
    if via not in OUTCOME_VIA:
        raise ValueError(f"unknown channel {via!r}")
    outcome, _referral = _outcome_for_change(outcome, actor=actor)
    if outcome.kind not in MLA_KINDS:
        raise ValidationError(_("Only a request for mutual legal assistance has an answer."))
    if outcome.mla_result != MlaResult.PENDING:
        raise ValidationError(
            _("This request is already %(result)s. To correct it, withdraw it and record it again.")
            % {"result": outcome.get_mla_result_display().lower()}
        )
    if mla_result not in MLA_ANSWERS:
        raise ValidationError(
            {"mla_result": _("Choose the answer: executed, partly executed, refused or withdrawn.")}
        )
    outcome.mla_result = mla_result
    outcome.answered_on = answered_on
    outcome.refusal_grounds = refusal_grounds or ""
    outcome.full_clean()
    outcome.save(update_fields=["mla_result", "answered_on", "refusal_grounds"])
    return outcome


@transaction.atomic
def outcome_withdraw(*, outcome: Outcome, actor, via: str, reason: str) -> Outcome:
    """Withdraw an outcome recorded by mistake (a wrong kind, figure or date), saying why.

    It is kept, marked withdrawn with who, how and when, and counts for nothing from then
    on: the ladder of its seizure is recomputed without it (in this transaction) and the
    evaluators' figures leave it out. What it did to the referral stays: "investigation
    closed" withdrawn does not reopen a closed referral. The right outcome, if any, is
    recorded anew."""
    if via not in OUTCOME_VIA:
        raise ValueError(f"unknown channel {via!r}")
    outcome, _referral = _outcome_for_change(outcome, actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the outcome is withdrawn.")})
    external = isinstance(actor, ExternalActor)
    outcome.withdrawn_at = timezone.now()
    outcome.withdrawn_by = None if external else actor
    outcome.withdrawn_via = via
    outcome.withdraw_reason = reason
    outcome.full_clean()
    outcome.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_via", "withdraw_reason"])
    return outcome


def _revoke_access(referral: Referral, *, by) -> None:
    if referral.recipient.unit_id:
        seizure_unshare(seizure=referral.seizure, unit=referral.recipient.unit, by=by)


def _senders(referral: Referral) -> list[notifications.Addressee]:
    """The seizing unit's supervisors and the officer who logged it."""
    seizure = referral.seizure
    people = notifications.supervisors(seizure.unit)
    creator = seizure.created_by
    if creator.is_active:
        people.append(notifications.Addressee(creator, creator.email, settings.LANGUAGE_CODE[:2]))
    return people


# --- the in-app messages ----------------------------------------------------------------


def notifications_mark_read(*, user, referral: Referral | None = None) -> int:
    """Mark ``user``'s unread messages read: those about ``referral`` (the user opened it),
    or all of them. Returns how many were unread; someone else's are never touched."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if referral is not None:
        unread = unread.filter(referral=referral)
    return unread.update(read_at=timezone.now())
