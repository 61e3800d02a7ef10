"""How referrals hear of seizures: a submitted seizure gets a routing job."""

from django.dispatch import receiver

from seizures.models import Seizure
from seizures.signals import seizure_submitted

from .routing import routing_job_open


@receiver(seizure_submitted, sender=Seizure, dispatch_uid="referrals_route_on_submit")
def route_on_submit(sender, *, seizure: Seizure, **kwargs) -> None:
    # In the submitting transaction: the job commits with the submission or not at all.
    routing_job_open(seizure=seizure)
