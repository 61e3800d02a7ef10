"""The follow-up ladder's rungs and flags (defined in the README, "The follow-up ladder")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Rung(models.IntegerChoices):
    LOGGED = 0, _("Logged")
    REFERRED = 1, _("Referred")
    ACKNOWLEDGED = 2, _("Acknowledged")
    INVESTIGATING = 3, _("Investigating")
    IDENTIFIED = 4, _("Suspects identified")
    ARRESTED = 5, _("Arrests")
    CHARGED = 6, _("Charged")
    CONVICTED = 7, _("Convicted")
    DISMANTLED = 8, _("Network dismantled or assets confiscated")


class Flag(models.TextChoices):
    """Beside the rungs: what else the follow-up achieved. The value is the progress
    row's date column that holds when the flag was first raised."""

    FORENSICS = "forensics_at", _("Forensics done")
    LINKED = "linked_at", _("Linked to other seizures")
    INTERNATIONAL = "international_at", _("International")
    JOINT_INVESTIGATION = "jit_at", _("Joint investigation team")
    MLA = "mla_at", _("Mutual legal assistance requested")
    CONTROLLED_DELIVERY = "controlled_delivery_at", _("Controlled delivery")
    ASSETS_FROZEN = "assets_frozen_at", _("Assets frozen")


# Flags a single referral can raise (forensics and links belong to the seizure).
REFERRAL_FLAGS = (
    Flag.INTERNATIONAL,
    Flag.JOINT_INVESTIGATION,
    Flag.MLA,
    Flag.CONTROLLED_DELIVERY,
    Flag.ASSETS_FROZEN,
)

# The progress row's column holding the date each rung was first reached.
RUNG_FIELDS = {
    Rung.REFERRED: "referred_at",
    Rung.ACKNOWLEDGED: "acknowledged_at",
    Rung.INVESTIGATING: "investigating_at",
    Rung.IDENTIFIED: "identified_at",
    Rung.ARRESTED: "arrested_at",
    Rung.CHARGED: "charged_at",
    Rung.CONVICTED: "convicted_at",
    Rung.DISMANTLED: "dismantled_at",
}
