"""The README's GraphQL examples run as written against the demo data.

The database's sequences start again from 1 and the demo is loaded, as on a
fresh `scripts/run`, so the IDs written in the README name the same rows.
The first block signs in; the others run with its token, in order; the
multipart `curl` example is sent the same way curl would send it.
"""

import io
import json
import re
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from catalog.demo.loader import load_demo
from logistics.demo import load_points_demo
from tests.helpers.api import GraphQLClient

README = Path(__file__).resolve().parents[1] / "README.md"


def graphql_blocks():
    return re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def curl_operations():
    """The `operations` and `map` fields of the README's multipart curl example."""
    text = README.read_text(encoding="utf-8")
    operations = re.search(r"-F operations='(.*?)' \\", text).group(1)
    file_map = re.search(r"-F map='(.*?)'", text).group(1)
    return operations, file_map


def errors_anywhere(data):
    """Every non-empty `errors` list inside a response's data."""
    found, pending = [], [data]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            if current.get("errors"):
                found.append(current["errors"])
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)
    return found


@pytest.fixture
def demo(transactional_db, django_db_reset_sequences, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        loaded = load_demo()
        load_points_demo()
    return loaded


def test_every_graphql_example_of_the_readme_runs_as_written(demo):
    sign_in, *examples = graphql_blocks()
    assert len(examples) >= 3
    anonymous = GraphQLClient()
    token = anonymous.execute(sign_in)["tokenCreate"]
    assert token["errors"] == [] and token["token"]
    client = GraphQLClient()
    client.headers["HTTP_AUTHORIZATION"] = f"Bearer {token['token']}"
    results = [client.execute(example) for example in examples]
    assert [errors_anywhere(result) for result in results] == [[]] * len(examples)
    listed = results[0]["products"]
    assert listed["totalCount"] >= 1
    assert all("紫米" in edge["node"]["name"] for edge in listed["edges"])
    assert results[1]["productCreate"]["product"]["slug"] == "wanglongtan-brown-rice"
    assert results[2]["productVariantCreate"]["variant"]["gtin"] == "06901234567892"
    points = [edge["node"] for edge in results[3]["pickupPoints"]["edges"]]
    assert [p["name"] for p in points[:2]] == ["王龙潭村电商服务站", "万龙山乡电商服务站"]
    assert len(points) == 3  # Luxi County only
    cart = results[4]["checkoutCreate"]["checkout"]
    assert cart["lines"][0]["quantity"] == 2 and cart["lines"][0]["reservedUntil"]


def test_the_readmes_upload_example_runs_as_written(demo):
    operations, file_map = curl_operations()
    token = GraphQLClient().execute(graphql_blocks()[0])["tokenCreate"]["token"]
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (100, 40, 140)).save(picture, "JPEG")
    picture.name = "rice.jpg"
    picture.seek(0)
    response = Client(HTTP_HOST="127.0.0.1").post(
        "/graphql/",
        {"operations": operations, "map": file_map, "0": picture},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    payload = response.json()["data"]["productImageCreate"]
    assert payload["errors"] == [] and payload["image"]["url"].endswith(".jpg")
    assert json.loads(operations)["variables"]["p"] == "UHJvZHVjdDo0"
