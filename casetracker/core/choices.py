from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    CUSTOMS = "customs", _("Customs")
    POLICE = "police", _("Police")
    GENDARMERIE = "gendarmerie", _("Gendarmerie")
    DRUG_CONTROL = "drug_control", _("Drug control agency")
    COAST_GUARD = "coast_guard", _("Coast guard")
    NAVY = "navy", _("Navy")
    FIU = "fiu", _("Financial intelligence unit")
    PROSECUTION = "prosecution", _("Prosecution")
    FORENSIC = "forensic", _("Forensic service")
    OTHER = "other", _("Other")


class UnitKind(models.TextChoices):
    PORT_CONTROL = "pcu", _("Port control unit")
    AIR_CARGO_CONTROL = "acu", _("Air cargo control unit")
    INVESTIGATING = "investigating", _("Investigating unit")
    NCB = "ncb", _("INTERPOL National Central Bureau")
    PROSECUTION = "prosecution", _("Prosecution office")
    FIU = "fiu", _("Financial intelligence unit")
    FORENSIC_LAB = "lab", _("Forensic laboratory")
    EVALUATION = "evaluation", _("Evaluation team")

    @classmethod
    def control_units(cls) -> set[str]:
        """Units that sit at a port and log seizures there."""
        return {cls.PORT_CONTROL, cls.AIR_CARGO_CONTROL}


class Role(models.TextChoices):
    OFFICER = "officer", _("Port control unit officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    INVESTIGATOR = "investigator", _("Investigator")
    NCB_OFFICER = "ncb_officer", _("NCB officer")
    CUSTODIAN = "custodian", _("Evidence custodian")
    EXAMINER = "examiner", _("Forensic examiner")
    EVALUATOR = "evaluator", _("Evaluator")
    ADMINISTRATOR = "administrator", _("Administrator")


class HandlingCode(models.IntegerChoices):
    """How far a piece of information may travel, set by the agency that contributed it.

    A recipient sees a piece when the piece's code is at least the level it was shared at:
    a domestic law-enforcement recipient is shared at H1, a foreign one at H2, a court or
    prosecution at H3. H0 never leaves the owning unit.
    """

    H0 = 0, _("H0 — this unit only")
    H1 = 1, _("H1 — law-enforcement recipients may see it")
    H2 = 2, _("H2 — may also go abroad")
    H3 = 3, _("H3 — may go to court")
