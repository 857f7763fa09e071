"""The ledger's database triggers, for tests that must get past them (as an insider
would, or as SQLite's flush between transactional tests must)."""

import importlib

from django.db import connection

migration = importlib.import_module("shop.ledger.migrations.0003_balanced_and_append_only")


def drop_triggers():
    with connection.cursor() as cursor:
        for statement in migration.drop_sql(connection.vendor):
            cursor.execute(statement)


def create_triggers():
    with connection.cursor() as cursor:
        for statement in migration.create_sql(connection.vendor):
            cursor.execute(statement)


def empty_books():
    """Delete the ledger's rows past its append-only triggers, then put them back:
    Django empties the tables after a transactional test with DELETE on SQLite,
    which the triggers refuse (PostgreSQL truncates)."""
    drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_leg")
        cursor.execute("DELETE FROM ledger_transaction")
    create_triggers()
