from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from casetracker.core import views as core_views
from casetracker.core.accounts.views import LoginView

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("casetracker.core.accounts.urls")),
    path("audit/", include("casetracker.core.audit.urls")),
    path("evaluation/", include("casetracker.reporting.urls")),
    path("seizures/", include("seizures.urls")),
    path("", include("referrals.urls")),
    path("evidence/", include("evidence.urls")),
    path("forensics/", include("forensics.urls")),
    path("api/v1/", include("casetracker.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/", admin.site.urls),
]
