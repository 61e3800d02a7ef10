from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from seizures import panels

        from . import (
            link_privacy,
            receivers,  # noqa: F401  (routing on submission)
        )
        from .panel import referral_panel

        panels.register(referral_panel)
        link_privacy.install()
