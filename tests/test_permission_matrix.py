"""Every mutation of the live schema is tried as every role somewhere, station
staff included: a new mutation without such a test fails here."""

from pathlib import Path

from shop.schema import schema

TESTS = Path(__file__).resolve().parent
# Each mutation -> the test module that tries it as every role of tests.helpers.users.ROLES.
PERMISSION_TESTS = {
    "accountRegister": "shop/test_accounts.py",
    "tokenCreate": "shop/test_accounts.py",
    "tokenRefresh": "shop/test_accounts.py",
    "tokensRevoke": "shop/test_accounts.py",
    "sellerCreate": "catalog/test_permissions.py",
    "sellerVerify": "catalog/test_permissions.py",
    "sellerReject": "catalog/test_permissions.py",
    "productCreate": "catalog/test_permissions.py",
    "productUpdate": "catalog/test_permissions.py",
    "productDelete": "catalog/test_permissions.py",
    "productVariantCreate": "catalog/test_permissions.py",
    "productVariantUpdate": "catalog/test_permissions.py",
    "productVariantDelete": "catalog/test_permissions.py",
    "stockUpdate": "catalog/test_permissions.py",
    "productImageCreate": "catalog/test_images.py",
    "farmCreate": "catalog/test_farm_api.py",
    "farmUpdate": "catalog/test_farm_api.py",
    "batchCreate": "traceability/test_batch_api.py",
    "batchSerialsGenerate": "traceability/test_batch_api.py",
    "batchPhotoCreate": "traceability/test_batch_api.py",
    "traceEventRecord": "traceability/test_event_api.py",
    "traceEventCorrect": "traceability/test_event_api.py",
    "labelJobCreate": "traceability/test_label_api.py",
}


def test_every_mutation_has_a_permission_test():
    assert set(schema.graphql_schema.mutation_type.fields) == set(PERMISSION_TESTS)


def test_each_permission_test_tries_the_mutation_as_station_staff_too():
    for mutation, module in PERMISSION_TESTS.items():
        source = (TESTS / module).read_text(encoding="utf-8")
        assert mutation in source, f"{module} never sends {mutation}"
        assert "ROLES" in source or "station_staff" in source, f"{module} skips station staff"
