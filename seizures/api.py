"""The seizure API: the pages' services, selectors and checks, spoken in JSON.

Serializers here only parse input (types, choices, ports by UN/LOCODE) and shape output.
Every rule about what makes a seizure valid lives in ``seizures.services`` and the models, so
the API and the logging page cannot disagree; a refused seizure comes back as a 400 whose
errors have the shape of the request body, and nothing of it is saved.
"""

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, parsers, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings

from casetracker.core.audit.services import audit_access
from casetracker.core.choices import HandlingCode
from casetracker.core.models import Agency, Port
from casetracker.core.roles import Action, can

from . import filters, services
from .choices import (
    CommodityCategory,
    ConcealmentMethod,
    DetectionMethod,
    PartyKind,
    PartyRole,
    PortCallRole,
    QuantityUnit,
    SeizureStatus,
    Substance,
)
from .models import (
    Attachment,
    AttachmentKind,
    Container,
    Note,
    Party,
    PortCall,
    SeizedItem,
    Seizure,
)
from .selectors import (
    handling_level,
    seizure_get,
    seizure_list,
    visible_pieces,
    visible_pieces_of_many,
)
from .validators import normalise_container_number, normalise_imo_number

_LOCODE_RE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")

# Generous for any real seizure; a bound keeps one request from asking for thousands of rows.
MAX_ROWS_PER_PART = 200


def _text(model, name: str, **kwargs) -> serializers.CharField:
    """An optional free-text field as long as the model column allows."""
    field = model._meta.get_field(name)
    return serializers.CharField(
        max_length=field.max_length,
        allow_blank=True,
        required=False,
        default="",
        **kwargs,
    )


class PortField(serializers.SlugRelatedField):
    """A port given and shown as its UN/LOCODE."""

    default_error_messages = {
        "does_not_exist": _("No port has the UN/LOCODE {value}."),
        "invalid": _("Give the port as its five-character UN/LOCODE, e.g. ECGYE."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="locode", queryset=Port.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        code = data.replace(" ", "").upper()
        # Checked before the look-up: no query for text that cannot be a code.
        if not _LOCODE_RE.match(code):
            self.fail("invalid")
        try:
            return self.get_queryset().get(locode=code)
        except Port.DoesNotExist:
            self.fail("does_not_exist", value=code)


class PortLocalDateTimeField(serializers.DateTimeField):
    """A time with an offset is taken as given; one without is the port's local time.

    Officers read the time off a watch at the port, so a bare time means local time there,
    as on the logging page. The port is only known once the whole body is read, so naive
    values are localised in ``SeizureSerializer.validate``.
    """

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            return value
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            self.fail("overflow")


class ContainerSerializer(serializers.Serializer):
    number = serializers.CharField(
        max_length=20, help_text=_("ISO 6346, e.g. MSCU1234566; spaces and dashes are ignored.")
    )
    seal_numbers = _text(Container, "seal_numbers")
    size_type = _text(Container, "size_type")

    def validate_number(self, value: str) -> str:
        return normalise_container_number(value)


class SeizedItemSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=CommodityCategory.choices)
    substance = serializers.ChoiceField(
        choices=Substance.choices, allow_blank=True, required=False, default=""
    )
    description = _text(SeizedItem, "description")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    quantity_unit = serializers.ChoiceField(choices=QuantityUnit.choices)
    estimated_value = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, required=False, default=None
    )
    currency = _text(SeizedItem, "currency", help_text=_("ISO 4217, e.g. USD"))


class PortCallSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(read_only=True)
    role = serializers.ChoiceField(choices=PortCallRole.choices)
    port = PortField()
    port_name = serializers.CharField(source="port.name", read_only=True)
    leg_distance_km = serializers.FloatField(
        read_only=True, allow_null=True, help_text=_("From the previous port on the route.")
    )


