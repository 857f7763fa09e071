"""Label sheets through GraphQL (labelJobCreate, labelJob) and the download view,
as every role of tests.helpers.users.ROLES: only the seller's members and operators
order, see and fetch a sheet; to anyone else a job does not exist."""

import uuid

import pytest
from django.test import Client
from graphql_relay import to_global_id

from shop.accounts.tokens import create_access_token
from shop.core.roles import SYSTEM
from tests.helpers.ids import gid
from tests.helpers.pdf_tools import pdfinfo_pages
from tests.helpers.users import ROLES
from traceability.models import LabelJob
from traceability.services import labels as label_jobs

HOST = "https://shancun.example"
MANAGERS = ("seller", "operator")
CREATE = """
mutation($input: LabelJobCreateInput!) {
  labelJobCreate(input: $input) {
    job { id kind status count progress url error batch { lot } }
    errors { field code message }
  }
}"""
JOB = "query($id: ID!) { labelJob(id: $id) { id status progress count url error } }"


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = HOST


@pytest.fixture
def done_job(seller_user, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = label_jobs.create_label_job(actor=seller_user, batch=batch, kind="batch", copies=30)
    job.refresh_from_db()
    assert job.status == LabelJob.Status.DONE
    return job


def download_url(job):
    return f"/labels/{job.pk}/download/"


def fetch(user, url):
    """GET `url` as `user` (None: nobody), signed in by a bearer token."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_access_token(user)}"} if user else {}
    return Client(HTTP_HOST="127.0.0.1").get(url, **headers)


@pytest.mark.parametrize("role", ROLES)
def test_label_job_create_as_every_role(
    client_as, users_by_role, batch, role, django_capture_on_commit_callbacks
):
    client = client_as(role)
    variables = {"input": {"batch": gid(batch), "kind": "BATCH", "copies": 30}}
    with django_capture_on_commit_callbacks(execute=True):
        status, body = client.post(CREATE, variables)
    if role in MANAGERS:
        created = body["data"]["labelJobCreate"]
        assert created["errors"] == []
        job = LabelJob.objects.get()
        assert created["job"] == {
            "id": str(job.pk),
            "kind": "BATCH",
            "status": "QUEUED",  # the task runs after commit
            "count": 30,
            "progress": 0,
            "url": None,
            "error": None,
            "batch": {"lot": batch.lot},
        }
        assert job.created_by == users_by_role[role]
        shown = client.execute(JOB, {"id": str(job.pk)})["labelJob"]
        assert shown == {
            "id": str(job.pk),
            "status": "DONE",
            "progress": 30,
            "count": 30,
            "url": f"{HOST}/labels/{job.pk}/download/",
            "error": None,
        }
        return
    assert status == 200
    assert body["data"] == {"labelJobCreate": None}
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert not LabelJob.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_label_job_is_seen_by_members_and_operators_only(client_as, done_job, role):
    shown = client_as(role).execute(JOB, {"id": str(done_job.pk)})["labelJob"]
    if role in MANAGERS:
        assert shown["status"] == "DONE" and shown["url"].endswith(download_url(done_job))
    else:
        assert shown is None


def test_a_job_in_progress_shows_its_progress_and_no_url(client_as, seller_user, batch):
    job = label_jobs.create_label_job(
        actor=seller_user, batch=batch, kind="batch", copies=30, enqueue=False
    )
    client = client_as("seller")
    steps = label_jobs.render_steps(str(job.pk), actor=SYSTEM)
    assert client.execute(JOB, {"id": str(job.pk)})["labelJob"]["status"] == "QUEUED"
    next(steps)
    shown = client.execute(JOB, {"id": str(job.pk)})["labelJob"]
    assert (shown["status"], shown["progress"], shown["url"]) == ("RUNNING", 24, None)
    assert fetch(seller_user, download_url(job)).status_code == 404  # not ready
    assert list(steps) == [30]
    assert client.execute(JOB, {"id": str(job.pk)})["labelJob"]["url"] is not None


def test_a_failed_job_says_why(client_as, seller_user, batch, django_capture_on_commit_callbacks):
    from catalog.models import Product

    Product.objects.update(name="紫米🍚")
    with django_capture_on_commit_callbacks(execute=True):
        _status, body = client_as("seller").post(
            CREATE, {"input": {"batch": gid(batch), "kind": "BATCH", "copies": 2}}
        )
    job_id = body["data"]["labelJobCreate"]["job"]["id"]
    shown = client_as("seller").execute(JOB, {"id": job_id})["labelJob"]
    assert shown["status"] == "FAILED" and "no glyph" in shown["error"] and shown["url"] is None


@pytest.mark.parametrize(
    ("job_input", "error"),
    [
        ({"kind": "BATCH", "copies": 0}, ("copies", "INVALID_COUNT")),
        ({"kind": "BATCH", "copies": 10_001}, ("copies", "INVALID_COUNT")),
        ({"kind": "BATCH"}, ("copies", "INVALID_COUNT")),
        ({"kind": "SERIALS"}, ("kind", "INVALID_COUNT")),
        ({"kind": "SERIALS", "copies": 3}, ("copies", "INVALID")),
    ],
)
def test_bad_orders_are_coded_errors(client_as, batch, job_input, error):
    _status, body = client_as("seller").post(CREATE, {"input": {"batch": gid(batch), **job_input}})
    payload = body["data"]["labelJobCreate"]
    assert payload["job"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [error]
    assert not LabelJob.objects.exists()


def test_unknown_ids_are_request_errors_not_500s(client_as, batch):
    client = client_as("seller")
    variables = {"input": {"batch": to_global_id("Batch", batch.pk + 1), "kind": "BATCH"}}
    assert client.error_code(CREATE, variables) == "NOT_FOUND"
    assert client.execute(JOB, {"id": str(uuid.uuid4())})["labelJob"] is None
    assert client.error_code(JOB, {"id": "5 kg bag"}) == "INVALID_ID"
    assert client.error_code(JOB, {"id": gid(batch)}) == "INVALID_ID"


@pytest.mark.parametrize("role", ROLES)
def test_download_as_every_role(users_by_role, done_job, role):
    response = fetch(users_by_role[role], download_url(done_job))
    if role not in MANAGERS:
        assert response.status_code == 404
        assert b"%PDF" not in response.content
        return
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="labels-{done_job.batch.code}-batch.pdf"'
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control and "public" not in cache_control
    body = b"".join(response.streaming_content)
    assert body == done_job.file.open("rb").read() and body.startswith(b"%PDF")


def test_download_with_a_session_and_what_is_refused(
    seller_user, other_seller_user, done_job, tmp_path
):
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(seller_user)
    response = browser.get(download_url(done_job))
    assert response.status_code == 200
    path = tmp_path / "fetched.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    assert pdfinfo_pages(path) == 2
    assert browser.post(download_url(done_job)).status_code == 405
    assert browser.get(f"/labels/{uuid.uuid4()}/download/").status_code == 404
    assert browser.get("/labels/not-a-uuid/download/").status_code == 404
    other = Client(HTTP_HOST="127.0.0.1")
    other.force_login(other_seller_user)
    assert other.get(download_url(done_job)).status_code == 404
    # The file has no URL under /media/ either.
    assert fetch(seller_user, f"/media/{done_job.file.name}").status_code == 404
