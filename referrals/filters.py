"""Filters for the referral list of the API.

The FilterSet only narrows a queryset that already went through ``selectors.referral_list``
(and ``with_next_due``); it never widens what a user may see.
"""

import django_filters
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from seizures.selectors import seizure_get

from .choices import ReferralStatus
from .selectors import recipients_for


class ReferralSide(models.TextChoices):
    """Which end of a referral the reader's unit is at."""

    RECEIVED = "received", _("Received by my unit")
    SENT = "sent", _("Sent by my unit")


class ReferralFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        choices=ReferralSide.choices,
        method="filter_role",
        label=_("Referrals received by your unit, or sent by it (its seizures)"),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ReferralStatus.choices,
        label=_("Status; repeat the parameter for several"),
    )
    due_before = django_filters.IsoDateTimeFilter(
        field_name="next_due",
        lookup_expr="lt",
        label=_(
            "Next deadline (acknowledge, then answer) before this time, ISO 8601; "
            "referrals already decided have none and are left out"
        ),
    )
    seizure = django_filters.UUIDFilter(
        field_name="seizure__public_id", label=_("Public id of the seizure")
    )

    class Meta:
        fields = ["role", "status", "due_before", "seizure"]

    def filter_role(self, queryset, name, value: str):
        unit_id = getattr(self.request.user, "unit_id", None)
        if unit_id is None:  # an administrator without a unit is at neither end
            return queryset.none()
        if value == ReferralSide.RECEIVED:
            return queryset.filter(recipient__unit_id=unit_id)
        return queryset.filter(seizure__unit_id=unit_id)


class RecipientFilter(django_filters.FilterSet):
    seizure = django_filters.UUIDFilter(
        method="filter_seizure",
        label=_("Only those this seizure (public id) can still be referred to"),
    )

    class Meta:
        fields = ["seizure"]

    def filter_seizure(self, queryset, name, value):
        try:
            seizure = seizure_get(user=self.request.user, public_id=value)
        except Http404:
            return queryset.none()  # a seizure the user may not see has no recipients
        return queryset.filter(pk__in=recipients_for(seizure=seizure).values("pk"))
