"""The one-page seizure form: the seizure's own facts plus four formsets for its parts.

These forms only turn what was typed into Python values (dates, decimals, ports). Whether
the seizure makes sense — check digits, future dates, units that fit the substance, the
route's order — is decided by the models and ``services``; their errors are put back on
the row and field that caused them by ``SeizurePage.show_errors``.
"""

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.formsets import TOTAL_FORM_COUNT
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from casetracker.core.choices import HandlingCode
from casetracker.core.models import Agency, Port, Unit

from .choices import SUBSTANCE_CATEGORY, CommodityCategory, PortCallRole, Substance
from .models import Container, Note, Party, PortCall, SeizedItem, Seizure, SeizureShare
from .services import SeizureInvalid, SeizureParts
from .validators import normalise_container_number, normalise_imo_number

PART_NAMES = ("containers", "items", "port_calls", "parties")
MAX_ROWS = 50


def _model_field(model, name: str, **kwargs) -> forms.Field:
    """The form field the model declares (label, choices, help text), typed only."""
    return model._meta.get_field(name).formfield(**kwargs)


def _example(value: str):
    return format_lazy(_("e.g. {}"), value)


def port_matches(query: str, *, limit: int = 20) -> list[Port]:
    """Ports whose UN/LOCODE starts with, or whose name contains, what was typed."""
    query = (query or "").strip()
    if len(query) < 2 or "\x00" in query:  # PostgreSQL refuses NUL in a parameter
        return []
    code = query.upper().replace(" ", "")
    found = Port.objects.filter(Q(locode__startswith=code[:5]) | Q(name__icontains=query))
    return list(found.order_by("locode")[:limit])


class LocodeField(forms.CharField):
    """A UN/LOCODE typed or picked from the port list, cleaned to a Port.

    Only the first word counts, so "ECGYE Guayaquil" picked from a suggestion works.
    """

    default_error_messages = {
        "unknown": _("%(code)s is not a UN/LOCODE we know: pick a port from the suggestions."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("port (UN/LOCODE)"))
        kwargs.setdefault("max_length", 130)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "list": "port-options",
                    "autocomplete": "off",
                    "autocapitalize": "characters",
                    "spellcheck": "false",
                    "data-port-search": "",
                }
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.split()[0].upper() if value.strip() else ""

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        try:
            return Port.objects.get(locode=code)
        except Port.DoesNotExist:
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"code": code}
            ) from None


# The two fields that mark a piece (a party, an attachment, a note): whose it is and how far
# it may travel. See HandlingCode and selectors.visible_pieces.
MARKING_FIELDS = ("agency", "handling_code")


class AgencyField(forms.ChoiceField):
    """One of the unit's member agencies, cleaned to an Agency (None when it has none).

    Built from an already fetched list so that fifty party rows do not cost fifty queries.
    """

    def __init__(self, *, agencies=(), **kwargs):
        self.agencies = {str(agency.pk): agency for agency in agencies}
        kwargs.setdefault("label", _("agency"))
        kwargs.setdefault("required", bool(self.agencies))
        choices = [(pk, str(agency)) for pk, agency in self.agencies.items()]
        if not kwargs["required"]:
            choices = [("", "—")] + choices
        super().__init__(choices=choices, **kwargs)
        if self.agencies:
            self.initial = next(iter(self.agencies))

    def clean(self, value):
        value = super().clean(value)
        return self.agencies.get(str(value)) if value else None


def handling_code_field(**kwargs) -> forms.TypedChoiceField:
    # Optional with H1 as the empty value: a client that sends no code gets the usual one,
    # the same default the model has.
    return forms.TypedChoiceField(
        label=kwargs.pop("label", _("handling code")),
        choices=HandlingCode.choices,
        coerce=int,
        required=False,
        empty_value=HandlingCode.H1,
        initial=HandlingCode.H1,
        **kwargs,
    )


def add_marking_fields(form: forms.Form, agencies, *, prefix: str = "") -> None:
    form.fields[f"{prefix}agency"] = AgencyField(agencies=agencies)
    form.fields[f"{prefix}handling_code"] = handling_code_field()


def marking_agencies(unit) -> list[Agency]:
    """The agencies a piece may be marked with: the unit's members, in a stable order."""
    if unit is None:
        return []
    return list(unit.agencies.order_by("name", "pk"))


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or documents at once, each checked before anything is saved."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [u for u in (data if isinstance(data, list | tuple) else [data]) if u]
        errors, cleaned = [], []
        for upload in uploads:
            try:
                cleaned.append(super().clean(upload, initial))
                _validate_upload(upload)
            except ValidationError as exc:
                # The messages name the file, so several refusals can be told apart.
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


