from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .choices import AgencyKind, Role, UnitKind

locode_validator = RegexValidator(
    r"^[A-Z]{2}[A-Z2-9]{3}$",
    _("A UN/LOCODE is two letters of country and three letters or digits 2-9, e.g. ECGYE."),
)


class Port(models.Model):
    """A UN/LOCODE-coded place from the shipped gazetteer."""

    locode = models.CharField(
        _("UN/LOCODE"), max_length=5, primary_key=True, validators=[locode_validator]
    )
    name = models.CharField(_("name"), max_length=120)
    country = CountryField(_("country"))
    subdivision = models.CharField(_("province or state"), max_length=120, blank=True)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    timezone = models.CharField(_("time zone"), max_length=64)
    aliases = models.JSONField(_("other names"), default=list, blank=True)

    class Meta:
        ordering = ["locode"]
        verbose_name = _("port")
        verbose_name_plural = _("ports")
        indexes = [models.Index(fields=["country", "name"])]

    def __str__(self) -> str:
        return f"{self.locode} {self.name}"

    def clean(self) -> None:
        if self.locode and self.country and self.locode[:2] != str(self.country.code):
            raise ValidationError(
                {"locode": _("The first two letters of a UN/LOCODE are its country code.")}
            )

    @property
    def point(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    country = CountryField(_("country"))

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "name"], name="agency_unique_name_per_country"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})"


class Unit(models.Model):
    """A team users belong to: a port control unit, an investigating unit, an NCB, a lab…

    Each unit owns one django-guardian group; object permissions are granted to that group,
    so whoever joins the unit sees what the unit may see.
    """

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z0-9]+(-[A-Z0-9]+)*$", _("Capitals, digits and dashes only."))
        ],
        help_text=_("Prefix of the unit's reference numbers, e.g. ECGYE-PCU."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    country = CountryField(_("country"))
    port = models.ForeignKey(
        Port,
        verbose_name=_("port"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
    )
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("member agencies"), blank=True, related_name="units"
    )
    email = models.EmailField(_("contact e-mail"), blank=True)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="unit", editable=False
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        if not self.group_id:
            self.group, _created = Group.objects.get_or_create(name=f"unit:{self.code}")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.kind in UnitKind.control_units() and not self.port_id:
            raise ValidationError({"port": _("A control unit works at a port: choose it.")})
        if self.port_id and self.country and self.port.country != self.country:
            raise ValidationError({"port": _("The port must lie in the unit's country.")})


class User(AbstractUser):
    """Every person belongs to one unit and acts in one role there."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def clean(self) -> None:
        super().clean()
        if not self.is_superuser and not self.unit_id:
            raise ValidationError({"unit": _("Every user belongs to a unit.")})
