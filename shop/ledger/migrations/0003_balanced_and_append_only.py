"""The database keeps the books honest, whoever writes to it.

- Transactions and legs are append-only: an UPDATE or DELETE is refused
  (PostgreSQL: a PL/pgSQL function raising; SQLite: RAISE(ABORT)).
- On PostgreSQL a constraint trigger, deferred to commit, refuses a
  transaction whose legs do not sum to zero: a posting cannot half-land,
  and a raw INSERT of one leg fails when its transaction commits. SQLite has
  no deferred triggers; there `shop.ledger.services.post` checks the sum.
"""

from django.db import migrations

TABLES = ("ledger_transaction", "ledger_leg")
MESSAGE = "ledger records are append-only"


def create_sql(vendor):
    if vendor == "postgresql":
        yield (
            "CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION USING MESSAGE = TG_OP || ' on ' || TG_TABLE_NAME || "
            f"': {MESSAGE}', ERRCODE = 'integrity_constraint_violation'; END $$"
        )
        for table in TABLES:
            yield (
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
            )
        yield (
            "CREATE OR REPLACE FUNCTION ledger_transaction_balances() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ DECLARE total numeric; BEGIN "
            "SELECT COALESCE(SUM(amount), 0) INTO total FROM ledger_leg "
            "WHERE transaction_id = NEW.transaction_id; "
            "IF total <> 0 THEN RAISE EXCEPTION USING MESSAGE = "
            "'ledger transaction ' || NEW.transaction_id || ' does not balance: ' || total, "
            "ERRCODE = 'integrity_constraint_violation'; END IF; RETURN NULL; END $$"
        )
        yield (
            "CREATE CONSTRAINT TRIGGER ledger_leg_balanced AFTER INSERT ON ledger_leg "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION ledger_transaction_balances()"
        )
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in ("UPDATE", "DELETE"):
                yield (
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, '{operation} on {table}: {MESSAGE}'); END"
                )


def drop_sql(vendor):
    if vendor == "postgresql":
        yield "DROP TRIGGER IF EXISTS ledger_leg_balanced ON ledger_leg"
        yield "DROP FUNCTION IF EXISTS ledger_transaction_balances()"
    for table in TABLES:
        if vendor == "postgresql":
            yield f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"
        elif vendor == "sqlite":
            for operation in ("update", "delete"):
                yield f"DROP TRIGGER IF EXISTS {table}_no_{operation}"
    if vendor == "postgresql":
        yield "DROP FUNCTION IF EXISTS ledger_append_only()"


def create_triggers(apps, schema_editor):
    for statement in create_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
