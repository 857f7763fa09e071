"""Traceability's GraphQL layer: the queries and mutations of each of its parts.

The fields come in the schema (graphql/schema.graphql) in the reverse order of
the bases: reordering these reorders the contract."""

import graphene

from traceability.schema.events import EventMutations, EventQueries
from traceability.schema.labels import LabelMutations, LabelQueries
from traceability.schema.mutations import BatchMutations
from traceability.schema.provenance import ProvenanceQueries
from traceability.schema.queries import BatchQueries
from traceability.schema.scans import ScanQueries
from traceability.schema.steps import StepQueries


class TraceabilityQueries(
    StepQueries,
    ScanQueries,
    BatchQueries,
    EventQueries,
    LabelQueries,
    ProvenanceQueries,
    graphene.ObjectType,
):
    """Every traceability query: batches, events, labels, provenance, scans and steps."""


class TraceabilityMutations(BatchMutations, EventMutations, LabelMutations, graphene.ObjectType):
    """Every traceability mutation: batches, events and labels."""
