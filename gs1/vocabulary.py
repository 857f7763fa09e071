"""The GS1 Core Business Vocabulary (CBV 2.0) terms that EPCIS 2.0 events use.

Business steps and dispositions are exactly the CBV 2.0 lists, in the order of
the EPCIS 2.0 JSON schema's enums (``tests/traceability/epcis/bizStep-JSON-Schema.json``
and ``disposition-JSON-Schema.json``; a test compares them, and the JSON-LD
context's mappings). The values are the short CBV names that the EPCIS 2.0
JSON-LD context maps to ``https://ref.gs1.org/cbv/BizStep-...``; the labels are
ours, for people. There is no "harvesting" step: CBV records a harvest as
``commissioning`` (the lot comes into existence), drying and milling as
transformation events, grading as ``inspecting``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    """The five EPCIS 2.0 event types."""

    OBJECT = "ObjectEvent", _("Object event")
    AGGREGATION = "AggregationEvent", _("Aggregation event")
    TRANSFORMATION = "TransformationEvent", _("Transformation event")
    ASSOCIATION = "AssociationEvent", _("Association event")
    TRANSACTION = "TransactionEvent", _("Transaction event")


class Action(models.TextChoices):
    """What an object, aggregation, association or transaction event does to its objects."""

    ADD = "ADD", _("Add")
    OBSERVE = "OBSERVE", _("Observe")
    DELETE = "DELETE", _("Delete")


class BizStep(models.TextChoices):
    """CBV 2.0 business steps."""

    ACCEPTING = "accepting", _("Accepting")
    ARRIVING = "arriving", _("Arriving")
    ASSEMBLING = "assembling", _("Assembling")
    COLLECTING = "collecting", _("Collecting")
    COMMISSIONING = "commissioning", _("Commissioning")
    CONSIGNING = "consigning", _("Consigning")
    CREATING_CLASS_INSTANCE = "creating_class_instance", _("Creating class instance")
    CYCLE_COUNTING = "cycle_counting", _("Cycle counting")
    DECOMMISSIONING = "decommissioning", _("Decommissioning")
    DEPARTING = "departing", _("Departing")
    DESTROYING = "destroying", _("Destroying")
    DISASSEMBLING = "disassembling", _("Disassembling")
    DISPENSING = "dispensing", _("Dispensing")
    ENCODING = "encoding", _("Encoding")
    ENTERING_EXITING = "entering_exiting", _("Entering or exiting")
    HOLDING = "holding", _("Holding")
    INSPECTING = "inspecting", _("Inspecting")
    INSTALLING = "installing", _("Installing")
    KILLING = "killing", _("Killing")
    LOADING = "loading", _("Loading")
    OTHER = "other", _("Other")
    PACKING = "packing", _("Packing")
    PICKING = "picking", _("Picking")
    RECEIVING = "receiving", _("Receiving")
    REMOVING = "removing", _("Removing")
    REPACKAGING = "repackaging", _("Repackaging")
    REPAIRING = "repairing", _("Repairing")
    REPLACING = "replacing", _("Replacing")
    RESERVING = "reserving", _("Reserving")
    RETAIL_SELLING = "retail_selling", _("Retail selling")
    SHIPPING = "shipping", _("Shipping")
    STAGING_OUTBOUND = "staging_outbound", _("Staging outbound")
    STOCK_TAKING = "stock_taking", _("Stock taking")
    STOCKING = "stocking", _("Stocking")
    STORING = "storing", _("Storing")
    TRANSPORTING = "transporting", _("Transporting")
    UNLOADING = "unloading", _("Unloading")
    UNPACKING = "unpacking", _("Unpacking")
    VOID_SHIPPING = "void_shipping", _("Void shipping")
    SENSOR_REPORTING = "sensor_reporting", _("Sensor reporting")
    SAMPLING = "sampling", _("Sampling")


class Disposition(models.TextChoices):
    """CBV 2.0 dispositions: the business state of the objects after the event."""

    ACTIVE = "active", _("Active")
    CONTAINER_CLOSED = "container_closed", _("Container closed")
    DAMAGED = "damaged", _("Damaged")
    DESTROYED = "destroyed", _("Destroyed")
    DISPENSED = "dispensed", _("Dispensed")
    DISPOSED = "disposed", _("Disposed")
    ENCODED = "encoded", _("Encoded")
    EXPIRED = "expired", _("Expired")
    IN_PROGRESS = "in_progress", _("In progress")
    IN_TRANSIT = "in_transit", _("In transit")
    INACTIVE = "inactive", _("Inactive")
    NO_PEDIGREE_MATCH = "no_pedigree_match", _("No pedigree match")
    NON_SELLABLE_OTHER = "non_sellable_other", _("Not sellable (other)")
    PARTIALLY_DISPENSED = "partially_dispensed", _("Partially dispensed")
    RECALLED = "recalled", _("Recalled")
    RESERVED = "reserved", _("Reserved")
    RETAIL_SOLD = "retail_sold", _("Sold at retail")
    RETURNED = "returned", _("Returned")
    SELLABLE_ACCESSIBLE = "sellable_accessible", _("Sellable and accessible")
    SELLABLE_NOT_ACCESSIBLE = "sellable_not_accessible", _("Sellable, not accessible")
    STOLEN = "stolen", _("Stolen")
    UNKNOWN = "unknown", _("Unknown")
    AVAILABLE = "available", _("Available")
    COMPLETENESS_VERIFIED = "completeness_verified", _("Completeness verified")
    COMPLETENESS_INFERRED = "completeness_inferred", _("Completeness inferred")
    CONFORMANT = "conformant", _("Conformant")
    CONTAINER_OPEN = "container_open", _("Container open")
    MISMATCH_INSTANCE = "mismatch_instance", _("Instance mismatch")
    MISMATCH_CLASS = "mismatch_class", _("Class mismatch")
    MISMATCH_QUANTITY = "mismatch_quantity", _("Quantity mismatch")
    NEEDS_REPLACEMENT = "needs_replacement", _("Needs replacement")
    NON_CONFORMANT = "non_conformant", _("Non-conformant")
    UNAVAILABLE = "unavailable", _("Unavailable")


class ErrorReason(models.TextChoices):
    """CBV 2.0 reasons for an error declaration."""

    DID_NOT_OCCUR = "did_not_occur", _("Did not occur")
    INCORRECT_DATA = "incorrect_data", _("Incorrect data")