class AgencyField(serializers.SlugRelatedField):
    """The contributing agency, given and shown by name: one of the unit's member agencies."""

    default_error_messages = {
        "does_not_exist": _("{value} is not an agency of your unit."),
        "invalid": _("Give the agency by its name."),
    }

    def to_internal_value(self, data):
        # Checked before the look-up: PostgreSQL refuses a NUL character in a query
        # parameter with an error instead of finding nothing.
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Agency.objects.none())
        super().__init__(slug_field="name", **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        unit = getattr(getattr(request, "user", None), "unit", None)
        return unit.agencies.all() if unit is not None else Agency.objects.none()


def _agency_field() -> AgencyField:
    return AgencyField(
        allow_null=True,
        required=False,
        default=None,
        help_text=_("Name of the member agency of your unit that contributed this."),
    )


def _handling_code_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=HandlingCode.choices,
        required=False,
        default=HandlingCode.H1,
        help_text=_(
            "0: this unit only; 1: law-enforcement recipients; 2: also abroad; 3: also courts."
        ),
    )


class PartySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PartyRole.choices)
    kind = serializers.ChoiceField(choices=PartyKind.choices)
    name = serializers.CharField(max_length=Party._meta.get_field("name").max_length)
    country = serializers.ChoiceField(
        choices=[("", "")] + [(code, code) for code in countries.countries],
        allow_blank=True,
        required=False,
        default="",
        help_text=_("ISO 3166 alpha-2 code"),
    )
    identifiers = _text(Party, "identifiers")
    phone_numbers = _text(Party, "phone_numbers")
    address = _text(Party, "address")
    agency = _agency_field()
    handling_code = _handling_code_field()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["country"] = str(instance.country.code or "") if instance.country else ""
        return data


