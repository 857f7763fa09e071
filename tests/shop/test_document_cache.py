"""Parsed documents are cached per query text, within a bounded memory."""

import pytest

from shop.api import view
from tests.conftest import GraphQLClient


@pytest.mark.django_db
def test_a_repeated_query_is_parsed_and_validated_once():
    view._cached_parse_and_validate.cache_clear()
    client = GraphQLClient()
    for _ in range(3):
        assert client.execute("{ me { id } }") == {"me": None}
    info = view._cached_parse_and_validate.cache_info()
    assert info.misses == 1
    assert info.hits >= 2


@pytest.mark.django_db
def test_very_long_query_texts_work_but_are_not_kept():
    view._cached_parse_and_validate.cache_clear()
    padded = "# " + "x" * view.CACHED_QUERY_MAX_LENGTH + "\n{ me { id } }"
    assert GraphQLClient().execute(padded) == {"me": None}
    assert view._cached_parse_and_validate.cache_info().currsize == 0
