"""Object-level access through django-guardian, the one place that knows how it works.

Apps ask "which of these may this user see/change?" and "let this unit work on that
object"; they never query guardian's tables themselves. Issue-level sharing (other units,
handling codes) grows here without touching the callers.
"""

from django.db.models import Model, QuerySet
from django.http import Http404
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from .models import Unit


def restrict(user, perm: str, queryset: QuerySet) -> QuerySet:
    """The part of ``queryset`` on which ``user`` holds ``perm`` (``app.codename``).

    Model-wide grants are ignored on purpose: ordinary roles never hold them, and honouring
    one by mistake would show every seizure of every unit.
    """
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return get_objects_for_user(
        user, perm, queryset, accept_global_perms=False, with_superuser=False
    )


def get_or_404(user, perm: str, queryset: QuerySet, **lookup) -> Model:
    """One object the user may act on, or 404: hidden objects must not be told apart from
    missing ones."""
    try:
        return restrict(user, perm, queryset).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def unit_grant(*, unit: Unit, obj: Model, perms: list[str]) -> None:
    for perm in perms:
        assign_perm(perm, unit.group, obj)


def unit_revoke(*, unit: Unit, obj: Model, perms: list[str]) -> None:
    for perm in perms:
        remove_perm(perm, unit.group, obj)
