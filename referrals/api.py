"""The referral API: a recipient's own system lists referrals and answers them; the seizing
unit refers a seizure by hand and withdraws a referral.

Like the seizure API, serializers here only parse input and shape output. Who may make
which move, and in which order, is decided by ``referrals.services`` (the same calls the
pages and the external response link make): a move out of order is a 400 with nothing
changed, a move by the wrong person a 403, and a referral the user may not see a 404.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings

from casetracker.core.audit.services import audit_access
from casetracker.core.roles import Action, can
from seizures.api import (
    SafeJSONParser,
    SafeJSONRenderer,
    SeizureViewSet,
    _as_api_errors,
    _messages,
)
from seizures.choices import SeizureStatus
from seizures.selectors import seizure_get, seizure_list

from . import explain, services
from .choices import (
    OUTCOME_DETAIL_FIELDS,
    OUTCOME_FIELDS,
    CloseReason,
    ClosingOutcome,
    DeclineReason,
    LegalBasis,
    MlaResult,
    Origin,
    OutcomeKind,
    RecipientKind,
    ReferralStatus,
)
from .filters import RecipientFilter, ReferralFilter, ReferralSide
from .models import Outcome, Recipient, Referral, ReferralEvent, RoutingRule
from .selectors import referral_get, referral_list, with_next_due

_TEXT_MAX = Referral._meta.get_field("message").max_length


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request else url


class RecipientSerializer(serializers.Serializer):
    """Whom a seizure can be referred to. Contact addresses stay on the server: referrals
    reach people through the app's e-mails, never through a client."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=RecipientKind.choices, read_only=True)
    country = serializers.CharField(
        source="country.code", read_only=True, help_text=_("ISO 3166 alpha-2 code")
    )
    unit_code = serializers.CharField(
        source="unit.code",
        read_only=True,
        allow_null=True,
        help_text=_("The unit's code; empty for an external contact."),
    )


class SeizureSummarySerializer(serializers.Serializer):
    """The seizure in a few facts, shown while the reader may see the seizure."""

    public_id = serializers.UUIDField(read_only=True)
    url = serializers.SerializerMethodField()
    reference = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=SeizureStatus.choices, read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True)
    port = serializers.CharField(source="port_id", read_only=True, help_text=_("UN/LOCODE"))
    port_name = serializers.CharField(source="port.name", read_only=True)
    commodities = serializers.ListField(child=serializers.CharField(), read_only=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, seizure) -> str:
        url = reverse("api-seizure-detail", args=[seizure.public_id])
        return _absolute(self.context.get("request"), url)


class ReferralEventSerializer(serializers.Serializer):
    from_status = serializers.ChoiceField(
        choices=ReferralStatus.choices,
        read_only=True,
        allow_blank=True,
        help_text=_("Empty for the sending."),
    )
    to_status = serializers.ChoiceField(choices=ReferralStatus.choices, read_only=True)
    at = serializers.DateTimeField(read_only=True)
    by = serializers.CharField(
        source="by.username",
        read_only=True,
        allow_null=True,
        help_text=_(
            "Username of who made the move; empty when the routing rules sent the referral "
            "or the external recipient answered through the response link."
        ),
    )
    by_external = serializers.BooleanField(
        read_only=True,
        help_text=_("The external recipient made the move through the response link."),
    )
    details = serializers.DictField(read_only=True)


