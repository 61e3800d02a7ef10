"""Django admin for the reference data administrators keep: ports, agencies, units, users."""

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .accounts.services import account_unlock
from .models import Agency, Port, Unit, User
from .signals import keep_unit_group_membership


@admin.register(Port)
class PortAdmin(admin.ModelAdmin):
    list_display = ("locode", "name", "country", "subdivision", "timezone")
    list_filter = ("country",)
    search_fields = ("locode", "name")
    ordering = ("locode",)
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        # The code is the primary key and seizures point at it: fix a code by adding a port.
        return ("locode",) if obj else ()


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country")
    list_filter = ("kind", "country")
    search_fields = ("name",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "country", "port")
    list_filter = ("kind", "country")
    search_fields = ("code", "name")
    autocomplete_fields = ("port",)
    filter_horizontal = ("agencies",)
    # The guardian group is created with the unit and carries its permissions: show, never edit.
    readonly_fields = ("group",)
    list_select_related = ("port",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:2],
        (_("Unit and role"), {"fields": ("unit", "role")}),
        *DjangoUserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "unit", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("username", "first_name", "last_name", "unit", "role", "is_active")
    list_filter = ("role", "unit__kind", "unit", "is_active", "is_staff")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    actions = ("unlock_logins",)

    @admin.action(description=_("Unlock login (after too many failed attempts)"))
    def unlock_logins(self, request, queryset):
        for user in queryset:
            account_unlock(username=user.get_username())
        self.message_user(
            request,
            ngettext("Unlocked %(count)d account.", "Unlocked %(count)d accounts.", len(queryset))
            % {"count": len(queryset)},
            messages.SUCCESS,
        )

    def has_delete_permission(self, request, obj=None):
        # Users are deactivated, never deleted: their audit rows point at them, and on
        # PostgreSQL the append-only trigger refuses the SET NULL a deletion would make.
        return False

    def save_related(self, request, form, formsets, change):
        # The form saves the group list it displayed after the user row, which would undo
        # the unit-group switch made on save; restore it.
        super().save_related(request, form, formsets, change)
        keep_unit_group_membership(sender=User, instance=form.instance)


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class LogEntryAdmin(AuditlogLogEntryAdmin):
    """The audit trail in the admin: read only, whatever the user's permissions.

    auditlog's own admin still lets a cascade from another admin page delete rows; here
    nothing adds, changes or deletes them (the PostgreSQL trigger refuses it anyway).
    """

    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
