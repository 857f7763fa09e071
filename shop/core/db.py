"""Database facts shared by the apps' services, and THE locking protocol."""

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar, cast

from django.db import IntegrityError, transaction
from django.db.models import Field, Model, QuerySet

M = TypeVar("M", bound=Model)


def lock_rows(rows: type[M] | QuerySet[M], pks: Iterable[Any]) -> dict[Any, M]:
    """Lock the rows of `rows` (a model, or a queryset of one table such as
    `Batch.objects.only("pk")`) whose primary keys are `pks`, until the
    transaction ends; return them by primary key, in primary-key order.

    THE locking protocol, so that two transactions never wait for each other
    in a circle (a deadlock): every row lock a service takes goes through here.

    - Rows of one kind are locked in one call, in primary-key order
      (`SELECT … ORDER BY pk FOR UPDATE`): two callers locking overlapping
      sets, whatever order they list them in, take the shared rows in the
      same order, so the later one waits instead of deadlocking.
    - Kinds are locked in this order, never an earlier kind after a later one:
      sellers; checkouts, then their lines; orders, then their fulfilments and
      lines; payments (the checkout or
      the order before its payments); stock (product variants); trace chains
      (batches), then the trace log's head (`lock_values`). No payment
      provider is called while stock is locked.

    `rows` may read related rows alongside (`select_related`): only the rows
    of its own table are locked.

    Outside a transaction a lock would end at once: that raises
    TransactionManagementError. A key with no row raises the model's
    DoesNotExist (on SQLite, which locks the whole database for a write
    instead, the rows are read the same way).
    """
    queryset = rows._default_manager.all() if isinstance(rows, type) else rows
    # `of=("self",)`: rows read alongside (select_related) are read, not locked.
    queryset = queryset.select_for_update(of=("self",))
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise transaction.TransactionManagementError("lock_rows needs a transaction")
    wanted = set(pks)
    locked = {row.pk: row for row in queryset.filter(pk__in=wanted).order_by("pk")}
    missing = wanted - locked.keys()
    if missing:
        model: Any = queryset.model
        raise model.DoesNotExist(f"no {model._meta.label} with primary key {sorted(missing)}")
    return locked


def lock_values(model: type[Model], pk: Any, fields: Sequence[str]) -> tuple[Any, ...] | None:
    """Lock one row of `model` as `lock_rows` does and return the values of its
    `fields` (None if there is no such row), by a plain statement: for a row
    locked on every request (a log's head), where building the ORM's query cost
    more than running it. Values come as the database driver gives them."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("lock_values needs a transaction")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(cast(Field, model._meta.get_field(name)).column) for name in fields)
    locking = " FOR UPDATE" if connection.features.has_select_for_update else ""
    statement = (
        f"SELECT {columns} FROM {quote(model._meta.db_table)} "  # noqa: S608 - quoted names
        f"WHERE {quote(model._meta.pk.column)} = %s{locking}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [pk])
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def lock_all(rows: QuerySet[M]) -> dict[Any, M]:
    """Lock every row of `rows` (one table, e.g. a checkout's lines), in
    primary-key order, as `lock_rows` does: for rows whose keys the caller
    does not know yet."""
    queryset = rows.select_for_update(of=("self",))
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise transaction.TransactionManagementError("lock_all needs a transaction")
    return {row.pk: row for row in queryset.order_by("pk")}


def violated_constraint(error: IntegrityError, model: type[Model]) -> str | None:
    """The name of the constraint of `model` that an IntegrityError reports, or None.

    PostgreSQL names it (psycopg's `diag.constraint_name`); SQLite names a
    CHECK constraint but only the columns of a UNIQUE one, which are matched
    to the model's named unique constraints.
    """
    diag = getattr(error.__cause__, "diag", None)
    if diag is not None and diag.constraint_name:
        return diag.constraint_name
    message = str(error)
    kind, _, detail = message.partition(" constraint failed: ")
    if kind == "CHECK":
        return detail.strip()
    if kind == "UNIQUE":
        columns = {column.strip().rpartition(".")[2] for column in detail.split(",")}
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", ())
            if fields and {cast(Field, model._meta.get_field(f)).column for f in fields} == columns:
                return constraint.name
    return None
