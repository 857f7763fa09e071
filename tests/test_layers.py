"""The layers point one way (README, "Architecture in brief"); this test keeps it so.

0. `shop/` holds only the composition root at its top (settings, URLs, the
   root schema, the Celery app, WSGI): they put every app together and are
   imported by nothing else. Everything else under `shop/` is the plumbing
   (`shop.core`) or a domain app (`shop.accounts`, later the commerce apps).
1. The plumbing (`shop.core`: the GraphQL view and its limits, pagination,
   errors, money, caching, roles, storage, admin bases) imports no app.
   A library (`gs1`: GS1 Digital Link, EPCIS, the CBV, QR and label drawing;
   `tlog`: the transparency log's hashing, proofs and signed notes) imports no
   project module at all.
   A standalone program (`witness`: the tlog witness a county office runs;
   `traceverify`: anyone's check of a trace record, which imports no library
   of ours, being their independent implementation) imports only the
   libraries it names, the standard library and `cryptography`, and nothing
   imports it.
2. A domain app imports only the plumbing, the libraries and the apps below
   it, in DOMAIN_ORDER; its GraphQL layer (`<app>.schema`) may import the
   GraphQL layers of the apps below it, and no other layer imports one.
3. The pages (`storefront`) are imported only by the composition root.

Every `import` and `from … import` counts, at module level or inside functions,
and so does a string naming a project module (graphene's lazy type references,
settings' dotted paths).
"""

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "shop",
    "gs1",
    "tlog",
    "witness",
    "traceverify",
    "catalog",
    "traceability",
    "certification",
    "logistics",
    "storefront",
)
# Bottom first: an app may import the apps before it in this list.
DOMAIN_ORDER = (
    "shop.accounts",
    "catalog",
    "traceability",
    "certification",
    # The network of pickup points is a place, below commerce, as Saleor's
    # warehouses are: checkout delivers to a point, an order names it.
    "logistics",
    # Commerce: an order is split per seller and allocated to batches; the
    # ledger books what is sold; a payment is for an order and posts to the
    # ledger; checkout turns a cart into an order with its payment.
    "shop.orders",
    "shop.ledger",
    "shop.payments",
    "shop.checkout",
    # Later: the stations' work on parcels (receiving, handover, cash) sits
    # above commerce, since it moves orders' parcels and records payments.
)
INTERFACES = ("storefront",)
PLUMBING = "shop.core"
LIBRARIES = ("gs1", "tlog")
# A standalone program and the only libraries it may import.
PROGRAMS = {"witness": ("tlog",), "traceverify": ()}
DOTTED_PATH = re.compile(r"[a-z_0-9]+(\.[A-Za-z_0-9]+)+")
# The composition root: the only modules at the top of `shop/`.
ROOTS = ("shop", "shop.settings", "shop.urls", "shop.schema", "shop.celery", "shop.wsgi")


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
    """The domain app, interface, library, plumbing or root a module belongs to;
    None for a module with no place (anything else at the top of `shop/`)."""
    if module in ROOTS or any(module.startswith(f"{root}.") for root in ROOTS[1:]):
        return "root"
    for unit in (*DOMAIN_ORDER, *INTERFACES, *LIBRARIES, *PROGRAMS):
        if module == unit or module.startswith(unit + "."):
            return unit
    if module == PLUMBING or module.startswith(PLUMBING + "."):
        return "plumbing"
    return None if module.split(".")[0] == "shop" else module.split(".")[0]


def is_schema(module, unit):
    return module == f"{unit}.schema" or module.startswith(f"{unit}.schema.")


def is_below(lower, upper):
    return DOMAIN_ORDER.index(lower) < DOMAIN_ORDER.index(upper)


