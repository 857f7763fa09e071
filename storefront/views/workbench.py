"""The farmer's workbench (placeholder until its pages land)."""

from django.http import Http404
from django.urls import path


def _placeholder(request):
    raise Http404


urlpatterns = [
    path("shop/", _placeholder, name="workbench"),
    path("shop/register/", _placeholder, name="seller_register"),
]
