from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "casetracker.reporting"
    label = "reporting"
    verbose_name = _("Evaluation and reports")

    def ready(self) -> None:
        from seizures import panels

        from . import receivers
        from .panel import ladder_panel

        receivers.connect()
        panels.register(ladder_panel)
