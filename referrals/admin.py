from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from seizures.choices import CommodityCategory, Substance

from .models import (
    Notification,
    Outcome,
    Recipient,
    Referral,
    ReferralEvent,
    RoutingJob,
    RoutingRule,
)


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "unit", "email", "active")
    list_filter = ("kind", "active", "country")
    search_fields = ("name", "email", "unit__code")
    autocomplete_fields = ("unit",)


class RoutingRuleForm(forms.ModelForm):
    """Commodities and substances as lists to tick, not JSON to type."""

    commodities = forms.MultipleChoiceField(
        label=_("commodities"),
        choices=CommodityCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Any of these; none ticked for any."),
    )
    substances = forms.MultipleChoiceField(
        label=_("substances"),
        choices=[c for c in Substance.choices if c[0]],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Any of these; none ticked for any."),
    )

    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "active",
            "priority",
            "commodities",
            "substances",
            "min_quantity",
            "quantity_unit",
            "seizing_units",
            "seizing_countries",
            "route_countries",
            "route_role",
            "foreign_on_route",
            "recipient",
            "handling_code",
            "ack_hours",
            "respond_days",
        ]

    def clean(self):
        cleaned = super().clean()
        units = cleaned.get("seizing_units")
        if units:
            self.instance.seizing_countries = cleaned.get("seizing_countries") or []
            try:
                self.instance.validate_seizing_units(list(units))
            except forms.ValidationError as exc:
                self._update_errors(exc)
        return cleaned


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ("name", "priority", "active", "recipient", "handling_code", "ack_hours")
    list_display += ("respond_days",)
    list_filter = ("active", "recipient__kind")
    search_fields = ("name", "recipient__name")
    filter_horizontal = ("seizing_units",)
    fieldsets = (
        (None, {"fields": ("name", "active", "priority")}),
        (
            _("When"),
            {
                "fields": (
                    "commodities",
                    "substances",
                    ("min_quantity", "quantity_unit"),
                    "seizing_units",
                    "seizing_countries",
                    ("route_countries", "route_role"),
                    "foreign_on_route",
                )
            },
        ),
        (_("Then"), {"fields": ("recipient", "handling_code", "ack_hours", "respond_days")}),
    )


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "at", "by", "by_external", "details")

    def has_add_permission(self, request, obj=None):
        return False


class OutcomeInline(admin.TabularInline):
    """Outcomes are recorded by the recipient through the service; here they are read."""

    model = Outcome
    extra = 0
    can_delete = False
    fields = (
        "occurred_on",
        "kind",
        "count",
        "countries",
        "value",
        "currency",
        "recorded_via",
        "withdrawn_at",
        "withdraw_reason",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        # Withdrawn outcomes too: the default manager leaves them out of every count, but
        # the record of what was reported and taken back is the point of this page.
        return Outcome.all_objects.all()

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    """Read-only: referrals move through their services, never by editing rows."""

    list_display = ("seizure", "recipient", "status", "sent_at", "ack_due_at", "respond_due_at")
    list_filter = ("status", "origin", "recipient")
    search_fields = ("seizure__reference", "recipient__name", "case_number")
    inlines = [ReferralEventInline, OutcomeInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoutingJob)
class RoutingJobAdmin(admin.ModelAdmin):
    list_display = ("seizure", "created_at", "enqueued_at", "enqueue_count", "done_at")
    list_filter = (("done_at", admin.EmptyFieldListFilter),)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("subject", "key", "user", "email", "created_at", "sent_at", "attempts")
    list_filter = ("key", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "email")
    exclude = ("body",)  # may name a response link placeholder only, but keep it out of view

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