class ReferralSerializer(serializers.Serializer):
    """A referral as a list row: where it stands and what is due."""

    public_id = serializers.UUIDField(read_only=True)
    url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=ReferralStatus.choices, read_only=True)
    role = serializers.SerializerMethodField()
    seizure_public_id = serializers.UUIDField(source="seizure.public_id", read_only=True)
    seizure_reference = serializers.CharField(source="seizure.reference", read_only=True)
    seizing_unit = serializers.CharField(source="seizure.unit.code", read_only=True)
    recipient = RecipientSerializer(read_only=True)
    handling_code = serializers.IntegerField(
        read_only=True,
        help_text=_("What of the seizure the recipient sees: 1, 2 (abroad) or 3 (courts)."),
    )
    origin = serializers.ChoiceField(choices=Origin.choices, read_only=True)
    sent_at = serializers.DateTimeField(read_only=True)
    ack_due_at = serializers.DateTimeField(read_only=True)
    respond_due_at = serializers.DateTimeField(read_only=True)
    next_due = serializers.DateTimeField(
        source="next_deadline",
        read_only=True,
        allow_null=True,
        help_text=_(
            "The deadline to mind now: acknowledge by, then answer by; empty once decided."
        ),
    )
    acknowledged_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    case_number = serializers.CharField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    outcome = serializers.ChoiceField(
        choices=ClosingOutcome.choices, read_only=True, allow_blank=True
    )
    withdrawn_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, referral: Referral) -> str:
        url = reverse("api-referral-detail", args=[referral.public_id])
        return _absolute(self.context.get("request"), url)

    @extend_schema_field(
        serializers.ChoiceField(
            choices=ReferralSide.choices,
            allow_null=True,
            help_text=_("Whether your unit received this referral or sent it."),
        )
    )
    def get_role(self, referral: Referral) -> str | None:
        request = self.context.get("request")
        unit_id = getattr(getattr(request, "user", None), "unit_id", None)
        if unit_id is None:
            return None
        if referral.recipient.unit_id == unit_id:
            return ReferralSide.RECEIVED
        if referral.seizure.unit_id == unit_id:
            return ReferralSide.SENT
        return None


class ReferralDetailSerializer(ReferralSerializer):
    """A referral whole: why it was sent, each move, and the answers given."""

    message = serializers.CharField(read_only=True)
    sent_by = serializers.CharField(source="sent_by.username", read_only=True, allow_null=True)
    reason_lines = serializers.SerializerMethodField()
    reasons = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text=_("The same reasons as data: the rules that matched and on what."),
    )
    decline_reason = serializers.ChoiceField(
        choices=DeclineReason.choices, read_only=True, allow_blank=True
    )
    decline_text = serializers.CharField(read_only=True)
    investigating_at = serializers.DateTimeField(read_only=True, allow_null=True)
    outcome_text = serializers.CharField(read_only=True)
    withdraw_reason = serializers.CharField(read_only=True)
    events = ReferralEventSerializer(many=True, read_only=True)
    seizure = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_reason_lines(self, referral: Referral) -> list[str]:
        """Why the seizure was routed here, one sentence per reason, in the reader's language."""
        return explain.reason_lines(referral.reasons)

    @extend_schema_field(SeizureSummarySerializer(allow_null=True))
    def get_seizure(self, referral: Referral) -> dict[str, Any] | None:
        # A recipient that declined, or whose referral was withdrawn, no longer sees the
        # seizure: the referral stays on record, its contents do not.
        if not self.context.get("seizure_visible"):
            return None
        return SeizureSummarySerializer(referral.seizure, context=self.context).data


class ReferralCreateSerializer(serializers.Serializer):
    """Refer a seizure by hand (besides what the routing rules sent)."""

    seizure = serializers.UUIDField(help_text=_("Public id of a submitted seizure of your unit."))
    recipient = serializers.PrimaryKeyRelatedField(
        queryset=Recipient.objects.filter(active=True),
        help_text=_("Id of an active recipient, from /api/v1/recipients/."),
    )
    handling_code = serializers.IntegerField(
        min_value=1,
        max_value=3,
        required=False,
        default=RoutingRule._meta.get_field("handling_code").default,
        help_text=_(
            "1: law-enforcement recipients; 2: also abroad; 3: also courts. A recipient "
            "abroad gets 2 at least."
        ),
    )
    ack_hours = serializers.IntegerField(
        min_value=1,
        max_value=24 * 90,
        required=False,
        default=RoutingRule._meta.get_field("ack_hours").default,
        help_text=_("Hours the recipient has to acknowledge."),
    )
    respond_days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        default=RoutingRule._meta.get_field("respond_days").default,
        help_text=_("Days the recipient has to accept or decline."),
    )
    message = serializers.CharField(
        max_length=_TEXT_MAX, allow_blank=True, required=False, default=""
    )

    def validate_seizure(self, value):
        try:
            return seizure_get(user=self.context["request"].user, public_id=value)
        except Http404:
            # Hidden and missing seizures read the same.
            raise serializers.ValidationError(_("No seizure you may see has this id.")) from None


class DeclineSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    text = serializers.CharField(
        max_length=_TEXT_MAX,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Required when the reason is 'other'."),
    )


class InvestigateSerializer(serializers.Serializer):
    case_number = serializers.CharField(
        max_length=Referral._meta.get_field("case_number").max_length,
        help_text=_("Your case number for the investigation."),
    )


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ClosingOutcome.choices)
    text = serializers.CharField(
        max_length=_TEXT_MAX,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Required when the outcome is 'other'."),
    )


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=_TEXT_MAX, help_text=_("Why it is withdrawn."))


class OutcomeSerializer(serializers.Serializer):
    """One outcome of the follow-up. Fields a kind does not use are empty (null or "")."""

    public_id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=OutcomeKind.choices)
    occurred_on = serializers.DateField(help_text=_("The day it happened (the recipient's date)."))
    justification = serializers.CharField(
        max_length=2000, help_text=_("What shows it happened; always required.")
    )
    count = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text=_(
            "How many people: suspects identified, arrested, charged or convicted (at least 1 "
            "for those kinds)."
        ),
    )
    organisers = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text=_("Suspects identified: of whom organisers."),
    )
    couriers = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text=_("Suspects identified: of whom couriers (with organisers, at most count)."),
    )
    place = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("Arrest or controlled delivery: where."),
    )
    countries = serializers.ListField(
        child=serializers.CharField(max_length=3),
        required=False,
        max_length=50,
        help_text=_(
            "Joint investigation team (at least one) or controlled delivery: ISO 3166 "
            "alpha-2 codes."
        ),
    )
    counterpart_country = serializers.CharField(
        max_length=2,
        required=False,
        allow_blank=True,
        help_text=_("Mutual legal assistance: the other country, ISO 3166 alpha-2 (required)."),
    )
    offence = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("Mutual legal assistance, charges (required) or conviction: the offence."),
    )
    legal_basis = serializers.ChoiceField(
        choices=LegalBasis.choices,
        required=False,
        allow_blank=True,
        help_text=_("Mutual legal assistance: the legal basis (required)."),
    )
    mla_result = serializers.ChoiceField(
        choices=MlaResult.choices,
        required=False,
        allow_blank=True,
        help_text=_("Mutual legal assistance: where the request stands (required)."),
    )
    answered_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("Mutual legal assistance: the day it was answered, not before occurred_on."),
    )
    mla_days = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Days from the request to the answer.")
    )
    refusal_grounds = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text=_("Mutual legal assistance: required when the result is 'refused'."),
    )
    sentence = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text=_("Conviction: the sentence (required)."),
    )
    value = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("Assets frozen or confiscated: the value, more than 0."),
    )
    currency = serializers.CharField(
        max_length=3,
        required=False,
        allow_blank=True,
        help_text=_("Assets frozen or confiscated: ISO 4217 code, e.g. USD."),
    )
    close_reason = serializers.ChoiceField(
        choices=CloseReason.choices,
        required=False,
        allow_blank=True,
        help_text=_("Investigation closed: why (required)."),
    )
    recorded_via = serializers.CharField(
        read_only=True, help_text=_("app, api or link (the external response link).")
    )
    recorded_by = serializers.CharField(
        source="recorded_by.username",
        read_only=True,
        allow_null=True,
        help_text=_("Username of who recorded it; empty when recorded through the link."),
    )
    recorded_at = serializers.DateTimeField(read_only=True)
    withdrawn_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "When it was withdrawn as recorded by mistake; a withdrawn outcome counts for nothing."
        ),
    )
    withdraw_reason = serializers.CharField(read_only=True, help_text=_("Why it was withdrawn."))

    def validate_counterpart_country(self, value: str) -> str:
        return value.upper()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A figure sent with a kind that has no use for it is a client's mistake (a sentence
        # on charges, a value on an arrest): said, rather than dropped unseen. Empty values
        # (null, "", []) are what a client sends for fields it leaves out, and pass.
        kind = attrs.get("kind")
        used = OUTCOME_FIELDS.get(kind, ())
        refusal = _("Does not apply to this kind of outcome (%(kind)s).") % {
            "kind": OutcomeKind(kind).label if kind in OutcomeKind.values else kind
        }
        stray = {
            name: [refusal]
            for name, value in attrs.items()
            if name in OUTCOME_DETAIL_FIELDS and name not in used and value not in (None, "", [])
        }
        if stray:
            raise serializers.ValidationError(stray)
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["counterpart_country"] = instance.counterpart_country.code or ""
        return data


