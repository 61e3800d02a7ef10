"""Every write to a seizure goes through here, from the pages, the API and the imports alike.

A seizure and its parts (containers, items, route, parties) are saved in one transaction:
either all of it is valid and stored, or nothing is and every error is reported with the
field it belongs to.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from geopy.distance import geodesic

from casetracker.core import access
from casetracker.core.roles import Action, can
from casetracker.core.timezones import earliest_date_anywhere

from .choices import PortCallRole
from .models import Container, Party, PortCall, ReferenceCounter, SeizedItem, Seizure
from .signals import seizure_submitted

# What the seizing unit's own group may do on its seizures.
OWNER_PERMS = ["seizures.view_seizure", "seizures.change_seizure"]

SEIZURE_FIELDS = (
    "occurred_at",
    "port",
    "terminal",
    "detection_method",
    "vessel_name",
    "imo_number",
    "voyage",
    "bill_of_lading",
    "declared_goods",
    "hs_code",
    "concealment_method",
    "concealment_details",
    "packaging_markings",
)

_ROUTE_ORDER = {
    PortCallRole.LOADING: 0,
    PortCallRole.TRANSHIPMENT: 1,
    PortCallRole.DISCHARGE: 2,
    PortCallRole.FINAL_DESTINATION: 3,
}


class SeizureInvalid(ValidationError):
    """The seizure and its parts did not validate; nothing was saved.

    ``by_part`` keeps the shape of the input (``{"items": [{}, {"quantity": [...]}]}``) so
    forms and the API can put each message next to the field that caused it;
    ``message_dict`` flattens it to ``items.1.quantity`` keys.
    """

    def __init__(self, by_part: dict[str, Any]):
        self.by_part = by_part
        flat: dict[str, list] = {}
        for key, value in by_part.items():
            if key in _PART_NAMES:
                for position, row in enumerate(value):
                    for field, messages in row.items():
                        flat[f"{key}.{position}.{field}"] = messages
            else:
                flat[key] = value
        super().__init__(flat)


_PART_NAMES = ("containers", "items", "port_calls", "parties")


@dataclass(frozen=True)
class SeizureParts:
    """The repeated parts of a seizure, each a list of field dicts in display order."""

    containers: Sequence[dict[str, Any]] = ()
    items: Sequence[dict[str, Any]] = ()
    port_calls: Sequence[dict[str, Any]] = ()
    parties: Sequence[dict[str, Any]] = ()


def _next_reference(*, unit, year: int) -> str:
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
        unit=unit, year=year
    )
    # get_or_create does not lock a row it just inserted on every backend; re-read locked.
    counter = ReferenceCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{unit.code}-{year}-{counter.last_number:04d}"


def _check_route(port_calls: Sequence[PortCall]) -> list[str]:
    problems = []
    ranks = [_ROUTE_ORDER[call.role] for call in port_calls]
    if ranks != sorted(ranks):
        problems.append(
            _("Order the route from loading through transhipment and discharge to destination.")
        )
    for role in (PortCallRole.LOADING, PortCallRole.DISCHARGE, PortCallRole.FINAL_DESTINATION):
        if sum(1 for call in port_calls if call.role == role) > 1:
            problems.append(_("The route has more than one %(role)s.") % {"role": role.label})
    for previous, call in zip(port_calls, port_calls[1:], strict=False):
        if previous.port_id == call.port_id:
            problems.append(_("%(port)s follows itself on the route.") % {"port": call.port_id})
    return problems


def _build_parts(seizure: Seizure, parts: SeizureParts) -> tuple[dict[str, list], dict]:
    """Unsaved part objects and their errors, keyed like the input lists."""
    built: dict[str, list] = {}
    errors: dict[str, Any] = {}
    for name, model in zip(_PART_NAMES, (Container, SeizedItem, PortCall, Party), strict=True):
        objects, row_errors = [], []
        for position, fields in enumerate(getattr(parts, name)):
            extra = {"sequence": position + 1} if model is PortCall else {}
            obj = model(seizure=seizure, **extra, **fields)
            try:
                obj.full_clean(exclude=["seizure"])
                row_errors.append({})
            except ValidationError as exc:
                row_errors.append(exc.message_dict)
            objects.append(obj)
        built[name] = objects
        if any(row_errors):
            errors[name] = row_errors
    numbers = [c.number for c in built["containers"]]
    if len(numbers) != len(set(numbers)):
        errors.setdefault("containers_all", []).append(_("A container is listed twice."))
    if not built["items"]:
        errors["items_all"] = [_("Record at least one seized item.")]
    route_problems = _check_route(built["port_calls"]) if "port_calls" not in errors else []
    if route_problems:
        errors["port_calls_all"] = route_problems
    return built, errors


def _apply_distances(seizure: Seizure, port_calls: list[PortCall]) -> None:
    total, previous = 0.0, None
    for call in port_calls:
        if previous is None:
            call.leg_distance_km = None
        else:
            call.leg_distance_km = round(geodesic(previous.port.point, call.port.point).km, 1)
            total += call.leg_distance_km
        previous = call
    seizure.total_distance_km = round(total, 1) if len(port_calls) > 1 else None


def _commodities(items: list[SeizedItem]) -> list[str]:
    return sorted({item.category for item in items} | {i.substance for i in items if i.substance})


def _save_parts(seizure: Seizure, built: dict[str, list]) -> None:
    # Row by row, not bulk_create: each save sends the signals the audit trail records
    # (a seizure has a handful of parts, so the cost is a few inserts).
    for name in _PART_NAMES:
        getattr(seizure, name).all().delete()
        for obj in built[name]:
            obj.seizure = seizure
            obj.save(force_insert=True)


def _validate(seizure: Seizure, parts: SeizureParts) -> dict[str, list]:
    errors: dict[str, Any] = {}
    try:
        seizure.full_clean(exclude=["reference", "created_by", "unit", "status"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    built, part_errors = _build_parts(seizure, parts)
    errors.update(part_errors)
    if errors:
        raise SeizureInvalid(errors)
    return built


def _require(user, action: str, message: str) -> None:
    """The role must allow the action, whatever the unit's grants on the object say: a
    custodian seconded to a port control unit does not rewrite its seizures."""
    if not can(user, action):
        raise PermissionDenied(message)


@transaction.atomic
def seizure_log(
    *, user, fields: dict[str, Any], parts: SeizureParts, submit: bool = False
) -> Seizure:
    """Record a new seizure of the user's unit, with all its parts, as a draft or submitted."""
    _require(
        user,
        Action.SEIZURE_LOG,
        _("Only officers and supervisors of a port or air cargo control unit log seizures."),
    )
    seizure = Seizure(unit=user.unit, created_by=user, **fields)
    built = _validate(seizure, parts)
    _apply_distances(seizure, built["port_calls"])
    seizure.commodities = _commodities(built["items"])
    local_year = seizure.local_occurred_at.year
    seizure.reference = _next_reference(unit=user.unit, year=local_year)
    if submit:
        seizure.submit()
    seizure.save()
    _save_parts(seizure, built)
    access.unit_grant(unit=user.unit, obj=seizure, perms=OWNER_PERMS)
    if submit:
        seizure_submitted.send(sender=Seizure, seizure=seizure, user=user)
    return seizure


