"""The route of a seizure drawn as inline SVG, on the server.

Ports often work offline and the Content Security Policy forbids inline styles and scripts,
so the diagram is plain SVG markup: presentation attributes and CSS classes from app.css,
no ``style=""``, no JavaScript, no map tiles. Every text that comes from data is escaped
here, which is what makes marking the result safe sound.

Two drawings share one ``<svg>`` document each:

* ``route_schematic_svg`` — the stops in order along a line, each with its name, UN/LOCODE
  and role, and the leg distance written on every segment. Readable without colour: roles
  differ by marker shape and by their written name.
* ``route_map_svg`` — the same stops placed by an equirectangular projection of their
  coordinates (longitude → x, latitude → y) with a graticule, so the shape of the journey
  shows; numbered markers tie it to the schematic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .choices import PortCallRole


@dataclass(frozen=True)
class Stop:
    """One port call as the drawing needs it (no model access inside the drawing)."""

    sequence: int
    locode: str
    name: str
    role: str
    role_label: str
    latitude: float
    longitude: float
    leg_km: float | None


def stops_from_port_calls(port_calls: Sequence) -> list[Stop]:
    """Port calls (with ``port`` loaded) to stops, in route order."""
    return [
        Stop(
            sequence=call.sequence,
            locode=call.port.locode,
            name=call.port.name,
            role=call.role,
            role_label=str(call.get_role_display()),
            latitude=call.port.latitude,
            longitude=call.port.longitude,
            leg_km=call.leg_distance_km,
        )
        for call in sorted(port_calls, key=lambda call: call.sequence)
    ]


def distance_label(km: float | None) -> str:
    """ "8,812 km" in the active locale, or a dash when the leg is unknown."""
    if km is None:
        return "—"
    return _("%(distance)s km") % {
        "distance": number_format(round(km), decimal_pos=0, force_grouping=True)
    }


def _num(value: float) -> str:
    # Coordinates are written with a dot whatever the locale: they are SVG syntax, not text.
    return f"{value:.1f}"


def _marker(stop: Stop, x: float, y: float, radius: float = 9) -> str:
    """A marker whose shape tells the role, so colour is never the only cue."""
    css = f"route-node route-node-{escape(stop.role)}"
    r = radius
    if stop.role == PortCallRole.LOADING:
        return (
            f'<rect class="{css}" x="{_num(x - r)}" y="{_num(y - r)}" '
            f'width="{_num(2 * r)}" height="{_num(2 * r)}"/>'
        )
    if stop.role == PortCallRole.DISCHARGE:
        points = f"{_num(x)},{_num(y - r - 2)} {_num(x + r + 2)},{_num(y)} "
        points += f"{_num(x)},{_num(y + r + 2)} {_num(x - r - 2)},{_num(y)}"
        return f'<polygon class="{css}" points="{points}"/>'
    if stop.role == PortCallRole.FINAL_DESTINATION:
        return (
            f'<circle class="{css}" cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}"/>'
            f'<circle class="route-node-ring" cx="{_num(x)}" cy="{_num(y)}" r="{_num(r - 4)}"/>'
        )
    return f'<circle class="{css}" cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}"/>'


def _text(x: float, y: float, text: str, css: str, anchor: str = "middle") -> str:
    return (
        f'<text class="{css}" x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}">'
        f"{escape(text)}</text>"
    )


def _open_svg(width: int, height: int, title: str, description: str, css: str, ident: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
    )


def _description(stops: Sequence[Stop]) -> str:
    parts = []
    for stop in stops:
        text = f"{stop.sequence}. {stop.name} ({stop.locode}), {stop.role_label}"
        if stop.leg_km is not None:
            text += " — " + _("%(distance)s from the previous port") % {
                "distance": distance_label(stop.leg_km)
            }
        parts.append(text)
    return "; ".join(parts)


def route_schematic_svg(stops: Sequence[Stop], *, ident: str = "route-schematic") -> SafeString:
    """The stops along a horizontal line with names, codes, roles and leg distances."""
    if not stops:
        return mark_safe("")  # noqa: S308 - empty string
    step = 190
    margin = 90
    width = max(2 * margin + step * (len(stops) - 1), 2 * margin)
    height = 170
    line_y = 62
    xs = [margin + step * i for i in range(len(stops))]
    out = [
        _open_svg(
            width, height, _("Route of the seizure"), _description(stops), "route-schematic", ident
        )
    ]
    for i, stop in enumerate(stops[1:], start=1):
        x0, x1 = xs[i - 1], xs[i]
        out.append(
            f'<line class="route-leg" x1="{_num(x0)}" y1="{line_y}" x2="{_num(x1)}" y2="{line_y}"/>'
        )
        out.append(_text((x0 + x1) / 2, line_y - 14, distance_label(stop.leg_km), "route-distance"))
    for stop, x in zip(stops, xs, strict=True):
        out.append(f'<g class="route-stop" data-locode="{escape(stop.locode)}">')
        out.append(_marker(stop, x, line_y))
        out.append(_text(x, line_y + 32, stop.name, "route-name"))
        out.append(_text(x, line_y + 50, stop.locode, "route-locode"))
        out.append(_text(x, line_y + 68, stop.role_label, "route-role"))
        out.append(_text(x, line_y - 34, str(stop.sequence), "route-sequence"))
        out.append("</g>")
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every data-derived text is escaped above


def _place_label(
    text: str,
    x: float,
    y: float,
    taken: list[tuple[float, float, float, float]],
    width: float,
    height: float,
    css: str,
    gap: float = 12,
) -> str:
    """A label beside (x, y) where it overlaps no marker or earlier label.

    Ports of one range (Antwerp and Rotterdam) sit a few pixels apart on a world-scale
    map; trying a few positions around the point keeps every name legible.
    """
    w, h = 7.6 * len(text) + 4, 16
    candidates = [
        (x + gap, y + 5, "start"),
        (x - gap, y + 5, "end"),
        (x + gap, y - 12, "start"),
        (x + gap, y + 22, "start"),
        (x - gap, y - 12, "end"),
        (x - gap, y + 22, "end"),
        (x, y - gap - 4, "middle"),
        (x, y + gap + 14, "middle"),
    ]

    def box(cx: float, cy: float, anchor: str) -> tuple[float, float, float, float]:
        left = {"start": cx, "end": cx - w, "middle": cx - w / 2}[anchor]
        return (left, cy - h + 4, left + w, cy + 4)

    def free(b: tuple[float, float, float, float]) -> bool:
        inside = b[0] >= 0 and b[2] <= width and b[1] >= 0 and b[3] <= height
        return inside and all(
            b[2] <= t[0] or b[0] >= t[2] or b[3] <= t[1] or b[1] >= t[3] for t in taken
        )

    choice = next((c for c in candidates if free(box(*c))), candidates[0])
    taken.append(box(*choice))
    return _text(choice[0], choice[1], text, css, choice[2])


def _unwrap_longitudes(longitudes: Sequence[float]) -> list[float]:
    """Keep a route that crosses the 180° meridian in one piece (e.g. Asia → Americas)."""
    lons = list(longitudes)
    if lons and max(lons) - min(lons) > 180:
        lons = [lon + 360 if lon < 0 else lon for lon in lons]
    return lons


def route_map_svg(stops: Sequence[Stop], *, ident: str = "route-map") -> SafeString:
    """The stops placed by their coordinates on an equirectangular grid."""
    if len(stops) < 2:
        return mark_safe("")  # noqa: S308 - empty string
    width, height, pad = 800, 420, 60
    lons = _unwrap_longitudes([s.longitude for s in stops])
    lats = [s.latitude for s in stops]
    # A minimum span keeps two neighbouring ports from filling the whole frame.
    span_lon = max(max(lons) - min(lons), 20.0)
    span_lat = max(max(lats) - min(lats), 10.0)
    mid_lon = (max(lons) + min(lons)) / 2
    mid_lat = (max(lats) + min(lats)) / 2
    # One scale for both axes: that is what makes the projection equirectangular.
    scale = min((width - 2 * pad) / span_lon, (height - 2 * pad) / span_lat)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return width / 2 + (lon - mid_lon) * scale, height / 2 - (lat - mid_lat) * scale

    out = [
        _open_svg(
            width,
            height,
            _("Route on a map grid (equirectangular projection)"),
            _description(stops),
            "route-map",
            ident,
        ),
        f'<rect class="route-map-frame" x="0" y="0" width="{width}" height="{height}"/>',
    ]
    lon_min = mid_lon - (width / 2) / scale
    lon_max = mid_lon + (width / 2) / scale
    lat_min = mid_lat - (height / 2) / scale
    lat_max = mid_lat + (height / 2) / scale
    grid = 10 if max(span_lon, span_lat) <= 90 else 30
    lon = math.ceil(lon_min / grid) * grid
    while lon <= lon_max:
        x, _y = project(lon, 0)
        shown = ((lon + 180) % 360) - 180
        out.append(f'<line class="route-grid" x1="{_num(x)}" y1="0" x2="{_num(x)}" y2="{height}"/>')
        out.append(_text(x + 3, height - 6, f"{shown:g}°", "route-grid-label", "start"))
        lon += grid
    lat = math.ceil(lat_min / grid) * grid
    while lat <= lat_max:
        _x, y = project(0, lat)
        css = "route-grid route-equator" if lat == 0 else "route-grid"
        out.append(f'<line class="{css}" x1="0" y1="{_num(y)}" x2="{width}" y2="{_num(y)}"/>')
        out.append(_text(4, y - 3, f"{lat:g}°", "route-grid-label", "start"))
        lat += grid
    points = [project(lon, lat) for lon, lat in zip(lons, lats, strict=True)]
    path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
    out.append(f'<polyline class="route-path" points="{path}"/>')
    taken: list[tuple[float, float, float, float]] = [
        (x - 10, y - 10, x + 10, y + 10) for x, y in points
    ]
    labels = []
    for stop, (x, y) in zip(stops, points, strict=True):
        text = f"{stop.sequence}. {stop.locode} {stop.name}"
        labels.append(_place_label(text, x, y, taken, width, height, "route-map-label"))
    for i, stop in enumerate(stops[1:], start=1):
        (x0, y0), (x1, y1) = points[i - 1], points[i]
        # On a short leg the figure would sit on the ports' names; the schematic and the
        # table above carry every distance anyway.
        if math.hypot(x1 - x0, y1 - y0) >= 70:
            text = distance_label(stop.leg_km)
            labels.append(
                _place_label(
                    text,
                    (x0 + x1) / 2,
                    (y0 + y1) / 2,
                    taken,
                    width,
                    height,
                    "route-distance",
                    gap=4,
                )
            )
    for stop, (x, y) in zip(stops, points, strict=True):
        out.append(f'<g class="route-stop" data-locode="{escape(stop.locode)}">')
        out.append(_marker(stop, x, y, radius=7))
        out.append("</g>")
    out.extend(labels)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every data-derived text is escaped above
