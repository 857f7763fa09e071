from logistics.schema.queries import LogisticsQueries

__all__ = ["LogisticsQueries"]
