"""Every write to evidence: bagging items, hand-overs, checks and disposal.

Each service locks the item row, checks who may act, moves the declared state machine and
appends one custody event to the item's hash chain, all in one transaction. The lock makes
the chain a single line: two people handing the same item over at the same instant are
served one after the other, and the second finds the item already in transit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from casetracker.core.models import User
from casetracker.core.roles import Action, can
from seizures.models import SeizedItem, Seizure
from seizures.selectors import seizure_list

from . import chain
from .choices import Condition, EventKind, ItemKind, ItemState, Purpose, SealCheck
from .models import CustodyEvent, EvidenceItem

SEAL_MAX = 20


def clean_seals(raw: str | Sequence[str]) -> list[str]:
    """Seal numbers as a list: one per line or comma, trimmed, duplicates refused."""
    if isinstance(raw, str):
        raw = raw.replace("\n", ",").split(",")
    seals = [s.strip().upper() for s in raw if s and s.strip()]
    if len(seals) != len(set(seals)):
        raise ValidationError({"seal_numbers": _("A seal number appears twice.")})
    if len(seals) > SEAL_MAX:
        raise ValidationError(
            {"seal_numbers": _("At most %(n)s seal numbers per item.") % {"n": SEAL_MAX}}
        )
    for seal in seals:
        if len(seal) > 40:
            raise ValidationError({"seal_numbers": _("A seal number has at most 40 characters.")})
    return seals


def _require_custody_role(user) -> None:
    if not can(user, Action.EVIDENCE_CUSTODY):
        raise PermissionDenied(_("Your role does not take evidence into custody."))


def _when(occurred_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if occurred_at is None:
        return now
    if timezone.is_naive(occurred_at):
        raise ValidationError({"occurred_at": _("Give the time with its time zone.")})
    if occurred_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("A hand-over cannot be in the future.")})
    return occurred_at


def _append(item: EvidenceItem, *, by, now: dt.datetime, **fields) -> CustodyEvent:
    """Add the next event to ``item``'s chain and move the item's head (item locked)."""
    event = CustodyEvent(
        item=item,
        seq=item.event_count + 1,
        recorded_by=by,
        recorded_at=now,
        prev_hash=item.chain_head,
        **fields,
    )
    event.full_clean(exclude=["item", "hash", "prev_hash"])
    event.hash = chain.event_hash(event.prev_hash, chain.event_values(event))
    event.save()
    item.event_count = event.seq
    item.chain_head = event.hash
    return event


def _save_item(item: EvidenceItem, fields: list[str]) -> None:
    try:
        item.save(update_fields=[*fields, "event_count", "chain_head"])
    except ConcurrentTransition:
        raise ValidationError(
            _("Someone else moved %(label)s at the same moment; reload the page.")
            % {"label": item.label}
        ) from None


def _locked(item: EvidenceItem) -> EvidenceItem:
    # of=("self",): lock the item row only. Without it PostgreSQL also locks the joined
    # seizure row, in an order of its choosing, and a sub-item taken at the same moment
    # (which locks the seizure, then the parent item) deadlocks with it.
    return (
        EvidenceItem.objects.select_for_update(of=("self",))
        .select_related("seizure")
        .get(pk=item.pk)
    )


def _move(item: EvidenceItem, transition_name: str, refusal: str) -> None:
    try:
        getattr(item, transition_name)()
    except TransitionNotAllowed:
        raise ValidationError(refusal) from None


def _state_refusal(item: EvidenceItem) -> str:
    if item.state == ItemState.IN_TRANSIT:
        return _("%(label)s is in transit: the receiver must confirm or refuse it first.") % {
            "label": item.label
        }
    if item.state == ItemState.DISPOSED:
        return _("%(label)s was disposed of; nothing more can happen to it.") % {
            "label": item.label
        }
    return _("%(label)s is not in transit.") % {"label": item.label}


def _require_holder(item: EvidenceItem, user) -> None:
    if item.custodian_id != user.pk:
        raise PermissionDenied(
            _("Only the custodian of %(label)s (%(holder)s) can do that.")
            % {"label": item.label, "holder": item.custodian.get_full_name() or item.custodian}
        )


@transaction.atomic
def item_create(
    *,
    seizure: Seizure,
    by,
    kind: str,
    description: str,
    storage_location: str,
    seal_numbers: str | Sequence[str] = (),
    condition: str = Condition.GOOD,
    seized_item: SeizedItem | None = None,
    parent: EvidenceItem | None = None,
    file_facts: dict | None = None,
    occurred_at: dt.datetime | None = None,
) -> EvidenceItem:
    """Bag an item of ``seizure`` (or take a sub-item from ``parent``): the person who bags it
    is its first custodian. ``file_facts`` (name, size, sha256, stored name) come from
    ``files.store_upload`` for digital evidence."""
    _require_custody_role(by)
    now = timezone.now()
    when = _when(occurred_at, now)
    # Whoever holds an item may take a sample from it (a lab custodian does, without
    # seeing the seizure); a new item straight from the seizure needs the seizure.
    if parent is None and not seizure_list(user=by).filter(pk=seizure.pk).exists():
        raise PermissionDenied(_("You do not work on this seizure."))
    # The seizure row serialises numbering; the parent row serialises its own chain.
    list(Seizure.objects.select_for_update().filter(pk=seizure.pk).values_list("pk"))
    if parent is not None:
        parent = _locked(parent)
        if parent.seizure_id != seizure.pk:
            raise ValidationError({"parent": _("A sub-item belongs to the same seizure.")})
        if parent.state != ItemState.IN_CUSTODY:
            raise ValidationError(_state_refusal(parent))
        _require_holder(parent, by)
    number = (EvidenceItem.objects.filter(seizure=seizure).aggregate(n=Max("number"))["n"] or 0) + 1
    seals = clean_seals(seal_numbers)
    item = EvidenceItem(
        seizure=seizure,
        parent=parent,
        number=number,
        label=f"{seizure.reference}-E{number}",
        kind=kind,
        description=description.strip(),
        storage_location=storage_location.strip(),
        seal_numbers=seals,
        condition=condition,
        seized_item=seized_item,
        custodian=by,
        custodian_unit=by.unit,
        created_by=by,
        event_count=0,
    )
    details = {}
    if file_facts:
        item.file.name = file_facts["stored_name"]
        item.file_name = file_facts["name"]
        item.file_size = file_facts["size"]
        item.file_sha256 = file_facts["sha256"]
        details["sha256"] = file_facts["sha256"]
    elif kind == ItemKind.DIGITAL_FILE:
        raise ValidationError({"file": _("A digital file item needs its file.")})
    if parent is not None:
        details["taken_from"] = parent.label
    item.chain_head = chain.genesis(item.public_id)
    # The state belongs to the state machine (protected); it starts in custody.
    item.full_clean(exclude=["state"])
    item.save()
    _append(
        item,
        by=by,
        now=now,
        kind=EventKind.INTAKE,
        purpose=Purpose.STORAGE,
        to_user=by,
        to_unit=by.unit,
        occurred_at=when,
        place=item.storage_location,
        seal_check=SealCheck.INTACT if seals else SealCheck.NOT_CHECKED,
        seals=seals,
        condition=condition,
        details=details,
    )
    item.save(update_fields=["event_count", "chain_head"])
    if parent is not None:
        _append(
            parent,
            by=by,
            now=now,
            kind=EventKind.SUB_ITEM,
            purpose=Purpose.STORAGE,
            from_user=by,
            from_unit=by.unit,
            occurred_at=when,
            place=parent.storage_location,
            seals=parent.seal_numbers,
            condition=parent.condition,
            details={"sub_item": item.label},
        )
        _save_item(parent, [])
    return item


@transaction.atomic
def transfer_start(
    *,
    item: EvidenceItem,
    by,
    to: User,
    purpose: str,
    place: str = "",
    note: str = "",
    occurred_at: dt.datetime | None = None,
) -> CustodyEvent:
    """The custodian hands ``item`` to ``to``; it is in transit until they confirm."""
    _require_custody_role(by)
    item = _locked(item)
    _require_holder(item, by)
    if purpose in Purpose.disposals() or purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Choose the purpose of the hand-over.")})
    if to.pk == by.pk:
        raise ValidationError({"to": _("You already hold %(label)s.") % {"label": item.label}})
    if not to.is_active or not can(to, Action.EVIDENCE_CUSTODY) or to.unit_id is None:
        raise ValidationError(
            {
                "to": _("%(name)s cannot take evidence into custody.")
                % {"name": to.get_full_name() or to.username}
            }
        )
    now = timezone.now()
    _move(item, "start_transfer", _state_refusal(item))
    item.transit_to = to
    item.transit_to_unit = to.unit
    event = _append(
        item,
        by=by,
        now=now,
        kind=EventKind.TRANSFER,
        purpose=purpose,
        from_user=by,
        from_unit=item.custodian_unit,
        to_user=to,
        to_unit=to.unit,
        occurred_at=_when(occurred_at, now),
        place=place.strip(),
        seals=item.seal_numbers,
        condition=item.condition,
        note=note.strip(),
    )
    _save_item(item, ["state", "transit_to", "transit_to_unit"])
    return event


@transaction.atomic
def transfer_confirm(
    *,
    item: EvidenceItem,
    by,
    seal_check: str,
    condition: str,
    storage_location: str,
    new_seals: str | Sequence[str] = (),
    note: str = "",
    occurred_at: dt.datetime | None = None,
) -> CustodyEvent:
    """The receiver takes ``item``: they check the seals and say where it is kept now."""
    item = _locked(item)
    if item.state != ItemState.IN_TRANSIT:
        raise ValidationError(_state_refusal(item))
    _require_receiver(item, by)
    if seal_check not in (SealCheck.INTACT, SealCheck.BROKEN, SealCheck.REPLACED):
        raise ValidationError({"seal_check": _("Say whether the seals were intact.")})
    seals = _seals_after_check(item, seal_check, new_seals, note, storage_location)
    now = timezone.now()
    sender, sender_unit = item.custodian, item.custodian_unit
    _move(item, "end_transfer", _state_refusal(item))
    item.custodian, item.custodian_unit = by, by.unit
    item.transit_to = item.transit_to_unit = None
    item.seal_numbers, item.condition = seals, condition
    item.storage_location = storage_location.strip()
    event = _append(
        item,
        by=by,
        now=now,
        kind=EventKind.RECEIVED,
        purpose=_last_purpose(item),
        from_user=sender,
        from_unit=sender_unit,
        to_user=by,
        to_unit=by.unit,
        occurred_at=_when(occurred_at, now),
        place=item.storage_location,
        seal_check=seal_check,
        seals=seals,
        condition=condition,
        note=note.strip(),
    )
    _save_item(
        item,
        [
            "state",
            "custodian",
            "custodian_unit",
            "transit_to",
            "transit_to_unit",
            "seal_numbers",
            "condition",
            "storage_location",
        ],
    )
    return event


def _seals_after_check(item, seal_check, new_seals, note, storage_location) -> list[str]:
    """The item's seals after a receipt or a check, with what such a check must say: the
    new numbers when replaced, how when broken, and where the item is kept now."""
    seals = list(item.seal_numbers)
    if seal_check == SealCheck.REPLACED:
        seals = clean_seals(new_seals)
        if not seals:
            raise ValidationError({"new_seals": _("Give the numbers of the new seals.")})
    if seal_check == SealCheck.BROKEN and not note.strip():
        raise ValidationError({"note": _("Describe how the seals were found broken.")})
    if not storage_location.strip():
        raise ValidationError({"storage_location": _("Say where the item is kept now.")})
    return seals


def _require_receiver(item: EvidenceItem, user) -> None:
    if item.transit_to_id != user.pk:
        raise PermissionDenied(
            _("%(label)s is on its way to someone else.") % {"label": item.label}
        )


def _last_purpose(item: EvidenceItem) -> str:
    return (
        CustodyEvent.objects.filter(item=item, kind=EventKind.TRANSFER)
        .order_by("-seq")
        .values_list("purpose", flat=True)
        .first()
        or ""
    )


@transaction.atomic
def transfer_reject(*, item: EvidenceItem, by, reason: str) -> CustodyEvent:
    """The receiver refuses ``item``: it stays in the sender's charge, with the reason."""
    item = _locked(item)
    if item.state != ItemState.IN_TRANSIT:
        raise ValidationError(_state_refusal(item))
    _require_receiver(item, by)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why you refuse the item.")})
    return _end_transit(item, by=by, kind=EventKind.REJECTED, note=reason)


