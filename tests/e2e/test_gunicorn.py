"""The app served by gunicorn with the project's gunicorn.conf.py, over real HTTP."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from shop.accounts.tokens import create_access_token
from tests.helpers.services import free_port, require_postgresql, subprocess_database_url

START_SECONDS = 30


def _get(url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our server
        return response.status, response.read().decode()


@pytest.fixture
def server(transactional_db, settings, tmp_path):
    """gunicorn, 2 workers, on a free port, sharing this test's database."""
    require_postgresql("the server process must share the test database")
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": subprocess_database_url(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    log = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "shop.wsgi:application", "-w", "2"]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if _get(f"{base}/healthz")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=15)


LIST = "{ products(first: 5) { edges { node { name seller { name } variants { sku } } } } }"


def test_gunicorn_serves_the_catalogue_pages_and_the_api(server, product, seller_user):
    status, health = _get(f"{server}/healthz")
    assert (status, json.loads(health)["database"]) == (200, "ok")

    status, body = _get(f"{server}/graphql/", {"query": LIST})
    edges = json.loads(body)["data"]["products"]["edges"]
    assert edges == [
        {
            "node": {
                "name": "武功山紫米",
                "seller": {"name": "武功山紫米合作社"},
                "variants": [{"sku": "ZM-5KG"}],
            }
        }
    ]

    token = {"Authorization": f"Bearer {create_access_token(seller_user)}"}
    status, body = _get(f"{server}/graphql/", {"query": "{ me { roles } }"}, token)
    assert json.loads(body) == {"data": {"me": {"roles": ["CUSTOMER", "SELLER"]}}}

    status, page = _get(f"{server}/")
    assert status == 200 and "武功山紫米" in page

    with urllib.request.urlopen(f"{server}/", timeout=10) as response:  # noqa: S310 - our server
        headers = response.headers
    assert len(headers.get_all("Server")) == 1
    assert not re.search(r"[\d/]", headers["Server"]), headers["Server"]  # e.g. gunicorn/27.0.1
    # django-csp writes the directives in no fixed order.
    directives = {part.strip() for part in headers["Content-Security-Policy"].split(";")}
    assert "script-src 'self'" in directives
