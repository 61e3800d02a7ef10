"""Keep the ladder current: the event that moves a seizure refreshes its rows in the
same transaction (connected in apps.py; the apps that own the events import nothing
from here).

A save that names only fields the ladder does not read (a reminder's stamp, a fresh
response link) refreshes nothing. Changes made with ``QuerySet.update`` send no signal:
``manage.py ladder_rebuild`` puts such rows right.

Reference data the ladder reads (a port's time zone and country, a recipient's kind and
country, its unit's kind) refresh every seizure behind them when an edit changes them: in
the edit's transaction when they are few, in the background after commit when many.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from casetracker.core.models import Port, Unit
from casetracker.core.signals import ports_rezoned
from forensics.models import ForensicTask, SeizureLink
from referrals.models import Outcome, Recipient, Referral
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
    # withdrawn_at: a withdrawn outcome counts for nothing (``Outcome.objects`` leaves it out).
    Outcome: {"referral", "seizure", "kind", "occurred_on", "withdrawn_at"},
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


# --- reference data: what the ladder reads of ports, recipients and units ----------------
#
# The port's time zone dates outcomes and its country tells a referral abroad; a
# recipient's kind and country, and its unit's kind, decide whether a referral counts and
# is international. An administrator correcting one of them changes the ladder of every
# seizure behind it: a port may have tens of thousands.

REFERENCE_READS = {
    # A port's time zone: ``core.signals.ports_rezoned`` (on_ports_rezoned) says when.
    Port: ("country",),
    Recipient: ("kind", "country", "unit_id"),
    Unit: ("kind",),
}
# Up to this many seizures are refreshed in the edit's own transaction, as any event is;
# beyond, in the background after commit, ``REFRESH_CHUNK`` seizures per task.
REFRESH_INLINE_MAX = 200
REFRESH_CHUNK = 500


def _affected(instance) -> list[int]:
    """The seizures whose ladder reads ``instance``."""
    if isinstance(instance, Port):
        rows = Seizure.objects.filter(port=instance).values_list("pk", flat=True)
    elif isinstance(instance, Recipient):
        rows = Referral.objects.filter(recipient=instance).values_list("seizure_id", flat=True)
    else:
        rows = Referral.objects.filter(recipient__unit=instance).values_list(
            "seizure_id", flat=True
        )
    return sorted(set(rows))


def _read(values) -> tuple:
    # As text: the database gives a country as its code, the instance as a Country.
    return tuple(None if value is None else str(value) for value in values)


def remember_reads(sender, instance, raw=False, **kwargs):
    """Keep what the ladder read before the save, to tell afterwards whether it changed."""
    if raw or instance._state.adding or instance.pk is None:
        return
    names = REFERENCE_READS[sender]
    before = sender._base_manager.filter(pk=instance.pk).values_list(*names).first()
    instance._ladder_reads = None if before is None else _read(before)


def on_reference_save(sender, instance, created=False, raw=False, **kwargs):
    before = getattr(instance, "_ladder_reads", None)
    if raw or created or before is None:
        return  # a new port, recipient or unit has no seizure behind it yet
    del instance._ladder_reads
    if before == _read(getattr(instance, name) for name in REFERENCE_READS[sender]):
        return
    _refresh_many(_affected(instance))


def on_ports_rezoned(sender, locodes, **kwargs):
    """Core announces corrected time zones, from an edit or a gazetteer load alike (the
    load writes in bulk and sends no save signal)."""
    seizures = Seizure.objects.filter(port_id__in=list(locodes))
    _refresh_many(list(seizures.order_by("pk").values_list("pk", flat=True)))


def _refresh_many(seizure_ids: list[int]) -> None:
    if len(seizure_ids) <= REFRESH_INLINE_MAX:
        for seizure_id in seizure_ids:
            ladder.refresh(seizure_id)
        return
    from .tasks import ladder_refresh

    # After commit: the workers must read the corrected value, and an edit rolled back
    # must cost nothing.
    def enqueue() -> None:
        for start in range(0, len(seizure_ids), REFRESH_CHUNK):
            ladder_refresh.delay(seizure_ids[start : start + REFRESH_CHUNK])

    transaction.on_commit(enqueue)


def connect() -> None:
    for model in (Referral, Outcome, ForensicTask, SeizureLink, Seizure):
        post_save.connect(on_save, sender=model, dispatch_uid=f"ladder-save-{model.__name__}")
    for model in (Referral, Outcome, ForensicTask, SeizureLink):
        post_delete.connect(on_delete, sender=model, dispatch_uid=f"ladder-del-{model.__name__}")
    ports_rezoned.connect(on_ports_rezoned, dispatch_uid="ladder-ports-rezoned")
    for model in REFERENCE_READS:
        uid = model.__name__
        pre_save.connect(remember_reads, sender=model, dispatch_uid=f"ladder-before-{uid}")
        post_save.connect(on_reference_save, sender=model, dispatch_uid=f"ladder-ref-{uid}")
