"""Ports' time zones: the calendar a seizure is dated in.

Every port has an IANA zone (checked when the gazetteer is loaded); one that cannot be read
falls back to UTC rather than failing the page or the import that asks.
"""

import datetime as dt
import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@functools.lru_cache(maxsize=1024)
def zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_date(instant: dt.datetime, zone_name: str) -> dt.date:
    """The date ``instant`` falls on in the zone ``zone_name``."""
    return instant.astimezone(zone(zone_name)).date()
