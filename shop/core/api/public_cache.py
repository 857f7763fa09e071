"""The public response cache (`shop.core.public_cache`) as the GraphQL view uses it:
an anonymous query's response is keyed by the query, its variables, the
operation and the language; resolvers `tag` what they show."""

from typing import Any

from shop.core import public_cache
from shop.core.public_cache import get, put, skip, start, tag

__all__ = ["cache_key", "get", "put", "skip", "start", "tag"]


def cache_key(
    query: str, variables: dict[str, Any] | None, operation_name: str | None, language: str
) -> str:
    return public_cache.cache_key("public-graphql", query, variables, operation_name, language)