@transaction.atomic
def seizure_update(
    *, user, seizure: Seizure, fields: dict[str, Any], parts: SeizureParts | None = None
) -> Seizure:
    """Change a seizure's facts; when ``parts`` is given its parts are replaced by them.

    The caller has found the seizure through ``selectors.seizure_get(for_change=True)``;
    here the role is checked as well.

    The reference number is fixed at logging and never changes, even if the date moves to
    another year, so what was sent on paper stays traceable.
    """
    _require(user, Action.SEIZURE_EDIT, _("Your role does not allow correcting seizures."))
    seizure = Seizure.objects.select_for_update().get(pk=seizure.pk)
    occurred_at = seizure.occurred_at
    for name, value in fields.items():
        if name not in SEIZURE_FIELDS:
            raise ValueError(f"{name} is not an editable seizure field")
        setattr(seizure, name, value)
    if seizure.occurred_at != occurred_at and (late := _after_its_follow_up(seizure)):
        raise SeizureInvalid({"occurred_at": [late]})
    if parts is None:
        parts = SeizureParts(
            containers=_as_dicts(seizure.containers.all(), ("number", "seal_numbers", "size_type")),
            items=_as_dicts(
                seizure.items.all(),
                (
                    "category",
                    "substance",
                    "description",
                    "quantity",
                    "quantity_unit",
                    "estimated_value",
                    "currency",
                ),
            ),
            port_calls=_as_dicts(seizure.port_calls.all(), ("role", "port")),
            parties=_as_dicts(
                seizure.parties.all(),
                (
                    "role",
                    "kind",
                    "name",
                    "country",
                    "identifiers",
                    "phone_numbers",
                    "address",
                    "agency",
                    "handling_code",
                ),
            ),
        )
    built = _validate(seizure, parts)
    _apply_distances(seizure, built["port_calls"])
    seizure.commodities = _commodities(built["items"])
    seizure.save()
    _save_parts(seizure, built)
    return seizure


def _after_its_follow_up(seizure: Seizure) -> str:
    """Why the seizure cannot have occurred when it now says, or "": not after one of its
    referrals was sent, nor after one of its outcomes' dates in every time zone (an
    outcome is dated in the recipient's calendar, which may be a day behind the port's).

    Read through the relations the referrals app adds to a seizure; withdrawn outcomes
    are not among them (they count for nothing)."""
    if seizure.occurred_at is None:
        return ""
    first_sent = seizure.referrals.aggregate(first=Min("sent_at"))["first"]
    if first_sent is not None and seizure.occurred_at > first_sent:
        return _("The seizure cannot be dated after it was first referred (%(date)s).") % {
            "date": date_format(timezone.localtime(first_sent), "DATETIME_FORMAT")
        }
    first_outcome = seizure.outcomes.aggregate(first=Min("occurred_on"))["first"]
    earliest_day = earliest_date_anywhere(seizure.occurred_at)
    if first_outcome is not None and first_outcome < earliest_day:
        return _(
            "The seizure cannot be dated after what its follow-up achieved: an outcome is "
            "dated %(date)s."
        ) % {"date": date_format(first_outcome)}
    return ""


def _as_dicts(queryset, names: Sequence[str]) -> list[dict[str, Any]]:
    return [{name: getattr(obj, name) for name in names} for obj in queryset]


@transaction.atomic
def seizure_submit(*, user, seizure: Seizure) -> Seizure:
    """Send a draft out; it can no longer be withdrawn to draft."""
    _require(user, Action.SEIZURE_SUBMIT, _("Your role does not allow submitting seizures."))
    seizure = Seizure.objects.select_for_update().get(pk=seizure.pk)
    if seizure.status != "draft":
        raise ValidationError(_("This seizure has already been submitted."))
    seizure.submit()
    seizure.save(update_fields=["status", "submitted_at", "updated_at"])
    seizure_submitted.send(sender=Seizure, seizure=seizure, user=user)
    return seizure
