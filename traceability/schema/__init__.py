from traceability.schema.mutations import TraceabilityMutations
from traceability.schema.queries import TraceabilityQueries
from traceability.schema.types import batch_catalog_fields

__all__ = ["TraceabilityMutations", "TraceabilityQueries", "batch_catalog_fields"]
