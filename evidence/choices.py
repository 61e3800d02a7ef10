from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    DRUG_SAMPLE = "drug_sample", _("Drug sample")
    PACKAGE = "package", _("Package")
    PHONE = "phone", _("Phone")
    DOCUMENT = "document", _("Document")
    FINGERPRINT_LIFT = "fingerprint_lift", _("Fingerprint lift")
    DNA_SWAB = "dna_swab", _("DNA swab")
    DIGITAL_FILE = "digital_file", _("Digital file")
    OTHER = "other", _("Other")


class ItemState(models.TextChoices):
    IN_CUSTODY = "in_custody", _("In custody")
    IN_TRANSIT = "in_transit", _("In transit")
    DISPOSED = "disposed", _("Disposed of")


class Condition(models.TextChoices):
    GOOD = "good", _("Good")
    DAMAGED = "damaged", _("Damaged")
    WET = "wet", _("Wet or contaminated")
    PART_USED = "part_used", _("Partly used for analysis")
    USED_UP = "used_up", _("Used up by analysis")


class EventKind(models.TextChoices):
    INTAKE = "intake", _("Taken into custody")
    SUB_ITEM = "sub_item", _("Sub-item taken")
    CHECK = "check", _("Seal and storage check")
    TRANSFER = "transfer", _("Handed over (in transit)")
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Refused by the receiver")
    CANCELLED = "cancelled", _("Hand-over cancelled")
    DISPOSED = "disposed", _("Disposed of")


class Purpose(models.TextChoices):
    STORAGE = "storage", _("Storage")
    TRANSPORT = "transport", _("Transport")
    LABORATORY = "laboratory", _("Laboratory")
    COURT = "court", _("Court")
    RETURN = "return", _("Return to owner")
    DISPOSAL = "disposal", _("Destruction")

    @classmethod
    def disposals(cls) -> set[str]:
        """Purposes that end the item's life in custody; each needs a witness."""
        return {cls.RETURN, cls.DISPOSAL}

    @classmethod
    def hand_overs(cls) -> list[tuple[str, str]]:
        return [(v, label) for v, label in cls.choices if v not in cls.disposals()]


class SealCheck(models.TextChoices):
    NOT_CHECKED = "", _("Not checked")
    INTACT = "intact", _("Intact")
    BROKEN = "broken", _("Broken")
    REPLACED = "replaced", _("Replaced with new seals")
