from catalog.schema.mutations import CatalogMutations
from catalog.schema.queries import CatalogQueries

__all__ = ["CatalogMutations", "CatalogQueries"]
