"""URL patterns of the treatment domain, one module per area."""

from . import home

urlpatterns = [*home.urlpatterns]
