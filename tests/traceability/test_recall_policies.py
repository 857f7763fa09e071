"""What commerce does to batches enforces its own policies: only the system
counts units packed for orders, and only the batch's seller's managers and
operators recall it; every refusal leaves the batch as it was."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from shop.core.errors import DomainError, NotAllowed
from shop.core.roles import SYSTEM
from traceability.errors import TraceabilityErrorCode
from traceability.models import Batch, BatchRecall
from traceability.services.recalls import move_packed, recall_batch

ROLES = ["anonymous", "customer", "station_staff", "other_seller", "seller", "operator"]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_system_counts_packed_units(role, users_by_role, batch):
    with pytest.raises(NotAllowed):
        move_packed(actor=users_by_role[role] or AnonymousUser(), deltas={batch.pk: Decimal(1)})
    move_packed(actor=SYSTEM, deltas={batch.pk: Decimal(1)})
    assert Batch.objects.get(pk=batch.pk).quantity_packed == 1


def test_a_batch_never_packs_more_than_it_holds(batch):
    with pytest.raises(DomainError) as refused:
        move_packed(actor=SYSTEM, deltas={batch.pk: batch.quantity + 1})
    assert refused.value.code == TraceabilityErrorCode.INVALID_QUANTITY
    assert Batch.objects.get(pk=batch.pk).quantity_packed == 0


@pytest.mark.parametrize("role", ROLES)
def test_recall_is_for_the_sellers_managers_and_operators(role, users_by_role, batch):
    actor = users_by_role[role] or AnonymousUser()
    if role in ("seller", "operator"):
        recall = recall_batch(actor=actor, batch=batch, reason="检出霉变")
        assert recall.recalled_by == actor
        with pytest.raises(DomainError) as again:
            recall_batch(actor=actor, batch=batch, reason="再次")
        assert again.value.code == TraceabilityErrorCode.ALREADY_RECALLED
        return
    with pytest.raises(NotAllowed):
        recall_batch(actor=actor, batch=batch, reason="检出霉变")
    assert not BatchRecall.objects.exists()


def test_a_recall_needs_a_reason(seller_user, batch):
    with pytest.raises(DomainError) as refused:
        recall_batch(actor=seller_user, batch=batch, reason="  ")
    assert refused.value.code.value == "required" and refused.value.field == "reason"
