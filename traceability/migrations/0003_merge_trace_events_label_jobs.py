"""Joins the two migrations that issue 12's events and label jobs added side by side."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("traceability", "0002_label_jobs"),
        ("traceability", "0002_trace_events"),
    ]

    operations = []
