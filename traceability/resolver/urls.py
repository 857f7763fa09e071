"""The resolver's addresses. The composition root mounts them with the pages a
person sees: `include("traceability.resolver.urls"), {"pages": ...}`."""

from django.urls import re_path

from traceability.resolver import views

app_name = "resolver"
urlpatterns = [
    re_path(r"^01/(?P<rest>.*)$", views.digital_link_page, name="digital_link"),
    re_path(r"^t/(?P<code>[^/]{1,40})$", views.short_code_page, name="short_code"),
    re_path(r"^\.well-known/gs1resolver$", views.resolver_description, name="gs1resolver"),
]
