"""Which links and buttons to offer: the roles table decides, never a template."""

from django import template

from casetracker.core.roles import can as role_can

register = template.Library()


@register.filter
def can(user, actions: str) -> bool:
    """``{% if user|can:"audit.view_unit,audit.view_all" %}``: any of the listed actions."""
    return any(role_can(user, action.strip()) for action in actions.split(","))
