"""On PostgreSQL the nodes' unique index carries the hash, so a proof's nodes are
read from the index alone. Django declares such constraints for PostgreSQL only
(on SQLite none would be made at all), so the model keeps the plain constraint
and this migration swaps its index on PostgreSQL."""

from django.db import migrations

CONSTRAINT = "ALTER TABLE traceability_lognode DROP CONSTRAINT log_node_once, ADD CONSTRAINT log_node_once UNIQUE (level, \"index\"){}"


def with_hash(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSTRAINT.format(" INCLUDE (hash)"))


def without_hash(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSTRAINT.format(""))


class Migration(migrations.Migration):

    dependencies = [
        ('traceability', '0008_transparency_log'),
    ]

    operations = [
        migrations.RunPython(with_hash, without_hash),
    ]
