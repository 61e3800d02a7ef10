from django.urls import path

from . import dossier_views, external_views, views

app_name = "referrals"
urlpatterns = [
    # The recipient unit's inbox and each referral's page (sender and recipient).
    path("referrals/", views.inbox, name="inbox"),
    # The seizing unit's view of the referrals it sent, and "mark all messages read".
    path("referrals/sent/", views.sent, name="sent"),
    path("referrals/messages/read/", views.notifications_read, name="notifications-read"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="detail"),
    path("referrals/<uuid:public_id>/dossier.pdf", dossier_views.referral_dossier, name="dossier"),
    # One POST route per move of the life cycle.
    path("referrals/<uuid:public_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("referrals/<uuid:public_id>/accept/", views.accept, name="accept"),
    path("referrals/<uuid:public_id>/decline/", views.decline, name="decline"),
    path("referrals/<uuid:public_id>/investigate/", views.investigate, name="investigate"),
    path("referrals/<uuid:public_id>/close/", views.close, name="close"),
    path("referrals/<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("referrals/<uuid:public_id>/new-link/", views.new_link, name="new-link"),
    # Outcomes of the follow-up, recorded by the recipient (the response link has its own).
    path("referrals/<uuid:public_id>/outcomes/", views.outcome_add, name="outcome-add"),
    # Answering a pending legal-assistance request, withdrawing an outcome recorded by mistake.
    path(
        "referrals/<uuid:public_id>/outcomes/<uuid:outcome_id>/answer/",
        views.outcome_answer,
        name="outcome-answer",
    ),
    path(
        "referrals/<uuid:public_id>/outcomes/<uuid:outcome_id>/withdraw/",
        views.outcome_withdraw,
        name="outcome-withdraw",
    ),
    # Referring a seizure by hand, from the seizure's page.
    path("seizures/<uuid:public_id>/refer/", views.referral_add, name="add"),
    # The external recipient's signed link: no account, this one referral only.
    path("r/<str:token>/", external_views.respond, name="respond"),
    path("r/<str:token>/dossier.pdf", external_views.dossier, name="respond-dossier"),
    path("r/<str:token>/outcomes/", external_views.outcome_add, name="respond-outcome"),
    path(
        "r/<str:token>/outcomes/<uuid:outcome_id>/answer/",
        external_views.outcome_answer,
        name="respond-outcome-answer",
    ),
    path(
        "r/<str:token>/outcomes/<uuid:outcome_id>/withdraw/",
        external_views.outcome_withdraw,
        name="respond-outcome-withdraw",
    ),
]
