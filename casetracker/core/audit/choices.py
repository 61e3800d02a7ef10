from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessEvent(models.TextChoices):
    """What an access row (auditlog's ACCESS action) records, kept in ``additional_data``.

    Apps may record other events too; these are the ones the trail pages name and filter.
    """

    VIEW = "view", _("Viewed")
    DOWNLOAD = "download", _("Downloaded")
    EXPORT = "export", _("Exported")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    LOCKED_OUT = "locked_out", _("Locked out")
    AUDIT_EXPORT = "audit_export", _("Exported the audit trail")
