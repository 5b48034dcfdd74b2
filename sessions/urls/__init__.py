"""URL patterns of the treatment domain, one module per area."""

from . import billing, home

urlpatterns = [*billing.urlpatterns, *home.urlpatterns]
