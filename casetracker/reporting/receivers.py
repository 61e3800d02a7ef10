"""Keep the ladder current: the event that moves a seizure refreshes its rows in the
same transaction (connected in apps.py; the apps that own the events import nothing
from here).

A save that names only fields the ladder does not read (a reminder's stamp, a fresh
response link) refreshes nothing. Changes made with ``QuerySet.update`` send no signal:
``manage.py ladder_rebuild`` puts such rows right.
"""

from django.db.models.signals import post_delete, post_save

from forensics.models import ForensicTask, SeizureLink
from referrals.models import Outcome, Referral
from seizures.models import Seizure

from . import ladder
from .models import ReferralProgress, SeizureProgress

# The fields of each model the ladder reads.
READS = {
    Referral: {
        "seizure",
        "recipient",
        "status",
        "sent_at",
        "acknowledged_at",
        "investigating_at",
        "case_number",
    },
    Outcome: {"referral", "seizure", "kind", "occurred_on"},
    ForensicTask: {"seizure", "status", "reported_at"},
    SeizureLink: {"seizure_a", "seizure_b", "status", "decided_at"},
    Seizure: {"occurred_at", "port"},
}


def _seizures_of(instance) -> set[int]:
    if isinstance(instance, SeizureLink):
        return {instance.seizure_a_id, instance.seizure_b_id}
    if isinstance(instance, Seizure):
        return {instance.pk}
    return {instance.seizure_id}


def _has_rows(seizure_id: int) -> bool:
    return (
        SeizureProgress.objects.filter(pk=seizure_id).exists()
        or ReferralProgress.objects.filter(seizure_id=seizure_id).exists()
    )


def _reads(sender, update_fields) -> bool:
    return update_fields is None or bool(READS[sender] & set(update_fields))


def on_save(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
    if raw or not _reads(sender, update_fields):
        return
    if sender is Seizure and (created or not _has_rows(instance.pk)):
        # Nothing kept yet: rung 0 is read off the seizure itself.
        return
    for seizure_id in sorted(_seizures_of(instance)):
        ladder.refresh(seizure_id)


def on_delete(sender, instance, **kwargs):
    for seizure_id in sorted(_seizures_of(instance)):
        ladder.refresh(seizure_id)


def connect() -> None:
    for model in (Referral, Outcome, ForensicTask, SeizureLink, Seizure):
        post_save.connect(on_save, sender=model, dispatch_uid=f"ladder-save-{model.__name__}")
    for model in (Referral, Outcome, ForensicTask, SeizureLink):
        post_delete.connect(on_delete, sender=model, dispatch_uid=f"ladder-del-{model.__name__}")
