import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_fsm import FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from casetracker.core.choices import HandlingCode
from casetracker.core.currencies import is_currency
from casetracker.core.models import Agency, Port, Unit
from casetracker.core.timezones import local_date

from .choices import (
    SUBSTANCE_CATEGORY,
    CommodityCategory,
    ConcealmentMethod,
    DetectionMethod,
    PartyKind,
    PartyRole,
    PortCallRole,
    QuantityUnit,
    SeizureStatus,
    Substance,
    TransportMode,
    allowed_units,
)
from .validators import (
    normalise_container_number,
    normalise_imo_number,
    validate_container_number,
    validate_hs_code,
    validate_imo_number,
)


class ReferenceCounter(models.Model):
    """The last reference number a unit gave out in a year.

    Taken under a row lock in the same transaction as the seizure, so numbers are unique
    and gap-free: a rolled-back save rolls the counter back too.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="one_counter_per_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last_number}"


# Before this the date is a typo (0255 for 2025); time zones then also had offsets in
# seconds that no date-time format in the API could carry.
EARLIEST_SEIZURE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Seizure(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=40, unique=True, editable=False)
    unit = models.ForeignKey(
        Unit, verbose_name=_("seizing unit"), on_delete=models.PROTECT, related_name="seizures"
    )
    status = FSMField(
        _("status"), default=SeizureStatus.DRAFT, choices=SeizureStatus.choices, protected=True
    )

    occurred_at = models.DateTimeField(_("date and time of seizure"))
    # The seizure's date in its port's calendar, kept beside the instant (``save``): a
    # period is chosen in the ports' own calendars (23:30 on 31 January in Guayaquil is
    # 1 February in UTC but belongs to January), and a date column is what filters compare.
    occurred_on = models.DateField(_("date at the port"), editable=False)
    port = models.ForeignKey(
        Port, verbose_name=_("port"), on_delete=models.PROTECT, related_name="seizures"
    )
    terminal = models.CharField(_("terminal"), max_length=120, blank=True)
    detection_method = models.CharField(
        _("detection method"), max_length=20, choices=DetectionMethod.choices
    )

    vessel_name = models.CharField(_("vessel name"), max_length=120, blank=True)
    imo_number = models.CharField(
        _("IMO number"), max_length=7, blank=True, validators=[validate_imo_number]
    )
    voyage = models.CharField(_("voyage"), max_length=40, blank=True)
    bill_of_lading = models.CharField(_("bill of lading"), max_length=60, blank=True)

    declared_goods = models.CharField(_("declared goods"), max_length=300, blank=True)
    hs_code = models.CharField(
        _("HS code"), max_length=10, blank=True, validators=[validate_hs_code]
    )
    concealment_method = models.CharField(
        _("concealment method"), max_length=20, choices=ConcealmentMethod.choices
    )
    concealment_details = models.TextField(_("concealment details"), blank=True)
    packaging_markings = models.TextField(_("packaging markings"), blank=True)

    total_distance_km = models.FloatField(_("route distance (km)"), null=True, blank=True)
    # Denormalised from the items so the list can filter and show commodities without a
    # join per row; kept by the services that write items.
    commodities = models.JSONField(default=list, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)

    # --- historic import (seizures/imports) -------------------------------------------
    # Records from files name countries and a mode of transport where the app's own form
    # names ports and a vessel; both are kept as recorded, empty for seizures logged here.
    transport_mode = models.CharField(
        _("transport"), max_length=10, choices=TransportMode.choices, blank=True
    )
    # [[role, ISO country code], ...] in route order; roles from RouteCountryRole.
    route_countries = models.JSONField(_("route by country"), default=list, blank=True)
    import_run = models.ForeignKey(
        "seizures.ImportRun",
        verbose_name=_("imported from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="seizures",
    )
    import_line = models.PositiveIntegerField(
        _("line in the imported file"), null=True, blank=True, editable=False
    )
    # SHA-256 of the unit and the record as stored (see imports/fingerprint.py): the same
    # record imported twice into one unit is refused by the database, not only by the code.
    import_fingerprint = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("seizure")
        verbose_name_plural = _("seizures")
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="seizure_recent"),
            models.Index(fields=["unit", "-occurred_at"], name="seizure_unit_recent"),
            models.Index(fields=["bill_of_lading"], name="seizure_bol"),
            models.Index(fields=["vessel_name"], name="seizure_vessel"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "import_fingerprint"],
                condition=models.Q(import_fingerprint__isnull=False),
                name="seizure_imported_once_per_unit",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs):
        self.occurred_on = local_date(self.occurred_at, self.port.timezone)
        fields = kwargs.get("update_fields")
        if fields is not None and {"occurred_at", "port", "port_id"} & set(fields):
            kwargs["update_fields"] = {*fields, "occurred_on"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.occurred_at and self.occurred_at > timezone.now() + timezone.timedelta(minutes=5):
            errors["occurred_at"] = _("A seizure cannot be dated in the future.")
        elif self.occurred_at and self.occurred_at < EARLIEST_SEIZURE:
            errors["occurred_at"] = _("A seizure dated before 1970 is surely a typing error.")
        if self.imo_number:
            self.imo_number = normalise_imo_number(self.imo_number)
        if errors:
            raise ValidationError(errors)

    @property
    def local_occurred_at(self):
        from zoneinfo import ZoneInfo

        return timezone.localtime(self.occurred_at, ZoneInfo(self.port.timezone))

    @transition(field=status, source=SeizureStatus.DRAFT, target=SeizureStatus.SUBMITTED)
    def submit(self) -> None:
        self.submitted_at = timezone.now()


class SeizureUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Seizure, on_delete=models.CASCADE)


class SeizureGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Seizure, on_delete=models.CASCADE)


class HandledPiece(models.Model):
    """A piece of a seizure that its contributing agency restricts: who added it, for which
    agency, and how far it may travel (see HandlingCode)."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("contributing agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handling_code = models.PositiveSmallIntegerField(
        _("handling code"), choices=HandlingCode.choices, default=HandlingCode.H1
    )

    class Meta:
        abstract = True


