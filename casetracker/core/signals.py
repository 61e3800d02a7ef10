from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver

from .models import Port


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


# sender=Port, locodes=[...]: these ports' time zone changed (an admin's correction, a new
# gazetteer). What is dated in a port's calendar listens: seizures' dates at their port,
# the follow-up ladder's outcome days.
ports_rezoned = Signal()


@receiver(pre_save, sender=Port)
def _remember_time_zone(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding:
        return
    instance._stored_timezone = (
        Port.objects.filter(pk=instance.pk).values_list("timezone", flat=True).first()
    )


@receiver(post_save, sender=Port)
def _announce_new_time_zone(sender, instance, created, raw=False, **kwargs):
    stored = getattr(instance, "_stored_timezone", None)
    if not (raw or created) and stored is not None and stored != instance.timezone:
        ports_rezoned.send(sender=Port, locodes=[instance.pk])
