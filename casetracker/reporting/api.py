"""The evaluators' API: every unit's seizures without personal data, read-only.

The serializers list each field they emit; they read the dicts that
``evaluation.evaluation_rows`` builds from the allow-listed columns, never a model instance,
so a field added to ``Seizure`` cannot appear here by accident.
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings

from casetracker.core.accounts.permissions import SignedInProperly
from referrals.choices import RecipientKind
from seizures.choices import (
    CommodityCategory,
    ConcealmentMethod,
    DetectionMethod,
    PortCallRole,
    QuantityUnit,
    RouteCountryRole,
    SeizureStatus,
    Substance,
    TransportMode,
)

from . import cohort, evaluation, figures, ladder
from .choices import Flag, Rung
from .filters import CohortForm, EvaluationFilter

NOT_AN_EVALUATOR = OpenApiResponse(description=_("The user's role may not evaluate."))


class CanEvaluate(permissions.BasePermission):
    """The role may see pseudonymised figures of all units (evaluators, administrators)."""

    message = _("Only evaluators and administrators may see the evaluation data.")

    def has_permission(self, request, view) -> bool:
        return evaluation.may_evaluate(request.user)


class PortLocalDateTimeField(serializers.DateTimeField):
    """A time already in the port's zone, answered with the port's UTC offset (DRF would
    convert it to the server's zone)."""

    def enforce_timezone(self, value):
        return value


class EvaluationItemSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=CommodityCategory.choices, read_only=True)
    substance = serializers.ChoiceField(choices=Substance.choices, read_only=True)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, read_only=True)
    quantity_unit = serializers.ChoiceField(choices=QuantityUnit.choices, read_only=True)
    estimated_value = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, allow_null=True
    )
    currency = serializers.CharField(read_only=True, help_text=_("ISO 4217"))


class EvaluationPortCallSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(read_only=True)
    role = serializers.ChoiceField(choices=PortCallRole.choices, read_only=True)
    port = serializers.CharField(read_only=True, help_text=_("UN/LOCODE"))
    port_name = serializers.CharField(read_only=True)
    port_country = serializers.CharField(read_only=True, help_text=_("ISO 3166 alpha-2 code"))
    leg_distance_km = serializers.FloatField(
        read_only=True, allow_null=True, help_text=_("From the previous port on the route.")
    )


class EvaluationRouteCountrySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=RouteCountryRole.choices, read_only=True)
    country = serializers.CharField(read_only=True, help_text=_("ISO 3166 alpha-2 code"))


class EvaluationSeizureSerializer(serializers.Serializer):
    """A seizure's non-personal facts (see casetracker/reporting/evaluation.py for what is
    left out and why)."""

    reference = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=SeizureStatus.choices, read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True, help_text=_("In UTC."))
    occurred_at_local = PortLocalDateTimeField(
        read_only=True, help_text=_("The time of seizure at the port, with its UTC offset.")
    )
    occurred_on = serializers.DateField(read_only=True, help_text=_("The day at the port."))
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    port = serializers.CharField(read_only=True, help_text=_("UN/LOCODE of the port of seizure."))
    port_name = serializers.CharField(read_only=True)
    port_country = serializers.CharField(read_only=True, help_text=_("ISO 3166 alpha-2 code"))
    unit = serializers.CharField(read_only=True, help_text=_("Code of the seizing unit."))
    unit_country = serializers.CharField(read_only=True, help_text=_("ISO 3166 alpha-2 code"))
    detection_method = serializers.ChoiceField(choices=DetectionMethod.choices, read_only=True)
    concealment_method = serializers.ChoiceField(choices=ConcealmentMethod.choices, read_only=True)
    hs_code = serializers.CharField(read_only=True)
    commodities = serializers.ListField(child=serializers.CharField(), read_only=True)
    total_distance_km = serializers.FloatField(read_only=True, allow_null=True)
    transport_mode = serializers.ChoiceField(
        choices=TransportMode.choices,
        read_only=True,
        allow_blank=True,
        help_text=_("Recorded by historic imports; empty for seizures logged here."),
    )
    route_countries = EvaluationRouteCountrySerializer(
        many=True,
        read_only=True,
        help_text=_("The route by country, as historic imports record it."),
    )
    container_count = serializers.IntegerField(read_only=True)
    items = EvaluationItemSerializer(many=True, read_only=True)
    route = EvaluationPortCallSerializer(many=True, read_only=True)