@transaction.atomic
def transfer_cancel(*, item: EvidenceItem, by, note: str = "") -> CustodyEvent:
    """The sender calls a hand-over off before the receiver confirmed it."""
    item = _locked(item)
    if item.state != ItemState.IN_TRANSIT:
        raise ValidationError(_state_refusal(item))
    _require_holder(item, by)
    return _end_transit(item, by=by, kind=EventKind.CANCELLED, note=note)


def _end_transit(item: EvidenceItem, *, by, kind: str, note: str) -> CustodyEvent:
    now = timezone.now()
    receiver, receiver_unit = item.transit_to, item.transit_to_unit
    _move(item, "end_transfer", _state_refusal(item))
    item.transit_to = item.transit_to_unit = None
    event = _append(
        item,
        by=by,
        now=now,
        kind=kind,
        purpose=_last_purpose(item),
        from_user=receiver,
        from_unit=receiver_unit,
        to_user=item.custodian,
        to_unit=item.custodian_unit,
        occurred_at=now,
        place=item.storage_location,
        seals=item.seal_numbers,
        condition=item.condition,
        note=note.strip(),
    )
    _save_item(item, ["state", "transit_to", "transit_to_unit"])
    return event


@transaction.atomic
def item_check(
    *,
    item: EvidenceItem,
    by,
    seal_check: str,
    condition: str,
    storage_location: str,
    new_seals: str | Sequence[str] = (),
    note: str = "",
) -> CustodyEvent:
    """The custodian checks the seals, records the condition or moves the item in the store."""
    item = _locked(item)
    _require_holder(item, by)
    if item.state != ItemState.IN_CUSTODY:
        raise ValidationError(_state_refusal(item))
    item.seal_numbers = _seals_after_check(item, seal_check, new_seals, note, storage_location)
    now = timezone.now()
    item.condition = condition
    item.storage_location = storage_location.strip()
    event = _append(
        item,
        by=by,
        now=now,
        kind=EventKind.CHECK,
        purpose=Purpose.STORAGE,
        from_user=by,
        from_unit=item.custodian_unit,
        to_user=by,
        to_unit=item.custodian_unit,
        occurred_at=now,
        place=item.storage_location,
        seal_check=seal_check,
        seals=item.seal_numbers,
        condition=condition,
        note=note.strip(),
    )
    _save_item(item, ["seal_numbers", "condition", "storage_location"])
    return event


@transaction.atomic
def item_dispose(
    *,
    item: EvidenceItem,
    by,
    purpose: str,
    witness: User,
    place: str,
    note: str = "",
    occurred_at: dt.datetime | None = None,
) -> CustodyEvent:
    """Destroy ``item`` or return it to its owner, before a witness; nothing follows."""
    _require_custody_role(by)
    item = _locked(item)
    _require_holder(item, by)
    if purpose not in Purpose.disposals():
        raise ValidationError({"purpose": _("Choose destruction or return to the owner.")})
    if witness is None or witness.pk == by.pk or not witness.is_active:
        raise ValidationError(
            {"witness": _("A disposal needs a witness other than the custodian.")}
        )
    if not place.strip():
        raise ValidationError({"place": _("Say where it happened.")})
    now = timezone.now()
    _move(item, "dispose", _state_refusal(item))
    event = _append(
        item,
        by=by,
        now=now,
        kind=EventKind.DISPOSED,
        purpose=purpose,
        from_user=by,
        from_unit=item.custodian_unit,
        occurred_at=_when(occurred_at, now),
        place=place.strip(),
        seals=item.seal_numbers,
        condition=item.condition,
        note=note.strip(),
        witness=witness,
    )
    _save_item(item, ["state"])
    return event