class OutcomeAnswerSerializer(serializers.Serializer):
    """The answer to a pending request for mutual legal assistance."""

    mla_result = serializers.ChoiceField(
        choices=[
            (value, name) for value, name in MlaResult.choices if value in services.MLA_ANSWERS
        ],
        help_text=_("Where the request stands now."),
    )
    answered_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "The day it was answered: required when executed, partly executed or refused; "
            "none when withdrawn."
        ),
    )
    refusal_grounds = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required when the result is 'refused'."),
    )


class OutcomeWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text=_("Why the outcome is withdrawn (what was wrong).")
    )


def _refusal(exc: DjangoValidationError) -> ValidationError:
    """A service's refusal as a 400 keyed like the request body."""
    if hasattr(exc, "error_dict"):
        return ValidationError(_as_api_errors(exc.message_dict))
    return ValidationError({api_settings.NON_FIELD_ERRORS_KEY: _messages(exc)})


def _valid(serializer: serializers.Serializer) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ReferralPagination(CursorPagination):
    # By the answer deadline, ties by insertion order. The answer deadline is fixed when a
    # referral is sent, so no row moves between pages while a client pages through; the
    # "next deadline" (next_due) changes with the status and is empty once decided, which
    # a cursor cannot hold. A client after what is due soon filters with due_before.
    ordering = ("respond_due_at", "id")
    page_size = 50


_NOT_FOUND = OpenApiResponse(description=_("Not found."))


def _move_schema(summary, request, refused):
    return extend_schema(
        summary=summary,
        request=request,
        responses={
            200: ReferralDetailSerializer,
            400: OpenApiResponse(
                description=_("Out of order or bad input; errors are keyed like the body.")
            ),
            403: OpenApiResponse(description=refused),
            404: _NOT_FOUND,
        },
    )


_RECIPIENT_ONLY = _("Only members of the recipient unit who answer referrals.")
_SENDER_ONLY = _("Only officers and supervisors of the unit that logged the seizure.")


