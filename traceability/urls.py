"""Traceability's HTTP endpoints that are not pages: label sheet downloads and
the trace log. The resolver has its own (`traceability.resolver.urls`)."""

from django.urls import path

from traceability.views import log
from traceability.views.labels import label_job_download

urlpatterns = [
    path("labels/<uuid:job_id>/download/", label_job_download, name="label-job-download"),
    path("trace/log/checkpoint", log.checkpoint, name="trace-log-checkpoint"),
    path("trace/log/checkpoints", log.checkpoints, name="trace-log-checkpoints"),
    path("trace/log/leaves/<int:index>", log.leaf, name="trace-log-leaf"),
    path("trace/log/proof/inclusion", log.inclusion, name="trace-log-inclusion"),
    path("trace/log/proof/consistency", log.consistency, name="trace-log-consistency"),
    path(".well-known/trace-log-key", log.key, name="trace-log-key"),
]
