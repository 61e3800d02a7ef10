"""Cohort reports through the API: ask for one, follow it, fetch the file.

``POST /api/v1/evaluation/reports/?<cohort filters>`` with ``{"format": "pdf"|"csv"|"xlsx"}``
answers 202 with the run's URL (``Location``); ``GET`` on that URL gives the status, the
progress and, once ready, the file's URL. The filters are the cohort API's (the query
parameters of ``/api/v1/evaluation/cohort/``, checked as it checks them: 400 for an invalid
value or a name it does not take). As on the pages, a run is its requester's alone:
anybody else gets 404.
"""

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from casetracker.core.accounts.permissions import SignedInProperly

from . import evaluation
from .api import CanEvaluate, CohortFilterBackend, EvaluationApiFilter
from .models import ReportRun
from .reports import report_file_response, report_run_create, report_run_get

# The cohort API's names for the page's date filters.
API_NAMES = {"occurred_after": "date_from", "occurred_before": "date_to"}


class ReportRunSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    format = serializers.ChoiceField(choices=ReportRun.Format.choices, read_only=True)
    status = serializers.ChoiceField(choices=ReportRun.Status.choices, read_only=True)
    progress = serializers.IntegerField(read_only=True, help_text=_("Percent, 0 to 100."))
    message = serializers.CharField(read_only=True)
    filters = serializers.DictField(child=serializers.ListField(), read_only=True)
    as_of = serializers.DateTimeField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text=_("The file, once the status is 'done'; null before.")
    )

    def get_url(self, run) -> str:
        return self._absolute("api-evaluation-report-detail", run)

    def get_download_url(self, run) -> str | None:
        if run.status != ReportRun.Status.DONE:
            return None
        return self._absolute("api-evaluation-report-file", run)

    def _absolute(self, name: str, run) -> str:
        path = reverse(name, kwargs={"public_id": run.public_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ReportRequestSerializer(serializers.Serializer):
    """The request's body: a JSON object (DRF answers 400 for a list or a bare string)."""

    format = serializers.ChoiceField(
        choices=ReportRun.Format.choices,
        error_messages={"invalid_choice": _("Choose PDF, CSV or XLSX.")},
    )


def _page_filters(query: QueryDict) -> QueryDict:
    renamed = QueryDict(mutable=True)
    for name, values in query.lists():
        renamed.setlist(API_NAMES.get(name, name), values)
    return renamed


class _RunView(generics.GenericAPIView):
    permission_classes = [SignedInProperly, CanEvaluate]
    serializer_class = ReportRunSerializer
    pagination_class = None
    filter_backends = []

    def run(self) -> ReportRun:
        return report_run_get(user=self.request.user, public_id=self.kwargs["public_id"])


class ReportRunCreateView(_RunView):
    filter_backends = [CohortFilterBackend]
    filterset_class = EvaluationApiFilter

    def get_queryset(self):
        # Only to check the filters' names and values: the task filters the cohort.
        return evaluation.Seizure.objects.none()

    @extend_schema(
        request=ReportRequestSerializer,
        filters=True,
        responses={
            202: ReportRunSerializer,
            400: OpenApiResponse(
                description=_(
                    "The body is not a JSON object with a known format, a filter is "
                    "invalid, or a parameter is not a cohort filter."
                )
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        """Ask for the cohort the query parameters choose as a file; built in the background."""
        body = ReportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.filter_queryset(self.get_queryset())  # 400 before a run is made, as the cohort's
        try:
            run = report_run_create(
                user=request.user,
                query=_page_filters(request.query_params),
                fmt=body.validated_data["format"],
                language=get_language(),
            )
        except ValidationError as exc:
            raise ApiValidationError({"detail": exc.messages}) from None
        data = self.get_serializer(run).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


class ReportRunDetailView(_RunView):
    def get(self, request, *args, **kwargs):
        """The run's status and progress, and the file's URL once it is ready."""
        return Response(self.get_serializer(self.run()).data)


class ReportRunFileView(_RunView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, *args, **kwargs):
        """The report's file (PDF, CSV or XLSX), as an attachment."""
        return report_file_response(self.run())
