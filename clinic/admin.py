from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import AccessLog, Chair, ClinicSettings, OpeningHours, Patient, StaffShift, User


@admin.register(User)
class ClinicUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "first_name", "last_name", "role", "is_prescriber", "is_active")
    list_filter = ("role", "is_prescriber", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Clinic", {"fields": ("role", "is_prescriber", "title", "phone")}))


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = ("last_name", "first_name", "date_of_birth", "rems_status", "archived_at")
    search_fields = ("last_name", "first_name")
    list_filter = ("rems_status",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # clinical records are archived, never deleted


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "patient", "method", "path")
    list_filter = ("method",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClinicSettings)
class ClinicSettingsAdmin(SimpleHistoryAdmin):
    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deleting the row would silently reset every threshold and fee (a DB trigger refuses it too)


admin.site.register([Chair, OpeningHours, StaffShift], SimpleHistoryAdmin)
admin.site.site_header = "Clinic tracker administration"