def _validate_upload(upload) -> None:
    # Imported late: the attachments module is its own concern and must not be needed
    # to import the forms (the API and admin import them too).
    from . import attachments

    attachments.validate_upload(upload)


def _substance_choices():
    # The empty choice first, so a blank row stays blank; substances grouped by commodity.
    groups: dict[str, list] = {}
    for value, label in Substance.choices:
        if value:
            groups.setdefault(SUBSTANCE_CATEGORY[value], []).append((value, label))
    return [("", _("(not a drug or precursor)"))] + [
        (CommodityCategory(category).label, choices) for category, choices in groups.items()
    ]


class SeizureForm(forms.Form):
    port = LocodeField(label=_("port (UN/LOCODE)"))
    occurred_date = forms.DateField(
        label=_("date"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    occurred_time = forms.TimeField(
        label=_("local time"),
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    terminal = _model_field(Seizure, "terminal")
    detection_method = _model_field(Seizure, "detection_method")

    vessel_name = _model_field(Seizure, "vessel_name")
    imo_number = _model_field(
        Seizure,
        "imo_number",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": _example("9074729")}),
    )
    voyage = _model_field(Seizure, "voyage")
    bill_of_lading = _model_field(
        Seizure, "bill_of_lading", widget=forms.TextInput(attrs={"autocapitalize": "characters"})
    )

    declared_goods = _model_field(Seizure, "declared_goods")
    hs_code = _model_field(
        Seizure,
        "hs_code",
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": _example("080390")}),
    )
    concealment_method = _model_field(Seizure, "concealment_method")
    concealment_details = _model_field(
        Seizure, "concealment_details", widget=forms.Textarea(attrs={"rows": 3})
    )
    packaging_markings = _model_field(
        Seizure, "packaging_markings", widget=forms.Textarea(attrs={"rows": 3})
    )

    files = MultipleFileField(
        label=_("photos and documents"),
        required=False,
        help_text=_("You can choose several files at once."),
    )

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Every file chosen with the seizure gets the same marking.
        add_marking_fields(self, agencies, prefix="files_")
        # Asked for only when files are chosen (see clean).
        self.fields["files_agency"].required = False
        self.fields["files_agency"].label = _("agency of the files")
        self.fields["files_handling_code"].label = _("handling code of the files")

    def clean_imo_number(self) -> str:
        return normalise_imo_number(self.cleaned_data["imo_number"])

    def clean_hs_code(self) -> str:
        # Tariff books print "0803.90.00"; the code is stored as bare digits.
        return re.sub(r"[\s.]", "", self.cleaned_data["hs_code"])

    def clean(self):
        cleaned = super().clean()
        agency_field = self.fields["files_agency"]
        if cleaned.get("files") and agency_field.agencies and not cleaned.get("files_agency"):
            self.add_error("files_agency", agency_field.error_messages["required"])
        port, day, time = (cleaned.get(k) for k in ("port", "occurred_date", "occurred_time"))
        if port and day and time:
            try:
                zone = ZoneInfo(port.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                self.add_error("port", _("This port has no valid time zone; tell an admin."))
            else:
                # The officer types the time shown on the port's clocks; it is stored in UTC.
                local = dt.datetime.combine(day, time).replace(tzinfo=zone)
                cleaned["occurred_at"] = local.astimezone(dt.UTC)
        return cleaned

    def seizure_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("occurred_date", "occurred_time", "files", *_FILES_MARKING):
            data.pop(name, None)
        return data


_FILES_MARKING = ("files_agency", "files_handling_code")


class PartForm(forms.Form):
    def part_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "DELETE"}


class ContainerForm(PartForm):
    number = _model_field(
        Container,
        "number",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": _example("MSCU1234566"),
            }
        ),
    )
    seal_numbers = _model_field(Container, "seal_numbers")
    size_type = _model_field(
        Container, "size_type", widget=forms.TextInput(attrs={"placeholder": _example("45G1")})
    )

    def clean_number(self) -> str:
        return normalise_container_number(self.cleaned_data["number"])


class ItemForm(PartForm):
    category = _model_field(SeizedItem, "category")
    substance = _model_field(SeizedItem, "substance", choices=_substance_choices)
    description = _model_field(SeizedItem, "description")
    quantity = _model_field(SeizedItem, "quantity", widget=forms.NumberInput(attrs={"step": "any"}))
    quantity_unit = _model_field(SeizedItem, "quantity_unit")
    estimated_value = _model_field(
        SeizedItem, "estimated_value", widget=forms.NumberInput(attrs={"step": "any"})
    )
    currency = _model_field(
        SeizedItem,
        "currency",
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "placeholder": _example("USD")}
        ),
    )


