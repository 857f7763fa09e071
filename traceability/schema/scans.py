"""`scanStats(batch)`: how often and where a batch's codes were scanned, for the
seller's members and operators; anyone else gets the permission error."""

from typing import Any

import graphene
from django.utils.translation import gettext_lazy as _

from shop.core.api.base import node_from_global_id
from shop.core.roles import require, require_login
from traceability import models
from traceability import scan_stats as stats
from traceability.policies import can_manage_batches

SerialFlagReasonEnum = graphene.Enum.from_enum(
    models.SerialFlag.Reason, name="SerialFlagReason", description="Why a serial was flagged."
)


class RegionScanCount(graphene.ObjectType):
    region = graphene.String(
        description="GB/T 2260 two-digit code of the province; null for scans naming no place."
    )
    name = graphene.String(description="The region's name in the request's language.")
    count = graphene.Int(required=True)
    km_from_seller = graphene.Int(
        description="Kilometres between its capital and that of the seller's province."
    )
    far = graphene.Boolean(
        required=True, description="Farther from the seller's province than goods usually go."
    )


class DayScanCount(graphene.ObjectType):
    day = graphene.Date(required=True, description="In the platform's time zone.")
    count = graphene.Int(required=True)


class FlaggedSerial(graphene.ObjectType):
    serial = graphene.String(required=True, description="The unit's serial (AI 21).")
    code = graphene.String(required=True, description="The unit's short-link code.")
    reason = SerialFlagReasonEnum(required=True)
    flagged_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_serial(root: models.SerialFlag, info: graphene.ResolveInfo) -> str:
        return root.serial.serial

    @staticmethod
    def resolve_code(root: models.SerialFlag, info: graphene.ResolveInfo) -> str:
        return root.serial.code


class ScanStats(graphene.ObjectType):
    """Scans of a batch's codes; they arrive here within about a minute."""

    seller_region = graphene.String(description="GB/T 2260 code of the seller's province.")
    total = graphene.Int(required=True)
    unique_serials = graphene.Int(required=True)
    first_scan_at = graphene.DateTime()
    last_scan_at = graphene.DateTime()
    regions = graphene.List(
        graphene.NonNull(RegionScanCount), required=True, description="Most scans first."
    )
    days = graphene.List(
        graphene.NonNull(DayScanCount),
        required=True,
        description="The last 30 days, oldest first, days without scans included.",
    )
    flagged_count = graphene.Int(required=True)
    flagged_serials = graphene.List(
        graphene.NonNull(FlaggedSerial),
        required=True,
        description="Serials scanned unusually often or far apart, newest first (at most 50).",
    )

    @staticmethod
    def resolve_flagged_serials(
        root: stats.ScanStats, info: graphene.ResolveInfo
    ) -> list[models.SerialFlag]:
        return root.flagged


class ScanQueries(graphene.ObjectType):
    scan_stats = graphene.Field(
        ScanStats,
        batch=graphene.ID(required=True),
        description="Scans of a batch of a seller you belong to (operators: any).",
    )

    @staticmethod
    def resolve_scan_stats(root: Any, info: graphene.ResolveInfo, batch: str) -> stats.ScanStats:
        actor = info.context.user
        require_login(actor)  # nobody signed in learns whether the batch exists
        batches = models.Batch.objects.select_related("seller")
        found = node_from_global_id(batch, "Batch", models.Batch, batches)
        require(
            actor,
            can_manage_batches(actor, found.seller),
            _("Only the seller's members and operators see its scans."),
        )
        return stats.scan_stats(found)