class EvaluationPagination(CursorPagination):
    ordering = evaluation.ORDERING
    page_size = 50


class ApiCohortForm(CohortForm):
    period = ("occurred_after", "occurred_before")


class EvaluationApiFilter(EvaluationFilter):
    """The page's cohort filters under the API's parameter names (as the seizure API).

    Every evaluation endpoint, the reports' included, takes these names and only these:
    the pages' ``date_from`` is refused (``CohortFilterBackend``), not read by one
    endpoint and ignored by another.
    """

    date_from = None
    date_to = None
    occurred_after = django_filters.DateFilter(
        method="filter_date_from", label=_("Seized on or after this day")
    )
    occurred_before = django_filters.DateFilter(
        method="filter_date_to", label=_("Seized on or before this day")
    )

    class Meta(EvaluationFilter.Meta):
        form = ApiCohortForm
        fields = [
            "occurred_after",
            "occurred_before",
            "unit",
            "country",
            "commodity",
            "substance",
            "port",
            "status",
        ]


def accepted_parameters(view) -> list[str]:
    """The query parameters ``view`` reads: the cohort's filters, its own (``by``,
    ``limit``: the fields of its ``query_serializer``), the pager's cursor and DRF's
    ``format``."""
    filters = view.filterset_class
    names = [
        *filters._meta.fields,
        *(n for n in filters.base_filters if n not in filters._meta.fields),
    ]
    query = getattr(view, "query_serializer", None)
    if query is not None:
        names += list(query().fields)
    cursor = getattr(getattr(view, "paginator", None), "cursor_query_param", None)
    names += [name for name in (cursor, api_settings.URL_FORMAT_OVERRIDE) if name]
    return names


class CohortFilterBackend(DjangoFilterBackend):
    """django-filter's backend (400 for an invalid value), answering 400 too for a query
    parameter the endpoint does not know: a misspelt filter, or the pages' ``date_from``,
    would otherwise be dropped without a word and the figures be those of every seizure."""

    def get_filterset(self, request, queryset, view):
        accepted = accepted_parameters(view)
        unknown = [name for name in request.query_params if name not in accepted]
        if unknown:
            message = _("Unknown parameter. This endpoint accepts: %(names)s.") % {
                "names": ", ".join(accepted)
            }
            raise serializers.ValidationError({name: [message] for name in unknown})
        return super().get_filterset(request, queryset, view)


UNKNOWN_OR_INVALID = OpenApiResponse(
    description=_("A filter is invalid, or a parameter is not one this endpoint accepts.")
)


@extend_schema(tags=["evaluation"])
@extend_schema_view(
    list=extend_schema(
        summary=_("Every unit's seizures without personal data, newest first"),
        responses={
            200: EvaluationSeizureSerializer(many=True),
            400: UNKNOWN_OR_INVALID,
            403: NOT_AN_EVALUATOR,
        },
    )
)
class EvaluationSeizureViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = EvaluationSeizureSerializer
    permission_classes = [SignedInProperly, CanEvaluate]
    pagination_class = EvaluationPagination
    filter_backends = [CohortFilterBackend]
    filterset_class = EvaluationApiFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return evaluation.Seizure.objects.none()
        return evaluation.evaluation_seizures(user=self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = evaluation.evaluation_rows(page)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


# --- the cohort's figures (issue 6, item 6) -----------------------------------------------


class CohortRungSerializer(serializers.Serializer):
    rung = serializers.ChoiceField(choices=Rung.choices, read_only=True)
    name = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True, help_text=_("Seizures at this rung or above."))
    share = serializers.FloatField(
        read_only=True, allow_null=True, help_text=_("Of the cohort, 0 to 1; null if it is empty.")
    )


