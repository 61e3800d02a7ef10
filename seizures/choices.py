from django.db import models
from django.utils.translation import gettext_lazy as _


class SeizureStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class DetectionMethod(models.TextChoices):
    RISK_PROFILING = "profiling", _("Risk profiling")
    SCANNER = "scanner", _("Scanner / X-ray")
    DOG = "dog", _("Detector dog")
    TIP_OFF = "tip_off", _("Tip-off")
    RANDOM = "random", _("Random check")
    OTHER = "other", _("Other")
    # Historic records (seizures/imports) that do not say how the goods were found.
    UNKNOWN = "unknown", _("Unknown (historic record)")


class ConcealmentMethod(models.TextChoices):
    RIP_ON_RIP_OFF = "rip_on", _("Rip-on/rip-off (in a legitimate load, near the doors)")
    WITHIN_GOODS = "in_goods", _("Mixed into or inside the declared goods")
    CONTAINER_STRUCTURE = "structure", _("In the container's structure (walls, floor, roof)")
    REEFER_UNIT = "reefer", _("In the refrigeration unit")
    FALSE_COMPARTMENT = "false_comp", _("False compartment")
    DISSOLVED = "dissolved", _("Dissolved or impregnated")
    PACKAGING = "packaging", _("In the packaging")
    ON_PERSON = "person", _("On a person or in luggage")
    VESSEL = "vessel", _("In the vessel (hull, tanks, cabins)")
    NONE = "none", _("Not concealed")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown (historic record)")


class TransportMode(models.TextChoices):
    """How the goods travelled; recorded by historic imports (IDS "TRANSPORT")."""

    SEA = "sea", _("Sea")
    AIR = "air", _("Air")
    ROAD = "road", _("Road")
    RAIL = "rail", _("Rail")
    POSTAL = "postal", _("Post or courier")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class RouteCountryRole(models.TextChoices):
    """A country on the route, when the record names countries rather than ports."""

    PRODUCING = "producing", _("Producing country")
    DEPARTURE = "departure", _("Country of departure")
    TRANSIT = "transit", _("Transit country")
    DESTINATION = "destination", _("Country of destination")


class PortCallRole(models.TextChoices):
    LOADING = "loading", _("Port of loading")
    TRANSHIPMENT = "transhipment", _("Transhipment")
    DISCHARGE = "discharge", _("Port of discharge")
    FINAL_DESTINATION = "destination", _("Final destination")


class PartyRole(models.TextChoices):
    SHIPPER = "shipper", _("Shipper")
    CONSIGNEE = "consignee", _("Consignee")
    NOTIFY = "notify", _("Notify party")
    FORWARDER = "forwarder", _("Freight forwarder")
    DRIVER = "driver", _("Driver")
    ARRESTED = "arrested", _("Person arrested at the scene")


class PartyKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class CommodityCategory(models.TextChoices):
    DRUGS = "drugs", _("Drugs")
    PRECURSORS = "precursors", _("Precursor chemicals")
    COUNTERFEIT = "counterfeit", _("Counterfeit goods")
    WILDLIFE = "wildlife", _("Protected wildlife")
    TOXIC_WASTE = "toxic_waste", _("Toxic waste")
    FIREARMS = "firearms", _("Firearms and ammunition")
    CASH = "cash", _("Cash")
    CIGARETTES = "cigarettes", _("Cigarettes and tobacco")
    OTHER = "other", _("Other")


class QuantityUnit(models.TextChoices):
    KILOGRAM = "kg", _("kilograms")
    GRAM = "g", _("grams")
    TONNE = "t", _("tonnes")
    LITRE = "l", _("litres")
    MILLILITRE = "ml", _("millilitres")
    TABLET = "tablet", _("tablets")
    PIECE = "piece", _("pieces")
    STICK = "stick", _("cigarette sticks")
    CURRENCY = "currency", _("amount of money")


MASS = {QuantityUnit.KILOGRAM, QuantityUnit.GRAM, QuantityUnit.TONNE}
VOLUME = {QuantityUnit.LITRE, QuantityUnit.MILLILITRE}


