import datetime as dt
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import CountryField
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from casetracker.core.choices import HandlingCode, Role, UnitKind
from casetracker.core.currencies import is_currency
from casetracker.core.models import Unit
from casetracker.core.timezones import earliest_date_anywhere, latest_date_anywhere
from seizures.choices import (
    SUBSTANCE_CATEGORY,
    CommodityCategory,
    QuantityUnit,
    Substance,
    allowed_units,
)
from seizures.models import Seizure

from .choices import (
    CloseReason,
    ClosingOutcome,
    DeclineReason,
    LegalBasis,
    MlaResult,
    Origin,
    OutcomeKind,
    RecipientKind,
    ReferralStatus,
    RouteRole,
)

# Units a referral can go to: those that take a seizure further. Control units log
# seizures, labs and evaluators receive none.
RECIPIENT_UNIT_KINDS = {
    UnitKind.INVESTIGATING,
    UnitKind.NCB,
    UnitKind.PROSECUTION,
    UnitKind.FIU,
}
# Roles that answer referrals addressed to their unit, and that receive its e-mails.
RESPONDER_ROLES = {Role.INVESTIGATOR, Role.NCB_OFFICER, Role.SUPERVISOR}


class Recipient(models.Model):
    """Someone a seizure can be referred to.

    A unit recipient works in the app (inbox, API); an external recipient, typically a
    foreign counterpart, has no account and answers through a signed link sent by e-mail.
    """

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=RecipientKind.choices)
    unit = models.OneToOneField(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recipient",
    )
    email = models.EmailField(
        _("e-mail"),
        blank=True,
        help_text=_("Required for external contacts; for a unit, sent besides its members."),
    )
    country = CountryField(_("country"))
    language = models.CharField(
        _("language of e-mails"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=RecipientKind.UNIT) & Q(unit__isnull=False))
                | (Q(kind=RecipientKind.EXTERNAL) & Q(unit__isnull=True) & ~Q(email="")),
                name="recipient_unit_or_external_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})"

    @property
    def is_external(self) -> bool:
        return self.kind == RecipientKind.EXTERNAL

    def clean(self) -> None:
        errors = {}
        if self.kind == RecipientKind.UNIT:
            if not self.unit_id:
                errors["unit"] = _("Choose the unit that receives the referrals.")
            elif self.unit.kind not in RECIPIENT_UNIT_KINDS:
                errors["unit"] = _(
                    "Referrals go to investigating units, NCBs, prosecution offices and "
                    "financial intelligence units."
                )
            elif self.country and self.unit.country != self.country:
                errors["country"] = _("A unit recipient is in its unit's country.")
            elif not self.email and not self.unit.email and not self.unit_has_responders():
                errors["email"] = _(
                    "Nobody would receive these referrals: the unit has no members who "
                    "answer referrals and no contact e-mail. Give an e-mail address."
                )
        elif self.kind == RecipientKind.EXTERNAL:
            if self.unit_id:
                errors["unit"] = _("An external contact has no unit; choose the kind 'unit'.")
            if not self.email:
                errors["email"] = _("An external contact is reached by e-mail: give the address.")
        if errors:
            raise ValidationError(errors)

    def unit_has_responders(self) -> bool:
        return (
            self.unit_id is not None
            and self.unit.members.filter(is_active=True, role__in=RESPONDER_ROLES).exists()
        )


# Conversions to the unit thresholds are compared in, so "1 kg" matches 1 500 g.
_TO_BASE = {
    QuantityUnit.GRAM: ("mass", 0.001),
    QuantityUnit.KILOGRAM: ("mass", 1),
    QuantityUnit.TONNE: ("mass", 1000),
    QuantityUnit.MILLILITRE: ("volume", 0.001),
    QuantityUnit.LITRE: ("volume", 1),
}