class CohortTimeSerializer(serializers.Serializer):
    rung = serializers.ChoiceField(choices=Rung.choices, read_only=True)
    name = serializers.CharField(read_only=True)
    reached = serializers.IntegerField(read_only=True, help_text=_("Seizures that reached it."))
    q1_days = serializers.FloatField(read_only=True, allow_null=True)
    median_days = serializers.FloatField(read_only=True, allow_null=True)
    q3_days = serializers.FloatField(read_only=True, allow_null=True)


class CohortFlagSerializer(serializers.Serializer):
    flag = serializers.ChoiceField(
        choices=[(cohort.flag_key(flag), flag.label) for flag in Flag], read_only=True
    )
    name = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    share = serializers.FloatField(read_only=True, allow_null=True)


class CohortQuartilesSerializer(serializers.Serializer):
    n = serializers.IntegerField(read_only=True, help_text=_("How many values."))
    q1 = serializers.FloatField(read_only=True, allow_null=True)
    median = serializers.FloatField(read_only=True, allow_null=True)
    q3 = serializers.FloatField(read_only=True, allow_null=True)


class CohortClocksSerializer(serializers.Serializer):
    hours_to_referral = CohortQuartilesSerializer(
        read_only=True, help_text=_("Hours from the seizure to its first referral.")
    )
    hours_to_ack = CohortQuartilesSerializer(
        read_only=True, help_text=_("Hours from the first referral to its acknowledgement.")
    )


class CohortSerializer(serializers.Serializer):
    """A cohort's figures: counts, shares and durations only, never a seizure or a person."""

    seizures = serializers.IntegerField(read_only=True, help_text=_("The cohort's size."))
    funnel = CohortRungSerializer(many=True, read_only=True)
    time_to_rung = CohortTimeSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "Days from the seizure to the rung's first date, over the seizures that "
            "reached it: quartiles (continuous percentiles)."
        ),
    )
    flags = CohortFlagSerializer(many=True, read_only=True)
    stalled = serializers.IntegerField(
        read_only=True, help_text=_("Seizures below the top rung without progress for a while.")
    )
    stalled_days = serializers.IntegerField(
        read_only=True, help_text=_("Days without progress after which a seizure is stalled.")
    )
    clocks = CohortClocksSerializer(read_only=True)


@extend_schema(
    tags=["evaluation"],
    summary=_("A cohort's follow-up figures: funnel, time to each rung, flags, stalled"),
    filters=True,
    responses={
        200: CohortSerializer,
        400: UNKNOWN_OR_INVALID,
        403: NOT_AN_EVALUATOR,
    },
)
class EvaluationCohortView(generics.GenericAPIView):
    """The figures of the seizures the filters choose (every seizure without a filter)."""

    serializer_class = CohortSerializer
    permission_classes = [SignedInProperly, CanEvaluate]
    filter_backends = [CohortFilterBackend]
    filterset_class = EvaluationApiFilter
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return evaluation.Seizure.objects.none()
        return evaluation.evaluation_seizures(user=self.request.user)

    def get(self, request, *args, **kwargs):
        chosen = self.filter_queryset(self.get_queryset())
        result = cohort.cohort_figures(chosen)
        result["clocks"] = figures.clocks(chosen.order_by().values("pk"))
        return Response(self.get_serializer(result).data)


# --- breakdowns, stalled seizures, recipients, mutual legal assistance ------------------------


