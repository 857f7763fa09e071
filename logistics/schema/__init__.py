from logistics.schema.mutations import LogisticsMutations
from logistics.schema.queries import LogisticsQueries

__all__ = ["LogisticsMutations", "LogisticsQueries"]
