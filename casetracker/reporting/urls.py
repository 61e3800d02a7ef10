from django.urls import path

from . import dashboard, report_views, views

app_name = "reporting"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("seizures/", views.seizure_list, name="seizures"),
    path("reports/", report_views.report_start, name="report-start"),
    path("reports/<uuid:public_id>/", report_views.report_detail, name="report-detail"),
    path(
        "reports/<uuid:public_id>/download/",
        report_views.report_download,
        name="report-download",
    ),
]