class SeizureShare(models.Model):
    """Another unit may see a seizure, at a handling level (H1 domestic, H2 abroad, H3 court).

    Granting and revoking go through ``seizures.sharing``; a revoked share stays as a record
    of who saw what and when.
    """

    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="shares")
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    handling_level = models.PositiveSmallIntegerField(
        _("handling level"),
        choices=[(c.value, c.label) for c in HandlingCode if c != HandlingCode.H0],
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    shared_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["shared_at", "id"]
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        constraints = [
            models.UniqueConstraint(
                fields=["seizure", "unit"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_share_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.seizure_id} → {self.unit_id} (H{self.handling_level})"


class Note(HandledPiece):
    """A free-text observation on a seizure (a tip, an interview, an analyst's remark)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"), max_length=10_000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return self.text[:60]


class Container(models.Model):
    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="containers")
    number = models.CharField(
        _("container number"), max_length=11, validators=[validate_container_number]
    )
    seal_numbers = models.CharField(
        _("seal numbers"), max_length=200, blank=True, help_text=_("Separate several with commas.")
    )
    size_type = models.CharField(
        _("size and type"), max_length=4, blank=True, help_text=_("e.g. 45G1")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("container")
        verbose_name_plural = _("containers")
        indexes = [models.Index(fields=["number"], name="container_number")]
        constraints = [
            models.UniqueConstraint(fields=["seizure", "number"], name="container_once_per_seizure")
        ]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        self.number = normalise_container_number(self.number)


class PortCall(models.Model):
    """One stop on the route, in order; the leg distance is from the previous stop."""

    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="port_calls")
    sequence = models.PositiveSmallIntegerField(_("order"))
    role = models.CharField(_("role"), max_length=20, choices=PortCallRole.choices)
    port = models.ForeignKey(
        Port, verbose_name=_("port"), on_delete=models.PROTECT, related_name="+"
    )
    leg_distance_km = models.FloatField(
        _("leg distance (km)"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("port call")
        verbose_name_plural = _("port calls")
        constraints = [
            models.UniqueConstraint(fields=["seizure", "sequence"], name="port_call_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.sequence}. {self.port_id} ({self.role})"


class Party(HandledPiece):
    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    kind = models.CharField(_("person or company"), max_length=10, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    country = CountryField(_("country"), blank=True)
    identifiers = models.CharField(
        _("identifiers"),
        max_length=300,
        blank=True,
        help_text=_("Passport, ID card, company registration or tax numbers."),
    )
    phone_numbers = models.CharField(_("phone numbers"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


class SeizedItem(models.Model):
    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="items")
    category = models.CharField(_("commodity"), max_length=20, choices=CommodityCategory.choices)
    substance = models.CharField(
        _("substance"), max_length=20, choices=Substance.choices, blank=True
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(0)],
    )
    quantity_unit = models.CharField(_("unit"), max_length=10, choices=QuantityUnit.choices)
    estimated_value = models.DecimalField(
        _("estimated value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO 4217, e.g. USD")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("seized item")
        verbose_name_plural = _("seized items")

    def __str__(self) -> str:
        return f"{self.quantity} {self.quantity_unit} {self.substance or self.category}"

    def clean(self) -> None:
        errors = {}
        if self.quantity is not None and self.quantity <= 0:
            errors["quantity"] = _("The quantity must be more than zero.")
        if self.substance and SUBSTANCE_CATEGORY.get(self.substance) != self.category:
            errors["substance"] = _("This substance does not belong to the chosen commodity.")
        if (
            self.category in (CommodityCategory.DRUGS, CommodityCategory.PRECURSORS)
            and not self.substance
        ):
            errors["substance"] = _("Name the substance for drugs and precursors.")
        if (
            self.quantity_unit
            and self.category
            and self.quantity_unit not in allowed_units(self.category, self.substance)
        ):
            errors["quantity_unit"] = _("%(unit)s is not a unit that fits %(what)s.") % {
                "unit": self.get_quantity_unit_display(),
                "what": self.get_substance_display()
                if self.substance
                else self.get_category_display(),
            }
        self.currency = (self.currency or "").strip().upper()
        if self.currency and not is_currency(self.currency):
            errors["currency"] = _("Use the three-letter ISO 4217 code, e.g. USD or EUR.")
        needs_currency = (
            self.estimated_value is not None or self.quantity_unit == QuantityUnit.CURRENCY
        )
        if needs_currency and not self.currency:
            errors["currency"] = _("Give the currency of the amount.")
        if errors:
            raise ValidationError(errors)


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")


def attachment_path(instance, filename: str) -> str:
    # The stored name is a fresh UUID: the uploader's file name never reaches the disk.
    return f"attachments/{instance.seizure.public_id}/{uuid.uuid4().hex}"


class Attachment(HandledPiece):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    thumbnail = models.FileField(upload_to="thumbnails/", blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


# The import runs live with the importer; imported here so Django registers the models.
from .imports.models import ImportIssue, ImportRun  # noqa: E402, F401
