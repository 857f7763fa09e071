"""A batch's record outlives the catalogue rows it names: deleting them is a
coded refusal (in the API too), never a 500, and deletes nothing."""

from catalog import services as catalog_services
from catalog.errors import CatalogErrorCode
from catalog.models import Product, ProductVariant
from shop.core.errors import DomainError
from tests.helpers.api import GraphQLClient
from tests.helpers.ids import gid

DELETE_VARIANT = """
mutation($id: ID!) { productVariantDelete(id: $id) { errors { field code message } } }"""


def test_a_variant_with_batches_is_not_deleted(batch, seller_user, variant):
    for delete, target in (
        (catalog_services.delete_variant, {"variant": variant}),
        (catalog_services.delete_product, {"product": variant.product}),
    ):
        try:
            delete(actor=seller_user, **target)
        except DomainError as exc:
            assert exc.code is CatalogErrorCode.IN_USE
        else:
            raise AssertionError(f"{delete.__name__} deleted what a batch names")
    assert ProductVariant.objects.filter(pk=variant.pk).exists()
    assert Product.objects.filter(pk=variant.product_id).exists()


def test_the_api_answers_in_use(batch, seller_user, variant):
    data = GraphQLClient(seller_user).execute(DELETE_VARIANT, {"id": gid(variant)})
    assert data["productVariantDelete"]["errors"][0]["code"] == "IN_USE"
    assert ProductVariant.objects.filter(pk=variant.pk).exists()
