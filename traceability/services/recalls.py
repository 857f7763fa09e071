"""What commerce does to batches: pack units from them, and recall them."""

from collections.abc import Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.utils.translation import gettext_lazy as _

from catalog.rules import clean_text
from shop.core.cache_tags import invalidate
from shop.core.db import lock_rows
from shop.core.errors import DomainError
from shop.core.roles import PLATFORM_ONLY, Actor, require
from traceability import cache
from traceability.errors import TraceabilityErrorCode as Code
from traceability.models import Batch, BatchRecall
from traceability.policies import can_pack_batches, can_recall_batch


def move_packed(*, actor: Actor, deltas: Mapping[int, Decimal]) -> None:
    """Add `deltas` (batch pk → amount in the batch's unit, negative to put
    back) to the batches' packed quantity, in one lock and one UPDATE; a batch
    never packs more than it holds nor less than nothing, or nothing changes.
    The caller holds the transaction (batches are locked last)."""
    require(actor, can_pack_batches(actor), PLATFORM_ONLY)
    deltas = {pk: delta for pk, delta in deltas.items() if delta}
    if not deltas:
        return
    locked = lock_rows(Batch.objects.only("pk", "quantity", "quantity_packed"), deltas)
    after = {pk: locked[pk].quantity_packed + delta for pk, delta in deltas.items()}
    if any(not 0 <= packed <= locked[pk].quantity for pk, packed in after.items()):
        raise DomainError(
            Code.INVALID_QUANTITY, _("The batch does not hold that much."), "quantity"
        )
    Batch.objects.filter(pk__in=after).update(
        quantity_packed=Case(*(When(pk=pk, then=Value(n)) for pk, n in after.items()))
    )


def recall_batch(*, actor: Actor, batch: Batch, reason: str) -> BatchRecall:
    """Withdraw `batch` for safety, once: its public answers say so from now on."""
    require(actor, can_recall_batch(actor, batch.seller), _("You do not manage this seller."))
    reason = clean_text(BatchRecall, "reason", reason, required=True)
    try:
        with transaction.atomic():
            recall = BatchRecall.objects.create(batch=batch, reason=reason, recalled_by_id=actor.pk)
    except IntegrityError:
        raise DomainError(
            Code.ALREADY_RECALLED, _("This batch has already been recalled."), "batch"
        ) from None
    invalidate(*cache.batch_changed(batch.pk))
    return recall
