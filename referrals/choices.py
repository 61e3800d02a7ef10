from django.db import models
from django.utils.translation import gettext_lazy as _


class RecipientKind(models.TextChoices):
    """Who a referral goes to: a unit with accounts here, or someone reached by e-mail."""

    UNIT = "unit", _("Unit with accounts")
    EXTERNAL = "external", _("External contact (e-mail and response link)")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    INVESTIGATING = "investigating", _("Investigating")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @classmethod
    def open_states(cls) -> set[str]:
        """States in which the recipient still works on the referral (and sees the seizure)."""
        return {cls.SENT, cls.ACKNOWLEDGED, cls.ACCEPTED, cls.INVESTIGATING}

    @classmethod
    def awaiting_decision(cls) -> set[str]:
        """States in which the recipient has not yet said yes or no."""
        return {cls.SENT, cls.ACKNOWLEDGED}


class DeclineReason(models.TextChoices):
    NOT_COMPETENT = "not_competent", _("Outside our competence or jurisdiction")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Not enough information to act on")
    ALREADY_INVESTIGATED = "already_investigated", _("Already investigated under another case")
    NO_RESOURCES = "no_resources", _("No capacity to take it on")
    NO_LINK = "no_link", _("No link with our country")
    LEGAL_OBSTACLE = "legal_obstacle", _("Legal obstacle")
    OTHER = "other", _("Other (explain)")


class ClosingOutcome(models.TextChoices):
    CHARGES_FILED = "charges_filed", _("Charges filed")
    HANDED_TO_PROSECUTION = "handed_to_prosecution", _("Handed to the prosecution")
    TRANSFERRED = "transferred", _("Transferred to another authority")
    MERGED = "merged", _("Merged into another investigation")
    NO_SUSPECT_IDENTIFIED = "no_suspect_identified", _("No suspect identified")
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("Insufficient evidence")
    OTHER = "other", _("Other (explain)")


class Origin(models.TextChoices):
    RULE = "rule", _("Routing rule")
    MANUAL = "manual", _("Added by hand")


class RouteRole(models.TextChoices):
    """Where on the route a country must appear for a rule to match."""

    ORIGIN = "origin", _("Origin (port of loading)")
    TRANSIT = "transit", _("Transit (transhipment)")
    DESTINATION = "destination", _("Destination (discharge or final destination)")
    ANY = "any", _("Anywhere on the route")


class NotificationEvent(models.TextChoices):
    SENT = "sent", _("New referral")
    ACK_REMINDER = "ack_reminder", _("Reminder: acknowledgement due")
    RESPOND_REMINDER = "respond_reminder", _("Reminder: answer due")
    ACK_OVERDUE = "ack_overdue", _("Escalation: not acknowledged in time")
    RESPOND_OVERDUE = "respond_overdue", _("Escalation: not answered in time")
    WITHDRAWN = "withdrawn", _("Referral withdrawn")
    STATE_CHANGED = "state_changed", _("Referral moved on")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    INBOX = "inbox", _("In-app inbox")


class OutcomeKind(models.TextChoices):
    """What the follow-up of a referral achieved, as the recipient records it.

    The ladder (casetracker/reporting) reads these: suspects identified, arrests, charges,
    convictions and dismantling (or confiscation) are rungs; the rest are flags.
    """

    SUSPECTS_IDENTIFIED = "suspects_identified", _("Suspects identified")
    ARREST = "arrest", _("Arrests")
    CONTROLLED_DELIVERY = "controlled_delivery", _("Controlled delivery")
    JOINT_INVESTIGATION = "joint_investigation", _("Joint investigation team")
    MLA_SENT = "mla_sent", _("Mutual legal assistance request sent")
    MLA_RECEIVED = "mla_received", _("Mutual legal assistance request received")
    CHARGES = "charges", _("Charges filed")
    CONVICTION = "conviction", _("Conviction and sentence")
    ASSETS_FROZEN = "assets_frozen", _("Assets frozen")
    ASSETS_CONFISCATED = "assets_confiscated", _("Assets confiscated")
    NETWORK_DISMANTLED = "network_dismantled", _("Network dismantled")
    INVESTIGATION_CLOSED = "investigation_closed", _("Investigation closed")


class LegalBasis(models.TextChoices):
    CONVENTION_1988 = (
        "un_1988",
        _(
            "UN Convention against Illicit Traffic in Narcotic Drugs and Psychotropic Substances "
            "(1988), art. 7"
        ),
    )
    UNTOC = "untoc", _("UN Convention against Transnational Organized Crime (2000), art. 18")
    BILATERAL = "bilateral", _("Bilateral treaty")
    REGIONAL = "regional", _("Regional agreement")
    RECIPROCITY = "reciprocity", _("Reciprocity")
    OTHER = "other", _("Other")


class MlaResult(models.TextChoices):
    PENDING = "pending", _("Pending")
    EXECUTED = "executed", _("Executed")
    PARTLY = "partly", _("Partly executed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CloseReason(models.TextChoices):
    CONVICTED = "convicted", _("Concluded with convictions")
    ACQUITTED = "acquitted", _("Acquittal")
    NO_SUSPECT = "no_suspect", _("No suspect identified")
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("Insufficient evidence")
    TRANSFERRED = "transferred", _("Transferred to another authority")
    MERGED = "merged", _("Merged into another investigation")
    OTHER = "other", _("Other (explain)")


# The fields each kind of outcome uses besides its date and justification (the form shows
# these, the service keeps these and drops the rest, Outcome.clean says which are required).
OUTCOME_FIELDS: dict[str, tuple[str, ...]] = {
    OutcomeKind.SUSPECTS_IDENTIFIED: ("count", "organisers", "couriers"),
    OutcomeKind.ARREST: ("count", "place"),
    OutcomeKind.CONTROLLED_DELIVERY: ("place", "countries"),
    OutcomeKind.JOINT_INVESTIGATION: ("countries",),
    OutcomeKind.MLA_SENT: (
        "counterpart_country",
        "offence",
        "legal_basis",
        "mla_result",
        "answered_on",
        "refusal_grounds",
    ),
    OutcomeKind.MLA_RECEIVED: (
        "counterpart_country",
        "offence",
        "legal_basis",
        "mla_result",
        "answered_on",
        "refusal_grounds",
    ),
    OutcomeKind.CHARGES: ("count", "offence"),
    OutcomeKind.CONVICTION: ("count", "offence", "sentence"),
    OutcomeKind.ASSETS_FROZEN: ("value", "currency"),
    OutcomeKind.ASSETS_CONFISCATED: ("value", "currency"),
    OutcomeKind.NETWORK_DISMANTLED: (),
    OutcomeKind.INVESTIGATION_CLOSED: ("close_reason",),
}
# Every field that some kind uses, in the order the form shows them.
OUTCOME_DETAIL_FIELDS = (
    "count",
    "organisers",
    "couriers",
    "place",
    "countries",
    "counterpart_country",
    "offence",
    "legal_basis",
    "mla_result",
    "answered_on",
    "refusal_grounds",
    "sentence",
    "value",
    "currency",
    "close_reason",
)
