"""nginx in front of gunicorn (deploy/): slow clients hold nginx, not the workers.

gunicorn's sync workers read each request themselves, so a few clients that
send their headers or body slowly hold every worker and the site stops
answering. nginx reads whole requests before passing them on. The test runs
the same slow clients against both, so it shows each half: through nginx
everyone else is answered at once, straight to gunicorn nobody is.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils import translation

from deploy.nginx import render
from shop.accounts.throttle import address_hash
from tests.helpers.services import (
    free_port,
    require_postgresql,
    skip_unless,
    subprocess_database_url,
)
from tests.helpers.users import PASSWORD

START_SECONDS = 30
SLOW_EACH = 4  # slow-header and slow-body clients, twice gunicorn's 2 workers
TRICKLE_SECONDS = 2
QUICK_SECONDS = 5  # an ordinary request through nginx answers within this, loaded CI too
# Each slow client's start, then what it adds every TRICKLE_SECONDS (%d: a count).
SLOW_HEADERS = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"X-Slow: %d\r\n")
SLOW_BODY = (
    b"POST /graphql/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100000\r\n\r\n",
    b'{"a%d":0,',
)


def _nginx():
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def _request(port, method, path, *, body=None, headers=None, timeout=QUICK_SECONDS, source=None):
    """Status, headers and body of one request on a connection of its own."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _wait_until_up(port, processes, logs):
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if _request(port, "GET", "/healthz", timeout=5)[0] == 200:
                return
        except OSError:
            pass
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            text = "\n".join(log.read_text(errors="replace") for log in logs)
            pytest.fail(f"gunicorn and nginx did not start:\n{text}")
        time.sleep(0.2)


@pytest.fixture
def front_door(transactional_db, settings, tmp_path):
    """gunicorn (2 sync workers) and nginx in front, on free ports: (nginx's, gunicorn's)."""
    require_postgresql("the server process must share the test database")
    nginx = _nginx()
    skip_unless(nginx, "needs Debian's nginx: run scripts/system-packages")
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.TRUSTED_PROXY_HOPS = 1
    app_port, nginx_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": subprocess_database_url(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "STATIC_ROOT": str(settings.STATIC_ROOT),
        "TRUSTED_PROXY_HOPS": "1",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{nginx_port}",
    }
    config = render(
        listen=f"127.0.0.1:{nginx_port}",
        upstream=f"127.0.0.1:{app_port}",
        prefix=tmp_path / "nginx",
    )
    gunicorn_log, nginx_log = tmp_path / "gunicorn.log", tmp_path / "nginx.log"
    commands = [
        (
            [sys.executable, "-m", "gunicorn", "shop.wsgi:application", "-w", "2"]
            + ["-b", f"127.0.0.1:{app_port}", "--log-level", "warning"],
            gunicorn_log,
        ),
        (
            [nginx, "-p", str(config.parent), "-c", config.name, "-e", "stderr"]
            + ["-g", "daemon off;"],
            nginx_log,
        ),
    ]
    processes = []
    for command, log in commands:
        with log.open("wb") as output:
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter, nginx and arguments
                    command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
                )
            )
    try:
        _wait_until_up(nginx_port, processes, [gunicorn_log, nginx_log])
        yield nginx_port, app_port
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)


class SlowClients:
    """Clients that never finish a request: each sends its request line or its
    headers, then a little more every TRICKLE_SECONDS, until closed."""

    def __init__(self, port):
        self.port = port
        self.sockets = []
        self.dropped = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self):
        for start, more in [SLOW_HEADERS] * SLOW_EACH + [SLOW_BODY] * SLOW_EACH:
            client = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            client.sendall(start)
            self.sockets.append((client, more))
        self.thread.start()
        time.sleep(0.3)  # until gunicorn's workers have taken the first ones
        return self

    def _trickle(self):
        sent = 0
        while not self.stop.wait(TRICKLE_SECONDS):
            sent += 1
            for client, more in self.sockets:
                try:
                    client.sendall(more % sent)
                except OSError as error:
                    self.dropped.append(error)

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join()
        for client, _ in self.sockets:
            client.close()


def test_slow_clients_hold_nginx_and_not_the_workers(front_door):
    nginx_port, app_port = front_door
    for path in ("/", "/ping"):  # the first answers of a fresh worker are slower
        assert _request(nginx_port, "GET", path, timeout=10)[0] == 200

    with SlowClients(nginx_port) as slow:
        slowest = 0.0
        for number in range(20):
            started = time.monotonic()
            status, _, _ = _request(nginx_port, "GET", "/ping" if number % 2 else "/")
            slowest = max(slowest, time.monotonic() - started)
            assert status == 200
            time.sleep(0.15)  # so the slow clients send more while these are answered
        assert slow.dropped == []
    assert slowest < QUICK_SECONDS

    # The same clients straight to gunicorn: the workers wait for them.
    with SlowClients(app_port), pytest.raises(TimeoutError):
        _request(app_port, "GET", "/ping")


