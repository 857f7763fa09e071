"""A farmer keeps the traceability of their batches from the workbench pages alone:
plain forms, no JavaScript, the same services as the API; whoever is not a
member is sent to sign in, refused or finds nothing, and nothing changes."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import services as catalog_services
from shop.core.roles import SYSTEM
from tests.helpers.batches import FARM, HARVEST, batch_fields
from tests.helpers.events import at, harvest, observe
from tests.helpers.pictures import picture
from tests.helpers.workbench import browser, field_errors, token
from traceability.models import Batch, BatchPhoto, LabelJob, Serial, TraceEvent, TraceEventBatch
from traceability.services import batches as services
from traceability.services import events as trace
from traceability.services import labels as label_jobs
from traceability.services.events import Reading, recorded_readings
from traceability.steps import FARM_STEPS


@pytest.fixture
def farm(seller, seller_user):
    return catalog_services.create_farm(actor=seller_user, seller=seller, name="龙潭田", **FARM)


@pytest.fixture
def variant(product):
    return product.variants.get()


@pytest.fixture
def batch(seller_user, variant, farm):
    return services.create_batch(actor=seller_user, variant=variant, farm=farm, **batch_fields())


def trace_rows():
    """Every row these pages can write: a refused form leaves them as they were."""
    models = (Batch, Serial, BatchPhoto, TraceEvent, TraceEventBatch, LabelJob)
    return [list(model.objects.order_by("pk").values()) for model in models]


def form_token(client, url, form):
    """The one-time token of the form whose fields are prefixed `form` (several on a page)."""
    page = client.get(url).content.decode()
    return re.search(rf'name="submission" value="([^"]+)" id="{form}_submission"', page).group(1)


def batch_post(farm, variant, **changes):
    fields = {**batch_fields(), "variant": variant.pk, "farm": farm.pk, **changes}
    return {k: "" if v is None else str(v) for k, v in fields.items()}


def event_post(**changes):
    return {"step": "harvest", "event_time": "2026-10-08T09:30", **changes}


def refused(client, url, data, field_id):
    """Post `data` (with a fresh token) and return the errors beside `field_id`."""
    before = trace_rows()
    response = client.post(url, {**data, "submission": token(client, url)})
    assert response.status_code == 200
    assert trace_rows() == before
    return " ".join(field_errors(response, field_id))


def test_a_member_records_a_batch_its_steps_serials_and_labels(
    seller_user, seller, variant, farm, django_capture_on_commit_callbacks
):
    client = browser(seller_user)
    base = f"/shop/{seller.pk}/batches/"
    assert f'href="{base}"' in client.get(f"/shop/{seller.pk}/").content.decode()
    assert "No batches yet." in client.get(base).content.decode()

    form = client.get(f"{base}new/").content.decode()
    assert "Wugong purple rice · 5 kg bag</option>" in form and "龙潭田</option>" in form
    post = batch_post(farm, variant, submission=token(client, f"{base}new/"))
    response = client.post(f"{base}new/", post)
    batch = Batch.objects.get()
    url = f"{base}{batch.pk}/"
    assert response.status_code == 302 and response["Location"] == url
    assert (batch.lot, batch.farm, batch.quantity, batch.created_by) == (
        "ZM2026-10A",
        farm,
        Decimal("1250.500"),
        seller_user,
    )
    page = client.get(url).content.decode()
    assert "<svg" in page and "<script" not in page
    assert f'href="{batch.digital_link()}"' in page
    assert "No steps yet" in page

    # The harvest, with a photo and a reading; then packing.
    event_url = f"{url}events/new/"
    photo = SimpleUploadedFile("field.jpg", picture("JPEG", size=(320, 240)), "image/jpeg")
    data = event_post(read_point=farm.pk, temperature="18.5", photo=photo)
    response = client.post(event_url, {**data, "submission": token(client, event_url)})
    assert response.status_code == 302 and response["Location"] == url
    harvested = TraceEvent.objects.get()
    assert (harvested.event_type, harvested.action, harvested.biz_step) == (
        "ObjectEvent",
        "ADD",
        "commissioning",
    )
    assert (harvested.disposition, harvested.read_point, harvested.event_time_zone_offset) == (
        "active",
        farm,
        "+08:00",
    )
    assert harvested.photo == BatchPhoto.objects.get(batch=batch)
    assert harvested.document["sensorElementList"][0]["sensorReport"][0]["value"] == 18.5
    data = event_post(step="pack", event_time="2026-10-20T15:00")
    client.post(event_url, {**data, "submission": token(client, event_url)})
    packed = TraceEvent.objects.latest("pk")
    assert (packed.biz_step, packed.disposition, packed.action) == (
        "packing",
        "container_closed",
        "OBSERVE",
    )
    page = client.get(url).content.decode()
    assert "Harvest or make" in page and "Pack</strong>" in page and "Temperature 18.5 °C" in page
    assert harvested.photo.image.url in page

    # Serials, then a sheet of batch labels made at once (tasks run eagerly).
    response = client.post(
        f"{url}serials/", {"count": "30", "submission": form_token(client, url, "serials")}
    )
    assert response["Location"] == url and batch.serials.count() == 30
    assert "30 serials added; the batch has 30." in client.get(url).content.decode()
    labels = {"kind": "batch", "copies": "3", "submission": form_token(client, url, "labels")}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{url}labels/", labels)
    job = LabelJob.objects.get()
    assert response["Location"] == f"/shop/{seller.pk}/labels/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert job.status == "done" and 'http-equiv="refresh"' not in page
    download = f"/labels/{job.pk}/download/"
    assert f'href="{download}"' in page
    sheet = client.get(download)
    assert sheet["Content-Type"] == "application/pdf"
    assert b"".join(sheet.streaming_content).startswith(b"%PDF")


def test_a_sheet_being_made_refreshes_its_page_and_one_per_serial_needs_no_number(
    seller_user, seller, batch
):
    client = browser(seller_user)
    services.generate_serials(actor=seller_user, batch=batch, count=5)
    url = f"/shop/{seller.pk}/batches/{batch.pk}/"
    labels = {"kind": "serials", "copies": "24", "submission": form_token(client, url, "labels")}
    response = client.post(f"{url}labels/", labels)  # queued: its task runs after commit
    job = LabelJob.objects.get()
    assert (job.kind, job.count, job.status) == ("serials", 5, "queued")
    page = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert f'href="/shop/{seller.pk}/labels/{job.pk}/"' in page  # the refresh link
    assert "/download/" not in page
    label_jobs.run_label_job(str(job.pk), actor=SYSTEM)
    assert 'http-equiv="refresh"' not in client.get(response["Location"]).content.decode()


def test_bad_batch_input_shows_the_services_error_and_writes_nothing(
    seller_user, seller, variant, farm, batch, other_seller_user, other_seller
):
    client = browser(seller_user)
    url = f"/shop/{seller.pk}/batches/new/"
    assert "at most 20 characters" in refused(
        client, url, batch_post(farm, variant, lot="ZM 2026"), "id_lot"
    )
    assert "already has a batch with this lot" in refused(
        client, url, batch_post(farm, variant), "id_lot"
    )
    too_early = batch_post(farm, variant, lot="B2", best_before="2026-01-01")
    assert "cannot be earlier than the harvest date" in refused(
        client, url, too_early, "id_best_before"
    )
    future = batch_post(farm, variant, lot="B3", harvest_date="2099-01-01")
    assert "cannot be in the future" in refused(client, url, future, "id_harvest_date")
    assert "positive" in refused(
        client, url, batch_post(farm, variant, lot="B4", quantity="-1"), "id_quantity"
    )
    theirs = catalog_services.create_farm(
        actor=other_seller_user, seller=other_seller, name="果园", **FARM
    )
    assert "valid choice" in refused(client, url, batch_post(theirs, variant, lot="B5"), "id_farm")


def test_bad_event_input_shows_the_services_error_and_writes_nothing(
    seller_user, seller, batch, farm, settings
):
    client = browser(seller_user)
    url = f"/shop/{seller.pk}/batches/{batch.pk}/events/new/"
    page = client.get(url).content.decode()
    assert 'type="datetime-local"' in page and 'enctype="multipart/form-data"' in page
    early = event_post(event_time="2026-10-01T08:00")
    assert "earlier than the batch ZM2026-10A was harvested" in refused(
        client, url, early, "id_event_time"
    )
    future = event_post(event_time="2099-10-01T08:00")
    assert "cannot be in the future" in refused(client, url, future, "id_event_time")
    hot = event_post(temperature="200")
    assert "between -80 and 80" in refused(client, url, hot, "id_temperature")
    assert "between 0 and 100" in refused(client, url, event_post(humidity="101"), "id_humidity")
    assert 'value="process"' not in page  # no other batch to process this one from
    paddy = services.create_batch(
        actor=seller_user, variant=batch.variant, farm=farm, **batch_fields(lot="PADDY")
    )
    assert "Choose the batches it was made from" in refused(
        client, url, event_post(step="process", output=batch.pk), "id_inputs"
    )
    mixed = event_post(step="pack", inputs=[paddy.pk])
    assert "processing step only" in refused(client, url, mixed, "id_inputs")
    text = SimpleUploadedFile("notes.jpg", b"not a picture", "image/jpeg")
    assert refused(client, url, event_post(photo=text), "id_photo")
    settings.UPLOAD_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.jpg", picture("JPEG", size=(800, 600)), "image/jpeg")
    assert "larger than 1.0" in refused(client, url, event_post(photo=big), "id_photo")


def test_processing_transforms_input_batches_into_this_one(seller_user, seller, batch, farm):
    """Paddy milled into rice: one TransformationEvent on both chains."""
    client = browser(seller_user)
    paddy = services.create_batch(
        actor=seller_user,
        variant=batch.variant,
        farm=farm,
        **batch_fields(lot="PADDY", harvest_date=HARVEST),
    )
    harvest(seller_user, paddy)
    url = f"/shop/{seller.pk}/batches/{batch.pk}/events/new/"
    data = event_post(step="process", event_time="2026-10-09T10:00", inputs=[paddy.pk])
    response = client.post(url, {**data, "submission": token(client, url)})
    assert response.status_code == 302
    milled = TraceEvent.objects.latest("pk")
    assert milled.event_type == "TransformationEvent"
    assert sorted(milled.links.values_list("batch_id", "role")) == sorted(
        [(paddy.pk, "input"), (batch.pk, "output")]
    )
    page = client.get(f"/shop/{seller.pk}/batches/{paddy.pk}/").content.decode()
    assert "Process from other batches" in page


def test_processing_names_the_batch_made_defaulting_to_this_one(seller_user, seller, batch, farm):
    """On the paddy's page the farmer records that it was milled into the rice:
    the form offers the batch made, this one by default, and another may be chosen."""
    client = browser(seller_user)
    paddy = services.create_batch(
        actor=seller_user, variant=batch.variant, farm=farm, **batch_fields(lot="PADDY")
    )
    url = f"/shop/{seller.pk}/batches/{paddy.pk}/events/new/"
    page = client.get(url).content.decode()
    select = re.search(r'<select name="output"[^>]*id="id_output"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the form has a field for the batch made"
    assert re.search(rf'<option value="{paddy.pk}" selected>PADDY', select.group(1))
    assert f'<option value="{batch.pk}">ZM2026-10A' in select.group(1)
    data = event_post(step="process", event_time="2026-10-09T10:00", inputs=[paddy.pk])
    response = client.post(url, {**data, "output": batch.pk, "submission": token(client, url)})
    assert response["Location"] == f"/shop/{seller.pk}/batches/{batch.pk}/"
    milled = TraceEvent.objects.latest("pk")
    assert sorted(milled.links.values_list("batch_id", "role")) == sorted(
        [(paddy.pk, "input"), (batch.pk, "output")]
    )


def test_wrong_batches_made_show_beside_their_fields_and_change_nothing(
    seller_user, seller, batch, farm, other_seller_batch_job
):
    client = browser(seller_user)
    paddy = services.create_batch(
        actor=seller_user, variant=batch.variant, farm=farm, **batch_fields(lot="PADDY")
    )
    theirs, _job = other_seller_batch_job
    url = f"/shop/{seller.pk}/batches/{batch.pk}/events/new/"
    process = event_post(step="process", event_time="2026-10-09T10:00")
    cases = [
        ({**process, "output": theirs.pk, "inputs": [paddy.pk]}, "id_output", "valid choice"),
        ({**process, "output": "x", "inputs": [paddy.pk]}, "id_output", "valid choice"),
        ({**process, "output": "", "inputs": [batch.pk]}, "id_inputs", "cannot also be"),
        ({**process, "output": paddy.pk, "inputs": [paddy.pk]}, "id_inputs", "cannot also be"),
        ({**process, "output": batch.pk, "inputs": [theirs.pk]}, "id_inputs", "valid choice"),
        (event_post(step="pack", output=paddy.pk), "id_output", "processing step only"),
    ]
    for data, field, message in cases:
        assert message in refused(client, url, data, field), (data, field)
    # A step other than processing may carry the default: it is this batch's.
    response = client.post(
        url, {**event_post(step="pack", output=batch.pk), "submission": token(client, url)}
    )
    assert response["Location"] == f"/shop/{seller.pk}/batches/{batch.pk}/"


def zh(user):
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    client.force_login(user)
    return client


def test_the_chinese_step_form_says_a_step_is_corrected_or_marked_not_done(
    seller_user, seller, batch, farm
):
    services.create_batch(
        actor=seller_user, variant=batch.variant, farm=farm, **batch_fields(lot="PADDY")
    )
    client = zh(seller_user)
    page = client.get(f"/shop/{seller.pk}/batches/{batch.pk}/events/new/").content.decode()
    assert "只能撤回" not in page and "不能修改" not in page
    assert "“更正”或标为“这一步没有发生”" in page
    assert "加工出的批次" in page
    harvest(seller_user, batch)
    batch_page = client.get(f"/shop/{seller.pk}/batches/{batch.pk}/").content.decode()
    assert ">更正<" in batch_page and "这一步没有发生" in batch_page


def test_the_chinese_provenance_page_says_processed_from_other_batches(seller_user, batch, farm):
    paddy = services.create_batch(
        actor=seller_user, variant=batch.variant, farm=farm, **batch_fields(lot="PADDY")
    )
    harvest(seller_user, paddy)
    harvest(seller_user, batch)
    trace.record_event(
        actor=seller_user,
        **FARM_STEPS["process"].event_arguments(batch, inputs=[paddy]),
        event_time=at(1),
    )
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    page = client.get(f"/t/{batch.code}").content.decode()
    assert "加工成本批次" not in page
    assert "由其他批次加工而成" in page


def test_a_step_that_did_not_happen_is_withdrawn_not_edited(seller_user, seller, batch):
    client = browser(seller_user)
    event = harvest(seller_user, batch)
    url = f"/shop/{seller.pk}/batches/{batch.pk}/"
    response = client.post(f"{url}events/{event.pk}/withdraw/")
    assert response["Location"] == url
    declaration = TraceEvent.objects.get(corrects=event)
    assert declaration.document["errorDeclaration"]["reason"].endswith("did_not_occur")
    page = client.get(url).content.decode()
    assert "Withdrawn:" in page and f"events/{event.pk}/withdraw/" not in page
    before = trace_rows()
    again = client.post(f"{url}events/{event.pk}/withdraw/")
    assert again.status_code == 200 and "already corrected" in again.content.decode()
    assert trace_rows() == before


def correction_post(client, url, farm, **changes):
    fields = {"event_time": "2026-10-08T09:00", "read_point": farm.pk, "temperature": "21"}
    return {**fields, "humidity": "", **changes, "submission": token(client, url)}


def test_a_wrong_reading_is_corrected_and_the_original_kept(seller_user, seller, batch, farm):
    client = browser(seller_user)
    event = harvest(seller_user, batch, sensors=[Reading("temperature", Decimal("21"))])
    url = f"/shop/{seller.pk}/batches/{batch.pk}/"
    correct = f"{url}events/{event.pk}/correct/"
    assert f'href="{correct}"' in client.get(url).content.decode()
    form = client.get(correct).content.decode()
    assert 'value="2026-10-08T09:00"' in form and 'name="temperature" value="21"' in form
    assert f'<option value="{farm.pk}" selected>' in form and "Not on a farm" not in form

    response = client.post(correct, correction_post(client, correct, farm, temperature="12.5"))
    assert response.status_code == 302 and response["Location"] == url
    declaration = TraceEvent.objects.get(corrects=event)
    declared = declaration.document["errorDeclaration"]
    assert declared["reason"].endswith("incorrect_data")
    corrective = TraceEvent.objects.get(document__eventID=declared["correctiveEventIDs"][0])
    assert recorded_readings(corrective) == [Reading("temperature", Decimal("12.5"))]
    assert (corrective.event_time, corrective.read_point) == (event.event_time, farm)
    event.refresh_from_db()
    assert recorded_readings(event) == [Reading("temperature", Decimal("21"))]  # as written

    page = client.get(url).content.decode()
    assert "Corrected:" in page and ">corrected</span>" in page and "12.5 °C" in page
    assert f'href="{correct}"' not in page
    public = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en").get(f"/t/{batch.code}")
    assert "declared wrong later" in public.content.decode()

    before = trace_rows()
    again = client.post(correct, correction_post(client, correct, farm, temperature="13"))
    assert again.status_code == 200 and "already corrected" in again.content.decode()
    assert trace_rows() == before


def test_a_correction_moves_a_step_in_time_and_place(seller_user, seller, batch, farm):
    client = browser(seller_user)
    terraces = catalog_services.create_farm(actor=seller_user, seller=seller, name="梯田", **FARM)
    event = harvest(seller_user, batch)
    correct = f"/shop/{seller.pk}/batches/{batch.pk}/events/{event.pk}/correct/"
    changes = {"event_time": "2026-10-09T07:30", "read_point": terraces.pk, "temperature": ""}
    client.post(correct, correction_post(client, correct, farm, **changes))
    corrective = TraceEvent.objects.exclude(pk=event.pk).exclude(corrects=event).get()
    assert corrective.read_point == terraces and recorded_readings(corrective) == []
    assert corrective.event_time == at(1, hours=-1.5)
    assert corrective.document["eventTimeZoneOffset"] == "+08:00"


def test_a_correction_that_changes_nothing_or_breaks_a_rule_writes_nothing(
    seller_user, seller, batch, farm
):
    client = browser(seller_user)
    event = harvest(seller_user, batch, sensors=[Reading("temperature", Decimal("21"))])
    correct = f"/shop/{seller.pk}/batches/{batch.pk}/events/{event.pk}/correct/"
    before = trace_rows()
    same = client.post(correct, correction_post(client, correct, farm, temperature="21.0"))
    assert same.status_code == 200 and "Nothing differs" in same.content.decode()
    hot = client.post(correct, correction_post(client, correct, farm, temperature="500"))
    assert "between -80 and 80" in " ".join(field_errors(hot, "id_temperature"))
    early = correction_post(client, correct, farm, event_time="2026-09-01T08:00")
    refused = " ".join(field_errors(client.post(correct, early), "id_event_time"))
    assert "cannot be earlier than the batch ZM2026-10A was harvested" in refused
    assert trace_rows() == before


def test_serials_and_label_sheets_refuse_bad_numbers(seller_user, seller, batch):
    client = browser(seller_user)
    url = f"/shop/{seller.pk}/batches/{batch.pk}/"
    before = trace_rows()
    for count, says in (("0", "between 1 and 10000"), ("10001", "between 1 and 10000")):
        post = {"count": count, "submission": form_token(client, url, "serials")}
        response = client.post(f"{url}serials/", post)
        assert says in " ".join(field_errors(response, "serials_count"))
    cases = (
        ({"kind": "serials"}, "labels_kind", "no serials yet"),
        ({"kind": "batch", "copies": ""}, "labels_copies", "whole number of copies"),
        ({"kind": "batch", "copies": "10001"}, "labels_copies", "between 1 and 10000"),
    )
    for data, field_id, says in cases:
        post = {**data, "submission": form_token(client, url, "labels")}
        response = client.post(f"{url}labels/", post)
        assert says in " ".join(field_errors(response, field_id)), data
    assert trace_rows() == before


def test_the_list_is_newest_first_paged_and_filtered_by_variant(
    seller_user, seller, product, farm, variant
):
    other = catalog_services.create_variant(
        actor=seller_user,
        product=product,
        sku="ZM-1KG",
        name="1 kg bag",
        price="20.00",
        net_weight_grams=1000,
    )
    lots = [f"L{n:02d}" for n in range(22)]
    for n, lot in enumerate(lots):
        chosen = other if n % 2 else variant
        services.create_batch(actor=seller_user, variant=chosen, farm=farm, **batch_fields(lot=lot))
    client = browser(seller_user)
    base = f"/shop/{seller.pk}/batches/"
    first = client.get(base).content.decode()
    shown = re.findall(r"<strong>(L\d\d)</strong>", first)
    assert shown == lots[::-1][:20]
    cursor = re.search(r'href="\?after=([^"]+)" rel="next"', first).group(1)
    assert re.findall(
        r"<strong>(L\d\d)</strong>", client.get(f"{base}?after={cursor}").content.decode()
    ) == ["L01", "L00"]
    filtered = client.get(f"{base}?variant={other.pk}").content.decode()
    assert re.findall(r"<strong>(L\d\d)</strong>", filtered) == lots[1::2][::-1]
    assert client.get(f"{base}?after=nonsense").status_code == 400


def pages(seller, batch, job):
    base = f"/shop/{seller.pk}"
    return {
        f"{base}/batches/": None,
        f"{base}/batches/new/": {"lot": "X1"},
        f"{base}/batches/{batch.pk}/": None,
        f"{base}/batches/{batch.pk}/events/new/": event_post(),
        f"{base}/batches/{batch.pk}/serials/": {"count": "1"},
        f"{base}/batches/{batch.pk}/labels/": {"kind": "batch", "copies": "1"},
        f"{base}/labels/{job.pk}/": None,
    }


@pytest.fixture
def job(seller_user, batch):
    return label_jobs.create_label_job(
        actor=seller_user, batch=batch, kind="batch", copies=1, enqueue=False
    )


def test_signed_out_visitors_are_sent_to_sign_in(seller, batch, job):
    client = browser()
    event = harvest(batch.created_by, batch)
    before = trace_rows()
    urls = {
        **pages(seller, batch, job),
        f"/shop/{seller.pk}/batches/{batch.pk}/events/{event.pk}/withdraw/": {},
        f"/shop/{seller.pk}/batches/{batch.pk}/events/{event.pk}/correct/": {},
    }
    for url, data in urls.items():
        for response in (client.get(url), client.post(url, data or {})):
            assert response.status_code == 302, url
            assert response["Location"].startswith("/login/?next=")
    assert trace_rows() == before


@pytest.mark.parametrize("role", ["customer", "station_staff", "other_seller"])
def test_a_non_member_is_refused(role, users_by_role, seller, batch, job):
    client = browser(users_by_role[role])
    event = harvest(batch.created_by, batch)
    before = trace_rows()
    urls = {
        **pages(seller, batch, job),
        f"/shop/{seller.pk}/batches/{batch.pk}/events/{event.pk}/withdraw/": {},
        f"/shop/{seller.pk}/batches/{batch.pk}/events/{event.pk}/correct/": {"temperature": "9"},
    }
    for url, data in urls.items():
        assert client.get(url).status_code in (403, 405), url
        assert client.post(url, data or {}).status_code == 403, url
    assert client.get(f"/labels/{job.pk}/download/").status_code == 404
    assert trace_rows() == before


def test_an_operator_may_open_the_pages(operator, seller, batch, job):
    client = browser(operator)
    for url, data in pages(seller, batch, job).items():
        if data is None:
            assert client.get(url).status_code == 200, url


def test_another_sellers_batch_under_ones_own_seller_is_not_found(
    seller_user, seller, other_seller_user, other_seller, other_seller_batch_job
):
    batch, job = other_seller_batch_job
    client = browser(seller_user)
    before = trace_rows()
    for url, data in pages(seller, batch, job).items():
        if f"/batches/{batch.pk}/" in url or str(job.pk) in url:
            assert client.get(url).status_code in (404, 405), url
            assert client.post(url, data or {}).status_code == 404, url
    assert trace_rows() == before


@pytest.fixture
def other_seller_batch_job(other_seller, other_seller_user, category):
    product = catalog_services.create_product(
        actor=other_seller_user, seller=other_seller, category=category, name="红心猕猴桃"
    )
    variant = catalog_services.create_variant(
        actor=other_seller_user,
        product=product,
        sku="MHT",
        name="3 kg",
        price="59.00",
        net_weight_grams=3000,
    )
    farm = catalog_services.create_farm(
        actor=other_seller_user, seller=other_seller, name="果园", **FARM
    )
    batch = services.create_batch(
        actor=other_seller_user, variant=variant, farm=farm, **batch_fields()
    )
    job = label_jobs.create_label_job(
        actor=other_seller_user, batch=batch, kind="batch", copies=1, enqueue=False
    )
    return batch, job


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pages_cost_the_same_queries_whatever_they_show(seller_user, seller, batch, farm):
    """Relations load for the whole page at once: more batches or steps, no more SQL."""
    client = browser(seller_user)
    harvest(seller_user, batch)
    pages_now = {
        url: queries_for(client, url)
        for url in (f"/shop/{seller.pk}/batches/", f"/shop/{seller.pk}/batches/{batch.pk}/")
    }
    for n in range(5):
        services.create_batch(
            actor=seller_user, variant=batch.variant, farm=farm, **batch_fields(lot=f"M{n}")
        )
    for day in range(1, 4):
        photo = SimpleUploadedFile("s.jpg", picture("JPEG", size=(64, 48)), "image/jpeg")
        observe(seller_user, batch, event_time=at(day), read_point=farm, photo=photo)
    assert {url: queries_for(client, url) for url in pages_now} == pages_now
