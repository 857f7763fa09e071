"""The operator's verification queue (placeholder until its pages land)."""

from django.http import Http404
from django.urls import path


def _placeholder(request):
    raise Http404


urlpatterns = [
    path("operator/sellers/", _placeholder, name="verification_queue"),
]
