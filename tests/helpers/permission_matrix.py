"""The permission matrix: every mutation of the live schema is sent as every role
of ROLES by the test module PERMISSION_TESTS names for it.

The API client (tests/helpers/api.py) records, for each request, the root
mutation fields its operation runs (parsed with graphql-core, so a name in a
comment or in another operation counts for nothing), the role it was sent as
and the test module sending it. At the end of the session `PermissionMatrix`
fails the run for every mutation whose module ran whole (no test of it
deselected, every test of it finished) yet never sent it as some role; a run
of other modules, or a `-k` that leaves some of that module's tests out,
checks nothing for it. Under pytest-xdist each worker hands its records to
the controller (`workeroutput`), which checks them all together.
"""

import os

import pytest
from django.conf import settings
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from graphql.execution.collect_fields import collect_fields
from graphql.language import FragmentDefinitionNode

from tests.helpers.users import ROLES

# Each mutation -> the test module (under tests/) that sends it as every role of ROLES.
PERMISSION_TESTS = {
    "accountRegister": "shop/test_accounts.py",
    "accountRegisterConfirm": "shop/test_accounts.py",
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
    "labelJobRetry": "traceability/test_label_resume.py",
    "pickupPointCreate": "logistics/test_pickup_point_mutations.py",
    "pickupPointUpdate": "logistics/test_pickup_point_mutations.py",
    "checkoutCreate": "commerce/test_api_permissions.py",
    "checkoutLinesAdd": "commerce/test_api_permissions.py",
    "checkoutLinesUpdate": "commerce/test_api_permissions.py",
    "checkoutLinesDelete": "commerce/test_api_permissions.py",
    "checkoutContactUpdate": "commerce/test_api_permissions.py",
    "checkoutDeliveryMethodUpdate": "commerce/test_api_permissions.py",
    "checkoutComplete": "commerce/test_api_permissions.py",
    "checkoutCustomerAttach": "commerce/test_api_permissions.py",
    "orderPay": "commerce/test_api_permissions.py",
    "orderCancel": "commerce/test_api_permissions.py",
    "orderRefund": "commerce/test_api_permissions.py",
    "orderCashRecord": "commerce/test_api_permissions.py",
    "fulfilmentUpdate": "commerce/test_api_permissions.py",
    "orderLineAllocate": "commerce/test_api_permissions.py",
    "batchRecall": "commerce/test_api_permissions.py",
}
# (test module as a node ID, role, mutation) of every request this process sent.
SENT: set[tuple[str, str, str]] = set()


def root_mutations(query, variables=None, operation_name=None):
    """The root fields of the mutation a request runs, as graphql-core's executor
    collects them (fragments expanded, @skip and @include applied); () for a
    query, or for a document that does not parse or names no single operation.

    Cheap, as the hostile-document tests time the requests: a document without the
    word "mutation" is not parsed, nor one the server refuses unparsed for its size.
    """
    from shop.schema import schema

    if not isinstance(query, str) or "mutation" not in query:
        return ()
    if len(query) > settings.GRAPHQL_MAX_QUERY_LENGTH:
        return ()
    try:
        document = parse(query, max_tokens=settings.GRAPHQL_MAX_TOKENS)
    except (GraphQLError, RecursionError):
        return ()
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation != OperationType.MUTATION:
        return ()
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    graphql_schema = schema.graphql_schema
    try:
        fields = collect_fields(
            graphql_schema,
            fragments,
            variables if isinstance(variables, dict) else {},
            graphql_schema.mutation_type,
            operations[0].selection_set,
        )
    except GraphQLError:  # @skip or @include without a boolean: refused, not run
        return ()
    return tuple(nodes[0].name.value for nodes in fields.values())


def record(role, query, variables=None):
    """Note the mutations a request sent as `role` (None: unknown) from the running test."""
    current = os.environ.get("PYTEST_CURRENT_TEST")
    if role is None or current is None:
        return
    module = current.split("::", 1)[0]
    SENT.update((module, role, name) for name in root_mutations(query, variables))


def missing(sent, complete_modules, roles=ROLES, tests=PERMISSION_TESTS):
    """What the modules that ran whole should have sent and did not, one line each."""
    found = []
    for mutation, module in sorted(tests.items()):
        node = f"tests/{module}"
        if node not in complete_modules:
            continue
        absent = [role for role in roles if (node, role, mutation) not in sent]
        if absent:
            found.append(f"{node} never sent {mutation} as {', '.join(absent)}")
    return found


def module_of(node_id):
    return node_id.split("::", 1)[0]


class PermissionMatrix:
    """The pytest plugin that checks the records at the end of the session."""

    KEY = "permission_matrix"

    def __init__(self, config):
        self.config = config
        self.collected = set()
        self.deselected = set()
        self.finished = set()
        self.parts = []
        self.failures = []

    def pytest_deselected(self, items):
        self.deselected.update(module_of(item.nodeid) for item in items)

    def pytest_collection_finish(self, session):
        self.collected.update(item.nodeid for item in session.items)

    def pytest_runtest_logreport(self, report):
        if report.when == "teardown":
            self.finished.add(report.nodeid)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        part = getattr(node, "workeroutput", {}).get(self.KEY)
        if part is not None:
            self.parts.append(part)

    def part(self):
        return {
            "collected": sorted(self.collected),
            "deselected": sorted(self.deselected),
            "finished": sorted(self.finished),
            "sent": sorted(SENT),
        }

    def pytest_sessionfinish(self, session):
        if hasattr(self.config, "workeroutput"):  # an xdist worker: the controller checks
            self.config.workeroutput[self.KEY] = self.part()
            return
        parts = [self.part(), *self.parts]

        def merged(key):
            return {
                tuple(entry) if key == "sent" else entry for part in parts for entry in part[key]
            }

        collected, finished = merged("collected"), merged("finished")
        ran = {module_of(node) for node in collected} - merged("deselected")
        unfinished = {module_of(node) for node in collected - finished}
        self.failures = missing(merged("sent"), ran - unfinished)
        if self.failures and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        if self.failures:
            terminalreporter.write_sep("=", "permission matrix failed", red=True)
            for line in self.failures:
                terminalreporter.write_line(line, red=True)
