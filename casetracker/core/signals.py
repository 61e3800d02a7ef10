from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def keep_unit_group_membership(sender, instance, **kwargs):
    """A user is in exactly the guardian group of their unit, whoever changed the unit
    (a service, the admin, a fixture)."""
    unit_groups = instance.groups.filter(name__startswith="unit:")
    wanted = instance.unit.group_id if instance.unit_id else None
    stale = unit_groups.exclude(pk=wanted) if wanted else unit_groups
    if stale.exists():
        instance.groups.remove(*stale)
    if wanted and not instance.groups.filter(pk=wanted).exists():
        instance.groups.add(wanted)
