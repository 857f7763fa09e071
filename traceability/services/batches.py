"""Every write to batches, their serials and photos.

As in `catalog.services`: each function takes the acting user (`actor=`),
enforces the policy itself, checks all input first and reports every mistake
at once (one DomainError, snake_case fields, nothing written), writes in one
transaction and bumps the cache tags of the batch after commit.
"""

import secrets
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from catalog.images import validate_upload
from catalog.models import Farm, ProductVariant, Seller
from catalog.rules import clean_text
from shop.core.cache_tags import invalidate
from shop.core.db import lock_rows, violated_constraint
from shop.core.errors import Checks, DomainError
from shop.core.roles import Actor, require
from traceability import cache, facts
from traceability.errors import TraceabilityErrorCode as Code
from traceability.models import (
    BATCH_CODE_LENGTH,
    CODE_ALPHABET,
    SERIAL_CODE_LENGTH,
    SERIAL_LENGTH,
    Batch,
    BatchPhoto,
    Serial,
)
from traceability.policies import can_manage_batches
from traceability.rules import (
    check_best_before,
    clean_harvest_date,
    clean_lot,
    clean_quantity,
    clean_unit,
)
from traceability.services import log

MAX_SERIALS_PER_CALL = 10_000
MAX_SERIALS_PER_BATCH = 100_000
# Random codes collide about never (2**49 batch codes, 2**59 serials); a few
# attempts cover the rare collision and still stop a broken generator.
ATTEMPTS = 5


def _require_manager(actor: Actor, seller: Seller) -> None:
    require(actor, can_manage_batches(actor, seller), _("You do not manage this seller."))


def random_code(length: int) -> str:
    """`length` characters of CODE_ALPHABET from the operating system's CSPRNG."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def create_batch(
    *,
    actor: Actor,
    variant: ProductVariant,
    farm: Farm | None,
    lot: str,
    harvest_date: Any,
    quantity: Any,
    unit: str,
    best_before: Any = None,
    notes: str | None = None,
) -> Batch:
    """A batch of `variant` from the same seller's `farm`, with a fresh random code."""
    _require_manager(actor, variant.seller)
    checks = Checks()
    if farm is None:
        checks.add(Code.REQUIRED, _("This field is required."), "farm")
    elif farm.seller_id != variant.seller_id:
        checks.add(Code.WRONG_SELLER, _("The farm belongs to another seller."), "farm")
    lot = checks.run(clean_lot, lot)
    harvest_date = checks.run(clean_harvest_date, harvest_date)
    checks.run(check_best_before, harvest_date, best_before)
    quantity = checks.run(clean_quantity, quantity)
    unit = checks.run(clean_unit, unit)
    notes = checks.run(clean_text, Batch, "notes", notes)
    checks.done()
    if Batch.objects.filter(seller_id=variant.seller_id, lot=lot).exists():
        raise _lot_taken()
    batch = Batch(
        seller_id=variant.seller_id,
        variant=variant,
        farm=farm,
        lot=lot,
        harvest_date=harvest_date,
        best_before=best_before,
        quantity=quantity,
        unit=unit,
        notes=notes,
        created_by=actor,  # type: ignore[misc]  # signed in: require() checked it
    )
    return _save_with_code(batch)


def _lot_taken() -> DomainError:
    return DomainError(Code.UNIQUE, _("This seller already has a batch with this lot."), "lot")


def _save_with_code(batch: Batch) -> Batch:
    """Insert `batch` under a random code, drawing another on a collision; a lot
    taken a moment ago by another request is the coded error, not a 500."""
    for _attempt in range(ATTEMPTS):
        batch.code = random_code(BATCH_CODE_LENGTH)
        try:
            with transaction.atomic():
                batch.save(force_insert=True)
                log.append_batch(batch)
                invalidate(*cache.batch_changed(batch.pk))
            return batch
        except IntegrityError as exc:
            batch.pk = None
            constraint = violated_constraint(exc, Batch)
            if constraint == "batch_lot_unique_per_seller":
                raise _lot_taken() from exc
            if constraint != "batch_code_unique":
                raise
    raise IntegrityError("no free batch code")


def new_serial() -> dict[str, str]:
    return {"serial": random_code(SERIAL_LENGTH), "code": random_code(SERIAL_CODE_LENGTH)}


def generate_serials(
    *, actor: Actor, batch: Batch, count: int, make: Callable[[], dict[str, str]] = new_serial
) -> int:
    """Add `count` (1 to 10,000) unit serials to `batch`, at most 100,000 in all;
    returns `count`.

    The batch row is locked, so concurrent calls add up and never pass the cap.
    Rows go in with bulk inserts that skip a colliding serial or code, then one
    count says how many went in, and the few missing are drawn again: a fixed
    number of queries, whatever `count` (bulk_create splits the insert only
    where the database limits a statement's parameters, 999 on SQLite).
    `make` draws one serial and code (tests give a generator that collides).
    """
    _require_manager(actor, batch.seller)
    if isinstance(count, bool) or not isinstance(count, int):
        raise DomainError(Code.INVALID_COUNT, _("Give a whole number of serials."), "count")
    if not 1 <= count <= MAX_SERIALS_PER_CALL:
        raise DomainError(
            Code.INVALID_COUNT,
            _("Generate between 1 and %d serials at a time.") % MAX_SERIALS_PER_CALL,
            "count",
        )
    with transaction.atomic():
        lock_rows(Batch.objects.only("pk"), [batch.pk])
        wanted = Serial.objects.filter(batch=batch).count() + count
        if wanted > MAX_SERIALS_PER_BATCH:
            raise DomainError(
                Code.TOO_MANY_SERIALS,
                _("A batch has at most %d serials.") % MAX_SERIALS_PER_BATCH,
                "count",
            )
        missing = count
        for _attempt in range(ATTEMPTS):
            rows = [Serial(batch=batch, **make()) for _ in range(missing)]
            Serial.objects.bulk_create(rows, ignore_conflicts=True)
            missing = wanted - Serial.objects.filter(batch=batch).count()
            if not missing:
                invalidate(*cache.batch_changed(batch.pk))
                return count
        raise IntegrityError("no free serials")


def add_batch_photo(*, actor: Actor, batch: Batch, upload: Any, alt: str | None = "") -> BatchPhoto:
    """A photo of the batch (the field, the harvest), checked as product pictures are,
    with the SHA-256 of its bytes (storage keeps them as uploaded), by which a step's
    document names it."""
    _require_manager(actor, batch.seller)
    checks = Checks()
    alt = checks.run(clean_text, BatchPhoto, "alt", alt)
    size = checks.run(validate_upload, upload)
    checks.done()
    photo = BatchPhoto(
        batch=batch,
        alt=alt,
        width=size[0],
        height=size[1],
        sha256=facts.file_sha256(upload),
    )
    try:
        with transaction.atomic():
            photo.image.save(upload.name, upload, save=False)
            photo.save()
            invalidate(*cache.batch_changed(batch.pk))
    except Exception:
        if photo.image:
            # The file reached storage but its row did not: leave nothing behind.
            photo.image.delete(save=False)
        raise
    return photo