class Substance(models.TextChoices):
    COCAINE = "cocaine", _("Cocaine")
    COCAINE_BASE = "cocaine_base", _("Cocaine base / paste")
    HEROIN = "heroin", _("Heroin")
    OPIUM = "opium", _("Opium")
    CANNABIS_HERB = "cannabis_herb", _("Cannabis herb")
    CANNABIS_RESIN = "cannabis_resin", _("Cannabis resin")
    METHAMPHETAMINE = "methamphetamine", _("Methamphetamine")
    AMPHETAMINE = "amphetamine", _("Amphetamine")
    CAPTAGON = "captagon", _("Captagon")
    MDMA = "mdma", _("MDMA (ecstasy)")
    FENTANYL = "fentanyl", _("Fentanyl and analogues")
    TRAMADOL = "tramadol", _("Tramadol")
    KETAMINE = "ketamine", _("Ketamine")
    KHAT = "khat", _("Khat")
    OTHER_DRUG = "other_drug", _("Other drug")
    ACETIC_ANHYDRIDE = "acetic_anhydride", _("Acetic anhydride")
    EPHEDRINE = "ephedrine", _("Ephedrine / pseudoephedrine")
    P2P = "p2p", _("P-2-P (phenylacetone)")
    PMK = "pmk", _("PMK glycidate")
    POTASSIUM_PERMANGANATE = "kmno4", _("Potassium permanganate")
    OTHER_PRECURSOR = "other_precursor", _("Other precursor")
    NOT_APPLICABLE = "", _("(not a drug or precursor)")


# What each substance may be measured in. A tablet count makes sense for captagon, not for
# cocaine; precursors come as solids or liquids. Anything outside these sets is refused.
SUBSTANCE_CATEGORY: dict[str, str] = {
    **dict.fromkeys(
        (
            Substance.COCAINE,
            Substance.COCAINE_BASE,
            Substance.HEROIN,
            Substance.OPIUM,
            Substance.CANNABIS_HERB,
            Substance.CANNABIS_RESIN,
            Substance.METHAMPHETAMINE,
            Substance.AMPHETAMINE,
            Substance.CAPTAGON,
            Substance.MDMA,
            Substance.FENTANYL,
            Substance.TRAMADOL,
            Substance.KETAMINE,
            Substance.KHAT,
            Substance.OTHER_DRUG,
        ),
        CommodityCategory.DRUGS,
    ),
    **dict.fromkeys(
        (
            Substance.ACETIC_ANHYDRIDE,
            Substance.EPHEDRINE,
            Substance.P2P,
            Substance.PMK,
            Substance.POTASSIUM_PERMANGANATE,
            Substance.OTHER_PRECURSOR,
        ),
        CommodityCategory.PRECURSORS,
    ),
}

TABLET_SUBSTANCES = {
    Substance.CAPTAGON,
    Substance.MDMA,
    Substance.TRAMADOL,
    Substance.AMPHETAMINE,
    Substance.METHAMPHETAMINE,
    Substance.FENTANYL,
    Substance.OTHER_DRUG,
    Substance.EPHEDRINE,
}

CATEGORY_UNITS: dict[str, set[str]] = {
    CommodityCategory.DRUGS: MASS | VOLUME,
    CommodityCategory.PRECURSORS: MASS | VOLUME,
    CommodityCategory.COUNTERFEIT: MASS | {QuantityUnit.PIECE},
    CommodityCategory.WILDLIFE: MASS | {QuantityUnit.PIECE},
    CommodityCategory.TOXIC_WASTE: MASS | VOLUME,
    CommodityCategory.FIREARMS: {QuantityUnit.PIECE},
    CommodityCategory.CASH: {QuantityUnit.CURRENCY},
    CommodityCategory.CIGARETTES: {QuantityUnit.STICK, QuantityUnit.PIECE} | MASS,
    CommodityCategory.OTHER: MASS | VOLUME | {QuantityUnit.PIECE},
}


def allowed_units(category: str, substance: str) -> set[str]:
    units = set(CATEGORY_UNITS.get(category, set()))
    if substance in TABLET_SUBSTANCES:
        units.add(QuantityUnit.TABLET)
    return units
