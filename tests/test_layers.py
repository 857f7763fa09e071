"""The layers point one way (README, "Architecture in brief"); this test keeps it so.

1. The plumbing (the `shop` package: settings, the GraphQL view and its
   limits, pagination, errors, money, caching, permissions) imports no domain
   app and no interface.
2. A domain app imports only the apps below it, in DOMAIN_ORDER.
3. An app's GraphQL layer (`<app>.schema`) is imported only by that app and by
   the root schema; the pages (`storefront`) only by the root URL conf.

Every `import` and `from … import` counts, at module level or inside functions,
and so does a string naming a project module (graphene's lazy type references).
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("shop", "catalog", "traceability", "certification", "logistics", "storefront")
# Bottom first: an app may import the apps before it in this list.
DOMAIN_ORDER = (
    "shop.accounts",
    "catalog",
    "traceability",
    "certification",
    # Commerce: a payment is for an order, the ledger books payments, and
    # checkout turns a cart into an order with its payment.
    "shop.orders",
    "shop.payments",
    "shop.ledger",
    "shop.checkout",
    "logistics",
)
INTERFACES = ("storefront",)
DOTTED_PATH = re.compile(r"[a-z_]+(\.[A-Za-z_]+)+")
# The root of the interfaces: they put every app's schema and pages together.
ROOTS = ("shop.schema", "shop.urls", "shop.settings")  # settings name every app


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield module_name(path), path


def imports_of(module, path):
    """Every project module `module` imports, as a dotted name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # A lazy reference such as graphene's "catalog.schema.types.Seller".
            names = [node.value] if DOTTED_PATH.fullmatch(node.value) else []
        else:
            continue
        yield from (name for name in names if name.split(".")[0] in PACKAGES)


def unit_of(module):
    """The domain app, interface or 'plumbing' a module belongs to."""
    for unit in (*DOMAIN_ORDER, *INTERFACES):
        if module == unit or module.startswith(unit + "."):
            return unit
    return "plumbing" if module.split(".")[0] == "shop" else module.split(".")[0]


def is_schema(module, unit):
    return module == f"{unit}.schema" or module.startswith(f"{unit}.schema.")


def violation(importer, imported):
    """Why `importer` may not import `imported`, or None."""
    source, target = unit_of(importer), unit_of(imported)
    if importer in ROOTS or source == target:
        return None
    if target in INTERFACES:
        return f"only {' and '.join(ROOTS)} import the pages"
    if target in DOMAIN_ORDER and is_schema(imported, target):
        return "another app's GraphQL layer"
    if source == "plumbing" and target != "plumbing":
        return "the plumbing imports no app"
    both_domain = source in DOMAIN_ORDER and target in DOMAIN_ORDER
    if both_domain and DOMAIN_ORDER.index(target) > DOMAIN_ORDER.index(source):
        return f"{source} is below {target}"
    return None


def test_every_import_points_down_the_layers():
    found = [
        f"{module} imports {imported}: {reason}"
        for module, path in project_modules()
        for imported in imports_of(module, path)
        if (reason := violation(module, imported))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("importer", "imported", "allowed"),
    [
        ("shop.api.core", "catalog.models", False),
        ("shop.api.view", "shop.money", True),
        ("catalog.services", "shop.api.public_cache", True),
        ("catalog.services", "logistics.models", False),
        ("logistics.services", "catalog.selectors", True),
        ("logistics.schema.types", "catalog.schema.types", False),
        ("catalog.schema.types", "catalog.selectors", True),
        ("catalog.services", "storefront.views", False),
        ("shop.schema", "catalog.schema", True),
        ("shop.urls", "storefront.urls", True),
        ("storefront.views", "catalog.selectors", True),
        ("storefront.views", "catalog.schema.types", False),
        ("shop.payments.services", "shop.orders.services", True),
        ("shop.orders.services", "shop.payments.services", False),
        ("shop.checkout.services", "catalog.services", True),
        ("shop.accounts.schema", "catalog.schema.types", False),
    ],
)
def test_the_rule_itself(importer, imported, allowed):
    assert (violation(importer, imported) is None) == allowed


def test_relative_imports_are_resolved(tmp_path):
    package = tmp_path / "catalog"
    package.mkdir()
    (package / "services.py").write_text("from .models import Product\nfrom . import tasks\n")
    found = set(imports_of("catalog.services", package / "services.py"))
    assert {"catalog.models.Product", "catalog.tasks", "catalog"} <= found


def test_no_test_module_imports_another():
    """Shared helpers live in conftest.py or in modules not named test_*."""
    found = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        module = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [
                f"{module} imports {name}"
                for name in names
                if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")
            ]
    assert found == []
