from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForensicsConfig(AppConfig):
    name = "forensics"
    verbose_name = _("Forensics")

    def ready(self) -> None:
        from evidence import panels as item_panels
        from seizures import panels as seizure_panels

        from .panels import item_panel, seizure_panel

        item_panels.register(item_panel)
        seizure_panels.register(seizure_panel)
