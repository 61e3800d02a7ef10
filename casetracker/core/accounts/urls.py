from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("verify/", views.otp_step, name="otp"),
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("security/", views.security, name="security"),
    path("security/mfa/disable/", views.mfa_disable, name="mfa_disable"),
]