class CohortPart(generics.GenericAPIView):
    """One part of a cohort's figures, for the seizures the filters choose."""

    permission_classes = [SignedInProperly, CanEvaluate]
    filter_backends = [CohortFilterBackend]
    filterset_class = EvaluationApiFilter
    pagination_class = None
    # The part's own query parameters, besides the cohort's filters (a Serializer class).
    query_serializer = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return evaluation.Seizure.objects.none()
        return evaluation.evaluation_seizures(user=self.request.user)

    def query(self) -> dict:
        """The part's own query parameters, validated (400 otherwise)."""
        query = self.query_serializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data

    def cohort(self):
        return self.filter_queryset(self.get_queryset()).order_by().values("pk")

    def part(self, chosen, now):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.part(self.cohort(), timezone.now())).data)


class CohortGroupSerializer(serializers.Serializer):
    key = serializers.CharField(
        read_only=True,
        help_text=_(
            "Unit code, ISO country code, commodity or substance code, or "
            "'<departure>-<destination>' country codes ('unknown' where not recorded)."
        ),
    )
    name = serializers.CharField(read_only=True)
    seizures = serializers.IntegerField(read_only=True)
    funnel = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text=_("Seizures at rung 0, 1, … 8 or above."),
    )
    referred_share = serializers.FloatField(read_only=True, allow_null=True)
    investigating_share = serializers.FloatField(read_only=True, allow_null=True)
    arrested_share = serializers.FloatField(read_only=True, allow_null=True)
    convicted_share = serializers.FloatField(read_only=True, allow_null=True)
    stalled = serializers.IntegerField(read_only=True)


class CohortBreakdownSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=list(figures.BREAKDOWNS.items()), read_only=True)
    groups = CohortGroupSerializer(many=True, read_only=True)


class CohortBreakdownQuery(serializers.Serializer):
    by = serializers.ChoiceField(choices=list(figures.BREAKDOWNS.items()))


@extend_schema(
    tags=["evaluation"],
    summary=_("A cohort's follow-up by unit, country, commodity or route"),
    description=_(
        "Commodity groups overlap: a seizure of several commodities counts in each, and a "
        "drug seizure under both 'drugs' and its substance."
    ),
    filters=True,
    parameters=[CohortBreakdownQuery],
    responses={
        200: CohortBreakdownSerializer,
        400: OpenApiResponse(
            description=_(
                "'by' is missing or unknown, a filter is invalid, or a parameter is not one "
                "this endpoint accepts."
            )
        ),
        403: NOT_AN_EVALUATOR,
    },
)
class EvaluationBreakdownView(CohortPart):
    serializer_class = CohortBreakdownSerializer
    query_serializer = CohortBreakdownQuery

    def part(self, chosen, now):
        by = self.query()["by"]
        return {"by": by, "groups": figures.BREAKDOWN_FUNCTIONS[by](chosen, now=now)}


class CohortStalledSeizureSerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)
    port = serializers.CharField(read_only=True)
    port_country = serializers.CharField(read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True)
    rung = serializers.ChoiceField(choices=Rung.choices, read_only=True)
    rung_name = serializers.CharField(read_only=True)
    last_progress_at = serializers.DateTimeField(read_only=True)
    days_without_progress = serializers.IntegerField(read_only=True)


class CohortStalledSerializer(serializers.Serializer):
    stalled = serializers.IntegerField(read_only=True, help_text=_("All stalled seizures."))
    stalled_days = serializers.IntegerField(read_only=True)
    seizures = CohortStalledSeizureSerializer(
        many=True, read_only=True, help_text=_("Longest without progress first, up to 'limit'.")
    )


class CohortStalledQuery(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)


