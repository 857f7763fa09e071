"""Rotating the trace log's key: the old key announces the new one in a
checkpoint it signs; what the old key signed still verifies; a key swapped in
without that announcement signs nothing.

Threat: someone who can change the server's settings puts in a key of their
own to sign a rewritten log. Property: the signer refuses a key the log's
previous key did not name, and names why."""

import base64
import os

import pytest
from django.core.management import CommandError, call_command

from shop.core.errors import DomainError
from shop.core.roles import SYSTEM
from tests.helpers.events import at, harvest, observe
from tlog.checkpoint import open_checkpoint
from traceability import transparency
from traceability.errors import TraceabilityErrorCode as Code
from traceability.models import LogAlert, LogLeaf, TraceEvent
from traceability.services import audit, signing, verification


def new_key_text():
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def old_key(settings):
    settings.TRACE_SIGNING_KEY = new_key_text()
    settings.TRACE_RETIRED_KEYS = []
    return settings.TRACE_SIGNING_KEY


def test_the_old_key_announces_the_new_and_everything_still_verifies(
    old_key, settings, seller_user, batch, tmp_path, capsys
):
    harvest(seller_user, batch)
    signing.sign_checkpoint(actor=SYSTEM)
    old_vkey = transparency.verifier().vkey()
    new = new_key_text()
    (tmp_path / "new.key").write_text(new)
    call_command("rotate_trace_key", "--new-key-file", str(tmp_path / "new.key"))
    assert old_vkey in capsys.readouterr().out
    announcement = signing.newest_checkpoint()
    settings.TRACE_SIGNING_KEY = new
    settings.TRACE_RETIRED_KEYS = [old_vkey]
    successor = transparency.verifier()
    checkpoint, opened = open_checkpoint(
        announcement.note, transparency.retired_verifiers(), transparency.origin()
    )
    assert checkpoint.extensions == (f"trace-key-next {successor.vkey()}",)
    assert opened.verified[0].key_id != successor.key_id  # signed by the old key
    event = observe(seller_user, batch, event_time=at(2))
    signed = signing.sign_checkpoint(actor=SYSTEM)
    assert signed is not None and signed.size == announcement.size + 1
    open_checkpoint(signed.note, [successor], transparency.origin())
    assert transparency.open_receipt(batch.receipt).index == 0  # the old key's receipt
    assert transparency.open_receipt(event.receipt).index == signed.size - 1
    result = verification.verify_batch(batch)
    assert result.verdict.ok and result.checkpoint_at == signed.signed_at


def test_a_key_swapped_in_without_an_announcement_signs_nothing(
    old_key, settings, seller_user, batch
):
    harvest(seller_user, batch)
    signing.sign_checkpoint(actor=SYSTEM)
    settings.TRACE_RETIRED_KEYS = [transparency.verifier().vkey()]
    settings.TRACE_SIGNING_KEY = new_key_text()
    observe(seller_user, batch, event_time=at(2))
    assert signing.sign_checkpoint(actor=SYSTEM) is None
    assert LogAlert.objects.latest("pk").reason == "key_not_announced"


def test_rotating_to_the_same_key_or_an_unreadable_file_is_refused(old_key, tmp_path, db):
    (tmp_path / "same.key").write_text(old_key)
    with pytest.raises(CommandError, match="current key"):
        call_command("rotate_trace_key", "--new-key-file", str(tmp_path / "same.key"))
    (tmp_path / "bad.key").write_text("not a key")
    with pytest.raises(CommandError, match="bad.key"):
        call_command("rotate_trace_key", "--new-key-file", str(tmp_path / "bad.key"))


def test_a_renamed_log_takes_no_records_and_says_what_to_set(old_key, settings, seller_user, batch):
    """Misconfiguration: the public address moved and TRACE_LOG_ORIGIN was never
    set, so the server names its log anew: receipts of another log's name would
    never be signed over. Property: nothing is recorded meanwhile (a coded
    error, nothing written), the audit tells the operators what to set, and once
    it is set recording and signing go on."""
    harvest(seller_user, batch)
    origin = signing.sign_checkpoint(actor=SYSTEM).note.partition("\n")[0]
    settings.PUBLIC_BASE_URL = "https://moved.example"
    before = TraceEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        observe(seller_user, batch, event_time=at(2))
    assert refused.value.code == Code.TRACE_LOG_DAMAGED
    assert TraceEvent.objects.count() == before
    audit.audit(actor=SYSTEM)
    found = LogAlert.objects.get(kind=LogAlert.Kind.AUDIT_FAILED, reason="origin_changed")
    assert f"set TRACE_LOG_ORIGIN to {origin!r}" in found.detail
    settings.TRACE_LOG_ORIGIN = origin
    observe(seller_user, batch, event_time=at(2))
    assert signing.sign_checkpoint(actor=SYSTEM).size == LogLeaf.objects.count()
    assert verification.verify_batch(batch).verdict.ok
