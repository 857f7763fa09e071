"""Traceability's HTTP endpoints that are not pages: label sheet downloads and
the published checkpoints. The resolver has its own (`traceability.resolver.urls`)."""

from django.urls import path

from traceability.views.checkpoints import checkpoints
from traceability.views.labels import label_job_download

urlpatterns = [
    path("labels/<uuid:job_id>/download/", label_job_download, name="label-job-download"),
    path("trace/checkpoints", checkpoints, name="trace-checkpoints"),
]
