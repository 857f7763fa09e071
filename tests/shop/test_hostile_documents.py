"""Documents built to exhaust the server are refused cheaply, with a coded error.

Each attack reproduces one that took a worker down before the limits were
measured once per fragment: seconds of CPU, a killed worker and a 500. The
CPU bound asserted here is a generous guard against that regression (those
documents took 6 to 30 s); the figures themselves are measured in bench/.
"""

import time

import pytest
from django.conf import settings

from shop.core.api import documents
from tests.helpers.api import GraphQLClient

CPU_GUARD_SECONDS = 1.0


def doubling_fragments(levels, on="Query", leaf="__typename", wrap="{ ...F%d }"):
    """Fragment i spreads fragment i-1 twice: 2**levels fields once expanded."""
    fragments = [f"fragment F0 on {on} {{ {leaf} }}"]
    fragments += [
        f"fragment F{i} on {on} {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)
    ]
    return (wrap % levels) + "\n" + "\n".join(fragments)


def fragment_cycle(size):
    fragments = [f"fragment F{i} on Query {{ ...F{(i + 1) % size} }}" for i in range(size)]
    return "{ ...F0 }\n" + "\n".join(fragments)


def aliased(count, field):
    return "{ " + " ".join(f"a{i}: {field}" for i in range(count)) + " }"


def refused(query, variables=None, user=None):
    """Post the query; return (status, codes, message, CPU seconds the server spent)."""
    documents.cache.clear()
    started = time.process_time()
    status, body = GraphQLClient(user).post(query, variables)
    spent = time.process_time() - started
    errors = body.get("errors") or []
    assert errors, body
    return status, [e["extensions"]["code"] for e in errors], errors[0]["message"], spent


@pytest.mark.django_db
@pytest.mark.parametrize("levels", [16, 22, 60])
def test_fragments_spreading_each_other_twice_are_refused_at_once(levels):
    status, codes, message, spent = refused(doubling_fragments(levels))
    assert (status, codes) == (400, ["QUERY_TOO_COMPLEX"])
    assert spent < CPU_GUARD_SECONDS


@pytest.mark.django_db
def test_doubling_fragments_below_a_field_are_refused_by_breadth_or_cost():
    query = doubling_fragments(
        40, on="Product", leaf="name", wrap="{ products(first: 1) { edges { node { ...F%d } } } }"
    )
    status, codes, _message, spent = refused(query)
    assert (status, codes) == (400, ["QUERY_TOO_COMPLEX"])
    assert spent < CPU_GUARD_SECONDS


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 2, 11])
def test_a_fragment_cycle_is_refused_first_and_named(size):
    status, codes, message, spent = refused(fragment_cycle(size))
    assert (status, codes) == (400, ["GRAPHQL_VALIDATION_FAILED"])
    assert message.startswith("Fragment F0 spreads itself: F0 → ")
    assert message.endswith("→ F0.")
    assert spent < CPU_GUARD_SECONDS


@pytest.mark.django_db
def test_too_many_root_fields_are_refused_before_any_count_runs(django_assert_num_queries):
    query = aliased(settings.GRAPHQL_MAX_ROOT_FIELDS + 1, "products(first: 1) { totalCount }")
    with django_assert_num_queries(0):
        status, codes, message, _spent = refused(query)
    assert (status, codes) == (400, ["QUERY_TOO_COMPLEX"])
    assert "root fields" in message


@pytest.mark.django_db
def test_the_largest_allowed_number_of_root_fields_runs(product):
    query = aliased(settings.GRAPHQL_MAX_ROOT_FIELDS, "products(first: 1) { totalCount }")
    data = GraphQLClient().execute(query)
    assert list(data.values()) == [{"totalCount": 1}] * settings.GRAPHQL_MAX_ROOT_FIELDS


@pytest.mark.django_db
def test_a_connections_total_count_costs_more_than_a_plain_field():
    """totalCount runs COUNT(*): a few dozen of them pass the cost limit sooner."""
    from shop.core.api.limits import COUNT_COST

    assert COUNT_COST > 1
    counts = " ".join(f"c{i}: totalCount" for i in range(50))
    query = f"{{ products(first: 100) {{ {counts} edges {{ node {{ id }} }} }} }}"
    status, codes, _message, _spent = refused(query)
    assert (status, codes) == (400, ["QUERY_TOO_COMPLEX"])
    assert "errors" not in GraphQLClient().post(query.replace("first: 100", "first: 1"))[1]


@pytest.mark.django_db
def test_a_selection_with_too_many_fields_is_refused_before_validation():
    """graphql-core's check that fields can merge is quadratic in one selection's size."""
    many = " ".join(f"a: thumbnail(size: {i}) {{ url }}" for i in range(150))
    status, codes, message, spent = refused(
        f"{{ products(first: 1) {{ edges {{ node {{ {many} }} }} }} }}"
    )
    assert (status, codes) == (400, ["QUERY_TOO_COMPLEX"])
    assert "more than 100 fields" in message
    assert spent < CPU_GUARD_SECONDS


