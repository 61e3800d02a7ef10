"""The words historic files use, mapped to the app's codes.

Names are compared folded (case, accents and punctuation ignored, see geocoder.fold), so
"Côte d'Ivoire", "COTE D IVOIRE" and "cote-d'ivoire" are one name.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache, lru_cache

from django.utils import translation
from django_countries import countries
from django_countries.base import CountriesBase
from django_countries.data import COUNTRIES

from casetracker.core.geocoder import fold as _fold_uncached
from seizures.choices import (
    CommodityCategory,
    ConcealmentMethod,
    DetectionMethod,
    QuantityUnit,
    Substance,
    TransportMode,
)

# Files repeat the same few hundred names hundreds of thousands of times: every look-up
# here is memoised (bounded, so memory stays flat whatever the file).
fold = lru_cache(maxsize=16384)(_fold_uncached)

# Cells that say "we do not know": stored as unknown (or empty), never guessed.
UNKNOWN_WORDS = frozenset(
    {"", "unknown", "unk", "n a", "na", "not known", "not available", "none given", "-", "?"}
)


@lru_cache(maxsize=8192)
def is_unknown(value: str) -> bool:
    return fold(value) in UNKNOWN_WORDS or value.strip() in ("-", "?")


# --- countries ---------------------------------------------------------------------------

# Names UN and UNODC tables use that django-countries does not know under that spelling.
COUNTRY_ALIASES = {
    "Netherlands (Kingdom of the)": "NL",
    "Holland": "NL",
    "Bolivia (Plurinational State of)": "BO",
    "Venezuela (Bolivarian Republic of)": "VE",
    "Iran (Islamic Republic of)": "IR",
    "Turkey": "TR",
    "Türkiye": "TR",
    "Ivory Coast": "CI",
    "Cote d'Ivoire": "CI",
    "United States": "US",
    "USA": "US",
    "U.S.A.": "US",
    "United States of America": "US",
    "United Kingdom of Great Britain and Northern Ireland": "GB",
    "UK": "GB",
    "Great Britain": "GB",
    "England": "GB",
    "Russian Federation": "RU",
    "Republic of Korea": "KR",
    "Korea, Republic of": "KR",
    "Democratic People's Republic of Korea": "KP",
    "Republic of Moldova": "MD",
    "United Republic of Tanzania": "TZ",
    "Syrian Arab Republic": "SY",
    "Viet Nam": "VN",
    "Lao People's Democratic Republic": "LA",
    "Democratic Republic of the Congo": "CD",
    "Congo, Democratic Republic of the": "CD",
    "Republic of the Congo": "CG",
    "Czech Republic": "CZ",
    "The former Yugoslav Republic of Macedonia": "MK",
    "Macedonia": "MK",
    "China, Hong Kong SAR": "HK",
    "Hong Kong SAR": "HK",
    "China, Macao SAR": "MO",
    "Taiwan Province of China": "TW",
    "State of Palestine": "PS",
    "Micronesia (Federated States of)": "FM",
    "Swaziland": "SZ",
    "Cape Verde": "CV",
    "Brunei Darussalam": "BN",
    "Curacao": "CW",
    "Kosovo": "XK",
}


@cache
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    with translation.override("en"):
        for code, name in COUNTRIES.items():
            index[fold(str(name))] = code
        for code, name in CountriesBase.COMMON_NAMES.items():
            index[fold(str(name))] = code
        for code, names in CountriesBase.OLD_NAMES.items():
            for name in names:
                index[fold(str(name))] = code
        for code, _name in countries:
            index[code.lower()] = code
            alpha3 = countries.alpha3(code)
            if alpha3:
                index[alpha3.lower()] = code
    for name, code in COUNTRY_ALIASES.items():
        index[fold(name)] = code
    return index


@lru_cache(maxsize=8192)
def country_code(value: str) -> str | None:
    """ISO 3166 alpha-2 for an English name, a UN name or an ISO code; None if unknown."""
    key = fold(value)
    if not key:
        return None
    index = _country_index()
    if key in index:
        return index[key]
    # "Bolivia (Plurinational State of)": the name before the bracket usually suffices.
    bare = fold(re.sub(r"\(.*?\)", " ", value))
    return index.get(bare)


# --- drugs -------------------------------------------------------------------------------

# First match wins: the more specific words come first (methamphetamine before
# amphetamine, cocaine base before cocaine).
_DRUG_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"\b(cocaine base|coca paste|cocaine paste|crack|basuco|pasta base)\b",
        Substance.COCAINE_BASE,
    ),
    (r"\b(cocaine|coke)\b", Substance.COCAINE),
    (r"\b(heroin|heroine|diamorphine)\b", Substance.HEROIN),
    (r"\bopium\b", Substance.OPIUM),
    (r"\b(resin|hashish|hash|charas)\b", Substance.CANNABIS_RESIN),
    (
        r"\b(cannabis|marijuana|marihuana|ganja|herbal cannabis|kif|cannabis herb)\b",
        Substance.CANNABIS_HERB,
    ),
    (
        r"\b(methamphetamine|metamfetamine|methamfetamine|crystal meth|ice|yaba|shabu)\b",
        Substance.METHAMPHETAMINE,
    ),
    (r"\b(captagon|fenetylline|fenethylline)\b", Substance.CAPTAGON),
    (r"\b(amphetamine|amfetamine|speed)\b", Substance.AMPHETAMINE),
    (r"\b(ecstasy|mdma|xtc)\b", Substance.MDMA),
    (r"\bfentanyl|carfentanil|\w*fentanil\b", Substance.FENTANYL),
    (r"\btramadol\b", Substance.TRAMADOL),
    (r"\bketamine\b", Substance.KETAMINE),
    (r"\b(khat|qat|catha edulis)\b", Substance.KHAT),
    (r"\bacetic anhydride\b", Substance.ACETIC_ANHYDRIDE),
    (r"\b(pseudoephedrine|ephedrine)\b", Substance.EPHEDRINE),
    (r"\b(p 2 p|p2p|phenylacetone|bmk)\b", Substance.P2P),
    (r"\b(pmk|piperonyl methyl ketone)\b", Substance.PMK),
    (r"\bpermanganate\b", Substance.POTASSIUM_PERMANGANATE),
)
_DRUG_RES = tuple((re.compile(p), s) for p, s in _DRUG_PATTERNS)
_CODES = {s.value: s.value for s in Substance if s.value}


@lru_cache(maxsize=8192)
def substance_of(name: str) -> str | None:
    """The substance a free-text drug name means ("Cocaine hydrochloride" → cocaine), a
    substance code as is, or None when the name is not one we recognise."""
    key = fold(name)
    if key.replace(" ", "_") in _CODES:
        return key.replace(" ", "_")
    for pattern, substance in _DRUG_RES:
        if pattern.search(key):
            return substance
    return None


# --- units -------------------------------------------------------------------------------

COUNT = "count"  # tablets for substances sold as tablets, pieces for goods
_UNITS: dict[str, tuple[str, Decimal]] = {}
for _words, _unit, _factor in (
    ("g gr gram grams gramme grammes grs", QuantityUnit.GRAM, "1"),
    ("mg milligram milligrams milligramme", QuantityUnit.GRAM, "0.001"),
    ("kg kgs kilo kilos kilogram kilograms kilogramme kilogrammes", QuantityUnit.KILOGRAM, "1"),
    ("t ton tons tonne tonnes metric ton metric tons mt", QuantityUnit.TONNE, "1"),
    ("lb lbs pound pounds", QuantityUnit.KILOGRAM, "0.45359237"),
    ("oz ounce ounces", QuantityUnit.GRAM, "28.349523125"),
    ("l lt ltr litre litres liter liters", QuantityUnit.LITRE, "1"),
    ("ml millilitre millilitres milliliter milliliters cc cm3", QuantityUnit.MILLILITRE, "1"),
    ("tablet tablets tab tabs pill pills capsule capsules", QuantityUnit.TABLET, "1"),
    (
        "unit units dose doses piece pieces pcs item items blotter blotters ampoule ampoules "
        "vial vials plant plants seedling seedlings",
        COUNT,
        "1",
    ),
    ("stick sticks cigarette cigarettes", QuantityUnit.STICK, "1"),
    ("currency money", QuantityUnit.CURRENCY, "1"),
):
    for _word in _words.split():
        _UNITS[_word] = (_unit, Decimal(_factor))
for _multi in ("metric ton", "metric tons"):
    _UNITS[_multi] = (QuantityUnit.TONNE, Decimal("1"))
for _code in QuantityUnit:
    _UNITS.setdefault(_code.value, (_code.value, Decimal("1")))


@lru_cache(maxsize=8192)
def unit_of(value: str) -> tuple[str, Decimal] | None:
    """(app unit or COUNT, factor to multiply the amount by); None if unknown."""
    return _UNITS.get(fold(value))


# --- transport, concealment, detection ------------------------------------------------

_TRANSPORT = (
    (
        r"\b(sea|maritime|vessel|ship|boat|container|containers|ferry|yacht|port)\b",
        TransportMode.SEA,
    ),
    (r"\b(air|airport|aircraft|plane|airplane|flight|airline|air cargo)\b", TransportMode.AIR),
    (r"\b(road|car|truck|lorry|bus|vehicle|van|motorcycle|land)\b", TransportMode.ROAD),
    (r"\b(rail|railway|train)\b", TransportMode.RAIL),
    (r"\b(mail|post|postal|parcel|courier|express)\b", TransportMode.POSTAL),
)
_TRANSPORT_RES = tuple((re.compile(p), m) for p, m in _TRANSPORT)


@lru_cache(maxsize=8192)
def transport_of(value: str) -> str:
    if is_unknown(value):
        return TransportMode.UNKNOWN
    key = fold(value)
    if key in TransportMode.values:
        return key
    for pattern, mode in _TRANSPORT_RES:
        if pattern.search(key):
            return mode
    return TransportMode.OTHER


_CONCEALMENT = (
    (r"\b(rip on|rip off|near the doors?)\b", ConcealmentMethod.RIP_ON_RIP_OFF),
    (
        r"\b(false|double|hidden compartment|secret compartment)\b",
        ConcealmentMethod.FALSE_COMPARTMENT,
    ),
    (r"\b(reefer|refrigerat\w*|cooling unit)\b", ConcealmentMethod.REEFER_UNIT),
    (
        r"\b(container (wall|walls|floor|roof|structure|frame)|structure)\b",
        ConcealmentMethod.CONTAINER_STRUCTURE,
    ),
    (r"\b(dissolved|impregnated|liquid form|soaked)\b", ConcealmentMethod.DISSOLVED),
    (
        r"\b(body|person|luggage|baggage|suitcase|clothing|clothes|swallowed|internal|"
        r"shoes|bag|handbag|backpack|in pocket)\b",
        ConcealmentMethod.ON_PERSON,
    ),
    (
        r"\b(hull|vessel|ship|boat|tank|tanks|cabin|engine room|sea chest)\b",
        ConcealmentMethod.VESSEL,
    ),
    (
        r"\b(cargo|goods|merchandise|shipment|consignment|fruit|bananas?|coffee|among)\b",
        ConcealmentMethod.WITHIN_GOODS,
    ),
    (r"\b(packag\w*|box|boxes|parcel|carton|wrapp\w*)\b", ConcealmentMethod.PACKAGING),
    (r"\b(not concealed|no concealment|open|unconcealed)\b", ConcealmentMethod.NONE),
)
_CONCEALMENT_RES = tuple((re.compile(p), m) for p, m in _CONCEALMENT)


@lru_cache(maxsize=8192)
def concealment_of(value: str) -> str:
    if is_unknown(value):
        return ConcealmentMethod.UNKNOWN
    key = fold(value)
    if key.replace(" ", "_") in ConcealmentMethod.values:
        return key.replace(" ", "_")
    for pattern, method in _CONCEALMENT_RES:
        if pattern.search(key):
            return method
    return ConcealmentMethod.OTHER


@lru_cache(maxsize=8192)
def detection_of(value: str) -> str | None:
    """A detection method code; unknown when empty; None when the code is not one of ours."""
    if is_unknown(value):
        return DetectionMethod.UNKNOWN
    key = fold(value).replace(" ", "_")
    return key if key in DetectionMethod.values else None


@lru_cache(maxsize=8192)
def category_of(value: str) -> str | None:
    key = fold(value).replace(" ", "_")
    return key if key in CommodityCategory.values else None
