from traceability.schema.mutations import TraceabilityMutations
from traceability.schema.queries import TraceabilityQueries as BatchQueries
from traceability.schema.scans import ScanQueries
from traceability.schema.types import batch_catalog_fields


class TraceabilityQueries(ScanQueries, BatchQueries):
    """Every traceability query: batches, events, labels and scans."""


__all__ = ["TraceabilityMutations", "TraceabilityQueries", "batch_catalog_fields"]
