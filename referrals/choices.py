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
