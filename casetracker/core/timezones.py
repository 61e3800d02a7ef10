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


# The offsets from UTC in use at the two ends of the earth (Baker Island, the Line Islands):
# a calendar date outside what they give for an instant is that instant's date nowhere.
WESTERNMOST_OFFSET, EASTERNMOST_OFFSET = dt.timedelta(hours=-12), dt.timedelta(hours=14)


def earliest_date_anywhere(instant: dt.datetime) -> dt.date:
    """The date ``instant`` falls on where it is earliest in the calendar (UTC-12)."""
    return (instant.astimezone(dt.UTC) + WESTERNMOST_OFFSET).date()


def latest_date_anywhere(instant: dt.datetime) -> dt.date:
    """The date ``instant`` falls on where it is latest in the calendar (UTC+14)."""
    return (instant.astimezone(dt.UTC) + EASTERNMOST_OFFSET).date()
