"""Seizures in the Django admin: for administrators to look things up, not to log or edit.

Seizures are written only through the services (reference numbers, distances, unit
permissions and the status workflow live there), so the admin shows them read-only; the
pages and the API are where officers work.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Attachment, Container, Party, PortCall, SeizedItem, Seizure


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name != "seizure"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ContainerInline(ReadOnlyInline):
    model = Container
    fields = ["number", "size_type", "seal_numbers"]


class SeizedItemInline(ReadOnlyInline):
    model = SeizedItem
    fields = [
        "category",
        "substance",
        "description",
        "quantity",
        "quantity_unit",
        "estimated_value",
        "currency",
    ]


class PortCallInline(ReadOnlyInline):
    model = PortCall
    fields = ["sequence", "role", "port", "leg_distance_km"]


class PartyInline(ReadOnlyInline):
    model = Party
    fields = ["role", "kind", "name", "country", "identifiers", "phone_numbers", "address"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["kind", "original_name", "content_type", "size", "sha256", "uploaded_at"]


@admin.register(Seizure)
class SeizureAdmin(admin.ModelAdmin):
    list_display = ["reference", "unit", "port", "occurred_at", "status"]
    list_filter = ["status", "detection_method", "unit"]
    list_select_related = ["unit", "port"]
    search_fields = ["reference", "bill_of_lading", "vessel_name"]
    date_hierarchy = "occurred_at"
    # Counting every seizure for "x of y" costs a full scan on a large table.
    show_full_result_count = False
    ordering = ["-occurred_at", "-id"]
    inlines = [ContainerInline, SeizedItemInline, PortCallInline, PartyInline, AttachmentInline]
    fieldsets = [
        (None, {"fields": ["reference", "public_id", "unit", "status", "submitted_at"]}),
        (
            _("When and where"),
            {"fields": ["occurred_at", "port", "terminal", "detection_method"]},
        ),
        (
            _("Conveyance"),
            {"fields": ["vessel_name", "imo_number", "voyage", "bill_of_lading"]},
        ),
        (
            _("Goods and concealment"),
            {
                "fields": [
                    "declared_goods",
                    "hs_code",
                    "concealment_method",
                    "concealment_details",
                    "packaging_markings",
                    "commodities",
                    "total_distance_km",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_by", "created_at", "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Seizure._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Corrections go through the logging form (and its service) so distances, commodities
        # and the audit trail stay right; the admin shows the record in view-only mode.
        return False

    def has_delete_permission(self, request, obj=None):
        # Seizures carry evidence and follow-up: they are never deleted from the admin.
        return False