class PortCallForm(PartForm):
    role = _model_field(PortCall, "role")
    port = LocodeField()


class PartyForm(PartForm):
    role = _model_field(Party, "role")
    kind = _model_field(Party, "kind")
    name = _model_field(Party, "name")
    country = _model_field(Party, "country")
    identifiers = _model_field(Party, "identifiers")
    phone_numbers = _model_field(
        Party, "phone_numbers", widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    address = _model_field(Party, "address")

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        add_marking_fields(self, agencies)

    def has_changed(self) -> bool:
        # A new row showing only its default agency and code is still a blank row.
        return any(name not in MARKING_FIELDS for name in self.changed_data)


class PartFormSet(forms.BaseFormSet):
    """Rows of one part; blank rows and rows marked "remove" are left out."""

    # Initial values offered in the first blank rows (e.g. the roles of a usual route);
    # a row that keeps only these is still blank.
    row_defaults: list[dict[str, Any]] = []

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is None:  # the empty row the page's script clones
            return kwargs
        position = index - self.initial_form_count()
        if 0 <= position < len(self.row_defaults):
            kwargs["initial"] = self.row_defaults[position]
        return kwargs

    def kept_forms(self) -> list[forms.Form]:
        """The rows that make up the part, in display order (what the service receives)."""
        kept = []
        for index, form in enumerate(self.forms):
            if self.can_delete and self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            kept.append(form)
        return kept

    def rows(self) -> list[dict[str, Any]]:
        return [form.part_fields() for form in self.kept_forms()]


def _formset(form_class, extra: int):
    return forms.formset_factory(
        form_class,
        formset=PartFormSet,
        extra=extra,
        can_delete=True,
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
        validate_max=True,
    )


PART_FORMS = {
    "containers": ContainerForm,
    "items": ItemForm,
    "port_calls": PortCallForm,
    "parties": PartyForm,
}
# Blank rows a new seizure starts with: most have one container, one item, a route of
# loading → transhipment → discharge and one party.
NEW_ROWS = {"containers": 1, "items": 1, "port_calls": 3, "parties": 1}
USUAL_ROUTE = [
    {"role": PortCallRole.LOADING},
    {"role": PortCallRole.TRANSHIPMENT},
    {"role": PortCallRole.DISCHARGE},
]


class SeizurePage:
    """The seizure form and its four part formsets, bound and checked together."""

    def __init__(
        self,
        data=None,
        files=None,
        *,
        initial=None,
        parts_initial=None,
        new=True,
        agencies=(),
    ):
        """``agencies``: what parties and files may be marked with (``marking_agencies``)."""
        parts_initial = parts_initial or {}
        self.form = SeizureForm(data, files, initial=initial, agencies=agencies)
        self.formsets: dict[str, PartFormSet] = {}
        for name in PART_NAMES:
            rows = parts_initial.get(name, [])
            extra = NEW_ROWS[name] if new else (0 if rows else 1)
            form_kwargs = {"agencies": agencies} if name == "parties" else {}
            formset = _formset(PART_FORMS[name], extra)(
                data, prefix=name, initial=rows or None, form_kwargs=form_kwargs
            )
            if new and name == "port_calls":
                formset.row_defaults = USUAL_ROUTE
            self.formsets[name] = formset

    def is_valid(self) -> bool:
        results = [self.form.is_valid()] + [fs.is_valid() for fs in self.formsets.values()]
        return all(results)

    def has_errors(self) -> bool:
        return bool(self.form.errors) or any(
            fs.total_error_count() for fs in self.formsets.values()
        )

    def seizure_fields(self) -> dict[str, Any]:
        return self.form.seizure_fields()

    def uploads(self) -> list:
        return self.form.cleaned_data.get("files") or []

    def uploads_marking(self) -> dict[str, Any]:
        """The agency and handling code chosen for the files, as attachment_add takes them."""
        data = self.form.cleaned_data
        return {
            "agency": data.get("files_agency"),
            "handling_code": data.get("files_handling_code", HandlingCode.H1),
        }

    def parts(self) -> SeizureParts:
        return SeizureParts(**{name: fs.rows() for name, fs in self.formsets.items()})

    def show_errors(self, exc: SeizureInvalid) -> None:
        """Put each error the services found next to the field (or row, or part) it
        belongs to."""
        for key, value in exc.by_part.items():
            if key in self.formsets:
                kept = self.formsets[key].kept_forms()
                for position, row_errors in enumerate(value):
                    if row_errors and position < len(kept):
                        _add_errors(kept[position], row_errors)
            elif key.endswith("_all") and key[: -len("_all")] in self.formsets:
                formset = self.formsets[key[: -len("_all")]]
                # non_form_errors() returns the formset's own list: extending it shows them.
                formset.non_form_errors().extend(value)
            else:
                _add_errors(self.form, {key: value})

    def time_zone(self, fallback: Port | None) -> str:
        """The zone the typed time is read in: the chosen port's, else ``fallback``'s."""
        port = None
        if self.form.is_bound:
            code = LocodeField().to_python(self.form.data.get("port", ""))
            port = Port.objects.filter(locode=code).first() if code else None
        port = port or fallback
        return port.timezone if port else "UTC"


def with_extra_row(data, name: str):
    """The posted data with one more blank row in part ``name`` (the no-script path)."""
    data = data.copy()
    key = f"{name}-{TOTAL_FORM_COUNT}"
    try:
        count = int(data.get(key, 0))
    except ValueError:
        count = 0
    data[key] = str(min(count + 1, MAX_ROWS))
    return data


# Model field names that the form shows under another name.
_FORM_FIELD_FOR = {"occurred_at": "occurred_date", "sequence": None}


def _add_errors(form: forms.Form, errors: dict[str, list]) -> None:
    for field, messages in errors.items():
        target = _FORM_FIELD_FOR.get(field, field)
        if target not in form.fields:
            target = None
        for message in messages:
            form.add_error(target, message)


def initial_from_seizure(seizure: Seizure) -> tuple[dict[str, Any], dict[str, list]]:
    """What the edit page starts with: the stored seizure, times on the port's clock."""
    local = seizure.local_occurred_at
    initial = {
        name: getattr(seizure, name)
        for name in SeizureForm.base_fields
        if name not in ("port", "occurred_date", "occurred_time", "files", *_FILES_MARKING)
    }
    initial.update(port=seizure.port_id, occurred_date=local.date(), occurred_time=local.time())
    parts = {
        "containers": [
            {k: getattr(c, k) for k in ContainerForm.base_fields} for c in seizure.containers.all()
        ],
        "items": [{k: getattr(i, k) for k in ItemForm.base_fields} for i in seizure.items.all()],
        "port_calls": [{"role": c.role, "port": c.port_id} for c in seizure.port_calls.all()],
        "parties": [
            {
                **{k: getattr(p, k) for k in PartyForm.base_fields},
                "country": p.country.code or "",
                "agency": p.agency_id,
                "handling_code": p.handling_code,
            }
            for p in seizure.parties.all()
        ],
    }
    return initial, parts


def initial_for_unit(unit) -> dict[str, Any]:
    """A new seizure starts at the unit's port, dated today on the port's clock."""
    if unit is None or unit.port is None:
        return {}
    try:
        today = timezone.localtime(timezone.now(), ZoneInfo(unit.port.timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        today = timezone.now().date()
    return {"port": unit.port_id, "occurred_date": today}


class NoteForm(forms.Form):
    """A note added on the detail page, marked like a party."""

    text = _model_field(Note, "text", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, agencies=(), **kwargs):
        kwargs.setdefault("auto_id", "note-%s")
        super().__init__(*args, **kwargs)
        add_marking_fields(self, agencies)


class ShareForm(forms.Form):
    """Share a seizure with another unit, at a handling level, for a reason."""

    unit = forms.CharField(label=_("unit"), widget=forms.Select)
    handling_level = forms.TypedChoiceField(
        label=_("handling level"),
        choices=SeizureShare._meta.get_field("handling_level").choices,
        coerce=int,
        initial=HandlingCode.H1,
        help_text=_("The unit sees the pieces marked at this level or wider; never H0."),
    )
    reason = _model_field(SeizureShare, "reason")

    def __init__(self, *args, seizure: Seizure, **kwargs):
        kwargs.setdefault("auto_id", "share-%s")
        super().__init__(*args, **kwargs)
        self.seizure = seizure
        # The owning unit is not offered (it sees everything already); if it is posted
        # anyway the sharing service says why it is refused.
        units = Unit.objects.exclude(pk=seizure.unit_id).only("code", "name").order_by("code")
        self.fields["unit"].widget.choices = [("", "—")] + [(u.code, str(u)) for u in units]

    def clean_unit(self) -> Unit:
        try:
            return Unit.objects.get(code=self.cleaned_data["unit"])
        except Unit.DoesNotExist:
            raise ValidationError(_("Choose a unit from the list."), code="unknown") from None
