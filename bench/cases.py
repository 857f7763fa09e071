"""The measured requests, their targets, and the check that each one answers right.

Shared by run.py and profile_case.py, so that both measure the same queries.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from common import OUT, SetupError

PRODUCT_FIELDS = """
      id
      name
      slug
      thumbnail { url }
      priceRange { start { amount currency } stop { amount currency } }
      category { name }
      seller { name }
      variants { id name sku price { amount currency } stockQuantity }
"""


def products_query(arguments):
    return (
        "query BenchProducts {\n"
        f"  products({arguments}) {{\n"
        "    edges { node {" + PRODUCT_FIELDS + "    } }\n"
        "    pageInfo { hasNextPage endCursor }\n"
        "  }\n"
        "}\n"
    )


# The demo's product with a farm, pictures and several variants (bench/database.py loads it).
PRODUCT_SLUG = "wugong-mountain-purple-rice"

# What the product page shows, asked of the API.
PRODUCT_PAGE_QUERY = (
    "query BenchProductPage {\n"
    f'  product(slug: "{PRODUCT_SLUG}") {{\n'
    """    id name nameEn slug description origin storage shelfLifeDays
    category { name nameEn slug parent { name nameEn slug } }
    seller { name nameEn slug isVerified region { province city county township village divisionCode } }
    farm { name nameEn village areaMu produce }
    variants { id name price { amount currency } stockQuantity coldChain }
    images {
      alt width height
      webpSmall: thumbnail(size: 256, format: WEBP) { url }
      webpLarge: thumbnail(size: 768, format: WEBP) { url }
      jpegSmall: thumbnail(size: 256, format: JPEG) { url }
      jpegLarge: thumbnail(size: 768, format: JPEG) { url }
    }
  }
}
"""
)


def doubling_fragments(levels):
    """Fragment i spreads fragment i-1 twice: 2**levels fields once expanded (took 21 s at 22)."""
    fragments = ["fragment F0 on Query { __typename }"]
    fragments += [
        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)
    ]
    return f"{{ ...F{levels} }}\n" + "\n".join(fragments)


def fragment_cycle(size):
    """Fragments spreading each other in a ring (ran 30 s, then the worker was killed)."""
    fragments = [f"fragment F{i} on Query {{ ...F{(i + 1) % size} }}" for i in range(size)]
    return "{ ...F0 }\n" + "\n".join(fragments)


def most_tokens():
    """The most expensive text to parse: within the length limit, past the token limit,
    so the parser reads as many tokens as it may (GRAPHQL_MAX_TOKENS) before it gives up."""
    fields = "x:thumbnail(size:1){url} " * 470
    return "{products(first:1){edges{node{" + fields + "}}}}"


@dataclass
class Case:
    key: str
    label: str
    path: str
    query: str | None = None  # None: GET without a body
    expect_exactly: int | None = None
    expect_at_least: int | None = None
    min_rps: float | None = None
    max_p99_ms: float | None = None
    refused_with: str | None = None  # a hostile document: the error code it must get
    page_marker: str | None = None  # an HTML page: what expect_* count in it
    min_floor_ratio_cached: float | None = None  # cache on: at least this share of (a)'s req/s
    as_fast_as: str | None = None  # cache off: at least the req/s of this case, same run
    # GETs spread over a list of paths (bench/paths.lua picks one per request), each
    # with `query_string` appended; `expect_json` checks a JSON-LD answer.
    paths: str | None = None  # the list's name: bench/out/paths_{paths}.txt
    query_string: str = ""
    expect_json: bool = False
    max_cold_queries: int | None = None  # SQL queries of a cold render (bench/cold_queries.py)

    def target(self, cache="off"):
        parts = []
        if self.min_rps is not None:
            parts.append(f">= {self.min_rps:g} req/s")
        if self.max_p99_ms is not None:
            parts.append(f"p99 <= {self.max_p99_ms:g} ms")
        if cache == "on" and self.min_floor_ratio_cached is not None:
            parts.append(f">= {self.min_floor_ratio_cached:g} x (a)")
        if cache == "off" and self.as_fast_as is not None:
            parts.append(f">= ({self.as_fast_as}) off")
        if self.max_cold_queries is not None:
            parts.append(f"<= {self.max_cold_queries} SQL cold")
        return ", ".join(parts) or "(floor)"

    def verdict(self, row, rows):
        """PASS or MISS against the targets for `row`'s cache mode ("-": none)."""
        checks = []
        if self.min_rps is not None:
            checks.append(row["rps"] >= self.min_rps)
        if self.max_p99_ms is not None:
            checks.append(row["p99_ms"] <= self.max_p99_ms)
        if row["cache"] == "on" and self.min_floor_ratio_cached is not None:
            checks.append(row["ratio"] >= self.min_floor_ratio_cached)
        if row["cache"] == "off" and self.as_fast_as is not None:
            other = [r for r in rows if r["key"] == self.as_fast_as and r["cache"] == "off"]
            if other:
                checks.append(row["rps"] >= other[0]["rps"])
        if self.max_cold_queries is not None and row.get("cold_queries") is not None:
            checks.append(row["cold_queries"] <= self.max_cold_queries)
        if not checks:
            return "-"
        return "PASS" if all(checks) else "MISS"


