from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeizuresConfig(AppConfig):
    name = "seizures"
    verbose_name = _("Seizures")

    def ready(self) -> None:
        from . import receivers  # noqa: F401
