"""URL patterns of the treatment domain, one module per area."""

from . import billing, home, monitoring, scheduling

urlpatterns = [*billing.urlpatterns, *home.urlpatterns, *monitoring.urlpatterns, *scheduling.urlpatterns]