CASES = [
    Case("a", "GET /ping (no database)", "/ping"),
    Case(
        "b",
        "products(first: 20)",
        "/graphql/",
        products_query("first: 20"),
        expect_exactly=20,
        min_rps=200,
        max_p99_ms=100,
    ),
    Case(
        "c",
        "products(first: 100)",
        "/graphql/",
        products_query("first: 100"),
        expect_exactly=100,
        min_rps=40,
    ),
    Case(
        "d",
        'products(first: 20, search: "紫米")',
        "/graphql/",
        products_query('first: 20, filter: {search: "紫米"}'),
        expect_at_least=1,
        min_rps=100,
    ),
    # Hostile documents: refused before anything runs. On 2 workers, 100 req/s
    # means at most 20 ms of CPU per refusal, 40 req/s at most 50 ms.
    Case(
        "e",
        "hostile: 22 doubling fragments",
        "/graphql/",
        doubling_fragments(22),
        min_rps=100,
        refused_with="QUERY_TOO_COMPLEX",
    ),
    Case(
        "f",
        "hostile: 11 fragments in a cycle",
        "/graphql/",
        fragment_cycle(11),
        min_rps=100,
        refused_with="GRAPHQL_VALIDATION_FAILED",
    ),
    Case(
        "g",
        "hostile: the most tokens allowed",
        "/graphql/",
        most_tokens(),
        min_rps=40,
        refused_with="QUERY_TOO_LARGE",
    ),
    # The pages, anonymous; the GraphQL query (j) asks for what the product page shows.
    Case(
        "h",
        "page /search/ (20 products)",
        "/search/",
        expect_exactly=20,
        page_marker='class="card"',
        min_floor_ratio_cached=0.5,
        as_fast_as="b",
    ),
    Case(
        "i",
        f"page /p/{PRODUCT_SLUG}/",
        f"/p/{PRODUCT_SLUG}/",
        expect_at_least=1,
        page_marker="<picture>",
        min_floor_ratio_cached=0.5,
        as_fast_as="j",
    ),
    Case(
        "k",
        "page /c/rice/ (20 products)",
        "/c/rice/",
        expect_exactly=20,
        page_marker='class="card"',
        min_floor_ratio_cached=0.5,
        as_fast_as="b",
    ),
    Case("j", "product(slug) as on its page", "/graphql/", PRODUCT_PAGE_QUERY, expect_exactly=1),
    # The resolver: a QR code's link, each request a batch picked at random among
    # 1,000 (bench/trace_load.py), its scan recorded as part of the resolve.
    Case(
        "p",
        "provenance page, 1,000 batches",
        "/",
        paths="provenance",
        page_marker='class="verdict verified"',  # a page that failed verification is no result
        min_floor_ratio_cached=0.5,
        max_cold_queries=10,
    ),
    Case(
        "q",
        "provenance JSON-LD, 1,000 batches",
        "/",
        paths="provenance",
        query_string="?format=jsonld",
        expect_json=True,
        min_floor_ratio_cached=0.5,
        max_cold_queries=10,
    ),
]
PROVENANCE_CASES = {case.key for case in CASES if case.paths == "provenance"}


def request_body(case):
    return json.dumps({"query": case.query}, ensure_ascii=False)


def http(url, body=None, timeout=30):
    data = body.encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")  # noqa: S310
    if data:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def paths_file(case):
    return OUT / f"paths_{case.paths}.txt"


