"""'Why was this routed here': a referral's stored reasons, worded in the reader's language.

Routing stores what matched as data (routing.rule_match); wording happens here, when
shown, so a referral routed in Quito reads in French in Brussels.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_countries import countries

from casetracker.core.choices import HandlingCode
from seizures.choices import CommodityCategory, QuantityUnit, Substance

from .choices import RouteRole


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _commodity(value: str) -> str:
    if value in Substance.values and value:
        return _label(Substance, value)
    return _label(CommodityCategory, value)


def _country_list(codes) -> str:
    return ", ".join(str(countries.name(code)) or code for code in codes)


def condition_text(condition: dict) -> str:
    what = condition.get("what")
    if what == "commodity":
        return _("commodity is %(values)s") % {
            "values": ", ".join(_label(CommodityCategory, v) for v in condition["values"])
        }
    if what == "substance":
        return _("substance is %(values)s") % {
            "values": ", ".join(_label(Substance, v) for v in condition["values"])
        }
    if what == "quantity":
        return _("%(quantity)s %(unit)s of %(what)s, at least %(min)s %(min_unit)s") % {
            "quantity": condition["quantity"],
            "unit": _label(QuantityUnit, condition["unit"]),
            "what": _commodity(condition["substance"]),
            "min": condition["min"],
            "min_unit": _label(QuantityUnit, condition["min_unit"]),
        }
    if what == "seizing_unit":
        return _("seized by %(unit)s") % {"unit": condition["unit"]}
    if what == "seizing_country":
        return _("seized in %(country)s") % {"country": _country_list([condition["country"]])}
    if what == "route_country":
        return _("%(countries)s on the route (%(where)s)") % {
            "countries": _country_list(condition["countries"]),
            "where": _label(RouteRole, condition["role"]).lower(),
        }
    if what == "foreign_on_route":
        return _("foreign countries on the route: %(countries)s") % {
            "countries": _country_list(condition["countries"])
        }
    if what == "every_seizure":
        return _("every submitted seizure")
    return str(condition)


def reason_lines(reasons: list[dict]) -> list[str]:
    """One sentence per reason: which rule matched and on what, or who referred by hand."""
    lines = []
    for reason in reasons or []:
        kind = reason.get("kind")
        if kind == "rule":
            lines.append(
                _("Rule “%(rule)s”: %(conditions)s.")
                % {
                    "rule": reason.get("rule", "?"),
                    "conditions": "; ".join(condition_text(c) for c in reason["conditions"]),
                }
            )
        elif kind == "manual":
            lines.append(_("Referred by hand by %(name)s.") % {"name": reason.get("by", "?")})
        elif kind == "abroad":
            lines.append(
                _(
                    "The recipient is abroad (%(country)s): only pieces cleared to go abroad "
                    "(%(code)s) are shared."
                )
                % {
                    "country": _country_list([reason["country"]]),
                    "code": str(HandlingCode.H2.label),
                }
            )
    return lines
