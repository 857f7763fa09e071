"""Records that are written once and never changed: the model base and its error.

Traceability's events, checkpoints and scans use it today; the ledger's
transactions and the stations' handover records will too.
"""

from collections.abc import Iterable
from typing import Any, NoReturn

from django.db import models


class AppendOnlyError(Exception):
    """A record of an append-only model was about to be changed or removed."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk changes: a record, once written, stays as it was."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("append-only records are never changed or deleted")

    def bulk_update(
        self, objs: Iterable[Any], fields: Iterable[str], batch_size: int | None = None
    ) -> NoReturn:
        raise AppendOnlyError("append-only records are never changed or deleted")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("append-only records are never changed or deleted")

    delete.queryset_only = True  # type: ignore[attr-defined]


class AppendOnlyModel(models.Model):
    """Inserted once, never saved again nor deleted (an app may back it with
    database triggers, as traceability's migration 0002 does)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("append-only records are never changed or deleted")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("append-only records are never changed or deleted")
