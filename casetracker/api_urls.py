from django.urls import path
from rest_framework.routers import SimpleRouter

from casetracker.core.accounts.api import token_view
from casetracker.reporting import api as evaluation_api
from casetracker.reporting import report_api
from referrals.api import RecipientViewSet, ReferralViewSet
from seizures.api import SeizureViewSet

router = SimpleRouter()
router.register("seizures", SeizureViewSet, basename="api-seizure")
router.register("referrals", ReferralViewSet, basename="api-referral")
router.register("recipients", RecipientViewSet, basename="api-recipient")
router.register(
    "evaluation/seizures",
    evaluation_api.EvaluationSeizureViewSet,
    basename="api-evaluation-seizure",
)

urlpatterns = [
    path("auth/token/", token_view, name="api-token"),
    path(
        "evaluation/cohort/",
        evaluation_api.EvaluationCohortView.as_view(),
        name="api-evaluation-cohort",
    ),
    path(
        "evaluation/cohort/breakdown/",
        evaluation_api.EvaluationBreakdownView.as_view(),
        name="api-evaluation-breakdown",
    ),
    path(
        "evaluation/cohort/stalled/",
        evaluation_api.EvaluationStalledView.as_view(),
        name="api-evaluation-stalled",
    ),
    path(
        "evaluation/cohort/recipients/",
        evaluation_api.EvaluationRecipientsView.as_view(),
        name="api-evaluation-recipients",
    ),
    path(
        "evaluation/cohort/mla/",
        evaluation_api.EvaluationMlaView.as_view(),
        name="api-evaluation-mla",
    ),
    path(
        "evaluation/reports/",
        report_api.ReportRunCreateView.as_view(),
        name="api-evaluation-report-list",
    ),
    path(
        "evaluation/reports/<uuid:public_id>/",
        report_api.ReportRunDetailView.as_view(),
        name="api-evaluation-report-detail",
    ),
    path(
        "evaluation/reports/<uuid:public_id>/file/",
        report_api.ReportRunFileView.as_view(),
        name="api-evaluation-report-file",
    ),
    *router.urls,
]
