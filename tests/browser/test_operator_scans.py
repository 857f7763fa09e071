"""An operator follows a flagged serial from a phone: from the verification
queue to the flagged serials, then to its batch's scans per province, where
the far province stands out."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog import services as catalog_services
from shop.core.roles import SYSTEM
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.browser import zh
from tests.helpers.users import PASSWORD
from traceability.models import Scan
from traceability.services import batches as services
from traceability.services import scans


@pytest.fixture
def flagged_serial(transactional_db, seller, seller_user, product):
    farm = catalog_services.create_farm(actor=seller_user, seller=seller, name="龙潭田", **FARM)
    batch = services.create_batch(
        actor=seller_user, variant=product.variants.get(), farm=farm, **batch_fields()
    )
    services.generate_serials(actor=seller_user, batch=batch, count=2)
    serial = batch.serials.order_by("id").first()
    now = timezone.now()
    Scan.objects.bulk_create(
        Scan(batch=batch, serial=serial, region=region, scanned_at=now)
        for region in ("36", "36", "65")
    )
    scans.flag_serials({serial.pk}, actor=SYSTEM)
    return serial


def test_an_operator_finds_where_a_flagged_serial_was_scanned(
    visitor_factory, operator, flagged_serial
):
    visitor = visitor_factory("operator")
    page = visitor.open("/login/")
    page.locator('main [name="username"]').fill(operator.email)
    page.locator('main [name="password"]').fill(PASSWORD)
    page.get_by_role("button", name=zh("Sign in")).click()
    page.get_by_role("link", name=zh("Verification queue")).click()
    page.get_by_role("link", name=zh("Flagged serials")).click()
    flag = page.locator("article", has_text=flagged_serial.serial)
    expect(flag).to_have_count(1)
    expect(flag.get_by_text(zh("scanned in regions far apart"))).to_be_visible()
    visitor.step("flagged serials")
    flag.get_by_role("link", name=zh("Scans of this batch per province")).click()
    rows = page.locator("table.scan-regions tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("江西省")
    far = page.locator("tr.far")
    expect(far).to_contain_text("新疆维吾尔自治区")
    expect(far.get_by_text(zh("far away"))).to_be_visible()
    visitor.step("scans per province")
