"""Product search behind a small interface.

The database backend is the embedded default; an Elasticsearch backend can
be added behind the same `filter_products` call.
"""

from typing import Any

from django.db.models import QuerySet


class DatabaseSearch:
    def filter_products(self, queryset: QuerySet[Any], text: str) -> QuerySet[Any]:
        """Every word must appear in the name, the English name or the origin."""
        for word in text.split():
            queryset = queryset.filter(search_text__contains=word.upper())
        return queryset


def search_backend() -> DatabaseSearch:
    return DatabaseSearch()
