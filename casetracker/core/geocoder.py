"""Place look-up and distances over the shipped gazetteer, through geopy's interfaces.

Ports are often offline, so everything here works from the Port table alone. An online
geocoder (settings.CASETRACKER_ONLINE_GEOCODER, a geopy class path) is asked only when the
gazetteer knows nothing of a name, and any failure of it is swallowed: the caller simply
gets no result, as without it.
"""

from __future__ import annotations

import heapq
import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from geopy.adapters import BaseSyncAdapter
from geopy.distance import geodesic, great_circle
from geopy.exc import GeocoderServiceError
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from .models import Port

logger = logging.getLogger(__name__)

LOCODE_QUERY = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
# Reverse look-up ranks every port by a cheap great-circle distance, then measures only
# these few on the ellipsoid (the two orders can differ by a few hundred metres).
REVERSE_CANDIDATES = 10


class _OfflineAdapter(BaseSyncAdapter):
    """geopy insists on an HTTP adapter; this one makes sure the gazetteer never uses it."""

    def __init__(self, *, proxies=None, ssl_context=None):
        super().__init__(proxies=proxies, ssl_context=ssl_context)

    def get_json(self, url, *, timeout, headers):
        raise GeocoderServiceError("the gazetteer geocoder does not use the network")

    def get_text(self, url, *, timeout, headers):
        raise GeocoderServiceError("the gazetteer geocoder does not use the network")


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: "São Tomé" and "sao-tome" agree."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


def locode_of(query: str) -> str | None:
    """The UN/LOCODE a query spells, if any: "ecgye", "EC GYE" and " ECGYE " all do."""
    compact = re.sub(r"\s+", "", query).upper()
    return compact if LOCODE_QUERY.match(compact) else None


def _match_rank(q: str, name: str, aliases: Iterable[str]) -> int | None:
    """Lower is better: whole name, whole alias, name prefix, alias prefix, word prefix."""
    folded_aliases = [fold(a) for a in aliases]
    if name == q:
        return 1
    if q in folded_aliases:
        return 2
    if name.startswith(q):
        return 3
    if any(a.startswith(q) for a in folded_aliases):
        return 4
    # "Nhava" finds "Jawaharlal Nehru (Nhava Sheva)".
    if f" {q}" in f" {name}" or any(f" {q}" in f" {a}" for a in folded_aliases):
        return 5
    return None


def ports_matching(
    query: str, *, country: str | None = None, limit: int | None = None
) -> list[Port]:
    """Ports whose code is `query`, else whose name or alias starts with it, best first."""
    query = (query or "").strip()
    if not query:
        return []
    ports = Port.objects.all()
    if country:
        ports = ports.filter(country=str(country).upper())
    code = locode_of(query)
    if code:
        exact = list(ports.filter(locode=code))
        if exact:
            return exact
    q = fold(query)
    if not q:
        return []
    # A few thousand short rows: folding in Python is what makes the match accent-blind on
    # every database, and it stays in the low milliseconds.
    ranked = []
    for locode, name, aliases in ports.values_list("locode", "name", "aliases"):
        folded = fold(name)
        rank = _match_rank(q, folded, aliases or [])
        if rank is not None:
            ranked.append((rank, folded, locode))
    ranked.sort()
    if limit is not None:
        ranked = ranked[:limit]
    by_code = Port.objects.in_bulk([locode for _r, _n, locode in ranked])
    return [by_code[locode] for _r, _n, locode in ranked]


def port_location(port: Port) -> Location:
    """A port as geopy sees a place: "Guayaquil, EC (ECGYE)" at its point."""
    raw = {
        "locode": port.locode,
        "name": port.name,
        "country": str(port.country.code),
        "subdivision": port.subdivision,
        "timezone": port.timezone,
        "aliases": list(port.aliases or []),
    }
    address = f"{port.name}, {port.country.code} ({port.locode})"
    return Location(address, Point(port.latitude, port.longitude), raw)


def _as_point(place: Port | str | Point | tuple[float, float]) -> Point:
    if isinstance(place, Port):
        return Point(place.latitude, place.longitude)
    if isinstance(place, str):
        code = locode_of(place)
        if code:
            port = Port.objects.only("latitude", "longitude").get(pk=code)
            return Point(port.latitude, port.longitude)
    return Point(place)


def port_distance_km(
    a: Port | str | Point | tuple[float, float], b: Port | str | Point | tuple[float, float]
) -> float:
    """Distance on the WGS-84 ellipsoid between two ports (Port, UN/LOCODE or point)."""
    return geodesic(_as_point(a), _as_point(b)).km


class GazetteerGeocoder(Geocoder):
    """geopy geocoder over the Port table; see the module docstring for the online option."""

    def __init__(self, *, online: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("adapter_factory", _OfflineAdapter)
        super().__init__(**kwargs)
        # None: read the setting at each call, so a changed setting applies at once.
        self._online = online

    def geocode(
        self,
        query: str,
        exactly_one: bool = True,
        country: str | None = None,
        limit: int | None = None,
        timeout: Any = None,
    ) -> Location | list[Location] | None:
        ports = ports_matching(str(query), country=country, limit=1 if exactly_one else limit)
        if ports:
            locations = [port_location(p) for p in ports]
            return locations[0] if exactly_one else locations
        return self._online_geocode(str(query), exactly_one=exactly_one)

    def reverse(
        self,
        query: Point | str | tuple[float, float],
        exactly_one: bool = True,
        country: str | None = None,
        limit: int | None = None,
        timeout: Any = None,
    ) -> Location | list[Location] | None:
        """The nearest port (or the `limit` nearest) to a point, by geodesic distance."""
        point = Point(query)
        origin = (point.latitude, point.longitude)
        ports = Port.objects.all()
        if country:
            ports = ports.filter(country=str(country).upper())
        wanted = 1 if exactly_one else (limit or REVERSE_CANDIDATES)
        rows = ports.values_list("locode", "latitude", "longitude")
        nearest = heapq.nsmallest(
            max(wanted, REVERSE_CANDIDATES), rows, key=lambda r: great_circle(origin, r[1:]).km
        )
        if not nearest:
            return None
        nearest.sort(key=lambda r: geodesic(origin, r[1:]).km)
        by_code = Port.objects.in_bulk([r[0] for r in nearest[:wanted]])
        locations = [port_location(by_code[r[0]]) for r in nearest[:wanted]]
        return locations[0] if exactly_one else locations

    def _online_geocode(self, query: str, *, exactly_one: bool):
        path = self._online if self._online is not None else settings.CASETRACKER_ONLINE_GEOCODER
        if not path:
            return None
        options = getattr(settings, "CASETRACKER_ONLINE_GEOCODER_OPTIONS", {})
        try:
            online = import_string(path)(**{"user_agent": "casetracker", **options})
            return online.geocode(query, exactly_one=exactly_one)
        except Exception:
            # Offline ports are the normal case: the gazetteer's answer (none) stands.
            logger.warning("online geocoder %s failed for %r", path, query, exc_info=True)
            return None


@cache
def gazetteer_geocoder() -> GazetteerGeocoder:
    """The shared instance (it holds no data, only configuration)."""
    return GazetteerGeocoder()