def verify(case, base_url, paths=None):
    """Check one request of `case` (a fast wrong answer is no result); describe it briefly.

    A case over a list of paths is checked on three of them, picked at random.
    """
    if case.paths is not None:
        return _verify_paths(case, base_url, paths or paths_file(case))
    url = base_url + case.path
    started = time.perf_counter()
    status, raw = http(url, request_body(case) if case.query else None)
    elapsed_ms = (time.perf_counter() - started) * 1000
    prefix = f"({case.key}) {case.label}"
    if case.refused_with is not None:
        return _verify_refusal(case, prefix, status, raw, elapsed_ms)
    if status != 200:
        raise SetupError(f"{prefix}: HTTP {status}: {raw[:500]!r}")
    if case.page_marker is not None:
        return _verify_page(case, prefix, raw, elapsed_ms)
    try:
        payload = json.loads(raw)
    except ValueError as error:
        raise SetupError(f"{prefix}: not JSON: {raw[:300]!r}") from error
    if case.query is None:
        if payload != {"pong": True}:
            raise SetupError(f"{prefix}: unexpected answer {payload!r}")
        return f"200, {len(raw)} bytes, {elapsed_ms:.1f} ms"
    if payload.get("errors"):
        raise SetupError(
            f"{prefix}: errors: {json.dumps(payload['errors'], ensure_ascii=False)[:800]}"
        )
    if "product" in (payload.get("data") or {}):
        return _verify_product(case, prefix, payload["data"]["product"], raw, elapsed_ms)
    try:
        edges = payload["data"]["products"]["edges"]
    except (KeyError, TypeError) as error:
        raise SetupError(f"{prefix}: no data.products.edges in {raw[:300]!r}") from error
    count = len(edges)
    if case.expect_exactly is not None and count != case.expect_exactly:
        raise SetupError(f"{prefix}: {count} products returned, expected {case.expect_exactly}")
    if case.expect_at_least is not None and count < case.expect_at_least:
        raise SetupError(
            f"{prefix}: {count} products returned, expected at least {case.expect_at_least}"
        )
    variants = sum(len(edge["node"]["variants"]) for edge in edges)
    thumbnails = sum(1 for edge in edges if edge["node"]["thumbnail"])
    return (
        f"200, {count} products, {variants} variants, {thumbnails} thumbnails, "
        f"{len(raw)} bytes, {elapsed_ms:.1f} ms"
    )


def _expect_count(case, prefix, count, what):
    if case.expect_exactly is not None and count != case.expect_exactly:
        raise SetupError(f"{prefix}: {count} {what}, expected {case.expect_exactly}")
    if case.expect_at_least is not None and count < case.expect_at_least:
        raise SetupError(f"{prefix}: {count} {what}, expected at least {case.expect_at_least}")


def _verify_page(case, prefix, raw, elapsed_ms):
    page = raw.decode()
    if not page.startswith("<!doctype html>"):
        raise SetupError(f"{prefix}: not an HTML page: {raw[:300]!r}")
    count = page.count(case.page_marker)
    _expect_count(case, prefix, count, repr(case.page_marker))
    return f"200, {count} x {case.page_marker!r}, {len(raw)} bytes, {elapsed_ms:.1f} ms"


def _verify_product(case, prefix, product, raw, elapsed_ms):
    if not product:
        raise SetupError(f"{prefix}: no product {PRODUCT_SLUG!r}: {raw[:300]!r}")
    _expect_count(case, prefix, 1, "product")
    return (
        f"200, {len(product['variants'])} variants, {len(product['images'])} pictures, "
        f"{len(raw)} bytes, {elapsed_ms:.1f} ms"
    )


def _verify_paths(case, base_url, file):
    prefix = f"({case.key}) {case.label}"
    paths = [line for line in file.read_text(encoding="utf-8").splitlines() if line]
    if not paths:
        raise SetupError(f"{prefix}: no paths in {file}")
    sizes, times = [], []
    for path in random.sample(paths, min(3, len(paths))):  # noqa: S311  (not security)
        started = time.perf_counter()
        status, raw = http(base_url + path + case.query_string)
        times.append((time.perf_counter() - started) * 1000)
        where = f"{prefix}: {path}{case.query_string}"
        if status != 200:
            raise SetupError(f"{where}: HTTP {status}: {raw[:300]!r}")
        if case.expect_json:
            try:
                payload = json.loads(raw)
            except ValueError as error:
                raise SetupError(f"{where}: not JSON: {raw[:300]!r}") from error
            if not isinstance(payload, dict) or "@context" not in payload:
                raise SetupError(f"{where}: no JSON-LD @context in {raw[:300]!r}")
        elif not raw.decode().lower().startswith("<!doctype html>"):
            raise SetupError(f"{where}: not an HTML page: {raw[:300]!r}")
        elif case.page_marker is not None and case.page_marker not in raw.decode():
            raise SetupError(f"{where}: no {case.page_marker} in the page")
        sizes.append(len(raw))
    return (
        f"200 on {len(sizes)} of {len(paths)} paths, {min(sizes)} – {max(sizes)} bytes, "
        f"{min(times):.1f} – {max(times):.1f} ms"
    )


def _verify_refusal(case, prefix, status, raw, elapsed_ms):
    try:
        codes = [e["extensions"]["code"] for e in json.loads(raw)["errors"]]
    except (ValueError, KeyError, TypeError) as error:
        raise SetupError(f"{prefix}: no coded errors in {raw[:300]!r}") from error
    if status != 400 or codes != [case.refused_with]:
        raise SetupError(f"{prefix}: HTTP {status} {codes}, expected 400 [{case.refused_with}]")
    return f"400 {case.refused_with}, {len(raw)} bytes, {elapsed_ms:.1f} ms"
