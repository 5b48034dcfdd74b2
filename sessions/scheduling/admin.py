"""Django admin for scheduling: read-only, so no admin route can double-book or skip the services.

Bookings are changed through the scheduling pages (booking.py), which check chairs, patients, opening
hours, spacing and the optimistic lock.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from sessions.models import Course, CourseReview, Ride, SentReminder, TreatmentSession


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = ("patient", "protocol", "current_phase", "status", "start_date")
    list_filter = ("status", "protocol")
    list_select_related = ("patient", "protocol", "current_phase")


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(ReadOnlyAdmin):
    list_display = ("planned_start", "chair", "patient", "number", "phase", "status")
    list_filter = ("status", "chair")
    list_select_related = ("patient", "chair", "phase")
    date_hierarchy = "planned_start"


@admin.register(Ride)
class RideAdmin(ReadOnlyAdmin):
    list_display = ("session", "driver_name", "status")
    list_select_related = ("session__patient",)


@admin.register(CourseReview)
class CourseReviewAdmin(ReadOnlyAdmin):
    list_display = ("course", "decision", "reviewed_by", "reviewed_at")


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    list_display = ("session", "kind", "sent_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