def test_nginx_limits_bodies_serves_files_and_passes_the_client(front_door, settings, seller_user):
    nginx_port, _ = front_door
    declared = str(settings.UPLOAD_MAX_BODY_BYTES + 1)

    # Refused from the Content-Length, before a byte of the body is read.
    status, headers, body = _request(
        nginx_port, "POST", "/graphql/", headers={"Content-Length": declared}
    )
    assert (status, headers["Content-Type"]) == (413, "application/json")
    assert json.loads(body)["errors"][0]["extensions"] == {"code": "REQUEST_TOO_LARGE"}
    english = {"Content-Length": declared, "Accept-Language": "en"}
    body = _request(nginx_port, "POST", "/graphql/", headers=english)[2]
    message = json.loads(body)["errors"][0]["message"]
    assert message == f"The upload is larger than {settings.UPLOAD_MAX_BODY_BYTES} bytes."
    status, headers, body = _request(nginx_port, "POST", "/", headers={"Content-Length": declared})
    assert (status, headers["Content-Type"]) == (413, "text/html")
    with translation.override("en"):
        limit = filesizeformat(settings.UPLOAD_MAX_BYTES)
    assert f"This picture is larger than {limit}." in body.decode()

    # Written after gunicorn started, so WhiteNoise, which lists the files at
    # start, cannot be what serves it; the app would add its Referrer-Policy.
    hashed = settings.STATIC_ROOT / "storefront" / "site.0123456789ab.css"
    hashed.parent.mkdir()
    hashed.write_text("body { color: #333 }\n")
    status, headers, body = _request(nginx_port, "GET", "/static/storefront/site.0123456789ab.css")
    assert (status, body) == (200, b"body { color: #333 }\n")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Referrer-Policy" not in headers
    (settings.MEDIA_ROOT / "products").mkdir(parents=True)
    (settings.MEDIA_ROOT / "products" / "rice.jpg").write_bytes(b"\xff\xd8 a picture")
    status, headers, body = _request(nginx_port, "GET", "/media/products/rice.jpg")
    assert (status, headers["Content-Type"], body) == (200, "image/jpeg", b"\xff\xd8 a picture")
    assert _request(nginx_port, "GET", "/ping")[1]["Referrer-Policy"] == "same-origin"

    # The client connects from 127.0.0.2 and writes an address of its own to the
    # left; the app, one hop behind nginx, remembers where the sign-in came from.
    sign_in = {
        "query": "mutation($login: String!, $password: String!) "
        "{ tokenCreate(login: $login, password: $password) { token } }",
        "variables": {"login": str(seller_user.phone), "password": PASSWORD},
    }
    status, _, body = _request(
        nginx_port,
        "POST",
        "/graphql/",
        body=json.dumps(sign_in),
        headers={"Content-Type": "application/json", "X-Forwarded-For": "198.51.100.7"},
        timeout=10,
        source="127.0.0.2",
    )
    assert status == 200 and json.loads(body)["data"]["tokenCreate"]["token"]
    seller_user.refresh_from_db()
    assert seller_user.last_sign_in_address_hash == address_hash(seller_user, "127.0.0.2")


def test_the_rendered_configuration_is_valid_nginx(settings, tmp_path):
    nginx = _nginx()
    skip_unless(nginx, "needs Debian's nginx: run scripts/system-packages")
    settings.TRUSTED_PROXY_HOPS = 1
    config = render(listen="127.0.0.1:8080", upstream="127.0.0.1:8000", prefix=tmp_path)
    checked = subprocess.run(  # noqa: S603 - nginx with our arguments
        [nginx, "-t", "-p", str(tmp_path), "-c", config.name, "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr
    assert f"client_max_body_size {settings.UPLOAD_MAX_BODY_BYTES};" in config.read_text()


def test_no_configuration_that_would_hide_clients_or_publish_private_files(settings, tmp_path):
    front = {"listen": "127.0.0.1:8080", "upstream": "127.0.0.1:8000", "prefix": tmp_path}
    settings.TRUSTED_PROXY_HOPS = 0
    with pytest.raises(ValueError, match="TRUSTED_PROXY_HOPS is 0"):
        render(**front)
    settings.TRUSTED_PROXY_HOPS = 1
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT / "private"
    with pytest.raises(ValueError, match="must not be under MEDIA_ROOT"):
        render(**front)
