from django.urls import path

from . import pdf_views, views

app_name = "evidence"
urlpatterns = [
    path("", views.my_evidence, name="mine"),
    path("seizure/<uuid:public_id>/new/", views.item_add, name="add"),
    path("<str:label>/", views.item_detail, name="item"),
    path("<str:label>/sub-item/", views.item_sub_add, name="sub-item"),
    path("<str:label>/hand-over/", views.item_transfer, name="transfer"),
    path("<str:label>/receive/", views.item_receive, name="receive"),
    path("<str:label>/refuse/", views.item_reject, name="reject"),
    path("<str:label>/cancel/", views.item_cancel, name="cancel"),
    path("<str:label>/check/", views.item_check, name="check"),
    path("<str:label>/dispose/", views.item_dispose, name="dispose"),
    path("<str:label>/verify/", views.item_verify, name="verify"),
    path("<str:label>/file/", views.item_file, name="file"),
    path("<str:label>/file/verify/", views.item_file_verify, name="file-verify"),
    # --- labels and the chain-of-custody form (pdf_views.py) ---------------------------
    path(
        "seizure/<uuid:public_id>/labels.pdf",
        pdf_views.seizure_labels_pdf,
        name="labels-pdf",
    ),
    path("<str:label>/label.pdf", pdf_views.item_label_pdf, name="label-pdf"),
    path("<str:label>/custody.pdf", pdf_views.item_custody_pdf, name="custody-pdf"),
    # --- end of labels and the chain-of-custody form -----------------------------------
]
