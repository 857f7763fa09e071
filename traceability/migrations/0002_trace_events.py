"""Trace events, their batch links and signed checkpoints, append-only.

Besides the tables, triggers make the database refuse an UPDATE or DELETE of
a trace event, a batch link or a checkpoint, whatever the client (PostgreSQL:
a PL/pgSQL function raising; SQLite: RAISE(ABORT)). They stop mistakes and
ordinary access; someone who can drop a trigger can rewrite rows, and then the
hash chains and signed checkpoints (`traceability.integrity`) tell.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLES = ("traceability_traceevent", "traceability_traceeventbatch", "traceability_checkpoint")
MESSAGE = "trace records are append-only"


def create_sql(vendor):
    """The statements that install the triggers on `vendor` (none on another database)."""
    if vendor == "postgresql":
        yield (
            "CREATE OR REPLACE FUNCTION traceability_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION USING MESSAGE = TG_OP || ' on ' || TG_TABLE_NAME || "
            f"': {MESSAGE}', ERRCODE = 'integrity_constraint_violation'; END $$"
        )
        for table in TABLES:
            yield (
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION traceability_append_only()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in ("UPDATE", "DELETE"):
                yield (
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, '{operation} on {table}: {MESSAGE}'); END"
                )


def drop_sql(vendor):
    for table in TABLES:
        if vendor == "postgresql":
            yield f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"
        elif vendor == "sqlite":
            for operation in ("update", "delete"):
                yield f"DROP TRIGGER IF EXISTS {table}_no_{operation}"
    if vendor == "postgresql":
        yield "DROP FUNCTION IF EXISTS traceability_append_only()"


def create_triggers(apps, schema_editor):
    for statement in create_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_seller_rejection"),
        ("traceability", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Checkpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("document", models.JSONField(verbose_name="signed document")),
                ("signed_at", models.DateTimeField(verbose_name="signed at")),
                ("key_id", models.CharField(max_length=64, verbose_name="key id")),
                (
                    "last_event",
                    models.PositiveBigIntegerField(
                        help_text="The newest event the checkpoint covers.",
                        null=True,
                        verbose_name="last event",
                    ),
                ),
            ],
            options={
                "verbose_name": "trace checkpoint",
                "verbose_name_plural": "trace checkpoints",
                "ordering": ["-id"],
            },
        ),
        migrations.CreateModel(
            name="TraceEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "event_type",
                    models.CharField(
                        choices=[
                            ("ObjectEvent", "Object event"),
                            ("AggregationEvent", "Aggregation event"),
                            ("TransformationEvent", "Transformation event"),
                            ("AssociationEvent", "Association event"),
                            ("TransactionEvent", "Transaction event"),
                        ],
                        max_length=20,
                        verbose_name="event type",
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        blank=True,
                        choices=[("ADD", "Add"), ("OBSERVE", "Observe"), ("DELETE", "Delete")],
                        max_length=8,
                        verbose_name="action",
                    ),
                ),
                (
                    "biz_step",
                    models.CharField(
                        choices=[
                            ("accepting", "Accepting"),
                            ("arriving", "Arriving"),
                            ("assembling", "Assembling"),
                            ("collecting", "Collecting"),
                            ("commissioning", "Commissioning"),
                            ("consigning", "Consigning"),
                            ("creating_class_instance", "Creating class instance"),
                            ("cycle_counting", "Cycle counting"),
                            ("decommissioning", "Decommissioning"),
                            ("departing", "Departing"),
                            ("destroying", "Destroying"),
                            ("disassembling", "Disassembling"),
                            ("dispensing", "Dispensing"),
                            ("encoding", "Encoding"),
                            ("entering_exiting", "Entering or exiting"),
                            ("holding", "Holding"),
                            ("inspecting", "Inspecting"),
                            ("installing", "Installing"),
                            ("killing", "Killing"),
                            ("loading", "Loading"),
                            ("other", "Other"),
                            ("packing", "Packing"),
                            ("picking", "Picking"),
                            ("receiving", "Receiving"),
                            ("removing", "Removing"),
                            ("repackaging", "Repackaging"),
                            ("repairing", "Repairing"),
                            ("replacing", "Replacing"),
                            ("reserving", "Reserving"),
                            ("retail_selling", "Retail selling"),
                            ("shipping", "Shipping"),
                            ("staging_outbound", "Staging outbound"),
                            ("stock_taking", "Stock taking"),
                            ("stocking", "Stocking"),
                            ("storing", "Storing"),
                            ("transporting", "Transporting"),
                            ("unloading", "Unloading"),
                            ("unpacking", "Unpacking"),
                            ("void_shipping", "Void shipping"),
                            ("sensor_reporting", "Sensor reporting"),
                            ("sampling", "Sampling"),
                        ],
                        max_length=30,
                        verbose_name="business step",
                    ),
                ),
                (
                    "disposition",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("container_closed", "Container closed"),
                            ("damaged", "Damaged"),
                            ("destroyed", "Destroyed"),
                            ("dispensed", "Dispensed"),
                            ("disposed", "Disposed"),
                            ("encoded", "Encoded"),
                            ("expired", "Expired"),
                            ("in_progress", "In progress"),
                            ("in_transit", "In transit"),
                            ("inactive", "Inactive"),
                            ("no_pedigree_match", "No pedigree match"),
                            ("non_sellable_other", "Not sellable (other)"),
                            ("partially_dispensed", "Partially dispensed"),
                            ("recalled", "Recalled"),
                            ("reserved", "Reserved"),
                            ("retail_sold", "Sold at retail"),
                            ("returned", "Returned"),
                            ("sellable_accessible", "Sellable and accessible"),
                            ("sellable_not_accessible", "Sellable, not accessible"),
                            ("stolen", "Stolen"),
                            ("unknown", "Unknown"),
                            ("available", "Available"),
                            ("completeness_verified", "Completeness verified"),
                            ("completeness_inferred", "Completeness inferred"),
                            ("conformant", "Conformant"),
                            ("container_open", "Container open"),
                            ("mismatch_instance", "Instance mismatch"),
                            ("mismatch_class", "Class mismatch"),
                            ("mismatch_quantity", "Quantity mismatch"),
                            ("needs_replacement", "Needs replacement"),
                            ("non_conformant", "Non-conformant"),
                            ("unavailable", "Unavailable"),
                        ],
                        max_length=30,
                        verbose_name="disposition",
                    ),
                ),
                ("event_time", models.DateTimeField(verbose_name="event time")),
                (
                    "event_time_zone_offset",
                    models.CharField(max_length=6, verbose_name="time-zone offset"),
                ),
                ("record_time", models.DateTimeField(verbose_name="record time")),
                ("document", models.JSONField(verbose_name="EPCIS document")),
                ("content_hash", models.CharField(max_length=64, verbose_name="content hash")),
                ("previous", models.JSONField(verbose_name="previous hashes")),
                (
                    "corrects",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="corrections",
                        to="traceability.traceevent",
                        verbose_name="declares wrong",
                    ),
                ),
                (
                    "photo",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="trace_events",
                        to="traceability.batchphoto",
                        verbose_name="photo",
                    ),
                ),
                (
                    "read_point",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="trace_events",
                        to="catalog.farm",
                        verbose_name="read point",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
                (
                    "seller",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="trace_events",
                        to="catalog.seller",
                        verbose_name="seller",
                    ),
                ),
            ],
            options={
                "verbose_name": "trace event",
                "verbose_name_plural": "trace events",
                "ordering": ["id"],
            },
        ),
        migrations.CreateModel(
            name="TraceEventBatch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("subject", "subject"),
                            ("input", "input"),
                            ("output", "output"),
                            ("parent", "parent"),
                            ("child", "child"),
                        ],
                        max_length=8,
                        verbose_name="role",
                    ),
                ),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="trace_links",
                        to="traceability.batch",
                        verbose_name="batch",
                    ),
                ),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="links",
                        to="traceability.traceevent",
                        verbose_name="event",
                    ),
                ),
            ],
            options={
                "verbose_name": "trace event batch",
                "verbose_name_plural": "trace event batches",
                "ordering": ["event_id", "batch_id"],
            },
        ),
        migrations.AddField(
            model_name="traceevent",
            name="batches",
            field=models.ManyToManyField(
                related_name="trace_events",
                through="traceability.TraceEventBatch",
                to="traceability.batch",
                verbose_name="batches",
            ),
        ),
        migrations.AddIndex(
            model_name="traceeventbatch",
            index=models.Index(fields=["batch", "event"], name="trace_link_chain"),
        ),
        migrations.AddConstraint(
            model_name="traceeventbatch",
            constraint=models.UniqueConstraint(
                fields=("event", "batch"), name="trace_event_batch_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="traceevent",
            constraint=models.UniqueConstraint(
                fields=("corrects",), name="trace_event_corrected_once"
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
