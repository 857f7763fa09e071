"""Fixtures of the payment tests: a Stripe-compatible endpoint and loopback HTTP servers."""

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import stripe

from shop.payments.gateways.stripe import StripeGateway
from tests.helpers.localstripe import StripeEndpoint, stripe_endpoint


@pytest.fixture(scope="session")
def endpoint() -> Iterator[StripeEndpoint]:
    with stripe_endpoint() as started:
        yield started


@pytest.fixture
def gateway(endpoint: StripeEndpoint) -> StripeGateway:
    return StripeGateway(endpoint.secret_key, endpoint.api_base)


@pytest.fixture
def buyer(endpoint: StripeEndpoint) -> stripe.StripeClient:
    """What the buyer's browser does with Stripe.js (pick a card, confirm), done here."""
    return stripe.StripeClient(endpoint.secret_key, base_addresses={"api": endpoint.api_base})


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


# What a loopback server answers: (status, JSON body), or None to drop the connection.
Reply = Callable[[Seen], tuple[int, dict] | None]


class Loopback:
    """An HTTP server on 127.0.0.1 that records every request and answers with `reply`."""

    def __init__(self, reply: Reply) -> None:
        self.seen: list[Seen] = []
        recorded = self.seen

        class Handler(http.server.BaseHTTPRequestHandler):
            def handle_one(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {name.lower(): value for name, value in self.headers.items()},
                    self.rfile.read(length),
                )
                recorded.append(seen)
                answer = reply(seen)
                if answer is None:
                    self.close_connection = True
                    return
                status, content = answer
                body = json.dumps(content).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = handle_one

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> "Loopback":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, found: Callable[[Seen], bool], timeout: float = 15) -> Seen:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for seen in list(self.seen):
                if found(seen):
                    return seen
            time.sleep(0.05)
        raise AssertionError(f"nothing matching arrived in {timeout} s: {self.seen}")


@pytest.fixture
def loopback() -> Iterator[Callable[[Reply], Loopback]]:
    """Start loopback servers with the replies given; each stops when the test ends."""
    started: list[Loopback] = []

    def start(reply: Reply) -> Loopback:
        server = Loopback(reply).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__()