@extend_schema(
    tags=["evaluation"],
    summary=_("A cohort's stalled seizures, longest without progress first"),
    filters=True,
    parameters=[CohortStalledQuery],
    responses={
        200: CohortStalledSerializer,
        400: OpenApiResponse(
            description=_(
                "'limit' is not between 1 and 1000, a filter is invalid, or a parameter is "
                "not one this endpoint accepts."
            )
        ),
        403: NOT_AN_EVALUATOR,
    },
)
class EvaluationStalledView(CohortPart):
    serializer_class = CohortStalledSerializer
    query_serializer = CohortStalledQuery

    def part(self, chosen, now):
        listed = figures.stalled_seizures(chosen, now=now, limit=self.query()["limit"])
        return {
            "stalled": ladder.stalled(chosen, now=now).count(),
            "stalled_days": ladder.stalled_days(),
            "seizures": listed,
        }


class CohortReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(read_only=True, help_text=_("The reason's code."))
    name = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)


class CohortRecipientSerializer(serializers.Serializer):
    recipient = serializers.CharField(read_only=True, help_text=_("The agency's name."))
    kind = serializers.ChoiceField(choices=RecipientKind.choices, read_only=True)
    kind_name = serializers.CharField(read_only=True)
    received = serializers.IntegerField(read_only=True, help_text=_("Withdrawn ones left out."))
    acknowledged = serializers.IntegerField(read_only=True)
    due = serializers.IntegerField(
        read_only=True, help_text=_("Acknowledged, or past the acknowledgement deadline.")
    )
    acknowledged_in_time = serializers.IntegerField(read_only=True)
    in_time_share = serializers.FloatField(
        read_only=True, allow_null=True, help_text=_("Acknowledged in time, of those due.")
    )
    median_hours_to_ack = serializers.FloatField(read_only=True, allow_null=True)
    declined = serializers.IntegerField(read_only=True)
    decline_reasons = CohortReasonSerializer(many=True, read_only=True)


class CohortStopReasonsSerializer(serializers.Serializer):
    declined = CohortReasonSerializer(many=True, read_only=True)
    closed = CohortReasonSerializer(many=True, read_only=True)


class CohortRecipientsSerializer(serializers.Serializer):
    recipients = CohortRecipientSerializer(many=True, read_only=True)
    stop_reasons = CohortStopReasonsSerializer(read_only=True)


@extend_schema(
    tags=["evaluation"],
    summary=_("Each recipient's responsiveness over a cohort, and why follow-up stopped"),
    filters=True,
    responses={
        200: CohortRecipientsSerializer,
        400: UNKNOWN_OR_INVALID,
        403: NOT_AN_EVALUATOR,
    },
)
class EvaluationRecipientsView(CohortPart):
    serializer_class = CohortRecipientsSerializer

    def part(self, chosen, now):
        return {
            "recipients": figures.responsiveness(chosen, now=now),
            "stop_reasons": figures.stop_reasons(chosen),
        }


class CohortMlaCountSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    sent = serializers.IntegerField(read_only=True)
    received = serializers.IntegerField(read_only=True)
    count = serializers.IntegerField(read_only=True)


class CohortMlaSerializer(serializers.Serializer):
    requests = serializers.IntegerField(read_only=True)
    sent = serializers.IntegerField(read_only=True)
    received = serializers.IntegerField(read_only=True)
    answered = serializers.IntegerField(read_only=True)
    convention_share = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text=_("Share of requests with the 1988 Convention as legal basis."),
    )
    by_result = CohortMlaCountSerializer(many=True, read_only=True)
    by_legal_basis = CohortMlaCountSerializer(many=True, read_only=True)
    by_country = CohortMlaCountSerializer(many=True, read_only=True)
    days_to_answer = CohortQuartilesSerializer(read_only=True)


@extend_schema(
    tags=["evaluation"],
    summary=_("Mutual legal assistance requests over a cohort"),
    filters=True,
    responses={
        200: CohortMlaSerializer,
        400: UNKNOWN_OR_INVALID,
        403: NOT_AN_EVALUATOR,
    },
)
class EvaluationMlaView(CohortPart):
    serializer_class = CohortMlaSerializer

    def part(self, chosen, now):
        return figures.mla(chosen)
