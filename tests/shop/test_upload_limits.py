"""Uploads are refused before they cost disk or memory: anonymous ones before the
body is read, oversized ones from their Content-Length, and a file part as soon
as it streams past UPLOAD_MAX_BYTES."""

import io
import json

import pytest
from django.test import Client
from django.test.client import encode_multipart
from graphql_relay import to_global_id

from catalog.models import ProductImage
from shop.accounts.tokens import create_access_token

BOUNDARY = "----boundary-for-tests"
QUERY = """mutation($p: ID!, $f: Upload!) {
  productImageCreate(product: $p, image: $f) { image { id } errors { code } } }"""


class CountingStream:
    """A request body that records how many bytes the server read from it."""

    def __init__(self, data):
        self.data = io.BytesIO(data)
        self.read_bytes = 0

    def read(self, size=-1):
        chunk = self.data.read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = self.data.readline(size)
        self.read_bytes += len(line)
        return line


def multipart_body(product, payload):
    operations = {
        "query": QUERY,
        "variables": {"p": to_global_id("Product", product.pk), "f": None},
    }
    fields = {
        "operations": json.dumps(operations),
        "map": json.dumps({"0": ["variables.f"]}),
        "0": io.BytesIO(payload),
    }
    return encode_multipart(BOUNDARY, fields)


def send(body, user=None, content_length=None):
    stream = CountingStream(body)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/graphql/",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(content_length if content_length is not None else len(body)),
        "wsgi.input": stream,
    }
    if user is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {create_access_token(user)}"
    response = Client(HTTP_HOST="127.0.0.1").request(**environ)
    return response.status_code, response.json(), stream.read_bytes


def code_of(body):
    return body["errors"][0]["extensions"]["code"]


@pytest.mark.django_db
def test_an_anonymous_upload_is_refused_before_its_body_is_read(product):
    status, body, read = send(multipart_body(product, b"\xff" * 3_000_000))
    assert (status, code_of(body)) == (401, "UNAUTHENTICATED")
    assert read == 0
    assert ProductImage.objects.count() == 0


@pytest.mark.django_db
def test_an_upload_with_an_invalid_token_is_anonymous_too(product):
    body = multipart_body(product, b"x")
    stream = CountingStream(body)
    response = Client(HTTP_HOST="127.0.0.1").request(
        REQUEST_METHOD="POST",
        PATH_INFO="/graphql/",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(len(body)),
        HTTP_AUTHORIZATION="Bearer not-a-token",
        **{"wsgi.input": stream},
    )
    assert response.status_code == 401 and stream.read_bytes == 0


@pytest.mark.django_db
def test_a_body_declared_larger_than_the_cap_is_refused_unread(seller_user, product, settings):
    status, body, read = send(multipart_body(product, b"x"), seller_user, content_length=2**31)
    assert (status, code_of(body)) == (413, "REQUEST_TOO_LARGE")
    assert read == 0
    assert str(settings.UPLOAD_MAX_BODY_BYTES) in body["errors"][0]["message"]


@pytest.mark.django_db
def test_a_file_part_is_cut_off_as_soon_as_it_passes_the_limit(seller_user, product, settings):
    settings.UPLOAD_MAX_BYTES = 100_000
    settings.UPLOAD_MAX_BODY_BYTES = 10_000_000
    payload = b"\xff" * 5_000_000
    status, body, read = send(multipart_body(product, payload), seller_user)
    assert (status, code_of(body)) == (413, "REQUEST_TOO_LARGE")
    assert str(settings.UPLOAD_MAX_BYTES) in body["errors"][0]["message"]
    assert read < 1_000_000, f"read {read} bytes of a {len(payload)}-byte file"
    assert ProductImage.objects.count() == 0


@pytest.mark.django_db
def test_a_file_within_the_limit_still_uploads(seller_user, product, settings):
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 40, 160)).save(picture, "PNG")
    settings.UPLOAD_MAX_BYTES = len(picture.getvalue()) + 10
    status, body, _read = send(multipart_body(product, picture.getvalue()), seller_user)
    assert status == 200, body
    assert body["data"]["productImageCreate"]["errors"] == []
    assert ProductImage.objects.count() == 1
