from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from sessions.models import Protocol, ProtocolPhase


class PhaseInline(admin.TabularInline):
    model = ProtocolPhase
    extra = 0


@admin.register(Protocol)
class ProtocolAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "treatment", "is_active")
    inlines = [PhaseInline]


from sessions.scheduling import admin as admin_scheduling  # noqa: E402, F401  (read-only scheduling admin)
