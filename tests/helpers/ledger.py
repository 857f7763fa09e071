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
