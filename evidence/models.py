"""Evidence items and the custody events that hand them from one person to the next.

An item always has exactly one custodian. A hand-over takes two people: the custodian
starts it (the item is then in transit, still in the sender's charge) and the receiver
confirms it, or refuses it and it stays with the sender. Every event is appended to the
item's hash chain (``chain.py``); nothing here is ever updated or deleted, and on
PostgreSQL a trigger refuses it (migration 0002).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from casetracker.core.models import Unit
from seizures.models import SeizedItem, Seizure

from .choices import Condition, EventKind, ItemKind, ItemState, Purpose, SealCheck


def evidence_file_path(instance, filename: str) -> str:
    # A fresh random name: the uploader's file name never reaches the disk.
    return f"evidence/{instance.seizure.public_id}/{uuid.uuid4().hex}"


class EvidenceItem(ConcurrentTransitionMixin, models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seizure = models.ForeignKey(
        Seizure,
        verbose_name=_("seizure"),
        on_delete=models.PROTECT,
        related_name="evidence_items",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("taken from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    number = models.PositiveIntegerField(_("number"), editable=False)
    label = models.CharField(_("label number"), max_length=60, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    description = models.CharField(_("description"), max_length=300)
    seized_item = models.ForeignKey(
        SeizedItem,
        verbose_name=_("seized goods it comes from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence_items",
    )
    seal_numbers = models.JSONField(_("seal numbers"), default=list, blank=True)
    storage_location = models.CharField(_("storage location"), max_length=200)
    condition = models.CharField(
        _("condition"), max_length=20, choices=Condition.choices, default=Condition.GOOD
    )

    state = FSMField(
        _("state"), default=ItemState.IN_CUSTODY, choices=ItemState.choices, protected=True
    )
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("custodian"),
        on_delete=models.PROTECT,
        related_name="evidence_held",
    )
    custodian_unit = models.ForeignKey(
        Unit, verbose_name=_("held by unit"), on_delete=models.PROTECT, related_name="+"
    )
    transit_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on its way to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence_incoming",
    )
    transit_to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # Digital evidence: hashed while streamed in, stored under the private media root.
    file = models.FileField(_("file"), upload_to=evidence_file_path, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    # The hash of the last custody event; verification compares it with the chain, so a
    # deleted last event is noticed too.
    chain_head = models.CharField(_("chain head"), max_length=64, editable=False)
    event_count = models.PositiveIntegerField(default=0, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seizure_id", "number"]
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")
        constraints = [
            models.UniqueConstraint(fields=["seizure", "number"], name="evidence_number_once"),
            models.CheckConstraint(
                condition=Q(state=ItemState.IN_TRANSIT, transit_to__isnull=False)
                | (~Q(state=ItemState.IN_TRANSIT) & Q(transit_to__isnull=True)),
                name="evidence_transit_has_receiver",
            ),
        ]
        indexes = [
            models.Index(fields=["custodian_unit", "state"], name="evidence_store"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.parent_id and self.parent.seizure_id != self.seizure_id:
            raise ValidationError({"parent": _("A sub-item belongs to the same seizure.")})
        if self.seized_item_id and self.seized_item.seizure_id != self.seizure_id:
            raise ValidationError({"seized_item": _("Choose goods of this seizure.")})
        if self.kind == ItemKind.DIGITAL_FILE and not self.file_sha256:
            raise ValidationError({"file": _("A digital file item needs its file.")})

    # The declared custody machine. Services call these under a row lock; the mixin adds
    # the state to the UPDATE's WHERE, so two hand-overs racing for one item cannot both
    # succeed even where row locks are not available.
    @transition(field=state, source=ItemState.IN_CUSTODY, target=ItemState.IN_TRANSIT)
    def start_transfer(self) -> None:
        pass

    @transition(field=state, source=ItemState.IN_TRANSIT, target=ItemState.IN_CUSTODY)
    def end_transfer(self) -> None:
        """Received, refused or cancelled: the item is in someone's charge again."""

    @transition(field=state, source=ItemState.IN_CUSTODY, target=ItemState.DISPOSED)
    def dispose(self) -> None:
        pass

    @property
    def is_digital(self) -> bool:
        return bool(self.file_sha256)


class EvidenceItemUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE)


class EvidenceItemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE)


class CustodyEvent(models.Model):
    """One hand-over or check of an item: append-only, chained by SHA-256."""

    item = models.ForeignKey(
        EvidenceItem, on_delete=models.PROTECT, related_name="events", editable=False
    )
    seq = models.PositiveIntegerField(_("number"), editable=False)
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, blank=True)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"))
    place = models.CharField(_("where"), max_length=200, blank=True)
    seal_check = models.CharField(
        _("seal check"), max_length=10, choices=SealCheck.choices, blank=True
    )
    seals = models.JSONField(_("seal numbers afterwards"), default=list, blank=True)
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices)
    note = models.TextField(_("note"), blank=True)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("witness"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Facts of the event that have no column: a sub-item's label, a file's hash at intake.
    details = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["item_id", "seq"]
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        constraints = [
            models.UniqueConstraint(fields=["item", "seq"], name="custody_event_seq_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Custody events cannot be changed once recorded."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Custody events cannot be deleted."))
