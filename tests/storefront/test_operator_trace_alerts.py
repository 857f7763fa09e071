"""The operators' page of the trace log's alerts. Threat: an insider's edit that
the signer refuses to sign over, or the audit finds, going unnoticed; and a
non-operator reading what failed where. Property: operators see every alert,
newest first, naming the event, leaf and batch; nobody else sees the page."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client

from catalog import services as catalog_services
from shop.core.roles import SYSTEM
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.events import at, create_triggers, drop_triggers, harvest, observe
from tests.helpers.users import ROLES
from traceability.models import LogAlert
from traceability.services import audit, signing
from traceability.services import batches as services

ALERTS = "/operator/trace-log/"


def browser_as(user=None):
    browser = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        browser.force_login(user)
    return browser


def dash(value):
    return "—" if value is None else value


def text_of(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def deleted(seller_user, seller, product):
    """A checkpointed harvest and inspection; the insider deletes the inspection
    (triggers dropped), honest work goes on, the audit runs, the signer refuses."""
    farm = catalog_services.create_farm(actor=seller_user, seller=seller, name="龙潭田", **FARM)
    variant = product.variants.get()
    batch = services.create_batch(actor=seller_user, variant=variant, farm=farm, **batch_fields())
    harvest(seller_user, batch)
    inspected = observe(seller_user, batch)
    signing.sign_checkpoint(actor=SYSTEM)
    drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM traceability_traceeventbatch WHERE event_id = %s", [inspected.pk]
        )
        cursor.execute("DELETE FROM traceability_traceevent WHERE id = %s", [inspected.pk])
    create_triggers()
    other = services.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(lot="OTHER-1")
    )
    harvest(seller_user, other, event_time=at(13))
    audit.audit(actor=SYSTEM)
    assert signing.sign_checkpoint(actor=SYSTEM) is None
    return batch, inspected


def test_operators_see_each_alert_newest_first_naming_what_failed(operator, deleted):
    batch, inspected = deleted
    alerts = list(LogAlert.objects.order_by("-pk"))
    assert [alert.kind for alert in alerts] == ["signer_refused", "audit_failed", "audit_failed"]
    response = browser_as(operator).get(ALERTS)
    assert response.status_code == 200
    html = response.content.decode()
    shown_at = [html.index(f'id="alert-{alert.pk}"') for alert in alerts]
    assert shown_at == sorted(shown_at)
    shown = text_of(response)
    refused = alerts[0]
    assert (refused.reason, refused.event_id) == ("missing_events", inspected.pk)
    assert (
        f"the signer refused to sign Reason missing_events Raised at "
        f"{refused.raised_at.astimezone():%Y-%m-%d %H:%M:%S} Event {inspected.pk} "
        f"Leaf {dash(refused.leaf_index)} Batch — Detail {refused.detail}"
    ) in shown
    on_batch = next(alert for alert in alerts if alert.batch_id == batch.pk)
    batch_page = f"/shop/{batch.seller_id}/batches/{batch.pk}/"
    assert f'<a href="{batch_page}"><code>{batch.lot}</code></a>' in html
    assert f"a record no longer verifies Reason {on_batch.reason}" in shown
    assert f"Detail {on_batch.detail}" in shown
    assert "The audit's finding stands" in shown  # the signer signs nothing meanwhile
    assert f'href="{ALERTS}"' in html  # in the operators' navigation


def test_no_alert_is_said_plainly(operator, db):
    shown = text_of(browser_as(operator).get(ALERTS))
    assert "No alert: the log has signed everything it holds." in shown


def test_alerts_page_one_at_a_time(operator, deleted):
    for number in range(31):
        signing.alert(
            LogAlert.Kind.WITNESS_REFUSED, signing.Refused(f"witness_{number}", "refused")
        )
    first = browser_as(operator).get(ALERTS).content.decode()
    assert first.count('class="queue-item"') == 30
    cursor = re.search(r'href="\?after=([^"]+)" rel="next"', first).group(1)
    second = browser_as(operator).get(f"{ALERTS}?after={cursor}").content.decode()
    assert second.count('class="queue-item"') == 4  # the first witness's and the three above
    assert browser_as(operator).get(f"{ALERTS}?after=nonsense").status_code == 400


@pytest.mark.parametrize("role", [role for role in ROLES if role != "operator"])
def test_only_operators_open_it(users_by_role, deleted, role):
    response = browser_as(users_by_role[role]).get(ALERTS)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    else:
        assert response.status_code == 403
    assert "missing_event" not in response.content.decode()
