"""The trace log over HTTP, as a stranger with only public answers sees it.

Threat: a log that proves things only to itself, or answers a malformed
request with a 500. Property: every proof served verifies with RFC 9162's
algorithms against a checkpoint the published key signed, the history is
complete when paged, nothing is said about a tree the log has not signed,
and bad input gets a coded 400."""

import json

import pytest
from django.test import Client

from shop.core.roles import SYSTEM
from tests.helpers.events import at, harvest, observe
from tlog import merkle, note
from tlog.checkpoint import open_checkpoint
from traceability.services import signing
from traceability.views import log as views


@pytest.fixture
def client():
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def grown(seller_user, batch):
    """A log signed at two sizes: the batch's record and a harvest, then three steps."""
    harvest(seller_user, batch)
    first = signing.sign_checkpoint(actor=SYSTEM)
    for day in (1, 2, 3):
        observe(seller_user, batch, event_time=at(day))
    return first, signing.sign_checkpoint(actor=SYSTEM)


def get_json(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def published_key(client):
    document = get_json(client, "/.well-known/trace-log-key")
    return note.Ed25519Verifier.from_vkey(document["vkey"]), document


def test_the_newest_checkpoint_verifies_with_the_published_key(client, grown):
    verifier, document = published_key(client)
    response = client.get("/trace/log/checkpoint")
    assert response["Content-Type"].startswith("text/plain")
    checkpoint, _opened = open_checkpoint(response.content, [verifier], document["origin"])
    assert (checkpoint.size, checkpoint.root_hash) == (grown[1].size, bytes(grown[1].root))
    assert document["key"]["jwk"]["crv"] == "Ed25519" and document["witnesses"] == []


def test_every_leaf_has_an_inclusion_proof_to_the_signed_root(client, grown):
    verifier, document = published_key(client)
    checkpoint, _ = open_checkpoint(
        client.get("/trace/log/checkpoint").content, [verifier], document["origin"]
    )
    for index in range(checkpoint.size):
        answer = get_json(client, f"/trace/log/proof/inclusion?index={index}")
        leaf = get_json(client, f"/trace/log/leaves/{index}")
        proof = [note.b64decode(h, "proof") for h in answer["proof"]]
        hashed = note.b64decode(leaf["hash"], "leaf")
        assert answer["leaf_hash"] == leaf["hash"]
        assert merkle.verify_inclusion(index, checkpoint.size, hashed, proof, checkpoint.root_hash)
        altered = bytes([hashed[0] ^ 1]) + hashed[1:]
        assert not merkle.verify_inclusion(
            index, checkpoint.size, altered, proof, checkpoint.root_hash
        )


def test_the_later_checkpoint_is_proven_to_extend_the_earlier(client, grown):
    first, newest = grown
    answer = get_json(client, f"/trace/log/proof/consistency?old={first.size}&new={newest.size}")
    proof = [note.b64decode(h, "proof") for h in answer["proof"]]
    assert merkle.verify_consistency(
        first.size, newest.size, bytes(first.root), bytes(newest.root), proof
    )
    assert not merkle.verify_consistency(
        first.size, newest.size, bytes(32), bytes(newest.root), proof
    )


def test_the_whole_history_pages(client, grown, seller_user, batch, monkeypatch):
    monkeypatch.setattr(views, "PAGE", 2)
    observe(seller_user, batch, "shipping", "in_transit", event_time=at(4))
    signing.sign_checkpoint(actor=SYSTEM)
    seen, path = [], "/trace/log/checkpoints"
    while path:
        page = get_json(client, path)
        seen += [entry["size"] for entry in page["checkpoints"]]
        path = page["next"]
    assert seen == sorted(seen, reverse=True) and len(seen) == 3
    assert seen[-2:] == [grown[1].size, grown[0].size]


@pytest.mark.parametrize(
    "path",
    [
        "/trace/log/proof/inclusion",
        "/trace/log/proof/inclusion?index=-1",
        "/trace/log/proof/inclusion?index=abc",
        "/trace/log/proof/inclusion?index=99",
        "/trace/log/proof/inclusion?index=0&size=999",
        "/trace/log/proof/inclusion?index=0&size=" + "9" * 40,
        "/trace/log/proof/consistency?old=5&new=2",
        "/trace/log/proof/consistency?old=1&new=999",
        "/trace/log/proof/consistency",
        "/trace/log/checkpoints?before=x",
    ],
)
def test_bad_requests_are_coded_400s(client, grown, path):
    answer = get_json(client, path, status=400)
    assert answer["error"]["code"] == "invalid" and answer["error"]["message"]


def test_nothing_is_said_of_a_tree_not_signed(client, grown, seller_user, batch):
    observe(seller_user, batch, "shipping", "in_transit", event_time=at(4))  # not signed yet
    unsigned = grown[1].size
    assert client.get(f"/trace/log/leaves/{unsigned}").status_code == 404
    get_json(client, f"/trace/log/proof/inclusion?index={unsigned}", status=400)


def test_an_empty_log_has_no_checkpoint_yet(client, db):
    assert client.get("/trace/log/checkpoint").status_code == 404
    assert get_json(client, "/trace/log/checkpoints")["checkpoints"] == []
    assert client.post("/trace/log/checkpoint").status_code == 405