class AttachmentSerializer(serializers.Serializer):
    """What is known about a photo or document; the bytes only come from ``download_url``."""

    public_id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, read_only=True)
    original_name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    caption = serializers.CharField(read_only=True)
    uploaded_at = serializers.DateTimeField(read_only=True)
    agency = serializers.CharField(source="agency.name", read_only=True, allow_null=True)
    handling_code = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment: Attachment) -> str:
        url = reverse("seizures:attachment-download", args=[attachment.public_id])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class NoteSerializer(serializers.Serializer):
    public_id = serializers.UUIDField(read_only=True)
    text = serializers.CharField(read_only=True)
    author = serializers.CharField(source="author.username", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    agency = serializers.CharField(source="agency.name", read_only=True, allow_null=True)
    handling_code = serializers.IntegerField(read_only=True)


def _parts_field(child: serializers.Serializer, help_text) -> serializers.ListSerializer:
    return serializers.ListSerializer(
        child=child, required=False, max_length=MAX_ROWS_PER_PART, help_text=help_text
    )


class SeizureSerializer(serializers.Serializer):
    """A seizure with its containers, items, route and parties, read and written whole."""

    # What the server decides.
    public_id = serializers.UUIDField(read_only=True)
    url = serializers.SerializerMethodField()
    reference = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=SeizureStatus.choices, read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    # The facts (seizures.services.SEIZURE_FIELDS).
    occurred_at = PortLocalDateTimeField(
        help_text=_(
            "ISO 8601. Without a UTC offset the time is read as local time at the port. "
            "Answered in UTC."
        )
    )
    occurred_at_local = serializers.SerializerMethodField()
    port = PortField(help_text=_("UN/LOCODE of the port of seizure, e.g. ECGYE."))
    port_name = serializers.CharField(source="port.name", read_only=True)
    port_timezone = serializers.CharField(source="port.timezone", read_only=True)
    terminal = _text(Seizure, "terminal")
    detection_method = serializers.ChoiceField(choices=DetectionMethod.choices)
    vessel_name = _text(Seizure, "vessel_name")
    imo_number = serializers.CharField(
        max_length=20, allow_blank=True, required=False, default="", help_text="e.g. 9074729"
    )
    voyage = _text(Seizure, "voyage")
    bill_of_lading = _text(Seizure, "bill_of_lading")
    declared_goods = _text(Seizure, "declared_goods")
    hs_code = _text(Seizure, "hs_code", help_text="e.g. 080390")
    concealment_method = serializers.ChoiceField(choices=ConcealmentMethod.choices)
    concealment_details = serializers.CharField(allow_blank=True, required=False, default="")
    packaging_markings = serializers.CharField(allow_blank=True, required=False, default="")

    # The parts: on update, a list given replaces that part; a list left out keeps it.
    containers = _parts_field(ContainerSerializer(), _("Containers, in any order."))
    items = _parts_field(SeizedItemSerializer(), _("Seized items; at least one."))
    port_calls = _parts_field(
        PortCallSerializer(),
        _("The route in order: loading, transhipment(s), discharge, final destination."),
    )
    parties = _parts_field(PartySerializer(), _("Shipper, consignee and the other parties."))

    total_distance_km = serializers.FloatField(read_only=True, allow_null=True)
    commodities = serializers.ListField(child=serializers.CharField(), read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    notes = NoteSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)

    submit = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=_("On creation: submit the seizure at once instead of keeping a draft."),
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, seizure: Seizure) -> str:
        url = reverse("api-seizure-detail", args=[seizure.public_id])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(
        {
            "type": "string",
            "format": "date-time",
            "description": "The time of seizure at the port, with the port's UTC offset.",
        }
    )
    def get_occurred_at_local(self, seizure: Seizure) -> str:
        return seizure.local_occurred_at.isoformat()

    def validate_imo_number(self, value: str) -> str:
        return normalise_imo_number(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        occurred_at = attrs.get("occurred_at")
        if occurred_at is not None and timezone.is_naive(occurred_at):
            port = attrs.get("port") or getattr(self.instance, "port", None)
            try:
                zone = ZoneInfo(port.timezone) if port else dt.UTC
            except (ZoneInfoNotFoundError, ValueError):
                zone = dt.UTC
            local = occurred_at.replace(tzinfo=zone)
            try:
                attrs["occurred_at"] = local.astimezone(dt.UTC)
            except OverflowError:
                raise ValidationError(
                    {"occurred_at": [PortLocalDateTimeField.default_error_messages["overflow"]]}
                ) from None
        return attrs


# The part serializers' writable fields are the keyword arguments the services take.
_PART_SERIALIZERS = {
    "containers": ContainerSerializer,
    "items": SeizedItemSerializer,
    "port_calls": PortCallSerializer,
    "parties": PartySerializer,
}


def _writable_names(serializer_class) -> list[str]:
    return [name for name, field in serializer_class().fields.items() if not field.read_only]


def _split(validated: dict[str, Any], instance: Seizure | None):
    """Facts and parts for the services; parts left out of an update are kept as they are."""
    given = {name: validated.pop(name) for name in _PART_SERIALIZERS if name in validated}
    submit = validated.pop("submit", False)
    fields = {name: value for name, value in validated.items() if name in services.SEIZURE_FIELDS}
    if instance is None:
        return fields, services.SeizureParts(**given), submit
    if not given:
        return fields, None, submit
    parts = {}
    for name, serializer_class in _PART_SERIALIZERS.items():
        if name in given:
            parts[name] = given[name]
        else:
            names = _writable_names(serializer_class)
            parts[name] = [
                {field: getattr(obj, field) for field in names}
                for obj in getattr(instance, name).all()
            ]
    return fields, services.SeizureParts(**parts), submit


def _as_api_errors(value):
    """Django's "__all__" becomes DRF's "non_field_errors", at every depth."""
    if isinstance(value, dict):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key): _as_api_errors(
                inner
            )
            for key, inner in value.items()
        }
    if isinstance(value, list):
        return [_as_api_errors(inner) for inner in value]
    return value


