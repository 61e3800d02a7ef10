"""Filters and search for the seizure list.

The FilterSet only narrows a queryset that already went through ``selectors.seizure_list``;
it never widens what a user may see.
"""

import datetime as dt

import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from casetracker.core.timezones import EASTERNMOST_OFFSET, WESTERNMOST_OFFSET

from .choices import CommodityCategory, SeizureStatus, Substance
from .models import Container
from .validators import normalise_container_number


def commodity_choices() -> list:
    substances = [(value, label) for value, label in Substance.choices if value]
    return [
        (_("Commodity"), list(CommodityCategory.choices)),
        (_("Substance"), substances),
    ]


def filter_commodity(queryset, code: str):
    """Seizures whose denormalised ``commodities`` list holds ``code``.

    PostgreSQL answers JSON containment (``@>``) natively and can serve it from a GIN index.
    SQLite has no JSON containment lookup in Django, so there we match the quoted code in the
    stored JSON text: the quotes keep ``cocaine`` from matching ``cocaine_base``.
    """
    if connection.vendor == "postgresql":
        return queryset.filter(commodities__contains=[code])
    return queryset.alias(commodities_text=Cast("commodities", TextField())).filter(
        commodities_text__contains=f'"{code}"'
    )


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


class SeizureFilterMethods:
    """Period, commodity and port filtering shared by the unit's list and the evaluators'.

    A period is in the ports' own calendars, as the lists show the dates: the seizure's
    date at its port (``occurred_on``) decides. Beside it the instant is held to the widest
    span those days cover anywhere on earth, which changes no result but keeps the query on
    the occurred_at indexes.
    """

    def filter_date_from(self, queryset, name, value):
        if value <= dt.date.min + dt.timedelta(days=1):
            return queryset.filter(occurred_on__gte=value)
        return queryset.filter(
            occurred_at__gte=_utc_midnight(value) - EASTERNMOST_OFFSET, occurred_on__gte=value
        )

    def filter_date_to(self, queryset, name, value):
        if value >= dt.date.max - dt.timedelta(days=1):  # no instant after it to write down
            return queryset.filter(occurred_on__lte=value)
        return queryset.filter(
            occurred_at__lt=_utc_midnight(value + dt.timedelta(days=1)) - WESTERNMOST_OFFSET,
            occurred_on__lte=value,
        )

    def filter_commodity(self, queryset, name, value: str):  # the hint types the API schema
        return filter_commodity(queryset, value)

    def filter_port(self, queryset, name, value):
        return queryset.filter(port_id=value.strip().upper())


class SeizureFilter(SeizureFilterMethods, django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        label=_("From"),
        method="filter_date_from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("To"),
        method="filter_date_to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    commodity = django_filters.ChoiceFilter(
        label=_("Commodity"),
        choices=commodity_choices,
        method="filter_commodity",
        empty_label=_("Any commodity"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=SeizureStatus.choices, empty_label=_("Any status")
    )
    port = django_filters.CharFilter(
        label=_("Port (UN/LOCODE)"),
        method="filter_port",
        widget=forms.TextInput(
            attrs={
                "size": 6,
                "maxlength": 5,
                "placeholder": "ECGYE",
                "autocapitalize": "characters",
            }
        ),
    )
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Reference, container, bill of lading or vessel"),
            }
        ),
    )

    class Meta:
        fields = ["date_from", "date_to", "commodity", "status", "port", "q"]

    # Dates are whole days in the user's time zone; comparing with the day's start (rather
    # than occurred_at__date) keeps the query on the occurred_at index.
    def filter_search(self, queryset, name, value):
        """One box for the numbers an officer has at hand.

        A reference matches from its start; a container number is compared in its normal
        form (people type "CSQU 305438-3"); a bill of lading matches whole; a vessel name
        matches any part.
        """
        term = value.strip()
        if not term:
            return queryset
        match = (
            Q(reference__startswith=term.upper())
            | Q(bill_of_lading__iexact=term)
            | Q(vessel_name__icontains=term)
        )
        container = normalise_container_number(term)
        # A full number is matched exactly; four characters or more (an owner code) from
        # the start; anything shorter would match half the yard.
        # EXISTS, not pk IN (…): the planner can start from the user's few visible seizures
        # instead of reading every container of every unit (100 ms → 20 ms for a recipient).
        if len(container) == 11:
            match |= Exists(Container.objects.filter(seizure=OuterRef("pk"), number=container))
        elif len(container) >= 4:
            match |= Exists(
                Container.objects.filter(seizure=OuterRef("pk"), number__startswith=container)
            )
        return queryset.filter(match)
