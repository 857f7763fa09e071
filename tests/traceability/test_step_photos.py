"""A step's photo is a hashed fact (`traceability.facts`): its document names the
photo by the SHA-256 of the stored file, the photo's row repeats the digest, pages
compare the two, and the audit reads the file again.

Threat: an insider with database or storage access shows buyers another picture
under a record that still says "verified": by pointing the step at another photo,
by removing or adding one, by editing the digest on the photo's row, or by
replacing the file in storage. Property: each is named (`photo_mismatch`, the
step's event) by verification from the rows alone, without reading a file, except
a replaced file, which the audit finds: after one run the batch's cached page
says so and the operators have an alert naming the event. An honest step with a
photo verifies, and its public EPCIS document, carrying the digest, still
validates against GS1's EPCIS 2.0 schema.
"""

import hashlib
import importlib
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gs1 import epcis
from shop.core.roles import SYSTEM
from tests.helpers.events import (
    VALIDATOR,
    at,
    create_triggers,
    drop_triggers,
    harvest,
    observe,
    write,
)
from tests.helpers.pictures import picture
from traceability import facts
from traceability.integrity import Reason
from traceability.models import BatchPhoto, BatchVerdict, LogAlert
from traceability.services import audit, signing, verification
from traceability.services import batches as services
from traceability.services import events as trace

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
FIELD = picture("PNG", size=(64, 48))
migration = importlib.import_module("traceability.migrations.0011_batch_photo_sha256")


def upload(data=FIELD, name="field.png"):
    return SimpleUploadedFile(name, data, "image/png")


@pytest.fixture
def chain(seller_user, batch):
    """A harvest with a photo and an inspection without, checkpointed."""
    events = [
        harvest(seller_user, batch, photo=upload()),
        observe(seller_user, batch, "packing", "in_progress", event_time=at(2)),
    ]
    signing.sign_checkpoint(actor=SYSTEM)
    return events


@pytest.fixture
def attacker():
    drop_triggers()
    yield
    create_triggers()


@pytest.fixture
def other_photo(seller_user, batch):
    """Another photo of the batch, honestly uploaded but shown by no step."""
    other = picture("PNG", size=(48, 64))
    return services.add_batch_photo(actor=seller_user, batch=batch, upload=upload(other))


def named(batch):
    verdict = verification.verify_batch(batch).verdict
    return verdict.ok, verdict.reason, verdict.event_id


def page(batch):
    response = Client(HTTP_HOST="127.0.0.1").get(f"/t/{batch.code}", **ENGLISH)
    assert response.status_code == 200
    return response.content.decode()


def replace_file(photo, data):
    """Overwrite the stored file in place, as someone with access to storage would."""
    with open(photo.image.path, "wb") as stored:
        stored.write(data)


# --- the honest record -------------------------------------------------------------------------


def test_an_honest_step_names_its_photo_by_digest_and_verifies(chain, batch):
    harvested = chain[0]
    digest = hashlib.sha256(FIELD).hexdigest()
    assert harvested.photo.sha256 == digest
    assert harvested.document[facts.PHOTO] == {
        "market:sha256": digest,
        "market:mediaType": "image/png",
    }
    content = {key: value for key, value in harvested.document.items() if key != "eventID"}
    assert harvested.event_id == epcis.event_hash_id(content)  # the eventID covers it too
    assert facts.PHOTO not in chain[1].document
    assert named(batch) == (True, None, None)
    assert audit.audit(actor=SYSTEM) == 0
    assert BatchPhoto.objects.get().audited_sha256 == digest
    assert "Record verified" in page(batch)


def test_the_public_epcis_carries_the_digest_and_still_validates(chain, batch):
    document = Client(HTTP_HOST="127.0.0.1").get(f"/t/{batch.code}?format=epcis").json()
    assert [error.message for error in VALIDATOR.iter_errors(document)] == []
    assert {"market": f"{settings.PUBLIC_BASE_URL}/ns/market#"} in document["@context"]
    shown = document["epcisBody"]["eventList"]
    assert shown[0][facts.PHOTO] == chain[0].document[facts.PHOTO]
    assert shown[0]["trace:hash"] == chain[0].content_hash


def test_a_correction_keeps_the_photo_and_the_declaration_shows_none(chain, batch, seller_user):
    corrected = trace.correct_event(actor=seller_user, event=chain[0], disposition="in_progress")
    assert corrected.corrective.photo == chain[0].photo
    assert corrected.corrective.document[facts.PHOTO] == chain[0].document[facts.PHOTO]
    assert corrected.declaration.photo is None
    assert named(batch) == (True, None, None)


def test_a_page_reads_no_photo_file(chain, batch):
    with mock.patch.object(FileSystemStorage, "open", side_effect=AssertionError("read")):
        assert "Record verified" in page(batch)


# --- the insider's edits -----------------------------------------------------------------------


def test_a_step_pointed_at_another_photo_is_named(chain, batch, attacker, other_photo):
    write(chain[0].pk, photo_id=other_photo.pk)
    assert named(batch) == (False, Reason.PHOTO_MISMATCH, str(chain[0].pk))
    assert "The photo of “Harvested or produced”" in page(batch)


