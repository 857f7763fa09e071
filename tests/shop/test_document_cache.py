"""Parsed documents are cached per query text, within a bounded memory."""

import pytest

from shop.core.api import documents
from shop.core.api.documents import DocumentCache
from shop.schema import schema
from tests.helpers.api import GraphQLClient


@pytest.fixture(autouse=True)
def _empty_cache():
    documents.cache.clear()
    yield
    documents.cache.clear()


@pytest.mark.django_db
def test_a_repeated_query_is_parsed_and_validated_once():
    client = GraphQLClient()
    for _ in range(3):
        assert client.execute("{ me { id } }") == {"me": None}
    assert documents.cache.misses == 1 and documents.cache.hits >= 2
    assert len(documents.cache) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["{ nope }", "{ me { id ", "{ ...Missing }", "query { products(first: 1) { edges } }"],
)
def test_documents_that_fail_validation_are_not_kept(query):
    for _ in range(2):
        status, body = GraphQLClient().post(query)
        assert status == 400 and body["errors"]
    assert len(documents.cache) == 0


def test_the_cache_is_bounded_by_the_total_length_of_its_texts():
    cache = DocumentCache(max_entries=100, max_chars=1_000)
    texts = [f"{{ a{i}: __typename }}" + " " * 280 for i in range(10)]
    for text in texts:
        cache.put(schema.graphql_schema, text, object())
    assert cache.chars <= 1_000
    assert len(cache) == 1_000 // len(texts[0])
    # The newest stay, the oldest went.
    assert cache.get(schema.graphql_schema, texts[-1]) is not None
    assert cache.get(schema.graphql_schema, texts[0]) is None


def test_the_cache_is_bounded_by_its_number_of_entries_and_keeps_the_recently_used():
    cache = DocumentCache(max_entries=3, max_chars=10_000)
    for text in ("a", "b", "c"):
        cache.put(schema.graphql_schema, text, text)
    assert cache.get(schema.graphql_schema, "a") == "a"
    cache.put(schema.graphql_schema, "d", "d")
    assert [cache.get(schema.graphql_schema, t) for t in "abcd"] == ["a", None, "c", "d"]


def test_a_text_longer_than_the_whole_budget_is_not_kept():
    cache = DocumentCache(max_entries=10, max_chars=100)
    cache.put(schema.graphql_schema, "x" * 101, object())
    assert len(cache) == 0 and cache.chars == 0


@pytest.mark.django_db
def test_many_distinct_large_queries_stay_within_the_budget():
    """1,100 distinct 20 kB queries once grew a worker from 120 MB to 1 GB."""
    padding = "#" + "x" * 18_000 + "\n"
    client = GraphQLClient()
    for i in range(60):
        assert client.execute(f"{padding}{{ a{i}: __typename }}") == {f"a{i}": "Query"}
    assert documents.cache.chars <= documents.DOCUMENT_CACHE_MAX_CHARS
    assert len(documents.cache) == documents.DOCUMENT_CACHE_MAX_CHARS // len(
        padding + "{ a10: __typename }"
    )


@pytest.mark.django_db
def test_a_refused_document_is_parsed_once_per_request(monkeypatch):
    """It is not cached, and the public cache and the execution both look at it."""
    calls = []
    real_parse = documents.parse

    def counting_parse(*args, **kwargs):
        calls.append(args[0])
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(documents, "parse", counting_parse)
    status, body = GraphQLClient().post("{ nope }")
    assert status == 400 and body["errors"]
    assert calls == ["{ nope }"]
