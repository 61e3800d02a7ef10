"""The demo world as data: organisations, people, shipping lines and trafficking routes.

Agencies are real public bodies (their names help a visitor recognise the set-up); every
company, person, vessel name and number is made up. Routes follow the flows described in
UNODC's world drug and container programme reports: cocaine from the Pacific coast of
South America to Europe and West Africa, heroin along the southern route through Gulf and
Indian Ocean ports, captagon out of the eastern Mediterranean, precursors and counterfeit
goods from Chinese ports, wildlife from West Africa to Asia, e-waste into West Africa.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from casetracker.core.choices import AgencyKind, Role, UnitKind

from .choices import CommodityCategory as C
from .choices import ConcealmentMethod as H
from .choices import DetectionMethod as D
from .choices import PortCallRole
from .choices import QuantityUnit as Q
from .choices import Substance as S

# One password for every demo user, printed by seed_demo and listed in the README. It
# passes the password validators (12+ characters, not common, not numeric).
DEMO_PASSWORD = "Harbour-Lantern-47"  # noqa: S105 (documented demo password)

AGENCIES: dict[str, list[tuple[str, str]]] = {
    "EC": [
        ("Servicio Nacional de Aduana del Ecuador", AgencyKind.CUSTOMS),
        ("Policía Nacional – Antinarcóticos", AgencyKind.POLICE),
        ("Armada del Ecuador", AgencyKind.NAVY),
        ("Fiscalía General del Estado", AgencyKind.PROSECUTION),
    ],
    "BE": [
        ("Algemene Administratie van de Douane en Accijnzen", AgencyKind.CUSTOMS),
        ("Federale Gerechtelijke Politie Antwerpen", AgencyKind.POLICE),
        ("Scheepvaartpolitie", AgencyKind.POLICE),
        ("Nationaal Instituut voor Criminalistiek en Criminologie", AgencyKind.FORENSIC),
    ],
    "GH": [
        ("Ghana Revenue Authority – Customs Division", AgencyKind.CUSTOMS),
        ("Narcotics Control Commission", AgencyKind.DRUG_CONTROL),
        ("Ghana Police Service", AgencyKind.POLICE),
        ("Ghana Navy", AgencyKind.NAVY),
        ("Financial Intelligence Centre", AgencyKind.FIU),
    ],
    "AT": [("UNODC Independent Evaluation Section", AgencyKind.OTHER)],
}


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    kind: str
    country: str
    port: str | None = None
    agencies: tuple[str, ...] = ()


UNITS: tuple[DemoUnit, ...] = (
    DemoUnit(
        "ECGYE-PCU",
        "Unidad de Control Portuario Guayaquil",
        UnitKind.PORT_CONTROL,
        "EC",
        "ECGYE",
        (
            "Servicio Nacional de Aduana del Ecuador",
            "Policía Nacional – Antinarcóticos",
            "Armada del Ecuador",
        ),
    ),
    DemoUnit(
        "BEANR-PCU",
        "Port Control Unit Antwerp",
        UnitKind.PORT_CONTROL,
        "BE",
        "BEANR",
        (
            "Algemene Administratie van de Douane en Accijnzen",
            "Federale Gerechtelijke Politie Antwerpen",
            "Scheepvaartpolitie",
        ),
    ),
    DemoUnit(
        "GHTEM-PCU",
        "Port Control Unit Tema",
        UnitKind.PORT_CONTROL,
        "GH",
        "GHTEM",
        (
            "Ghana Revenue Authority – Customs Division",
            "Narcotics Control Commission",
            "Ghana Police Service",
            "Ghana Navy",
        ),
    ),
    DemoUnit(
        "EC-INV",
        "Dirección Nacional de Investigación Antidrogas",
        UnitKind.INVESTIGATING,
        "EC",
        agencies=("Policía Nacional – Antinarcóticos",),
    ),
    DemoUnit(
        "BE-INV",
        "Federal Judicial Police Antwerp – Drugs Section",
        UnitKind.INVESTIGATING,
        "BE",
        agencies=("Federale Gerechtelijke Politie Antwerpen",),
    ),
    DemoUnit(
        "GH-INV",
        "Narcotics Control Commission – Investigations",
        UnitKind.INVESTIGATING,
        "GH",
        agencies=("Narcotics Control Commission",),
    ),
    DemoUnit("EC-NCB", "INTERPOL NCB Quito", UnitKind.NCB, "EC"),
    DemoUnit("BE-NCB", "INTERPOL NCB Brussels", UnitKind.NCB, "BE"),
    DemoUnit("GH-NCB", "INTERPOL NCB Accra", UnitKind.NCB, "GH"),
    DemoUnit(
        "EC-FGE",
        "Fiscalía Especializada en Delincuencia Organizada",
        UnitKind.PROSECUTION,
        "EC",
        agencies=("Fiscalía General del Estado",),
    ),
    DemoUnit(
        "GH-FIC",
        "Financial Intelligence Centre Ghana",
        UnitKind.FIU,
        "GH",
        agencies=("Financial Intelligence Centre",),
    ),
    DemoUnit(
        "BE-NICC",
        "NICC Drugs and Toxicology Laboratory",
        UnitKind.FORENSIC_LAB,
        "BE",
        agencies=("Nationaal Instituut voor Criminalistiek en Criminologie",),
    ),
    DemoUnit(
        "EVAL",
        "Programme Evaluation Team",
        UnitKind.EVALUATION,
        "AT",
        agencies=("UNODC Independent Evaluation Section",),
    ),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    unit: str | None
    first_name: str
    last_name: str


USERS: tuple[DemoUser, ...] = (
    DemoUser("gye.officer", Role.OFFICER, "ECGYE-PCU", "Andrea", "Zambrano"),
    DemoUser("gye.supervisor", Role.SUPERVISOR, "ECGYE-PCU", "Jorge", "Cedeño"),
    DemoUser("anr.officer", Role.OFFICER, "BEANR-PCU", "Sofie", "Janssens"),
    DemoUser("anr.supervisor", Role.SUPERVISOR, "BEANR-PCU", "Pieter", "Maes"),
    DemoUser("tem.officer", Role.OFFICER, "GHTEM-PCU", "Abena", "Owusu"),
    DemoUser("tem.supervisor", Role.SUPERVISOR, "GHTEM-PCU", "Kwame", "Boateng"),
    DemoUser("ec.investigator", Role.INVESTIGATOR, "EC-INV", "Luis", "Macías"),
    DemoUser("be.investigator", Role.INVESTIGATOR, "BE-INV", "Karim", "El Amrani"),
    DemoUser("gh.investigator", Role.INVESTIGATOR, "GH-INV", "Yaw", "Asante"),
    DemoUser("ec.ncb", Role.NCB_OFFICER, "EC-NCB", "María", "Vera"),
    DemoUser("be.ncb", Role.NCB_OFFICER, "BE-NCB", "Els", "Willems"),
    DemoUser("gh.ncb", Role.NCB_OFFICER, "GH-NCB", "Kofi", "Mensah"),
    DemoUser("ec.prosecutor", Role.INVESTIGATOR, "EC-FGE", "Carolina", "Mendoza"),
    DemoUser("gh.fiu", Role.INVESTIGATOR, "GH-FIC", "Ama", "Osei"),
    DemoUser("lab.custodian", Role.CUSTODIAN, "BE-NICC", "Bart", "Peeters"),
    DemoUser("lab.examiner", Role.EXAMINER, "BE-NICC", "Ines", "Claes"),
    DemoUser("eval.evaluator", Role.EVALUATOR, "EVAL", "Hannah", "Gruber"),
    # The administrator is a superuser and belongs to no unit.
    DemoUser("admin", Role.ADMINISTRATOR, None, "Demo", "Administrator"),
)

# How many of the demo's seizures each control unit logs.
UNIT_SHARE = {"BEANR-PCU": 45, "ECGYE-PCU": 35, "GHTEM-PCU": 20}

TERMINALS = {
    "ECGYE-PCU": ("Contecon Guayaquil", "DP World Posorja", "Naportec", "Andipuerto"),
    "BEANR-PCU": (
        "MSC PSA European Terminal",
        "Antwerp Gateway",
        "Noordzee Terminal",
        "Antwerp Euroterminal",
    ),
    "GHTEM-PCU": ("MPS Terminal 3", "Tema Container Terminal", "Tema Multipurpose Terminal"),
}


@dataclass(frozen=True)
class Carrier:
    owner_codes: tuple[str, ...]  # ISO 6346 owner prefixes (category letter included)
    bl_prefix: str
    vessels: tuple[str, ...]  # made-up vessel names


CARRIERS: dict[str, Carrier] = {
    "msc": Carrier(
        ("MSCU", "MEDU", "TGHU"),
        "MEDU",
        ("MSC Aurelia Bay", "MSC Lucerna", "MSC Palma Rosa", "MSC Tessaly", "MSC Gaia Norte"),
    ),
    "maersk": Carrier(
        ("MAEU", "MSKU", "MRKU"),
        "MAEU",
        ("Maersk Kolding Bay", "Maersk Sarnia", "Maersk Ilobu", "Maersk Esbjerg Star"),
    ),
    "cma": Carrier(
        ("CMAU", "CGMU", "ECMU"),
        "CMDU",
        ("CMA CGM Fidelio Star", "CMA CGM Tolosa", "CMA CGM Vasco Norte"),
    ),
    "hapag": Carrier(
        ("HLXU", "HLBU", "UACU"),
        "HLCU",
        ("Guayas Express", "Valparaiso Bridge", "Cartagena Star Express"),
    ),
    "cosco": Carrier(
        ("CSNU", "CCLU", "OOLU"),
        "COSU",
        ("COSCO Ningbo Star", "OOCL Jade River", "COSCO Pearl Harbourside"),
    ),
    "one": Carrier(("ONEU", "TCLU"), "ONEY", ("ONE Harmony Tide", "ONE Crane Bay")),
    "evergreen": Carrier(
        ("EGHU", "EMCU", "EISU"), "EGLV", ("Ever Laurel Gate", "Ever Tema Bright")
    ),
}


@dataclass(frozen=True)
class Load:
    """What a seizure on a route typically holds, and in what quantities."""

    category: str
    substance: str
    unit: str
    low: float
    high: float
    value_per_unit: Decimal | None  # in the seizing unit's currency
    description: str = ""


@dataclass(frozen=True)
class RouteTemplate:
    unit: str  # the seizing control unit
    weight: int
    route: tuple[tuple[str, str], ...]  # (role, UN/LOCODE), in order
    loads: tuple[Load, ...]  # one is chosen per seizure
    goods: tuple[tuple[str, str], ...]  # declared goods and their HS code
    concealments: tuple[str, ...]
    carriers: tuple[str, ...]
    size_types: tuple[str, ...] = ("40G1", "42G1", "45G1")
    detections: tuple[str, ...] = (D.RISK_PROFILING, D.SCANNER, D.DOG, D.TIP_OFF, D.RANDOM)
    arrest_rate: float = 0.25
    containers: tuple[int, int] = (1, 2)
    extras: tuple[Load, ...] = field(default=())


L, T, DIS, FIN = (
    PortCallRole.LOADING,
    PortCallRole.TRANSHIPMENT,
    PortCallRole.DISCHARGE,
    PortCallRole.FINAL_DESTINATION,
)

# Things found beside the main load: the tools of rip-on/rip-off teams.
TRACKERS = (
    Load(C.OTHER, "", Q.PIECE, 1, 3, Decimal("250"), "GPS tracker"),
    Load(C.OTHER, "", Q.PIECE, 1, 4, Decimal("400"), "Satellite phone"),
)

COCAINE_EC = Load(C.DRUGS, S.COCAINE, Q.KILOGRAM, 40, 1500, Decimal("3000"))
COCAINE_BE = Load(C.DRUGS, S.COCAINE, Q.KILOGRAM, 30, 4000, Decimal("32000"))
COCAINE_GH = Load(C.DRUGS, S.COCAINE, Q.KILOGRAM, 10, 800, Decimal("25000"))
HEROIN_BE = Load(C.DRUGS, S.HEROIN, Q.KILOGRAM, 10, 450, Decimal("22000"))
HEROIN_GH = Load(C.DRUGS, S.HEROIN, Q.KILOGRAM, 5, 250, Decimal("18000"))
REEFER = ("45R1", "42R1")
CASH_HIDES = (H.FALSE_COMPARTMENT, H.CONTAINER_STRUCTURE, H.WITHIN_GOODS)

ROUTES: tuple[RouteTemplate, ...] = (
    # Guayaquil: outbound cocaine, inbound precursors, counterfeits and guns.
    RouteTemplate(
        "ECGYE-PCU",
        30,
        ((L, "ECGYE"), (T, "PAMIT"), (DIS, "BEANR")),
        (COCAINE_EC,),
        (("Fresh bananas", "080390"),),
        (H.RIP_ON_RIP_OFF, H.WITHIN_GOODS, H.REEFER_UNIT),
        ("msc", "maersk", "hapag"),
        size_types=REEFER,
        extras=TRACKERS,
    ),
    RouteTemplate(
        "ECGYE-PCU",
        15,
        ((L, "ECGYE"), (T, "PAONX"), (DIS, "NLRTM")),
        (COCAINE_EC,),
        (("Frozen shrimp", "030617"),),
        (H.REEFER_UNIT, H.CONTAINER_STRUCTURE, H.RIP_ON_RIP_OFF),
        ("cma", "hapag"),
        size_types=REEFER,
        extras=TRACKERS,
    ),
    RouteTemplate(
        "ECGYE-PCU",
        10,
        ((L, "ECGYE"), (T, "PAMIT"), (T, "ESALG"), (DIS, "ITGIT")),
        (COCAINE_EC,),
        (("Canned tuna", "160414"),),
        (H.WITHIN_GOODS, H.FALSE_COMPARTMENT),
        ("msc",),
    ),
    RouteTemplate(
        "ECGYE-PCU",
        8,
        ((L, "ECGYE"), (T, "PAMIT"), (DIS, "GHTEM")),
        (COCAINE_EC,),
        (("Balsa wood", "440722"),),
        (H.WITHIN_GOODS, H.CONTAINER_STRUCTURE),
        ("msc", "maersk"),
    ),
    RouteTemplate(
        "ECGYE-PCU",
        10,
        ((L, "CNSHA"), (T, "PABLB"), (DIS, "ECGYE")),
        (Load(C.PRECURSORS, S.POTASSIUM_PERMANGANATE, Q.KILOGRAM, 200, 8000, Decimal("15")),),
        (("Water treatment chemicals", "284161"),),
        (H.WITHIN_GOODS, H.PACKAGING),
        ("cosco", "one"),
        detections=(D.RISK_PROFILING, D.RANDOM, D.TIP_OFF),
        arrest_rate=0.1,
    ),
    RouteTemplate(
        "ECGYE-PCU",
        8,
        ((L, "CNNGB"), (T, "PABLB"), (DIS, "ECGYE")),
        (Load(C.COUNTERFEIT, "", Q.PIECE, 500, 20000, Decimal("12"), "Branded sports shoes"),),
        (("Footwear", "640411"), ("Textile fabric", "540752")),
        (H.WITHIN_GOODS, H.NONE),
        ("cosco", "evergreen"),
        detections=(D.RISK_PROFILING, D.RANDOM),
        arrest_rate=0.05,
    ),
    RouteTemplate(
        "ECGYE-PCU",
        5,
        ((L, "USNYC"), (T, "PAONX"), (DIS, "ECGYE")),
        (Load(C.FIREARMS, "", Q.PIECE, 5, 120, Decimal("800"), "Pistols and rifles"),),
        (("Used furniture", "940360"),),
        (H.FALSE_COMPARTMENT, H.WITHIN_GOODS),
        ("msc", "maersk"),
        detections=(D.SCANNER, D.TIP_OFF),
    ),
    # Antwerp: the cocaine gateway, plus heroin, captagon, precursors, fakes and cigarettes.
    RouteTemplate(
        "BEANR-PCU",
        25,
        ((L, "ECGYE"), (T, "PAMIT"), (DIS, "BEANR")),
        (COCAINE_BE,),
        (("Fresh bananas", "080390"),),
        (H.RIP_ON_RIP_OFF, H.WITHIN_GOODS, H.REEFER_UNIT),
        ("msc", "maersk", "hapag"),
        size_types=REEFER,
        extras=TRACKERS,
    ),
    RouteTemplate(
        "BEANR-PCU",
        10,
        ((L, "COCTG"), (DIS, "BEANR")),
        (COCAINE_BE,),
        (("Frozen fruit pulp", "081190"), ("Coal", "270112")),
        (H.WITHIN_GOODS, H.REEFER_UNIT, H.RIP_ON_RIP_OFF),
        ("msc", "cma"),
        size_types=REEFER,
        extras=TRACKERS,
    ),
    RouteTemplate(
        "BEANR-PCU",
        8,
        ((L, "BRSSZ"), (DIS, "BEANR")),
        (COCAINE_BE,),
        (("Green coffee beans", "090111"), ("Cane sugar", "170114")),
        (H.WITHIN_GOODS, H.RIP_ON_RIP_OFF),
        ("maersk", "hapag"),
    ),
    RouteTemplate(
        "BEANR-PCU",
        6,
        ((L, "PECLL"), (T, "PAMIT"), (DIS, "BEANR")),
        (COCAINE_BE,),
        (("Frozen fish", "030389"),),
        (H.REEFER_UNIT, H.CONTAINER_STRUCTURE),
        ("hapag", "msc"),
        size_types=REEFER,
    ),
    RouteTemplate(
        "BEANR-PCU",
        7,
        ((L, "IRBND"), (T, "AEJEA"), (DIS, "BEANR")),
        (HEROIN_BE,),
        (("Marble tiles", "680221"),),
        (H.FALSE_COMPARTMENT, H.WITHIN_GOODS),
        ("msc", "cma"),
    ),
    RouteTemplate(
        "BEANR-PCU",
        4,
        ((L, "PKKHI"), (T, "OMSLL"), (DIS, "BEANR")),
        (HEROIN_BE,),
        (("Basmati rice", "100630"), ("Cotton towels", "630260")),
        (H.WITHIN_GOODS, H.PACKAGING),
        ("maersk", "cma"),
    ),
    RouteTemplate(
        "BEANR-PCU",
        5,
        ((L, "SYLTK"), (T, "TRMER"), (T, "BEANR"), (DIS, "SAJED")),
        (Load(C.DRUGS, S.CAPTAGON, Q.TABLET, 50_000, 5_000_000, Decimal("2")),),
        (("Industrial machinery parts", "847990"),),
        (H.FALSE_COMPARTMENT, H.CONTAINER_STRUCTURE),
        ("cma", "msc"),
        detections=(D.SCANNER, D.RISK_PROFILING, D.TIP_OFF),
        arrest_rate=0.05,
    ),
    RouteTemplate(
        "BEANR-PCU",
        8,
        ((L, "CNSHA"), (DIS, "BEANR"), (FIN, "NLRTM")),
        (Load(C.PRECURSORS, S.PMK, Q.KILOGRAM, 100, 6000, Decimal("20")),),
        (("Polymer additive", "391190"),),
        (H.WITHIN_GOODS, H.NONE),
        ("cosco", "one", "evergreen"),
        detections=(D.RISK_PROFILING, D.RANDOM, D.TIP_OFF),
        arrest_rate=0.1,
    ),
    RouteTemplate(
        "BEANR-PCU",
        10,
        ((L, "CNNGB"), (T, "SGSIN"), (DIS, "BEANR")),
        (
            Load(C.COUNTERFEIT, "", Q.PIECE, 2000, 200000, Decimal("8"), "Toys"),
            Load(C.COUNTERFEIT, "", Q.PIECE, 1000, 50000, Decimal("15"), "Perfume"),
            Load(C.COUNTERFEIT, "", Q.PIECE, 500, 30000, Decimal("40"), "Handbags"),
        ),
        (("Toys", "950300"), ("Household goods", "392490"), ("Leather goods", "420221")),
        (H.WITHIN_GOODS, H.NONE, H.PACKAGING),
        ("cosco", "evergreen", "one", "maersk"),
        detections=(D.RISK_PROFILING, D.RANDOM),
        arrest_rate=0.03,
    ),
    RouteTemplate(
        "BEANR-PCU",
        8,
        ((L, "AEJEA"), (DIS, "BEANR")),
        (Load(C.CIGARETTES, "", Q.STICK, 1_000_000, 10_000_000, Decimal("0.30")),),
        (("Paper products", "482390"), ("Furniture", "940360")),
        (H.WITHIN_GOODS, H.RIP_ON_RIP_OFF),
        ("msc", "cma"),
        detections=(D.SCANNER, D.RISK_PROFILING),
        arrest_rate=0.1,
    ),
    RouteTemplate(
        "BEANR-PCU",
        5,
        ((L, "BEANR"), (T, "PAMIT"), (DIS, "ECGYE")),
        (Load(C.CASH, "", Q.CURRENCY, 200_000, 5_000_000, Decimal("1")),),
        (("Used machinery", "847989"),),
        CASH_HIDES,
        ("msc", "hapag"),
        detections=(D.TIP_OFF, D.SCANNER),
        containers=(1, 1),
    ),
    RouteTemplate(
        "BEANR-PCU",
        4,
        ((L, "BEANR"), (DIS, "GHTEM")),
        (Load(C.TOXIC_WASTE, "", Q.TONNE, 5, 25, None, "Broken refrigerators (CFC)"),),
        (("Used household appliances", "841821"),),
        (H.NONE,),
        ("maersk", "msc"),
        detections=(D.RISK_PROFILING, D.RANDOM),
        arrest_rate=0.0,
    ),
    # Tema: cocaine and heroin in transit, tramadol, fakes, wildlife out, e-waste in.
    RouteTemplate(
        "GHTEM-PCU",
        15,
        ((L, "BRSSZ"), (DIS, "GHTEM")),
        (COCAINE_GH,),
        (("Cane sugar", "170114"), ("Frozen chicken", "020714")),
        (H.WITHIN_GOODS, H.RIP_ON_RIP_OFF),
        ("msc", "maersk", "cma"),
        extras=TRACKERS,
    ),
    RouteTemplate(
        "GHTEM-PCU",
        8,
        ((L, "ECGYE"), (T, "PAMIT"), (DIS, "GHTEM")),
        (COCAINE_GH,),
        (("Canned tuna", "160414"),),
        (H.WITHIN_GOODS, H.CONTAINER_STRUCTURE),
        ("msc", "maersk"),
    ),
    RouteTemplate(
        "GHTEM-PCU",
        8,
        ((L, "PKKHI"), (T, "AEJEA"), (DIS, "GHTEM")),
        (HEROIN_GH,),
        (("Basmati rice", "100630"), ("Cotton fabric", "520812")),
        (H.WITHIN_GOODS, H.PACKAGING),
        ("cma", "maersk"),
    ),
    RouteTemplate(
        "GHTEM-PCU",
        4,
        ((L, "IRBND"), (T, "ZADUR"), (DIS, "GHTEM")),
        (HEROIN_GH,),
        (("Marble tiles", "680221"),),
        (H.FALSE_COMPARTMENT, H.WITHIN_GOODS),
        ("msc",),
    ),
    RouteTemplate(
        "GHTEM-PCU",
        15,
        ((L, "INNSA"), (T, "LKCMB"), (DIS, "GHTEM")),
        (Load(C.DRUGS, S.TRAMADOL, Q.TABLET, 100_000, 20_000_000, Decimal("0.10")),),
        (("Pharmaceutical products", "300490"),),
        (H.WITHIN_GOODS, H.PACKAGING, H.NONE),
        ("maersk", "one", "cma"),
        detections=(D.RISK_PROFILING, D.RANDOM, D.SCANNER),
        arrest_rate=0.15,
    ),
    RouteTemplate(
        "GHTEM-PCU",
        10,
        ((L, "CNNGB"), (T, "SGSIN"), (DIS, "GHTEM")),
        (
            Load(C.COUNTERFEIT, "", Q.PIECE, 1000, 80000, Decimal("5"), "Vehicle spare parts"),
            Load(C.COUNTERFEIT, "", Q.PIECE, 2000, 100000, Decimal("3"), "Wax print fabric"),
        ),
        (("Vehicle parts", "870899"), ("Textile fabric", "540752")),
        (H.WITHIN_GOODS, H.NONE),
        ("cosco", "evergreen", "one"),
        detections=(D.RISK_PROFILING, D.RANDOM),
        arrest_rate=0.05,
    ),
    RouteTemplate(
        "GHTEM-PCU",
        7,
        ((L, "GHTEM"), (T, "LKCMB"), (DIS, "VNHPH")),
        (
            Load(C.WILDLIFE, "", Q.KILOGRAM, 100, 3000, Decimal("300"), "Pangolin scales"),
            Load(C.WILDLIFE, "", Q.KILOGRAM, 50, 1500, Decimal("900"), "Elephant ivory"),
        ),
        (("Timber logs", "440349"), ("Cashew nuts", "080131")),
        (H.WITHIN_GOODS, H.FALSE_COMPARTMENT),
        ("cma", "msc"),
        detections=(D.RISK_PROFILING, D.TIP_OFF, D.DOG),
    ),
    RouteTemplate(
        "GHTEM-PCU",
        6,
        ((L, "DEHAM"), (DIS, "GHTEM")),
        (Load(C.TOXIC_WASTE, "", Q.TONNE, 3, 22, None, "Broken televisions and computers"),),
        (("Used electronics", "852872"),),
        (H.NONE, H.WITHIN_GOODS),
        ("hapag", "maersk"),
        detections=(D.RISK_PROFILING, D.RANDOM),
        arrest_rate=0.0,
    ),
    RouteTemplate(
        "GHTEM-PCU",
        6,
        ((L, "AEJEA"), (T, "TGLFW"), (DIS, "GHTEM")),
        (Load(C.CIGARETTES, "", Q.STICK, 500_000, 8_000_000, Decimal("0.05")),),
        (("Foodstuffs", "210690"),),
        (H.WITHIN_GOODS, H.RIP_ON_RIP_OFF),
        ("msc", "cma"),
        arrest_rate=0.1,
    ),
    RouteTemplate(
        "GHTEM-PCU",
        4,
        ((L, "USNYC"), (DIS, "GHTEM")),
        (Load(C.CASH, "", Q.CURRENCY, 50_000, 1_500_000, Decimal("1")),),
        (("Used vehicles", "870323"),),
        CASH_HIDES,
        ("maersk", "msc"),
        detections=(D.TIP_OFF, D.SCANNER),
        containers=(1, 1),
    ),
    RouteTemplate(
        "GHTEM-PCU",
        4,
        ((L, "TRMER"), (DIS, "GHTEM")),
        (Load(C.FIREARMS, "", Q.PIECE, 10, 300, Decimal("600"), "Pistols and ammunition"),),
        (("Kitchen utensils", "732393"),),
        (H.FALSE_COMPARTMENT, H.WITHIN_GOODS),
        ("cma",),
        detections=(D.SCANNER, D.TIP_OFF),
    ),
)

CURRENCY = {"ECGYE-PCU": "USD", "BEANR-PCU": "EUR", "GHTEM-PCU": "USD"}

CONCEALMENT_DETAILS = {
    H.RIP_ON_RIP_OFF: (
        "Sports bags placed behind the doors, on top of the legitimate load",
        "Holdalls behind the doors; the original seal replaced by a cloned one",
    ),
    H.WITHIN_GOODS: (
        "Packages inside boxes of the declared goods",
        "Packages mixed into the load, several pallets deep",
    ),
    H.CONTAINER_STRUCTURE: (
        "Packages inside the floor cross-members",
        "Packages welded into the roof panels",
    ),
    H.REEFER_UNIT: (
        "Packages inside the evaporator housing of the refrigeration unit",
        "Packages behind the condenser panel",
    ),
    H.FALSE_COMPARTMENT: (
        "False wall at the front end of the container",
        "Double bottom in the crates",
    ),
    H.PACKAGING: ("Inside the cardboard packaging", "Inside the pallet blocks"),
    H.NONE: ("", "Misdeclared on the bill of lading"),
}

MARKINGS = (
    "Bricks stamped with a scorpion logo",
    "Bricks marked 'ROLEX'",
    "Bricks marked with a crown",
    "Bricks stamped 'CR7'",
    "Packages wrapped in yellow tape, no markings",
    "",
)

LEGAL_FORM = {
    "EC": "S.A.",
    "CO": "S.A.S.",
    "PE": "S.A.C.",
    "PA": "S.A.",
    "BR": "Ltda.",
    "BE": "NV",
    "NL": "B.V.",
    "DE": "GmbH",
    "IT": "S.r.l.",
    "ES": "S.L.",
    "GH": "Ltd",
    "TG": "SARL",
    "CN": "Co., Ltd.",
    "SG": "Pte. Ltd.",
    "AE": "General Trading LLC",
    "IR": "Co.",
    "PK": "(Pvt) Ltd",
    "OM": "LLC",
    "SY": "Co.",
    "TR": "Ltd. Şti.",
    "SA": "Est.",
    "IN": "Pvt. Ltd.",
    "LK": "(Pvt) Ltd",
    "VN": "Co., Ltd",
    "US": "Inc.",
    "ZA": "(Pty) Ltd",
}

# Made-up trading names, by the language of the country they trade from.
COMPANY_NAMES = {
    "es": (
        "Frutas del Sol",
        "Agroexportadora Andina",
        "Comercial Pacífico Sur",
        "Exportadora Costa Verde",
        "Distribuidora El Oro",
        "Mariscos Manabí",
        "Importadora Santa Elena",
        "Logística Río Guayas",
    ),
    "pt": ("Café Serra Alta", "Açúcar Litoral", "Comercial Paulista", "Exportadora Vale Verde"),
    "nl": (
        "Schelde Fresh",
        "Fruitimport Noordzee",
        "Kempen Trading",
        "Polder Logistics",
        "Lowlands Foods",
        "Waasland Import",
    ),
    "de": ("Elbe Recycling", "Hansa Gebrauchtwaren", "Nordhafen Handels"),
    "it": ("Calabria Conserve", "Mediterranea Import"),
    "fr": ("Golfe de Guinée Négoce", "Lomé Transit Express"),
    "zh": (
        "Ningbo Hengda Trading",
        "Shanghai Jinhai Chemical",
        "Zhejiang Xinyuan Industrial",
        "Yiwu Huarong Commodities",
    ),
    "vi": ("Hai Phong Timber Import", "Minh An Trading"),
    "tr": ("Mersin Makina", "Akdeniz Dış Ticaret"),
    "gh": (
        "Accra Cold Store",
        "Volta Trading Enterprise",
        "Sankofa General Merchants",
        "Adom Pharma Distributors",
        "Kpone Auto Spares",
    ),
    "en": (
        "Coastline Commodities",
        "Golden Gate Marketing",
        "Meridian Foods",
        "Harbour View Imports",
        "Crescent Star",
        "Silverline Logistics",
        "Blue Ocean Agencies",
        "Evergood Supplies",
    ),
}
LANGUAGE = {
    "EC": "es",
    "CO": "es",
    "PE": "es",
    "PA": "es",
    "ES": "es",
    "BR": "pt",
    "BE": "nl",
    "NL": "nl",
    "DE": "de",
    "IT": "it",
    "TG": "fr",
    "CN": "zh",
    "VN": "vi",
    "TR": "tr",
    "GH": "gh",
}

# Made-up persons for drivers and arrests at the seizing port.
PERSON_NAMES = {
    "EC": (
        ("Carlos", "Luis", "Jorge", "María", "Andrea", "Byron", "Jefferson", "Gabriela"),
        ("Mendoza", "Vera", "Zambrano", "Cedeño", "Macías", "Alvarado", "Chóez", "Bravo"),
    ),
    "BE": (
        ("Jan", "Pieter", "Kevin", "Mohamed", "Sofie", "Dries", "Youssef", "Lotte"),
        ("Peeters", "Janssens", "Maes", "Willems", "El Amrani", "Claes", "Goossens", "Bouzid"),
    ),
    "GH": (
        ("Kwame", "Kofi", "Ama", "Yaw", "Abena", "Kwesi", "Efua", "Nana"),
        ("Mensah", "Owusu", "Boateng", "Asante", "Osei", "Agyemang", "Tetteh", "Quaye"),
    ),
}
PHONE_PREFIX = {"EC": "+593 9", "BE": "+32 4", "GH": "+233 2"}
