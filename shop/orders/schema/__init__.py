from shop.orders.schema.mutations import OrderMutations
from shop.orders.schema.queries import OrderQueries

__all__ = ["OrderMutations", "OrderQueries"]
