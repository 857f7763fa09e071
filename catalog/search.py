"""Product search behind a small interface.

The database backend is the embedded default; an Elasticsearch backend can
be added behind the same `filter_products` call.
"""

from django.db.models import Q


class DatabaseSearch:
    def filter_products(self, queryset, text):
        words = text.split()
        for word in words:
            queryset = queryset.filter(
                Q(name__icontains=word) | Q(name_en__icontains=word) | Q(origin__icontains=word)
            )
        return queryset


def search_backend():
    return DatabaseSearch()