@pytest.mark.django_db
def test_aliased_sign_ins_are_refused_before_hashing_any_password(customer):
    attempt = 'tokenCreate(login: "13800138001", password: "wrong") { token }'
    for count in (2, 10, 100):
        query = "mutation " + aliased(count, attempt)
        status, codes, message, spent = refused(query)
        assert (status, codes) == (400, ["QUERY_TOO_COMPLEX"])
        assert spent < CPU_GUARD_SECONDS
    # Nothing was tried, so nothing counts against the account: it still signs in.
    data = GraphQLClient().execute(
        'mutation { tokenCreate(login: "13800138001", password: "purple-rice-2026") '
        "{ token errors { code } } }"
    )
    assert data["tokenCreate"]["errors"] == [] and data["tokenCreate"]["token"]


@pytest.mark.django_db
def test_a_sign_in_hidden_in_a_fragment_still_counts_once_per_request(customer):
    query = (
        'mutation { ...A b: tokenCreate(login: "x@example.cn", password: "y") { token } }\n'
        'fragment A on Mutation { tokenCreate(login: "x@example.cn", password: "y") { token } }'
    )
    status, codes, message, _spent = refused(query)
    assert (status, codes) == (400, ["QUERY_TOO_COMPLEX"])
    assert "once per request" in message


@pytest.mark.django_db
def test_too_many_mutations_in_one_request_are_refused(seller_user, product):
    from graphql_relay import to_global_id

    variant = to_global_id("ProductVariant", product.variants.get().pk)
    step = f'stockUpdate(variant: "{variant}", delta: 1) {{ errors {{ code }} }}'
    query = "mutation " + aliased(settings.GRAPHQL_MAX_MUTATIONS + 1, step)
    status, codes, _message, _spent = refused(query, user=seller_user)
    assert (status, codes) == (400, ["QUERY_TOO_COMPLEX"])
    assert product.variants.get().stock_quantity == 10


@pytest.mark.django_db
def test_a_query_text_above_the_documented_size_is_refused_before_parsing():
    huge = aliased(20_000, "__typename")
    status, codes, message, spent = refused(huge)
    assert (status, codes) == (400, ["QUERY_TOO_LARGE"])
    assert str(settings.GRAPHQL_MAX_QUERY_LENGTH) in message
    assert spent < CPU_GUARD_SECONDS


@pytest.mark.django_db
def test_a_body_above_the_documented_size_is_refused_before_it_is_read():
    huge = aliased(70_000, "__typename")
    status, codes, message, spent = refused(huge)
    assert (status, codes) == (413, ["REQUEST_TOO_LARGE"])
    assert str(settings.GRAPHQL_MAX_BODY_BYTES) in message


@pytest.mark.django_db
def test_a_query_with_too_many_tokens_is_refused_while_parsing():
    query = "{ " + "__typename " * (settings.GRAPHQL_MAX_TOKENS + 1) + "}"
    assert len(query) <= settings.GRAPHQL_MAX_QUERY_LENGTH * 10
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "GRAPHQL_MAX_QUERY_LENGTH", len(query) + 1)
        status, codes, _message, _spent = refused(query)
    assert (status, codes) == (400, ["QUERY_TOO_LARGE"])


@pytest.mark.django_db
def test_nesting_deeper_than_the_parser_can_follow_is_query_too_deep():
    query = "{ " + "products(first: 1) { edges { node { " * 300 + "id" + " } } }" * 300 + " }"
    status, codes, _message, _spent = refused(query)
    assert status == 400 and codes == ["QUERY_TOO_DEEP"]


@pytest.mark.django_db
def test_introspection_lists_nested_past_the_standard_query_are_refused():
    status, codes, _message, _spent = refused(
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    )
    assert (status, codes) == (400, ["QUERY_TOO_DEEP"])


@pytest.mark.django_db
def test_a_mutation_by_get_is_still_refused_and_queries_by_get_work():
    client = GraphQLClient().client
    response = client.get(
        "/graphql/", {"query": 'mutation { tokenRefresh(refreshToken: "x") { token } }'}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert client.get("/graphql/", {"query": "{ __typename }"}).json() == {
        "data": {"__typename": "Query"}
    }


@pytest.mark.parametrize(
    ("arguments", "extra"),
    [
        ("first: 1", 0),
        ('first: 1, filter: {search: "紫米"}', 100),
        ("first: 1, filter: {search: null}", 0),
        ("first: 1, filter: {coldChain: true}", 0),
        ("first: 1, filter: $f", 100),
        ("first: 1, filter: {search: $s}", 100),
    ],
)
def test_a_search_costs_more_than_a_plain_list(arguments, extra):
    from graphql import parse

    from shop.core.api.limits import _Measurer
    from shop.schema import schema

    graphql_schema = schema.graphql_schema
    document = parse(
        f"query($f: ProductFilterInput, $s: String) {{ products({arguments}) {{ totalCount }} }}"
    )
    measured = _Measurer(graphql_schema, 100, 10**9).measure(
        document.definitions[0].selection_set, graphql_schema.query_type
    )
    assert measured.cost == 1 + extra + 20
