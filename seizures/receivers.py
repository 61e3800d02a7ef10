"""What seizures keep up to date when something else changes."""

from django.db import connection
from django.dispatch import receiver

from casetracker.core.signals import ports_rezoned
from casetracker.core.timezones import local_date

from .models import Seizure

BATCH = 2000


@receiver(ports_rezoned)
def redate_seizures_at(sender, locodes, **kwargs):
    """A port's time zone was corrected: its seizures' dates at the port follow.

    Rare (a gazetteer correction) but possibly tens of thousands of seizures, so PostgreSQL
    converts them in one statement with its own time zone data."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE seizures_seizure s SET occurred_on = "
                "(s.occurred_at AT TIME ZONE p.timezone)::date "
                "FROM core_port p WHERE p.locode = s.port_id AND s.port_id = ANY(%s)",
                [list(locodes)],
            )
        return
    rows = (
        Seizure.objects.filter(port_id__in=locodes)
        .order_by("pk")
        .values_list("pk", "occurred_at", "port__timezone")
    )
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:BATCH]):
        Seizure.objects.bulk_update(
            [Seizure(pk=pk, occurred_on=local_date(at, zone)) for pk, at, zone in batch],
            ["occurred_on"],
        )
        last = batch[-1][0]
