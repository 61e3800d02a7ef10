from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskKind(models.TextChoices):
    FINGERPRINTS = "fingerprints", _("Fingerprints")
    DNA = "dna", _("DNA")
    DRUG_PROFILING = "drug_profiling", _("Drug purity and profiling")
    CHEMICAL = "chemical", _("Chemical analysis")
    PHOTOGRAPHY = "photography", _("Photographs of concealment and packaging")
    PHONE_EXTRACTION = "phone_extraction", _("Phone extraction")
    DOCUMENT = "document", _("Document examination")


class TaskStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORTED = "reported", _("Reported")
    REJECTED = "rejected", _("Rejected")

    @classmethod
    def open_states(cls) -> list[str]:
        """States in which the lab still owes an answer (and the deadline runs)."""
        return [cls.REQUESTED, cls.ACCEPTED, cls.IN_PROGRESS]


class MatchBasis(models.TextChoices):
    """What two results have in common when they propose a link between seizures."""

    DRUG_PROFILE = "drug_profile", _("Same drug profile signature")
    FINGERPRINT = "fingerprint", _("Same fingerprint match reference")
    DNA = "dna", _("Same DNA match reference")


class LinkStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class Verdict(models.TextChoices):
    GENUINE = "genuine", _("Genuine")
    COUNTERFEIT = "counterfeit", _("Counterfeit")
    ALTERED = "altered", _("Genuine but altered")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")


class Comparison(models.TextChoices):
    IDENTIFIED = "identified", _("Identified (match found)")
    NO_MATCH = "no_match", _("No match in the databases searched")
    UNSUITABLE = "unsuitable", _("Not suitable for comparison")
