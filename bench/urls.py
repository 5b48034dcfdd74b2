"""The app's URLs plus one bare view, for ``manage.py bench`` only (it sets ``ROOT_URLCONF`` to this
module for its own process): the request floor is measured against an anonymous view that returns a
short string through the same middleware."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/bare", bare, name="bench_bare"),
    path("", include("clinic.urls")),
]
