"""Batches and serials in the operators' admin, to look at only: they are
written through `traceability.services.batches` (the API and the farmer's pages), and
a traceability record is never edited or deleted."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from shop.core.admin import NothingWritten, ReadOnlyAdmin
from traceability import models


class PhotoInline(NothingWritten, admin.TabularInline):
    model = models.BatchPhoto
    extra = 0
    fields = readonly_fields = (
        "image",
        "width",
        "height",
        "alt",
        "sha256",
        "audited_sha256",
        "created_at",
    )


@admin.register(models.Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["lot", "code", "seller", "variant", "farm", "harvest_date", "quantity", "unit"]
    list_filter = ["unit", "harvest_date"]
    list_select_related = ["seller", "variant__product", "farm"]
    search_fields = ["lot", "code", "seller__name"]
    inlines = [PhotoInline]


@admin.register(models.Serial)
class SerialAdmin(ReadOnlyAdmin):
    list_display = ["serial", "code", "batch", "created_at"]
    list_select_related = ["batch"]
    search_fields = ["serial", "code", "batch__lot"]
    raw_id_fields = ["batch"]
    show_full_result_count = False  # a batch may have 100,000 serials


class EventLinkInline(admin.TabularInline):
    model = models.TraceEventBatch
    extra = 0
    fields = readonly_fields = ("batch", "role")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(models.TraceEvent)
class TraceEventAdmin(ReadOnlyAdmin):
    """Trace events are append-only: recorded through `traceability.services.events`, corrected
    by new events, never changed here (the database refuses it too)."""

    list_display = ["id", "event_type", "biz_step", "disposition", "event_time", "seller"]
    list_filter = ["event_type", "biz_step"]
    list_select_related = ["seller"]
    search_fields = ["content_hash", "seller__name"]
    raw_id_fields = ["corrects", "photo", "read_point"]
    inlines = [EventLinkInline]
    show_full_result_count = False


@admin.register(models.LogCheckpoint)
class LogCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["size", "signed_at"]
    show_full_result_count = False


@admin.register(models.LogAlert)
class LogAlertAdmin(ReadOnlyAdmin):
    """What the signer refused and the audits found, naming the record at fault."""

    list_display = ["raised_at", "kind", "reason", "event_id", "leaf_index", "batch_id", "detail"]
    list_filter = ["kind", "reason"]
