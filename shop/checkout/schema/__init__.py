from shop.checkout.schema.mutations import CheckoutMutations
from shop.checkout.schema.queries import CheckoutQueries

__all__ = ["CheckoutMutations", "CheckoutQueries"]