def _rows_as_lists(errors: dict[str, Any], data: Any) -> dict[str, Any]:
    """DRF keys a list's row errors by position ({"1": {...}}); the services, the pages and
    this API answer a list with an empty dict for each good row, like the request body."""
    shaped = dict(errors)
    for name in _PART_SERIALIZERS:
        rows = shaped.get(name)
        if isinstance(rows, dict) and rows and all(isinstance(key, int) for key in rows):
            given = data.get(name) if isinstance(data, dict) else None
            length = max(len(given) if isinstance(given, list) else 0, max(rows) + 1)
            shaped[name] = [rows.get(position, {}) for position in range(length)]
    return shaped


def _valid(serializer: serializers.Serializer) -> dict[str, Any]:
    if not serializer.is_valid():
        raise ValidationError(_rows_as_lists(serializer.errors, serializer.initial_data))
    return dict(serializer.validated_data)


def _messages(exc: DjangoValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


class SafeJSONParser(parsers.JSONParser):
    """A body nested too deep for Python's JSON reader is a bad request, not a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deep.")) from None


class SafeJSONRenderer(renderers.JSONRenderer):
    """Error messages echo the input; lone surrogates in it cannot be sent as UTF-8."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            self.ensure_ascii = True
            return super().render(data, accepted_media_type, renderer_context)


class SeizurePagination(CursorPagination):
    # Newest first, ties broken by insertion order; the cursor carries the position only.
    ordering = ("-occurred_at", "-id")
    page_size = 50


class SeizureFilter(filters.SeizureFilter):
    """The list page's filters and search, under the API's parameter names."""

    date_from = None
    date_to = None
    occurred_after = django_filters.DateFilter(
        method="filter_date_from", label=_("Seized on or after this day")
    )
    occurred_before = django_filters.DateFilter(
        method="filter_date_to", label=_("Seized on or before this day")
    )

    commodity = django_filters.ChoiceFilter(
        choices=[
            (value, label)
            for _group, choices in filters.commodity_choices()
            for value, label in choices
        ],
        method="filter_commodity",
        label=_("Commodity category or substance"),
    )

    class Meta:
        fields = ["occurred_after", "occurred_before", "commodity", "status", "port", "q"]

    def filter_commodity(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return filters.filter_commodity(queryset, value)


def _with_parts(queryset: QuerySet, *, pieces) -> QuerySet:
    """Every part the representation shows, in a fixed number of queries.

    ``pieces`` filters the parties, attachments and notes to what the viewer may see.
    """
    return queryset.prefetch_related(
        "containers",
        "items",
        Prefetch("port_calls", queryset=PortCall.objects.select_related("port")),
        Prefetch("parties", queryset=pieces(Party.objects.select_related("agency"))),
        Prefetch("attachments", queryset=pieces(Attachment.objects.select_related("agency"))),
        Prefetch("notes", queryset=pieces(Note.objects.select_related("author", "agency"))),
    )


def _pieces_for_seizure(user, seizure: Seizure):
    """One seizure: the pieces at the user's handling level for it (selectors' rule)."""
    level = handling_level(user=user, seizure=seizure)
    return lambda queryset: visible_pieces(queryset, level=level)


def _pieces_for_list(user):
    return lambda queryset: visible_pieces_of_many(queryset, user=user)


_SEIZURE_ERRORS = {
    400: OpenApiResponse(
        description=_(
            "The seizure was refused; errors are keyed like the body, e.g. "
            '{"items": [{}, {"quantity": ["…"]}], "items_all": ["…"]}. Nothing was saved.'
        )
    ),
}


@extend_schema(tags=["seizures"])
@extend_schema_view(
    list=extend_schema(summary=_("Seizures the user may see, newest first")),
    retrieve=extend_schema(
        summary=_("One seizure with all its parts"),
        responses={200: SeizureSerializer, 404: OpenApiResponse(description=_("Not found."))},
    ),
    create=extend_schema(
        summary=_("Log a seizure with its containers, items, route and parties"),
        responses={
            201: SeizureSerializer,
            **_SEIZURE_ERRORS,
            403: OpenApiResponse(description=_("The user is not in a control unit.")),
        },
    ),
    update=extend_schema(
        summary=_("Change a seizure; each part given replaces that part"),
        responses={
            200: SeizureSerializer,
            **_SEIZURE_ERRORS,
            404: OpenApiResponse(description=_("Not found.")),
        },
    ),
    partial_update=extend_schema(
        summary=_("Change some facts or parts of a seizure"),
        responses={
            200: SeizureSerializer,
            **_SEIZURE_ERRORS,
            404: OpenApiResponse(description=_("Not found.")),
        },
    ),
)
class SeizureViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SeizureSerializer
    filterset_class = SeizureFilter
    pagination_class = SeizurePagination
    parser_classes = [SafeJSONParser]
    renderer_classes = [SafeJSONRenderer]
    lookup_field = "public_id"
    lookup_value_regex = (
        "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
    )

    def get_queryset(self) -> QuerySet[Seizure]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Seizure.objects.none()
        user = self.request.user
        return _with_parts(seizure_list(user=user), pieces=_pieces_for_list(user))

    def get_object(self) -> Seizure:
        """The seizure through the selector: hidden and missing answer the same 404."""
        for_change = self.action in ("update", "partial_update", "submit")
        return seizure_get(
            user=self.request.user, public_id=self.kwargs["public_id"], for_change=for_change
        )

    def list(self, request, *args, **kwargs):
        if not can(request.user, Action.SEIZURE_VIEW):
            # Evaluators read seizures through their own pseudonymised path only.
            raise PermissionDenied
        return super().list(request, *args, **kwargs)

    def _shown(self, seizure: Seizure) -> Seizure:
        user = self.request.user
        pieces = _pieces_for_seizure(user, seizure)
        return _with_parts(seizure_list(user=user), pieces=pieces).get(pk=seizure.pk)

    def retrieve(self, request, *args, **kwargs):
        seizure = self._shown(self.get_object())
        data = self.get_serializer(seizure).data
        audit_access(request=request, obj=seizure, event="view")
        return Response(data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        fields, parts, submit = _split(_valid(serializer), None)
        try:
            seizure = services.seizure_log(
                user=request.user, fields=fields, parts=parts, submit=submit
            )
        except services.SeizureInvalid as exc:
            raise ValidationError(_as_api_errors(exc.by_part)) from None
        except DjangoValidationError as exc:
            # The only other refusal is about who asks: not a member of a control unit.
            raise PermissionDenied(" ".join(_messages(exc))) from None
        data = self.get_serializer(self._shown(seizure)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        seizure = self.get_object()
        serializer = self.get_serializer(seizure, data=request.data, partial=partial)
        fields, parts, _submit = _split(_valid(serializer), seizure)
        try:
            seizure = services.seizure_update(
                user=request.user, seizure=seizure, fields=fields, parts=parts
            )
        except services.SeizureInvalid as exc:
            raise ValidationError(_as_api_errors(exc.by_part)) from None
        except DjangoValidationError as exc:
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: _messages(exc)}) from None
        return Response(self.get_serializer(self._shown(seizure)).data)

    @extend_schema(
        summary=_("Submit a draft seizure"),
        request=None,
        responses={
            200: SeizureSerializer,
            400: OpenApiResponse(description=_("The seizure was already submitted.")),
            404: OpenApiResponse(description=_("Not found.")),
        },
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        seizure = self.get_object()
        try:
            seizure = services.seizure_submit(user=request.user, seizure=seizure)
        except DjangoValidationError as exc:
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: _messages(exc)}) from None
        return Response(self.get_serializer(self._shown(seizure)).data)
