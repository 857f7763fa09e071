"""A Stripe-compatible endpoint for the integration tests: localstripe on 127.0.0.1,
or whatever `STRIPE_API_BASE` names (with `STRIPE_SECRET_KEY`)."""

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.helpers.services import free_port

TEST_SECRET_KEY = "sk_test_localstripe_0123456789"

# localstripe's own `start()` binds every interface (`::`) and keeps its store in
# /tmp/localstripe.pickle, shared by every copy running; this one binds 127.0.0.1
# and keeps the store in memory. localstripe predates API version endive (the
# stripe library's pin), which renamed the create parameter `payment_method_types`
# to `allowed_payment_method_types`: the wrapper accepts the new name. It also
# drops a PaymentIntent's `description`, which Stripe takes and localstripe refuses.
SERVER = """
import sys
from aiohttp import web
from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None
create = resources.PaymentIntent._api_create

def create_intent(**data):
    data.pop("description", None)
    if "allowed_payment_method_types" in data:
        data["payment_method_types"] = data.pop("allowed_payment_method_types")
    return create(**data)

resources.PaymentIntent._api_create = staticmethod(create_intent)
web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


@dataclass(frozen=True)
class StripeEndpoint:
    api_base: str
    secret_key: str
    # Only localstripe can be told where to send webhooks (`/_config/webhooks/`).
    is_localstripe: bool

    def send_webhooks_to(self, url: str, secret: str, name: str = "tests") -> None:
        """Have localstripe sign and post every event to `url` (a second `name` adds a target)."""
        form = urllib.parse.urlencode({"url": url, "secret": secret}).encode()
        address = f"{self.api_base}/_config/webhooks/{name}"
        request = urllib.request.Request(address, data=form)  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
            assert answer.status == 200


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()  # noqa: S310 - loopback
    except urllib.error.HTTPError:
        return True  # 401 without a key: it is up
    except OSError:
        return False
    return True


@contextmanager
def localstripe(timeout: float = 20) -> Iterator[StripeEndpoint]:
    """Run localstripe bound to 127.0.0.1 on a free port until the block ends."""
    port = free_port()
    api_base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", SERVER, str(port)], stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + timeout
            while not _answers(f"{api_base}/v1/payment_intents"):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"localstripe did not start: {log.read().decode()}")
                time.sleep(0.1)
            yield StripeEndpoint(api_base, TEST_SECRET_KEY, is_localstripe=True)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def stripe_endpoint() -> Iterator[StripeEndpoint]:
    """`STRIPE_API_BASE` (and `STRIPE_SECRET_KEY`) when set, else a fresh localstripe."""
    api_base = os.environ.get("STRIPE_API_BASE")
    if api_base:
        yield StripeEndpoint(
            api_base.rstrip("/"), os.environ["STRIPE_SECRET_KEY"], is_localstripe=False
        )
        return
    with localstripe() as endpoint:
        yield endpoint
