"""Turning a seller's registration back: the service, the queue's selector and the API."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog import selectors, services
from catalog.errors import CatalogErrorCode
from catalog.models import Seller
from shop.core.errors import DomainError, NotAllowed
from tests.helpers.catalog import SELLER_DATA
from tests.helpers.ids import gid

REJECT = """
mutation($id: ID!, $reason: String!) {
  sellerReject(id: $id, reason: $reason) {
    seller { rejectionReason rejectedAt isVerified }
    errors { field code message }
  }
}"""
SELLER = "query($id: ID!) { node(id: $id) { ... on Seller { rejectionReason rejectedAt } } }"


@pytest.fixture
def pending(seller_user):
    return services.create_seller(actor=seller_user, **{**SELLER_DATA, "name": "待审核合作社"})


def _row(seller):
    return Seller.objects.filter(pk=seller.pk).values().get()


def test_an_operator_rejects_with_a_reason_and_the_seller_leaves_the_queue(operator, pending):
    assert list(selectors.sellers_awaiting_verification(operator)) == [pending]
    rejected = services.reject_seller(actor=operator, seller=pending, reason="  缺少营业执照  ")
    assert rejected.rejection_reason == "缺少营业执照"
    assert rejected.rejected_at is not None and not rejected.is_verified
    assert not selectors.sellers_awaiting_verification(operator).exists()


def test_a_member_correcting_the_details_puts_it_back_keeping_the_reason(
    operator, seller_user, pending
):
    services.reject_seller(actor=operator, seller=pending, reason="村名不对")
    pending.refresh_from_db()
    services.update_seller(actor=seller_user, seller=pending, village="王龙潭村")
    pending.refresh_from_db()
    assert pending.rejected_at is None and pending.rejection_reason == "村名不对"
    assert list(selectors.sellers_awaiting_verification(operator)) == [pending]


def test_verifying_clears_a_rejection(operator, pending):
    services.reject_seller(actor=operator, seller=pending, reason="村名不对")
    verified = services.verify_seller(actor=operator, seller=pending)
    assert verified.is_verified and verified.rejected_at is None
    assert verified.rejection_reason == ""


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", CatalogErrorCode.REQUIRED), ("   ", CatalogErrorCode.REQUIRED), ("长" * 1001, "invalid")],
)
def test_a_reason_is_required_and_limited(operator, pending, reason, code):
    before = _row(pending)
    with pytest.raises(DomainError) as refused:
        services.reject_seller(actor=operator, seller=pending, reason=reason)
    [error] = refused.value.errors
    assert error.field == "rejection_reason"
    assert error.code.value == getattr(code, "value", code)
    assert _row(pending) == before


def test_a_verified_seller_cannot_be_rejected(operator, seller):
    before = _row(seller)
    with pytest.raises(DomainError) as refused:
        services.reject_seller(actor=operator, seller=seller, reason="资料不全")
    assert refused.value.errors[0].code == CatalogErrorCode.ALREADY_VERIFIED
    assert _row(seller) == before


@pytest.mark.parametrize("who", ["anonymous", "member", "customer"])
def test_only_operators_reject(who, pending, seller_user, customer):
    actor = {"anonymous": AnonymousUser(), "member": seller_user, "customer": customer}[who]
    before = _row(pending)
    with pytest.raises(NotAllowed):
        services.reject_seller(actor=actor, seller=pending, reason="资料不全")
    assert _row(pending) == before
    assert not selectors.sellers_awaiting_verification(actor).exists()


def test_the_database_refuses_a_verified_seller_that_is_rejected(seller):
    with pytest.raises(IntegrityError), transaction.atomic():
        Seller.objects.filter(pk=seller.pk).update(rejected_at=timezone.now())


def test_the_api_rejects_and_shows_the_reason_to_members_and_operators_only(
    gql, operator, seller_user, customer, pending
):
    payload = gql(operator).execute(REJECT, {"id": gid(pending), "reason": "缺少营业执照"})
    result = payload["sellerReject"]
    assert result["errors"] == []
    assert result["seller"]["rejectionReason"] == "缺少营业执照" and result["seller"]["rejectedAt"]
    mine = gql(seller_user).execute(SELLER, {"id": gid(pending)})["node"]
    assert mine["rejectionReason"] == "缺少营业执照" and mine["rejectedAt"]
    assert gql(customer).execute(SELLER, {"id": gid(pending)})["node"] is None


def test_the_api_hides_the_fields_from_other_viewers_of_a_visible_seller(gql, customer, seller):
    Seller.objects.filter(pk=seller.pk).update(rejection_reason="旧的理由")
    for viewer in (None, customer):
        node = gql(viewer).execute(SELLER, {"id": gid(seller)})["node"]
        assert node == {"rejectionReason": None, "rejectedAt": None}


@pytest.mark.parametrize(
    ("reason", "field", "code"), [("", "rejectionReason", "REQUIRED"), ("x", None, None)]
)
def test_the_api_reports_coded_errors(gql, operator, pending, seller, reason, field, code):
    target = pending if code else seller
    result = gql(operator).execute(REJECT, {"id": gid(target), "reason": reason})["sellerReject"]
    [error] = result["errors"]
    assert error["field"] == field
    assert error["code"] == (code or "ALREADY_VERIFIED")
    assert result["seller"] is None


def test_the_api_refuses_non_operators(gql, seller_user, pending):
    assert gql().error_code(REJECT, {"id": gid(pending), "reason": "x"}) == "UNAUTHENTICATED"
    code = gql(seller_user).error_code(REJECT, {"id": gid(pending), "reason": "x"})
    assert code == "PERMISSION_DENIED"
    assert _row(pending)["rejected_at"] is None
