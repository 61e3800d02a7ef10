"""Signal receivers that complete the audit trail; connected in CoreConfig.ready().

* ``tag_scope`` gives every row auditlog writes for a model change the unit its object
  belongs to (see services.object_scope), so a supervisor's trail finds it later;
* the account events of django.contrib.auth and django-axes become access rows.
"""

from contextvars import ContextVar

from auditlog.models import LogEntry
from auditlog.signals import pre_log
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver

from .choices import AccessEvent
from .services import audit_account_event, object_scope

# The instance auditlog is about to write a row for. auditlog tells receivers of pre_log
# which instance it logs, but builds the row itself; pre_save of that row is where the row
# can still be completed (after the insert the trigger forbids any change).
_logging = ContextVar("audit_logging_instance", default=None)


@receiver(pre_log, dispatch_uid="audit_remember_instance")
def remember_instance(sender, instance, **kwargs):
    _logging.set(instance)


@receiver(pre_save, sender=LogEntry, dispatch_uid="audit_tag_scope")
def tag_scope(sender, instance: LogEntry, **kwargs):
    if instance.pk is not None:
        return
    data = dict(instance.additional_data or {})
    if "object_unit" in data or "event" in data:
        return  # an access row: services wrote its scope already
    obj = _logging.get()
    _logging.set(None)
    if obj is None or not _is_object_of(obj, instance):
        # m2m changes are logged without pre_log; their object still exists.
        obj = _live_object(instance)
    scope = object_scope(obj)
    if scope:
        instance.additional_data = {**data, **scope}


def _is_object_of(obj, entry: LogEntry) -> bool:
    return obj._meta.concrete_model is entry.content_type.model_class() and str(obj.pk) == str(
        entry.object_pk
    )


def _live_object(entry: LogEntry):
    model = entry.content_type.model_class()
    if model is None:
        return None
    try:
        return model._base_manager.filter(pk=entry.object_pk).first()
    except (ValueError, TypeError):
        return None


@receiver(user_logged_in, dispatch_uid="audit_login")
def log_login(sender, request, user, **kwargs):
    audit_account_event(
        request=request, user=user, username=user.get_username(), event=AccessEvent.LOGIN
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def log_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_account_event(
            request=request, user=user, username=user.get_username(), event=AccessEvent.LOGOUT
        )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or "")
    audit_account_event(
        request=request,
        user=_user_named(username),
        username=username,
        event=AccessEvent.LOGIN_FAILED,
    )


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def log_locked_out(sender, request, username, ip_address, **kwargs):
    audit_account_event(
        request=request,
        user=_user_named(username or ""),
        username=username or "",
        event=AccessEvent.LOCKED_OUT,
    )


def _user_named(username: str):
    if not username:
        return None
    return (
        get_user_model()
        ._default_manager.filter(**{get_user_model().USERNAME_FIELD: username})
        .first()
    )
