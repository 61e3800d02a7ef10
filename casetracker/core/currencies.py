"""The currencies amounts are recorded in: ISO 4217's current codes (its "List One").

One list for every app that records a value with a currency (the assets of an outcome,
the estimated value of a seized item), so a code accepted in one place is accepted in all.
Withdrawn codes (HRK, SLL, ZWL, CUC…) are not here: an amount recorded today is in a
currency in use today. Nor are XTS (reserved for testing) and XXX ("no currency"), which
are in the list but give an amount no value.

Update it with the ISO 4217 amendments (the maintenance agency publishes each change
months before it takes effect).
"""

# Alphabetic codes, one line per initial.
_LIST_ONE = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN
    BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
    CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK
    DJF DKK DOP DZD
    EGP ERN ETB EUR
    FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD
    HKD HNL HTG HUF
    IDR ILS INR IQD IRR ISK
    JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
    NAD NGN NIO NOK NPR NZD
    OMR
    PAB PEN PGK PHP PKR PLN PYG
    QAR
    RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD USN UYI UYU UYW UZS
    VED VES VND VUV
    WST
    XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA
    YER
    ZAR ZMW ZWG
"""
ISO_4217 = frozenset(_LIST_ONE.split())


def is_currency(code: str) -> bool:
    """Whether ``code`` (upper case, as stored) is a current ISO 4217 currency code."""
    return code in ISO_4217