def comparable(quantity, unit: str) -> tuple[str, float] | None:
    """(dimension, amount in base unit) for comparing thresholds across g/kg/t and ml/l."""
    dimension, factor = _TO_BASE.get(unit, (unit, 1))
    return dimension, float(quantity) * factor


class RoutingRule(models.Model):
    """When a submitted seizure meets every condition set here, refer it to ``recipient``.

    Empty conditions match everything; a rule without conditions refers every seizure.
    """

    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveSmallIntegerField(
        _("order"), default=100, help_text=_("Rules are shown and explained in this order.")
    )

    commodities = models.JSONField(
        _("commodities"), default=list, blank=True, help_text=_("Any of these; empty for any.")
    )
    substances = models.JSONField(
        _("substances"), default=list, blank=True, help_text=_("Any of these; empty for any.")
    )
    min_quantity = models.DecimalField(
        _("at least"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("An item of the chosen commodities must weigh or count at least this."),
    )
    quantity_unit = models.CharField(
        _("unit of the threshold"), max_length=10, choices=QuantityUnit.choices, blank=True
    )
    seizing_units = models.ManyToManyField(
        Unit,
        verbose_name=_("seizing units"),
        blank=True,
        related_name="+",
        help_text=_("Any of these; empty for any."),
    )
    seizing_countries = CountryField(
        _("seizing countries"), multiple=True, blank=True, help_text=_("Empty for any.")
    )
    route_countries = CountryField(
        _("countries on the route"),
        multiple=True,
        blank=True,
        help_text=_("One of these must be on the route where chosen below; empty for any."),
    )
    route_role = models.CharField(
        _("where on the route"), max_length=12, choices=RouteRole.choices, default=RouteRole.ANY
    )
    foreign_on_route = models.BooleanField(
        _("a foreign country is on the route"),
        default=False,
        help_text=_("Match only when the route touches a country other than the seizing one."),
    )

    recipient = models.ForeignKey(
        Recipient, verbose_name=_("refer to"), on_delete=models.PROTECT, related_name="rules"
    )
    handling_code = models.PositiveSmallIntegerField(
        _("handling code"),
        choices=[(c.value, c.label) for c in HandlingCode if c != HandlingCode.H0],
        default=HandlingCode.H1,
    )
    ack_hours = models.PositiveIntegerField(
        _("hours to acknowledge"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 90)],
    )
    respond_days = models.PositiveIntegerField(
        _("days to answer"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days from sending until the recipient accepts or declines."),
    )

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse rules that could never match, so nobody waits for referrals that never come."""
        errors: dict[str, list] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        known_categories = set(CommodityCategory.values)
        known_substances = set(Substance.values) - {""}
        commodities = self.commodities or []
        substances = self.substances or []
        if not isinstance(commodities, list) or set(commodities) - known_categories:
            add("commodities", _("Choose commodities from the list."))
        if not isinstance(substances, list) or set(substances) - known_substances:
            add("substances", _("Choose substances from the list."))
        elif commodities and any(SUBSTANCE_CATEGORY[s] not in commodities for s in substances):
            add(
                "substances",
                _("A chosen substance belongs to none of the chosen commodities: never matches."),
            )
        if self.min_quantity is not None:
            if self.min_quantity <= 0:
                add("min_quantity", _("A threshold must be more than zero."))
            if not self.quantity_unit:
                add("quantity_unit", _("Give the unit the threshold is in."))
            elif commodities and isinstance(commodities, list) and "commodities" not in errors:
                fitting = self._threshold_fits(commodities, substances)
                if not fitting:
                    add(
                        "quantity_unit",
                        _("None of the chosen commodities is measured in this unit."),
                    )
        elif self.quantity_unit:
            add("min_quantity", _("Give the threshold, or clear its unit."))
        if self.ack_hours and self.respond_days and self.ack_hours > self.respond_days * 24:
            add("ack_hours", _("Acknowledging cannot be due after the answer is due."))
        if self.recipient_id and not self.recipient.active:
            add("recipient", _("This recipient is inactive: the rule would refer to nobody."))
        if self.handling_code == HandlingCode.H0:
            add("handling_code", _("H0 pieces never leave the unit: share at H1, H2 or H3."))
        seizing = {str(c) for c in self.seizing_countries or []}
        route = {str(c) for c in self.route_countries or []}
        if self.foreign_on_route and seizing and route and route <= seizing and len(seizing) == 1:
            add(
                "foreign_on_route",
                _(
                    "The only countries allowed on the route are the seizing one: a foreign "
                    "country can never be on it."
                ),
            )
        if errors:
            raise ValidationError(errors)

    def _threshold_fits(self, commodities, substances) -> bool:
        for category in commodities:
            candidates = [s for s in substances if SUBSTANCE_CATEGORY.get(s) == category] or [""]
            for substance in candidates:
                units = allowed_units(category, substance)
                if self.quantity_unit in units or _same_dimension(self.quantity_unit, units):
                    return True
        return False

    def validate_seizing_units(self, units) -> None:
        """The M2M is saved after the rule; forms and the admin call this with the chosen units."""
        seizing = {str(c) for c in self.seizing_countries or []}
        if seizing and units and not any(str(unit.country) in seizing for unit in units):
            raise ValidationError(
                {
                    "seizing_units": _(
                        "None of the chosen units is in a chosen seizing country: never matches."
                    )
                }
            )


def _same_dimension(unit: str, units) -> bool:
    dimension = _TO_BASE.get(unit, (unit, 1))[0]
    return any(_TO_BASE.get(other, (other, 1))[0] == dimension for other in units)


# The deadline the recipient should mind now: acknowledging while sent, answering once
# acknowledged, none after. The inbox sorts on it, and an index holds it (see Referral.Meta).
NEXT_DUE = models.Case(
    models.When(status=ReferralStatus.SENT, then=models.F("ack_due_at")),
    models.When(status=ReferralStatus.ACKNOWLEDGED, then=models.F("respond_due_at")),
    default=None,
)


class Referral(ConcurrentTransitionMixin, models.Model):
    """A seizure handed to one recipient, with what they may see and by when they answer.

    The life cycle is declared here once (django-fsm, protected): the services check who
    may move it and record every move as a ``ReferralEvent``. Saving checks that the state
    in the database is still the one the move started from (ConcurrentTransitionMixin), so
    two people answering at once cannot both win.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seizure = models.ForeignKey(
        Seizure, verbose_name=_("seizure"), on_delete=models.PROTECT, related_name="referrals"
    )
    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="referrals"
    )
    status = FSMField(
        _("status"), default=ReferralStatus.SENT, choices=ReferralStatus.choices, protected=True
    )
    handling_code = models.PositiveSmallIntegerField(
        _("handling code"),
        choices=[(c.value, c.label) for c in HandlingCode if c != HandlingCode.H0],
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    # Why it went here: the rules that matched and what in the seizure matched them,
    # stored as data and worded when shown (see explain.py), so it reads in every language.
    reasons = models.JSONField(_("why routed here"), default=list, blank=True)
    message = models.TextField(_("message to the recipient"), blank=True, max_length=4000)

    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"))
    ack_due_at = models.DateTimeField(_("acknowledge by"))
    respond_due_at = models.DateTimeField(_("answer by"))
    # When the deadline task reminds and escalates (reminders at three quarters of the time).
    ack_remind_at = models.DateTimeField(editable=False)
    respond_remind_at = models.DateTimeField(editable=False)
    ack_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    ack_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    respond_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    respond_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    decided_at = models.DateTimeField(_("accepted or declined"), null=True, blank=True)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=30, choices=DeclineReason.choices, blank=True
    )
    decline_text = models.TextField(_("explanation"), blank=True, max_length=4000)
    case_number = models.CharField(_("recipient's case number"), max_length=80, blank=True)
    investigating_at = models.DateTimeField(_("investigation opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=30, choices=ClosingOutcome.choices, blank=True
    )
    outcome_text = models.TextField(_("outcome details"), blank=True, max_length=4000)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdraw_reason = models.TextField(_("why withdrawn"), blank=True, max_length=4000)

    # External recipients answer through a signed link carrying this nonce; a new nonce
    # (on withdrawal, or when the sender sends a fresh link) voids every earlier link.
    link_nonce = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["respond_due_at", "id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            # One live referral per seizure and recipient, however often routing runs; a
            # withdrawn one does not count, so the sender can send the seizure again.
            models.UniqueConstraint(
                fields=["seizure", "recipient"],
                condition=~Q(status=ReferralStatus.WITHDRAWN),
                name="one_live_referral_per_seizure_and_recipient",
            )
        ]
        indexes = [
            # The inbox: a recipient's referrals by the next deadline.
            models.Index(fields=["recipient", "status", "ack_due_at"], name="referral_inbox"),
            # The inbox's order (selectors.inbox): a page is read off this index in order.
            models.Index(
                models.F("recipient"),
                NEXT_DUE,
                models.F("respond_due_at"),
                models.F("id"),
                name="referral_inbox_next_due",
            ),
            # The deadline task's four questions ("remind or escalate what is due now?").
            models.Index(
                fields=["ack_remind_at"],
                name="referral_ack_remind",
                condition=Q(status="sent", ack_reminded_at__isnull=True),
            ),
            models.Index(
                fields=["ack_due_at"],
                name="referral_ack_overdue",
                condition=Q(status="sent", ack_escalated_at__isnull=True),
            ),
            models.Index(
                fields=["respond_remind_at"],
                name="referral_respond_remind",
                condition=Q(status__in=["sent", "acknowledged"], respond_reminded_at__isnull=True),
            ),
            models.Index(
                fields=["respond_due_at"],
                name="referral_respond_overdue",
                condition=Q(status__in=["sent", "acknowledged"], respond_escalated_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seizure.reference} → {self.recipient.name}"

    @property
    def is_open(self) -> bool:
        return self.status in ReferralStatus.open_states()

    @property
    def next_deadline(self):
        """The deadline the recipient should mind now, or None when none is pending."""
        if self.status == ReferralStatus.SENT:
            return self.ack_due_at
        if self.status == ReferralStatus.ACKNOWLEDGED:
            return self.respond_due_at
        return None

    # The life cycle. Guards on who may move it live in lifecycle.py; these only say which
    # moves exist and stamp their dates.
    @transition(field=status, source=ReferralStatus.SENT, target=ReferralStatus.ACKNOWLEDGED)
    def acknowledge(self, *, at) -> None:
        self.acknowledged_at = at

    @transition(field=status, source=ReferralStatus.ACKNOWLEDGED, target=ReferralStatus.ACCEPTED)
    def accept(self, *, at) -> None:
        self.decided_at = at

    @transition(field=status, source=ReferralStatus.ACKNOWLEDGED, target=ReferralStatus.DECLINED)
    def decline(self, *, at, reason: str, text: str) -> None:
        self.decided_at = at
        self.decline_reason = reason
        self.decline_text = text

    @transition(field=status, source=ReferralStatus.ACCEPTED, target=ReferralStatus.INVESTIGATING)
    def open_investigation(self, *, at, case_number: str) -> None:
        self.investigating_at = at
        self.case_number = case_number

    @transition(
        field=status,
        source=[ReferralStatus.ACCEPTED, ReferralStatus.INVESTIGATING],
        target=ReferralStatus.CLOSED,
    )
    def close(self, *, at, outcome: str, text: str) -> None:
        self.closed_at = at
        self.outcome = outcome
        self.outcome_text = text

    @transition(
        field=status,
        source=[
            ReferralStatus.SENT,
            ReferralStatus.ACKNOWLEDGED,
            ReferralStatus.ACCEPTED,
            ReferralStatus.INVESTIGATING,
        ],
        target=ReferralStatus.WITHDRAWN,
    )
    def withdraw(self, *, at, reason: str) -> None:
        self.withdrawn_at = at
        self.withdraw_reason = reason
        self.link_nonce = uuid.uuid4()


class ReferralEvent(models.Model):
    """One move of a referral: from which state to which, who moved it, when, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        _("from"), max_length=20, choices=ReferralStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=ReferralStatus.choices)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when an external recipient moved it through the response link (no account).
    by_external = models.BooleanField(_("through the response link"), default=False)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status or '—'} → {self.to_status}"


class RoutingJob(models.Model):
    """The outbox row for routing one submitted seizure.

    Written in the same transaction as the submission, so the work survives a broker that
    is down: the task is sent after commit, and the sweeper re-sends jobs not done in time.
    Routing marks the job done in the transaction that creates the referrals.
    """

    seizure = models.OneToOneField(Seizure, on_delete=models.CASCADE, related_name="routing_job")
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    enqueue_count = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    referrals_created = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("routing job")
        verbose_name_plural = _("routing jobs")
        indexes = [
            models.Index(
                fields=["created_at"], name="routing_job_pending", condition=Q(done_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"routing {self.seizure_id} ({'done' if self.done_at else 'pending'})"


class Notification(models.Model):
    """One message about one referral event to one person or address: the in-app inbox
    entry and, with an address, the e-mail's outbox row.

    Unique per referral, event key and addressee, so a reminder or an escalation is never
    sent twice however often the deadline task or a redelivered task runs.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=60)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referral_notifications",
    )
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="en")
    subject = models.CharField(max_length=250)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "key", "user"],
                condition=Q(user__isnull=False),
                name="one_notification_per_user_and_event",
            ),
            models.UniqueConstraint(
                fields=["referral", "key", "email"],
                condition=Q(user__isnull=True),
                name="one_notification_per_address_and_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="notification_unsent",
                condition=Q(sent_at__isnull=True) & ~Q(email=""),
            ),
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
        ]

    def __str__(self) -> str:
        return self.subject


