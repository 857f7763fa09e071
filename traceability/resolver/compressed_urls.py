"""Compressed Digital Links (`gs1.compression`), mounted after every page of the
site: one last segment of URL-safe base64 that starts as a GTIN's data does
(AI 01, or an optimisation code holding it), after any custom path."""

from django.urls import re_path

from traceability.resolver import views
from traceability.resolver.urls import NOT_SITE

app_name = "resolver_compressed"
urlpatterns = [
    re_path(
        rf"^{NOT_SITE}(?:[^/]+/)*(?:A[Q-Za-f]|[CDGHKLop])[A-Za-z0-9_-]{{8,}}$",
        views.compressed_link_page,
        name="compressed_digital_link",
    ),
]
