from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "casetracker.core"
    label = "core"
    verbose_name = _("Organisations and places")

    def ready(self) -> None:
        from . import signals  # noqa: F401
        from .audit import receivers  # noqa: F401
