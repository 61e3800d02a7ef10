from django.urls import path

from . import attachment_views, export_views, form_views, note_views, share_views, views
from .imports import views as import_views

app_name = "seizures"
urlpatterns = [
    path("", views.seizure_list, name="list"),
    path("export.csv", export_views.seizure_list_csv, name="export-csv"),
    path("new/", form_views.seizure_create, name="create"),
    path("ports/", form_views.port_search, name="port-search"),
    # --- historic import (seizures/imports) ---
    path("import/", import_views.import_start, name="import"),
    path("import/template.<slug:fmt>", import_views.import_template, name="import-template"),
    path("import/<uuid:public_id>/", import_views.import_detail, name="import-detail"),
    path("import/<uuid:public_id>/confirm/", import_views.import_confirm, name="import-confirm"),
    path(
        "import/<uuid:public_id>/issues.csv", import_views.import_issues_csv, name="import-issues"
    ),
    # --- end historic import ---
    path("<uuid:public_id>/", views.seizure_detail, name="detail"),
    path("<uuid:public_id>/pdf/", export_views.seizure_pdf, name="pdf"),
    path("<uuid:public_id>/edit/", form_views.seizure_edit, name="edit"),
    path("<uuid:public_id>/submit/", form_views.seizure_submit, name="submit"),
    path(
        "<uuid:public_id>/attachments/new/",
        attachment_views.attachment_upload,
        name="attachment-upload",
    ),
    path("<uuid:public_id>/notes/new/", note_views.note_create, name="note-add"),
    path("<uuid:public_id>/shares/new/", share_views.share_add, name="share-add"),
    path(
        "<uuid:public_id>/shares/<slug:unit_code>/take-back/",
        share_views.share_revoke,
        name="share-revoke",
    ),
    path(
        "attachments/<uuid:public_id>/",
        attachment_views.attachment_download,
        name="attachment-download",
    ),
    path(
        "attachments/<uuid:public_id>/thumbnail/",
        attachment_views.attachment_thumbnail,
        name="attachment-thumbnail",
    ),
]