def test_a_photo_removed_from_its_step_is_named(chain, batch, attacker):
    write(chain[0].pk, photo_id=None)
    assert named(batch) == (False, Reason.PHOTO_MISMATCH, str(chain[0].pk))


def test_a_photo_added_to_a_step_recorded_without_one_is_named(chain, batch, attacker, other_photo):
    write(chain[1].pk, photo_id=other_photo.pk)
    assert named(batch) == (False, Reason.PHOTO_MISMATCH, str(chain[1].pk))


def test_a_declaration_showing_a_photo_is_named(chain, batch, attacker, seller_user):
    declared = trace.correct_event(actor=seller_user, event=chain[0], reason="did_not_occur")
    write(declared.declaration.pk, photo_id=chain[0].photo_id)
    assert named(batch) == (False, Reason.PHOTO_MISMATCH, str(declared.declaration.pk))


def test_an_edited_digest_on_the_photo_row_is_named(chain, batch):
    """Made to match a picture the insider put in place of the recorded one."""
    other = hashlib.sha256(picture("PNG", size=(48, 64))).hexdigest()
    BatchPhoto.objects.filter(pk=chain[0].photo_id).update(sha256=other)
    assert named(batch) == (False, Reason.PHOTO_MISMATCH, str(chain[0].pk))
    audit.audit(actor=SYSTEM)  # the file is what was recorded, the row still is not
    assert named(batch) == (False, Reason.PHOTO_MISMATCH, str(chain[0].pk))


def test_a_file_replaced_in_storage_is_found_by_one_audit_run(
    chain, batch, django_capture_on_commit_callbacks
):
    audit.audit(actor=SYSTEM)
    assert "Record verified" in page(batch)  # cached now
    replace_file(chain[0].photo, picture("PNG", size=(48, 64)))
    assert named(batch) == (True, None, None)  # pages read no file
    assert "Record verified" in page(batch)
    with django_capture_on_commit_callbacks(execute=True):
        assert audit.audit(actor=SYSTEM) == 1
    html = page(batch)
    assert "Verification failed" in html and "The photo of “Harvested or produced”" in html
    verdict = BatchVerdict.objects.get(batch_id=batch.pk)
    assert (verdict.ok, verdict.reason, verdict.event_id) == (
        False,
        Reason.PHOTO_MISMATCH,
        chain[0].pk,
    )
    alert = LogAlert.objects.get(kind=LogAlert.Kind.AUDIT_FAILED, batch_id=batch.pk)
    assert alert.event_id == chain[0].pk
    replace_file(chain[0].photo, FIELD)  # put back: the next run clears the finding
    with django_capture_on_commit_callbacks(execute=True):
        assert audit.audit(actor=SYSTEM) == 1
    assert "Record verified" in page(batch)


def test_each_audit_run_reads_the_photos_read_longest_ago(chain, batch, seller_user, settings):
    """Scale: reading every photo file every run does not; each run reads
    TRACE_AUDIT_PHOTOS of them, never read or read longest ago first. Property: a
    file replaced in storage is still found, within (photos shown / that) runs."""
    settings.TRACE_AUDIT_PHOTOS = 1
    later = observe(seller_user, batch, "storing", "in_progress", event_time=at(3), photo=upload())
    signing.sign_checkpoint(actor=SYSTEM)
    first, second = chain[0].photo, later.photo
    audit.audit(actor=SYSTEM)
    assert BatchPhoto.objects.get(pk=first.pk).audited_at is not None  # the older photo first
    assert BatchPhoto.objects.get(pk=second.pk).audited_at is None
    replace_file(first, picture("PNG", size=(48, 64)))
    audit.audit(actor=SYSTEM)  # reads the second, never read yet
    assert named(batch) == (True, None, None)
    audit.audit(actor=SYSTEM)  # now the first again: the replaced file is found
    assert named(batch) == (False, Reason.PHOTO_MISMATCH, str(chain[0].pk))


def test_a_file_missing_from_storage_is_left_as_last_found(chain, batch):
    """A missing file shows no picture rather than another one; an outage of storage
    must not fail every record."""
    audit.audit(actor=SYSTEM)
    chain[0].photo.image.delete(save=False)
    assert audit.audit(actor=SYSTEM) == 0
    assert named(batch) == (True, None, None)


# --- the data migration ------------------------------------------------------------------------


def test_the_migration_hashes_the_files_still_in_storage(batch, seller_user):
    kept = services.add_batch_photo(actor=seller_user, batch=batch, upload=upload())
    gone = services.add_batch_photo(actor=seller_user, batch=batch, upload=upload())
    gone.image.delete(save=False)
    BatchPhoto.objects.filter(pk=gone.pk).update(image="batches/gone.png")
    BatchPhoto.objects.update(sha256="")
    migration.hash_stored_photos(apps, None)
    digests = dict(BatchPhoto.objects.values_list("pk", "sha256"))
    assert digests == {kept.pk: hashlib.sha256(FIELD).hexdigest(), gone.pk: ""}


def test_an_upload_is_hashed_as_stored(batch, seller_user):
    photo = services.add_batch_photo(actor=seller_user, batch=batch, upload=upload())
    with photo.image.open("rb") as stored:
        assert photo.sha256 == hashlib.sha256(stored.read()).hexdigest()
