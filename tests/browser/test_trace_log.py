"""A buyer on a phone (360 px, no JavaScript) reads that a bag's record is
verified and witnessed, follows the page to how records are checked, and checks
the farmer's receipt there. Threat: a record only the platform vouches for.
Property: what an independent witness cosigned, and what the log promised,
are shown and checkable from the page alone."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from catalog import services as catalog_services
from shop.core.roles import SYSTEM
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.browser import zh
from tests.helpers.events import (
    at,
    configured_witness,
    delete_trace_rows,
    harvest,
    observe,
    witness_cosigns,
)
from tests.helpers.users import make_user
from traceability.services import batches as services
from traceability.services import signing


@pytest.fixture
def witnessed(transactional_db, operator, settings):
    """A published product's batch, harvested and packed, checkpointed and cosigned
    by one configured witness. The trace rows go first at the end (see
    test_provenance.py's `traced`)."""
    member = make_user(phone="13800138011", name="刘冬生")
    seller = catalog_services.create_seller(
        actor=member,
        name="王龙潭紫米合作社",
        kind="cooperative",
        province="江西省",
        city="萍乡市",
        county="芦溪县",
        division_code="360323000000",
    )
    seller = catalog_services.verify_seller(actor=operator, seller=seller)
    category = catalog_services.create_category(actor=operator, name="大米", name_en="Rice")
    product = catalog_services.create_product(
        actor=member, seller=seller, category=category, name="武功山紫米", is_published=True
    )
    variant = catalog_services.create_variant(
        actor=member, product=product, sku="ZM-5", name="5 kg 袋", net_weight_grams=5000, price="69"
    )
    farm = catalog_services.create_farm(actor=member, seller=seller, name="龙潭田", **FARM)
    batch = services.create_batch(actor=member, variant=variant, farm=farm, **batch_fields())
    harvested = harvest(member, batch)
    observe(member, batch, "packing", "in_progress", event_time=at(2))
    witness_cosigns(configured_witness(settings), signing.sign_checkpoint(actor=SYSTEM))
    yield batch, harvested
    delete_trace_rows()


def witnessed_by(count):
    """The badge's words for `count` witnesses, as the Chinese page says them."""
    with translation.override("zh-hans"):
        return translation.ngettext(
            "Witnessed by %(witnesses)s independent witness, who keeps its own copy of the "
            "checkpoint.",
            "Witnessed by %(witnesses)s independent witnesses, who keep their own copies of the "
            "checkpoint.",
            count,
        ) % {"witnesses": count}


@pytest.mark.parametrize("visitor_factory", [False], indirect=True, ids=["no-js"])
def test_a_buyer_reads_who_witnessed_the_record_and_checks_a_receipt(visitor, witnessed):
    batch, harvested = witnessed
    page = visitor.open(f"/t/{batch.code}")
    verdict = page.locator(".verdict")
    expect(verdict).to_contain_text(zh("Record verified"))
    expect(verdict).to_contain_text(witnessed_by(1))
    expect(page.get_by_role("link", name=zh("The log's public key"))).to_have_attribute(
        "href", "/.well-known/trace-log-key"
    )
    visitor.step("provenance witnessed")

    page.get_by_role("link", name=zh("How records are checked")).click()
    expect(page.locator("h1")).to_have_text(zh("Check a trace receipt"))
    visitor.step("receipt check")
    page.get_by_label(zh("Paste the receipt")).fill(harvested.receipt)
    page.get_by_role("button", name=zh("Check the receipt")).click()
    expect(page.locator("#result")).to_contain_text(zh("Kept in the public log"))
    visitor.step("receipt included")

    page.get_by_label(zh("Paste the receipt")).fill(harvested.receipt.replace("trace", "trick"))
    page.get_by_role("button", name=zh("Check the receipt")).click()
    expect(page.locator("#result")).to_contain_text(zh("Not a valid receipt"))
    visitor.step("receipt invalid")