class CountedOutcomes(models.Manager):
    """The outcomes that count: every one but those withdrawn as mistaken."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(withdrawn_at__isnull=True)


class Outcome(models.Model):
    """One thing the follow-up of a referral achieved, dated and justified by the recipient.

    A wide row: each kind uses the fields it needs (``clean`` says which). Nothing here names
    a person: counts, places, countries, dates, legal bases and amounts. The justification
    and sentence are free text and so, like every free text, never reach evaluators.

    A mistaken outcome is withdrawn, never deleted (``services.outcome_withdraw``): it stays
    on the referral's page and in the audit trail, marked, and counts for nothing.
    ``Outcome.objects`` (the default manager, so also ``referral.outcomes`` and
    ``seizure.outcomes``) leaves withdrawn rows out, so the ladder and the evaluators'
    figures, which read outcomes through it, need not know withdrawals exist;
    ``Outcome.all_objects`` has them too, for the pages that show them.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.PROTECT, related_name="outcomes"
    )
    # The referral's seizure, kept here so the ladder reads a seizure's outcomes directly.
    seizure = models.ForeignKey(
        Seizure, on_delete=models.PROTECT, related_name="outcomes", editable=False
    )
    kind = models.CharField(_("what happened"), max_length=24, choices=OutcomeKind.choices)
    occurred_on = models.DateField(_("date"))
    # Required (clean says so, in words that fit the kind), never blank in the database.
    justification = models.TextField(_("short justification"), max_length=2000, blank=True)

    count = models.PositiveIntegerField(_("how many people"), null=True, blank=True)
    organisers = models.PositiveIntegerField(_("of whom organisers"), null=True, blank=True)
    couriers = models.PositiveIntegerField(_("of whom couriers"), null=True, blank=True)
    place = models.CharField(_("where"), max_length=200, blank=True)
    countries = models.JSONField(
        _("countries involved"), default=list, blank=True, help_text=_("ISO country codes.")
    )
    counterpart_country = CountryField(_("counterpart country"), blank=True)
    offence = models.CharField(_("offence"), max_length=200, blank=True)
    legal_basis = models.CharField(
        _("legal basis"), max_length=12, choices=LegalBasis.choices, blank=True
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    mla_result = models.CharField(
        _("result of the request"), max_length=12, choices=MlaResult.choices, blank=True
    )
    refusal_grounds = models.TextField(_("grounds for refusal"), blank=True, max_length=2000)
    sentence = models.CharField(_("sentence"), max_length=300, blank=True)
    value = models.DecimalField(
        _("value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    close_reason = models.CharField(
        _("why it was closed"), max_length=24, choices=CloseReason.choices, blank=True
    )

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # "app", "api" or "link" (the external response link: no account behind it).
    recorded_via = models.CharField(max_length=8, editable=False)
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    withdrawn_via = models.CharField(max_length=8, blank=True, editable=False)
    withdraw_reason = models.TextField(_("why withdrawn"), max_length=2000, blank=True)

    all_objects = models.Manager()
    objects = CountedOutcomes()

    class Meta:
        # Withdrawn outcomes stay out of every reverse relation and every count unless
        # asked for (``all_objects``).
        default_manager_name = "objects"
        ordering = ["occurred_on", "id"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        indexes = [models.Index(fields=["seizure", "kind"], name="outcome_seizure_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.occurred_on})"

    def clean(self) -> None:
        """What each kind needs, each a field error the recipient can act on."""
        errors: dict[str, str] = {}
        kind = self.kind
        self.justification = (self.justification or "").strip()
        if not self.justification:
            closed_other = (
                kind == OutcomeKind.INVESTIGATION_CLOSED and self.close_reason == CloseReason.OTHER
            )
            errors["justification"] = (
                _("Say why the investigation was closed.")
                if closed_other
                else _("Give a short justification: what shows this happened.")
            )
        self._clean_date(errors)
        counted = {
            OutcomeKind.SUSPECTS_IDENTIFIED: _("How many suspects were identified? At least 1."),
            OutcomeKind.ARREST: _("How many people were arrested? At least 1."),
            OutcomeKind.CHARGES: _("How many people were charged? At least 1."),
            OutcomeKind.CONVICTION: _("How many people were convicted? At least 1."),
        }
        if kind in counted and not (self.count and self.count >= 1):
            errors["count"] = counted[kind]
        named = (self.organisers or 0) + (self.couriers or 0)
        if kind == OutcomeKind.SUSPECTS_IDENTIFIED and self.count and named > self.count:
            errors["couriers"] = _(
                "Organisers and couriers together cannot be more than the suspects "
                "identified (%(count)d)."
            ) % {"count": self.count}
        if kind in (OutcomeKind.JOINT_INVESTIGATION, OutcomeKind.CONTROLLED_DELIVERY):
            self._clean_countries(errors, required=kind == OutcomeKind.JOINT_INVESTIGATION)
        if kind in (OutcomeKind.MLA_SENT, OutcomeKind.MLA_RECEIVED):
            self._clean_mla(errors)
        if kind in (OutcomeKind.CHARGES, OutcomeKind.CONVICTION):
            self.offence = (self.offence or "").strip()
            if kind == OutcomeKind.CHARGES and not self.offence:
                errors["offence"] = _("Name the offence charged.")
        if kind == OutcomeKind.CONVICTION:
            self.sentence = (self.sentence or "").strip()
            if not self.sentence:
                errors["sentence"] = _("Give the sentence.")
        if kind in (OutcomeKind.ASSETS_FROZEN, OutcomeKind.ASSETS_CONFISCATED):
            if self.value is None or self.value <= 0:
                errors["value"] = _("Give the value, more than 0.")
            self.currency = (self.currency or "").strip().upper()
            if not re.fullmatch(r"[A-Z]{3}", self.currency):
                errors["currency"] = _("Use the three-letter ISO 4217 code, e.g. USD or EUR.")
            elif not is_currency(self.currency):
                errors["currency"] = _(
                    "%(code)s is not a currency in use (ISO 4217): use e.g. USD or EUR."
                ) % {"code": self.currency}
        if kind == OutcomeKind.INVESTIGATION_CLOSED and not self.close_reason:
            errors["close_reason"] = _("Say why the investigation was closed.")
        if errors:
            raise ValidationError(errors)

    def _clean_date(self, errors: dict) -> None:
        # Dates are the recipient's local ones, wherever it is: a date is refused only if
        # it is wrong in every time zone (UTC-12 to UTC+14). A recipient 10 hours ahead of
        # the port records "the next day"; "tomorrow" at 02:00 UTC is tomorrow nowhere.
        if not self.occurred_on:
            return
        if self.occurred_on > latest_date_anywhere(timezone.now()):
            errors["occurred_on"] = _("An outcome cannot be dated in the future.")
            return
        seizure = self.seizure if self.seizure_id else self.referral.seizure
        if self.occurred_on < earliest_date_anywhere(seizure.occurred_at):
            errors["occurred_on"] = _("An outcome cannot come before the seizure (%(date)s).") % {
                "date": date_format(seizure.occurred_at.astimezone(dt.UTC).date())
            }

    def _clean_countries(self, errors: dict, *, required: bool) -> None:
        codes = self.countries if isinstance(self.countries, list) else []
        cleaned: list[str] = []
        unknown: list[str] = []
        for code in codes:
            code = str(code).strip().upper()
            if not code:
                continue
            if not countries.alpha2(code):
                unknown.append(code)
            elif countries.alpha2(code) not in cleaned:
                cleaned.append(countries.alpha2(code))
        self.countries = cleaned
        if unknown:
            errors["countries"] = _("Not ISO 3166 country codes: %(codes)s.") % {
                "codes": ", ".join(unknown)
            }
        elif required and not cleaned:
            errors["countries"] = _("Name at least one country taking part (ISO codes, e.g. BE).")

    def _clean_mla(self, errors: dict) -> None:
        if not self.counterpart_country:
            errors["counterpart_country"] = _("Which country was the request sent to or from?")
        if not self.legal_basis:
            errors["legal_basis"] = _("Choose the legal basis of the request.")
        if not self.mla_result:
            errors["mla_result"] = _("Choose where the request stands (pending if unanswered).")
        if self.answered_on and self.occurred_on and self.answered_on < self.occurred_on:
            errors["answered_on"] = _("A request cannot be answered before it was made.")
        elif self.answered_on and self.answered_on > latest_date_anywhere(timezone.now()):
            errors["answered_on"] = _("An answer cannot be dated in the future.")
        # The figures count a request as answered by its answer date and take the time
        # it took from it: the result must say the same.
        answered = self.mla_result in (MlaResult.EXECUTED, MlaResult.PARTLY, MlaResult.REFUSED)
        if "answered_on" in errors:
            pass
        elif answered and not self.answered_on:
            errors["answered_on"] = _("Give the date the request was answered.")
        elif self.answered_on and not answered and self.mla_result:
            errors["answered_on"] = _(
                "Only an executed, partly executed or refused request has an answer date."
            )
        self.refusal_grounds = (self.refusal_grounds or "").strip()
        if self.mla_result == MlaResult.REFUSED and not self.refusal_grounds:
            errors["refusal_grounds"] = _("Give the grounds the request was refused on.")

    @property
    def mla_days(self) -> int | None:
        """Time the request took, in days, once answered."""
        if self.answered_on and self.occurred_on:
            return (self.answered_on - self.occurred_on).days
        return None
