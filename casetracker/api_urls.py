from django.urls import path
from rest_framework.routers import SimpleRouter

from casetracker.core.accounts.api import token_view
from casetracker.reporting.api import EvaluationCohortView, EvaluationSeizureViewSet
from referrals.api import RecipientViewSet, ReferralViewSet
from seizures.api import SeizureViewSet

router = SimpleRouter()
router.register("seizures", SeizureViewSet, basename="api-seizure")
router.register("referrals", ReferralViewSet, basename="api-referral")
router.register("recipients", RecipientViewSet, basename="api-recipient")
router.register("evaluation/seizures", EvaluationSeizureViewSet, basename="api-evaluation-seizure")

urlpatterns = [
    path("auth/token/", token_view, name="api-token"),
    path("evaluation/cohort/", EvaluationCohortView.as_view(), name="api-evaluation-cohort"),
    *router.urls,
]