@extend_schema(tags=["referrals"])
@extend_schema_view(
    list=extend_schema(
        summary=_("Referrals your unit received or sent, by answer deadline"),
        responses={
            200: ReferralSerializer(many=True),
            403: OpenApiResponse(description=_("The role does not work on referrals.")),
        },
    ),
    retrieve=extend_schema(
        summary=_("One referral with its reasons, moves and answers"),
        responses={200: ReferralDetailSerializer, 404: _NOT_FOUND},
    ),
    create=extend_schema(
        summary=_("Refer a seizure by hand"),
        request=ReferralCreateSerializer,
        responses={
            201: ReferralDetailSerializer,
            400: OpenApiResponse(
                description=_(
                    "Refused, e.g. already referred to this recipient; errors are keyed "
                    "like the body. Nothing was saved."
                )
            ),
            403: OpenApiResponse(description=_SENDER_ONLY),
        },
    ),
)
class ReferralViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReferralDetailSerializer
    filterset_class = ReferralFilter
    pagination_class = ReferralPagination
    # The bodies are flat: form posts (curl -d) are as good as JSON.
    parser_classes = [SafeJSONParser, parsers.FormParser, parsers.MultiPartParser]
    renderer_classes = [SafeJSONRenderer]
    lookup_field = "public_id"
    lookup_value_regex = SeizureViewSet.lookup_value_regex

    def get_queryset(self) -> QuerySet[Referral]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Referral.objects.none()
        return with_next_due(referral_list(user=self.request.user))

    def get_serializer_class(self):
        return ReferralSerializer if self.action == "list" else ReferralDetailSerializer

    def get_object(self) -> Referral:
        """The referral through the selector: hidden and missing answer the same 404."""
        return referral_get(user=self.request.user, public_id=self.kwargs["public_id"])

    def list(self, request, *args, **kwargs):
        if not can(request.user, Action.SEIZURE_VIEW):
            # Evaluators read referral figures through the evaluation reports only.
            raise PermissionDenied
        return super().list(request, *args, **kwargs)

    def _answer(self, referral: Referral, *, code: int = status.HTTP_200_OK) -> Response:
        """The referral whole, read again as the user now sees it."""
        user = self.request.user
        shown = (
            referral_list(user=user)
            .select_related("sent_by")
            .prefetch_related(
                Prefetch("events", queryset=ReferralEvent.objects.select_related("by"))
            )
            .get(pk=referral.pk)
        )
        visible = seizure_list(user=user).filter(pk=shown.seizure_id).exists()
        context = {**self.get_serializer_context(), "seizure_visible": visible}
        return Response(ReferralDetailSerializer(shown, context=context).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        referral = self.get_object()
        answer = self._answer(referral)
        audit_access(request=request, obj=referral, event="view")
        return answer

    def create(self, request, *args, **kwargs):
        if not can(request.user, Action.REFERRAL_SEND):
            raise PermissionDenied(_SENDER_ONLY)
        fields = _valid(ReferralCreateSerializer(data=request.data, context={"request": request}))
        try:
            referral = services.referral_add(user=request.user, **fields)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from None
        except DjangoValidationError as exc:
            raise _refusal(exc) from None
        return self._answer(referral, code=status.HTTP_201_CREATED)

    def _move(self, step, body: type[serializers.Serializer] | None = None) -> Response:
        """Run one step of the life cycle (a service with its actor bound) on the referral."""
        referral = self.get_object()
        fields = _valid(body(data=self.request.data)) if body else {}
        try:
            referral = step(referral=referral, **fields)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from None
        except DjangoValidationError as exc:
            raise _refusal(exc) from None
        return self._answer(referral)

    @_move_schema(_("Acknowledge receipt"), None, _RECIPIENT_ONLY)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        return self._move(partial(services.referral_acknowledge, actor=request.user))

    @_move_schema(_("Accept (acknowledging on the way if not yet done)"), None, _RECIPIENT_ONLY)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        return self._move(partial(services.referral_accept, actor=request.user))

    @_move_schema(
        _("Decline with a reason; your unit loses access to the seizure"),
        DeclineSerializer,
        _RECIPIENT_ONLY,
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        return self._move(partial(services.referral_decline, actor=request.user), DeclineSerializer)

    @_move_schema(
        _("Open the investigation under your case number"), InvestigateSerializer, _RECIPIENT_ONLY
    )
    @action(detail=True, methods=["post"])
    def investigate(self, request, *args, **kwargs):
        return self._move(
            partial(services.referral_open_investigation, actor=request.user),
            InvestigateSerializer,
        )

    @_move_schema(_("Close with the outcome"), CloseSerializer, _RECIPIENT_ONLY)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        return self._move(partial(services.referral_close, actor=request.user), CloseSerializer)

    @extend_schema(
        methods=["GET"],
        summary=_("The outcomes recorded on a referral, oldest first"),
        responses={200: OutcomeSerializer(many=True), 404: _NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary=_("Record an outcome of the follow-up"),
        description=_(
            "The recipient records what the follow-up achieved once the referral is accepted, "
            "and after closing it. Each kind requires its own fields (see each field); a field "
            "the kind does not use, sent with a value, is refused (400). "
            "'investigation_closed' also closes a referral that is accepted or under "
            "investigation. GET lists withdrawn outcomes too, with withdrawn_at set."
        ),
        request=OutcomeSerializer,
        responses={
            201: OutcomeSerializer,
            400: OpenApiResponse(
                description=_(
                    "Refused: not yet accepted, a field the kind needs is missing or wrong, or "
                    "one it does not use was given; errors are keyed like the body. Nothing "
                    "was saved."
                )
            ),
            403: OpenApiResponse(description=_RECIPIENT_ONLY),
            404: _NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def outcomes(self, request, *args, **kwargs):
        referral = self.get_object()
        if request.method == "GET":
            # Withdrawn ones too, marked: the recipient's system keeps what it sent.
            rows = Outcome.all_objects.filter(referral=referral).select_related("recorded_by")
            return Response(OutcomeSerializer(rows, many=True).data)
        fields = _valid(OutcomeSerializer(data=request.data))
        try:
            outcome = services.outcome_record(
                referral=referral, actor=request.user, via="api", **fields
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from None
        except DjangoValidationError as exc:
            raise _refusal(exc) from None
        return Response(OutcomeSerializer(outcome).data, status=status.HTTP_201_CREATED)

    def _change_outcome(self, change, body: type[serializers.Serializer]) -> Response:
        """Run ``change`` (a service on one outcome of the referral, actor bound)."""
        referral = self.get_object()
        outcome = Outcome.all_objects.filter(
            referral=referral, public_id=self.kwargs["outcome_id"]
        ).first()
        if outcome is None:
            raise Http404
        fields = _valid(body(data=self.request.data))
        try:
            outcome = change(outcome=outcome, **fields)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from None
        except DjangoValidationError as exc:
            raise _refusal(exc) from None
        return Response(OutcomeSerializer(outcome).data)

    @extend_schema(
        summary=_("Record the answer to a pending request for mutual legal assistance"),
        description=_(
            "On the request recorded as pending (kind mla_sent or mla_received): the result, "
            "the day it was answered and, for a refusal, the grounds. The request stays one "
            "outcome, counted once. A request already answered is corrected by withdrawing "
            "it and recording it again."
        ),
        request=OutcomeAnswerSerializer,
        responses={
            200: OutcomeSerializer,
            400: OpenApiResponse(
                description=_(
                    "Refused: not a pending request, withdrawn, or the answer is incomplete; "
                    "errors are keyed like the body. Nothing was saved."
                )
            ),
            403: OpenApiResponse(description=_RECIPIENT_ONLY),
            404: _NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"outcomes/(?P<outcome_id>{SeizureViewSet.lookup_value_regex})/answer",
        url_name="outcome-answer",
        pagination_class=None,
        filterset_class=None,
    )
    def outcome_answer(self, request, *args, **kwargs):
        return self._change_outcome(
            partial(services.outcome_answer, actor=request.user, via="api"),
            OutcomeAnswerSerializer,
        )

    @extend_schema(
        summary=_("Withdraw an outcome recorded by mistake"),
        description=_(
            "The outcome stays on the referral, marked withdrawn with the reason, and counts "
            "for nothing from then on (the follow-up ladder and the evaluators' figures "
            "leave it out). Record the right one anew."
        ),
        request=OutcomeWithdrawSerializer,
        responses={
            200: OutcomeSerializer,
            400: OpenApiResponse(
                description=_("Refused: already withdrawn, or no reason given. Nothing changed.")
            ),
            403: OpenApiResponse(description=_RECIPIENT_ONLY),
            404: _NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"outcomes/(?P<outcome_id>{SeizureViewSet.lookup_value_regex})/withdraw",
        url_name="outcome-withdraw",
        pagination_class=None,
        filterset_class=None,
    )
    def outcome_withdraw(self, request, *args, **kwargs):
        return self._change_outcome(
            partial(services.outcome_withdraw, actor=request.user, via="api"),
            OutcomeWithdrawSerializer,
        )

    @_move_schema(
        _("Withdraw; the recipient loses access to the seizure"), WithdrawSerializer, _SENDER_ONLY
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        return self._move(
            partial(services.referral_withdraw, user=request.user), WithdrawSerializer
        )


@extend_schema(tags=["referrals"])
@extend_schema_view(
    list=extend_schema(
        summary=_("Active recipients, to choose one when referring by hand"),
        responses={
            200: RecipientSerializer(many=True),
            403: OpenApiResponse(description=_("The role does not work on referrals.")),
        },
    )
)
class RecipientViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = RecipientSerializer
    filterset_class = RecipientFilter
    # A short list kept by administrators, read whole to fill a choice.
    pagination_class = None
    renderer_classes = [SafeJSONRenderer]

    def get_queryset(self) -> QuerySet[Recipient]:
        return (
            Recipient.objects.filter(active=True)
            .select_related("unit")
            .order_by("country", "name", "id")
        )

    def list(self, request, *args, **kwargs):
        if not can(request.user, Action.SEIZURE_VIEW):
            raise PermissionDenied
        return super().list(request, *args, **kwargs)
