"""Every mutation of the live schema is sent as every role, station staff included:
a new mutation without such a test fails here, and a permission module that
never sends one of its mutations as some role fails the session
(tests/helpers/permission_matrix.py)."""

from shop.schema import schema
from tests.helpers.permission_matrix import PERMISSION_TESTS, missing, root_mutations


def test_every_mutation_has_a_permission_test():
    assert set(schema.graphql_schema.mutation_type.fields) == set(PERMISSION_TESTS)


def test_a_mutation_counts_only_where_the_operation_runs_it():
    assert root_mutations("mutation { tokensRevoke { errors { code } } }") == ("tokensRevoke",)
    assert root_mutations("# tokensRevoke\nquery { me { phone } }") == ()
    assert root_mutations("query { tokensRevoke { errors { code } } }") == ()
    assert root_mutations("mutation { tokensRevoke") == ()
    two = "mutation A { tokensRevoke { errors { code } } } mutation B { tokensRevoke { errors { code } } }"
    assert root_mutations(two) == ()
    assert root_mutations(two, operation_name="B") == ("tokensRevoke",)


def test_fragments_aliases_and_skips_are_read_as_the_executor_reads_them():
    document = """mutation($skip: Boolean!) {
      revoked: tokensRevoke { errors { code } }
      ...Refresh
      tokenCreate(login: "x", password: "y") @skip(if: $skip) { token }
    }
    fragment Refresh on Mutation { tokenRefresh(token: "t") { token } }"""
    assert root_mutations(document, {"skip": True}) == ("tokensRevoke", "tokenRefresh")
    assert len(root_mutations(document, {"skip": False})) == 3
    assert root_mutations(document, {}) == ()  # refused: $skip is missing


def test_a_module_that_ran_whole_must_have_sent_its_mutations_as_every_role():
    tests = {"farmCreate": "catalog/test_farm_api.py", "farmUpdate": "catalog/test_farm_api.py"}
    module = "tests/catalog/test_farm_api.py"
    sent = {(module, role, "farmCreate") for role in ("anonymous", "seller")}
    sent.add(("tests/catalog/test_other.py", "customer", "farmCreate"))
    assert missing(sent, {module}, ("anonymous", "customer", "seller"), tests) == [
        f"{module} never sent farmCreate as customer",
        f"{module} never sent farmUpdate as anonymous, customer, seller",
    ]
    assert missing(sent, set(), ("anonymous", "customer", "seller"), tests) == []