def violation(importer, imported):
    """Why `importer` may not import `imported`, or None."""
    source, target = unit_of(importer), unit_of(imported)
    if source is None:
        return "a module at the top of shop/ that is not the composition root"
    if target is None:
        return f"{imported} has no place in the layers"
    if source == "root" or source == target:
        return None
    if target == "root":
        return "only the composition root imports itself"
    if source in LIBRARIES:
        return "a library imports no project module"
    if target in PROGRAMS:
        return "a standalone program is imported by none"
    if source in PROGRAMS:
        return None if target in PROGRAMS[source] else f"{source} imports only {PROGRAMS[source]}"
    if target in INTERFACES:
        return "only the composition root imports the pages"
    if source == "plumbing" and target not in ("plumbing", *LIBRARIES):
        return "the plumbing imports no app"
    if target in DOMAIN_ORDER and is_schema(imported, target):
        higher_schema = (
            source in DOMAIN_ORDER and is_schema(importer, source) and is_below(target, source)
        )
        if not higher_schema:
            return "only the GraphQL layer of a higher app imports another app's GraphQL layer"
    elif target in DOMAIN_ORDER and source in DOMAIN_ORDER and is_below(source, target):
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
        ("shop.core.api.base", "catalog.models", False),
        ("shop.core.api.view", "shop.core.money", True),
        ("shop.core.roles", "shop.accounts.models", False),
        ("shop.core.api.view", "shop.schema", False),
        ("catalog.services", "shop.core.api.public_cache", True),
        ("catalog.services", "gs1.digital_link", True),
        ("catalog.services", "logistics.models", False),
        ("catalog.services", "shop.urls", False),
        ("logistics.services", "catalog.selectors", True),
        ("logistics.schema.types", "catalog.schema.types", True),
        ("catalog.schema.types", "traceability.schema.types", False),
        ("logistics.services", "catalog.schema.types", False),
        ("catalog.schema.types", "catalog.selectors", True),
        ("catalog.services", "storefront.views", False),
        ("gs1.digital_link", "catalog.validators", False),
        ("gs1.epcis", "gs1.vocabulary", True),
        ("tlog.note", "tlog.merkle", True),
        ("tlog.merkle", "traceability.models", False),
        ("witness.protocol", "tlog.checkpoint", True),
        ("witness.server", "witness.state", True),
        ("witness.protocol", "gs1.epcis", False),
        ("witness.server", "shop.settings", False),
        ("witness.state", "traceability.models", False),
        ("traceability.services", "witness.protocol", False),
        ("tlog.note", "witness.state", False),
        ("traceverify.record", "traceverify.merkle", True),
        ("traceverify.record", "tlog.merkle", False),
        ("traceverify.web", "gs1.epcis", False),
        ("traceability.services", "traceverify.record", False),
        ("shop.schema", "catalog.schema", True),
        ("shop.urls", "storefront.urls", True),
        ("storefront.views", "catalog.selectors", True),
        ("storefront.views", "catalog.schema.types", False),
        ("shop.payments.services", "shop.orders.services", True),
        ("shop.orders.services", "shop.payments.services", False),
        ("shop.checkout.services", "catalog.services", True),
        ("shop.accounts.schema", "catalog.schema.types", False),
        # The old shape: plumbing and composition root mixed at the top of shop/.
        ("shop.permissions", "shop.core.errors", False),
        ("catalog.services", "shop.errors", False),
        ("shop.api.view", "shop.core.errors", False),
    ],
)
def test_the_rule_itself(importer, imported, allowed):
    assert (violation(importer, imported) is None) == allowed


def test_a_standalone_program_needs_only_the_standard_library_and_cryptography():
    """A county office installs the witness with Python and `cryptography` alone."""
    allowed = {*sys.stdlib_module_names, "cryptography", *PACKAGES}
    found = [
        f"{module_name(path)} imports {name}"
        for program in PROGRAMS
        for path in sorted((ROOT / program).rglob("*.py"))
        for name in imported_by(path)
        if name.split(".")[0] not in allowed
    ]
    assert found == []


def test_only_the_composition_root_lives_at_the_top_of_shop():
    top = {module_name(path) for path in (ROOT / "shop").glob("*.py")}
    assert top == set(ROOTS)


def test_relative_imports_are_resolved(tmp_path):
    package = tmp_path / "catalog"
    package.mkdir()
    (package / "services.py").write_text("from .models import Product\nfrom . import tasks\n")
    found = set(imports_of("catalog.services", package / "services.py"))
    assert {"catalog.models.Product", "catalog.tasks", "catalog"} <= found


def imported_by(path):
    """Every module `path` imports, absolute names only (the suite uses no relative import)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield from (node.module, *(f"{node.module}.{alias.name}" for alias in node.names))
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def suite_import_violation(imported):
    """Why a module of the suite may not import `imported`, or None."""
    if not imported.startswith("tests."):
        return None
    parts = imported.split(".")
    if any(part.startswith("test_") for part in parts):
        return "a test module is imported by none"
    if "conftest" in parts:
        return "a conftest.py holds fixtures, which pytest hands out: import helpers from tests.helpers"
    return None


def test_no_test_module_imports_another_or_a_conftest():
    """Shared helpers live in tests/helpers; fixtures in conftest.py files, which no
    module imports (a helper in a conftest would be hidden among fixtures and hooks)."""
    found = [
        f"{module_name(path)} imports {name}: {reason}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for name in imported_by(path)
        if (reason := suite_import_violation(name))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("imported", "allowed"),
    [
        ("tests.helpers.users", True),
        ("tests.helpers.users.ROLES", True),
        ("tests.conftest", False),
        ("tests.conftest.ROLES", False),
        ("tests.traceability.conftest.batch_fields", False),
        ("tests.catalog.test_images", False),
        ("tests.catalog.test_images.upload", False),
        ("catalog.services", True),
    ],
)
def test_the_suite_import_rule_itself(imported, allowed):
    assert (suite_import_violation(imported) is None) == allowed
