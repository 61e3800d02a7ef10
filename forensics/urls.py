from django.urls import path

from . import views

app_name = "forensics"
urlpatterns = [
    # Requesting an examination, from the seizure's page or an item's (?item=).
    path("seizures/<uuid:public_id>/request/", views.task_request, name="request"),
    # The lab's queue and each task's page, with one POST route per move.
    path("lab/", views.queue, name="queue"),
    path("tasks/<uuid:public_id>/", views.task_detail, name="detail"),
    path("tasks/<uuid:public_id>/accept/", views.accept, name="accept"),
    path("tasks/<uuid:public_id>/reject/", views.reject, name="reject"),
    path("tasks/<uuid:public_id>/assign/", views.assign, name="assign"),
    path("tasks/<uuid:public_id>/start/", views.start, name="start"),
    path("tasks/<uuid:public_id>/report/", views.report, name="report"),
    path("tasks/<uuid:public_id>/report.pdf", views.report_download, name="report-download"),
    # Links between seizures proposed by matching results.
    path("links/", views.link_list, name="links"),
    path("links/<uuid:public_id>/confirm/", views.link_confirm, name="link-confirm"),
    path("links/<uuid:public_id>/dismiss/", views.link_dismiss, name="link-dismiss"),
]
