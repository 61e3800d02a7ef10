"""The cohort an evaluator looks at: period × units × countries × commodities × port.

The FilterSet narrows ``evaluation.evaluation_seizures``; it names only columns that are
already in the allow-list, so filtering cannot pull a personal field into the query.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from casetracker.core.choices import UnitKind
from casetracker.core.models import Unit
from seizures.choices import CommodityCategory, SeizureStatus, Substance
from seizures.filters import SeizureFilterMethods


def _country_choices() -> list[tuple[str, str]]:
    return [(code, name) for code, name in countries]


def _substance_choices() -> list[tuple[str, str]]:
    return [(value, label) for value, label in Substance.choices if value]


def _units(request=None):
    # Only units that log seizures: the others never appear in a cohort.
    return Unit.objects.filter(kind__in=UnitKind.control_units()).only("id", "code", "name")


class CohortForm(forms.Form):
    """The filter set's form: besides each field's own checks, a period must not end
    before it starts (each day alone is valid, so django-filter would answer an empty
    cohort without a word)."""

    # The names of the period's first and last day (the API names them otherwise).
    period = ("date_from", "date_to")

    def clean(self):
        cleaned = super().clean()
        first, last = (cleaned.get(name) for name in self.period)
        if first and last and first > last:
            raise forms.ValidationError(
                _("The period ends before it starts: choose a first day on or before the last."),
                code="period_order",
            )
        return cleaned


@extend_schema_field(OpenApiTypes.STR)  # a unit code, e.g. ECGYE-PCU (repeatable)
class UnitCodeChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Units chosen by their code, shown as "code name"."""

    def __init__(self, *args, **kwargs):
        # Filtering on unit__code rides on the join the allow-list already makes.
        super().__init__(
            *args,
            field_name="unit__code",
            to_field_name="code",
            queryset=_units,
            distinct=False,  # one unit per seizure: no duplicates to remove
            **kwargs,
        )


class EvaluationFilter(SeizureFilterMethods, django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_date_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), method="filter_date_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    unit = UnitCodeChoiceFilter(label=_("Units"))
    country = django_filters.MultipleChoiceFilter(
        field_name="port__country", label=_("Countries"), choices=_country_choices
    )
    commodity = django_filters.ChoiceFilter(
        label=_("Commodity"),
        choices=CommodityCategory.choices,
        method="filter_commodity",
        empty_label=_("Any commodity"),
    )
    substance = django_filters.ChoiceFilter(
        label=_("Substance"),
        choices=_substance_choices,
        method="filter_commodity",
        empty_label=_("Any substance"),
    )
    port = django_filters.CharFilter(
        label=_("Port (UN/LOCODE)"),
        method="filter_port",
        widget=forms.TextInput(attrs={"size": 6, "maxlength": 5, "placeholder": "ECGYE"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=SeizureStatus.choices, empty_label=_("Any status")
    )

    class Meta:
        form = CohortForm
        fields = ["date_from", "date_to", "unit", "country", "commodity", "substance", "port"]

    @property
    def qs(self):
        # django-filter applies the fields that are valid and drops the others: a wider
        # cohort than asked for (every seizure, for a mistyped day) under a form saying the
        # filter is wrong. No seizure instead, on every page that reads the cohort.
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs
