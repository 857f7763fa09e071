"""Virtual buyers: each thread buys, over one persistent HTTP connection, whole
checkouts through the GraphQL API as the storefront's client does
(graphql/operations/checkout.graphql), until its deadline.

A checkout is `checkoutCreate` with 3 lines from 2 sellers, then
`checkoutDeliveryMethodUpdate` to a home address, then `checkoutComplete`
with the test gateway. Its time runs from the first request's start to the
last answer; any non-200, GraphQL error or mutation error counts as an error.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field

from common import ROOT, SetupError

OPERATIONS = ROOT / "graphql" / "operations" / "checkout.graphql"
# A county-level division (Jiangxi) inside the mainland zones.
ADDRESS = {"recipient": "王小明", "address": "山村路 1 号", "divisionCode": "360323100000"}
GATEWAY = "test"


def operation(name):
    """The fragment and the operation `name` of the client's checkout.graphql."""
    text = OPERATIONS.read_text(encoding="utf-8")
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]
    fragment = next(b for b in blocks if b.startswith("fragment CheckoutDetails"))
    found = [b for b in blocks if re.match(rf"(mutation|query) {name}\b", b)]
    if not found:
        raise SetupError(f"no operation {name} in {OPERATIONS}")
    body = found[0]
    return (fragment + "\n\n" + body) if "...CheckoutDetails" in body else body


@dataclass
class Pool:
    """Variants (global IDs) of two sellers; each checkout takes 2 of one, 1 of the other."""

    first: list[str]
    second: list[str]

    def lines(self, rng):
        two, one = (self.first, self.second) if rng.random() < 0.5 else (self.second, self.first)
        chosen = rng.sample(two, 2) + rng.sample(one, 1)
        return [{"variantId": v, "quantity": rng.randint(1, 3)} for v in chosen]


@dataclass
class Tally:
    """What the buyers saw; appended to under a lock."""

    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Buyer:
    def __init__(self, host, port, pool, seed):
        self.connection = http.client.HTTPConnection(host, port, timeout=30)
        self.pool, self.rng = pool, random.Random(seed)  # noqa: S311 (not security)
        self.documents = {
            name: operation(name)
            for name in ("CheckoutCreate", "CheckoutToAddress", "CheckoutComplete")
        }
        self.requests = 0

    def post(self, name, variables, key):
        """One mutation; its payload under `key`, or an error's description."""
        body = json.dumps(
            {"query": self.documents[name], "operationName": name, "variables": variables},
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        try:
            self.connection.request("POST", "/graphql/", body, headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()  # reconnects on the next request
            return None, f"{name}: {type(error).__name__}: {error}"
        finally:
            self.requests += 1
        if response.status != 200:
            return None, f"{name}: HTTP {response.status}: {raw[:200]!r}"
        payload = json.loads(raw)
        if payload.get("errors"):
            return None, f"{name}: {json.dumps(payload['errors'], ensure_ascii=False)[:300]}"
        result = payload["data"][key]
        if result.get("errors"):
            return None, f"{name}: {json.dumps(result['errors'], ensure_ascii=False)[:300]}"
        return result, None

    def checkout(self, number):
        """One whole checkout; None when it went through, else what went wrong."""
        created, error = self.post(
            "CheckoutCreate",
            {"lines": self.pool.lines(self.rng), "email": f"buyer{number}@example.com"},
            "checkoutCreate",
        )
        if error:
            return error
        token = created["checkout"]["token"]
        _, error = self.post(
            "CheckoutToAddress",
            {"token": token, "address": ADDRESS},
            "checkoutDeliveryMethodUpdate",
        )
        if error:
            return error
        completed, error = self.post(
            "CheckoutComplete", {"token": token, "gateway": GATEWAY}, "checkoutComplete"
        )
        if error:
            return error
        if completed["order"] is None or completed["payment"] is None:
            return f"CheckoutComplete: no order or payment: {completed}"
        return None

    def run(self, deadline, tally, first_number):
        number = first_number
        while time.monotonic() < deadline:
            started = time.perf_counter()
            error = self.checkout(number)
            elapsed = time.perf_counter() - started
            number += 1
            with tally.lock:
                if error is None:
                    tally.seconds.append(elapsed)
                else:
                    tally.errors.append(error)
        with tally.lock:
            tally.requests += self.requests
        self.requests = 0


def percentile(values, share):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def buy_for(host, port, pool, concurrency, seconds, seed=0):
    """`concurrency` buyers for `seconds`: checkouts/s, p50, p99 (ms), errors and the
    client's own CPU share (this process), so a busy client is seen."""
    tally = Tally()
    buyers = [Buyer(host, port, pool, seed * 1000 + i) for i in range(concurrency)]
    cpu, wall = time.process_time(), time.monotonic()
    deadline = wall + seconds
    threads = [
        threading.Thread(target=b.run, args=(deadline, tally, (seed * 1000 + i) * 100_000))
        for i, b in enumerate(buyers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - wall
    cpu = time.process_time() - cpu
    for buyer in buyers:
        buyer.connection.close()
    return {
        "checkouts": len(tally.seconds),
        "checkouts_per_s": len(tally.seconds) / wall,
        "p50_ms": 1000 * percentile(tally.seconds, 0.50),
        "p99_ms": 1000 * percentile(tally.seconds, 0.99),
        "errors": len(tally.errors),
        "first_errors": tally.errors[:5],
        "requests": tally.requests,
        "seconds": wall,
        "client_cpu_share": cpu / wall,
    }
