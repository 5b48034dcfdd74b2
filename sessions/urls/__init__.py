"""URL patterns of the treatment domain, one module per area."""

from . import billing, home, scheduling

urlpatterns = [*billing.urlpatterns, *home.urlpatterns, *scheduling.urlpatterns]
