"""Every connection of the schema costs as many SQL queries for a page of 5 as for a page of 1.

A resolver that forgets to fetch a relation in bulk runs one query per row
(N+1), which a hand-written listing test only catches for the fields it names.
This test walks the live schema instead: it finds every connection field
(an object type with `edges` and `pageInfo`) reachable from Query, selects
every field of its nodes a few object levels deep, and compares the query
counts of two page sizes, anonymously and as an operator.

Nested connections inside a node are not selected there: each is found by the
walk (through object types; an interface or union gets only `__typename`) and
exercised on its own, below a page of one of each connection on its way.
"""

from collections import deque
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql import GraphQLObjectType, get_named_type, is_leaf_type, is_required_argument

from catalog import models
from logistics.models import PickupPoint
from shop.checkout import services as checkout
from shop.schema import schema
from tests.helpers.catalog import SELLER_DATA
from tests.helpers.pictures import picture
from tests.helpers.users import make_user
from traceability.models import Batch
from traceability.services.batches import new_serial, random_code
from traceability.services.events import record_event

PAGE = 5
LEVELS = (4, 3, 2)  # object levels below a node, tried in turn until the limits allow one
LIMIT_CODES = {"QUERY_TOO_LARGE", "QUERY_TOO_DEEP", "QUERY_TOO_COMPLEX"}
# Root connections whose rows only signed-in users see: anonymously, an empty page.
SIGNED_IN_ONLY = {"batches", "orders", "sellerOrders", "me"}


def is_connection(type_):
    return isinstance(type_, GraphQLObjectType) and {"edges", "pageInfo"} <= type_.fields.keys()


def node_of(connection_type):
    edge = get_named_type(connection_type.fields["edges"].type)
    return get_named_type(edge.fields["node"].type)


def fillable(field):
    """Whether the test can give the field's required arguments: only a connection's `first`."""
    required = {name for name, argument in field.args.items() if is_required_argument(argument)}
    if is_connection(get_named_type(field.type)):
        return "first" in field.args and required <= {"first"}
    return not required


def connections(enter):
    """{"Type.field": (steps, type)} of the connections reachable from Query through fields
    `enter` accepts.

    Steps are the selections leading to the connection, which comes last; each type is
    entered once, by the shortest path, and connections on the way take a page of one.
    """
    root = schema.graphql_schema.query_type
    found, seen, pending = {}, {root.name}, deque([(root, ())])
    while pending:
        parent, steps = pending.popleft()
        for name, field in parent.fields.items():
            if not enter(field):
                continue
            named = get_named_type(field.type)
            step = (name,)
            if is_connection(named):
                found[f"{parent.name}.{name}"] = ((*steps, name), named)
                named, step = node_of(named), (f"{name}(first: 1)", "edges", "node")
            if isinstance(named, GraphQLObjectType) and named.name not in seen:
                seen.add(named.name)
                pending.append((named, steps + step))
    return found


CONNECTIONS = connections(fillable)


def test_every_connection_can_be_exercised():
    missing = sorted(connections(lambda field: True).keys() - CONNECTIONS.keys())
    assert not missing, (
        f"Connections {missing} need an argument this test cannot give (only `first` is), "
        "or are reachable only through fields that do: teach the test to reach them."
    )


def selection(type_, levels):
    """Every field of `type_`, objects down to `levels` levels; connections are left out."""
    fields = []
    for name, field in type_.fields.items():
        named = get_named_type(field.type)
        if not fillable(field) or is_connection(named):
            continue
        if is_leaf_type(named):
            fields.append(name)
        elif levels > 0 and isinstance(named, GraphQLObjectType):
            fields.append(f"{name} {{ {selection(named, levels - 1)} }}")
        elif levels > 0:  # an interface or a union
            fields.append(f"{name} {{ __typename }}")
    return " ".join(fields) or "__typename"


def build_query(steps, connection_type, first, levels):
    body = f"edges {{ node {{ {selection(node_of(connection_type), levels)} }} }}"
    if "totalCount" in connection_type.fields:
        body += " totalCount"
    *outer, last = steps
    query = f"{last}(first: {first}) {{ {body} }}"
    for step in reversed(outer):
        query = f"{step} {{ {query} }}"
    return f"{{ {query} }}"


def edges_at(data, steps):
    """The edges of every connection at the end of `steps`, lists on the way flattened."""
    values = [data]
    for step in steps:
        found = [value[step.split("(")[0]] for value in values if value is not None]
        values = [item for v in found for item in (v if isinstance(v, list) else [v])]
    return [edge for value in values if value is not None for edge in value["edges"]]


FARM = {"village": "王龙潭村", "latitude": 27.5, "longitude": 114.2, "area_mu": 30, "produce": "米"}
VARIANT = {"name": "5 kg", "net_weight_grams": 5000, "price": Decimal("88.00"), "stock_quantity": 5}


def image_file(name, fmt):
    return default_storage.save(name, ContentFile(picture(fmt, size=(8, 6))))


@pytest.fixture
def catalogue(operator, settings):
    """Six of everything a connection lists, each with two of every related row."""
    settings.PUBLIC_CACHE_SECONDS = 0
    # Named so that a page of categories holds the middle of the tree: a parent and children.
    roots = [models.Category.objects.create(name=f"R{i}", slug=f"r{i}") for i in range(3)]
    middle = [
        models.Category.objects.create(parent=root, name=f"A{i}{j}", slug=f"a{i}{j}")
        for i, root in enumerate(roots)
        for j in range(2)
    ]
    for i, parent in enumerate(middle):
        for j in range(2):
            models.Category.objects.create(parent=parent, name=f"L{i}{j}", slug=f"l{i}{j}")
    for i in range(6):
        PickupPoint.objects.create(
            name=f"站{i}", kind="village_station", address="村委会", division_code="360323203201",
            latitude=27.5 + i / 100, longitude=114.2, parcel_capacity=50,
            opening_hours={"0": [["08:00", "12:00"], ["14:00", "18:00"]]}, phone="+867997123456",
        )  # fmt: skip
    original = image_file("products/p.png", "PNG")
    webp, jpeg = image_file("thumbnails/p.webp", "WEBP"), image_file("thumbnails/p.jpg", "JPEG")
    for i, category in enumerate(middle):
        seller = models.Seller.objects.create(
            **{**SELLER_DATA, "name": f"S{i}", "slug": f"s{i}"},
            is_verified=True,
            verified_at=timezone.now(),
            verified_by=operator,
        )
        seller.members.add(*(make_user(email=f"m{i}{j}@example.cn") for j in range(2)))
        farms = [seller.farms.create(name=f"F{i}{j}", **FARM) for j in range(2)]
        product = seller.products.create(
            category=category, farm=farms[0], name=f"P{i}", slug=f"p{i}", is_published=True
        )
        for j in range(2):
            variant = product.variants.create(seller=seller, sku=f"V{j}", **VARIANT)
            image = product.images.create(image=original, width=8, height=6)
            image.thumbnails.create(size=256, format="webp", file=webp)
            image.thumbnails.create(size=768, format="jpeg", file=jpeg)
            batch = Batch.objects.create(
                seller=seller, variant=variant, farm=farms[j], lot=f"L{j}",
                code=random_code(10), harvest_date="2026-10-01", quantity=100, unit="kg",
            )  # fmt: skip
            batch.photos.create(image=original, width=8, height=6)
            batch.photos.create(image=original, width=8, height=6)
            batch.serials.create(**new_serial())
            batch.serials.create(**new_serial())
            for step, day in (("commissioning", 1), ("packing", 2)):
                record_event(
                    actor=operator, batch=Batch.objects.get(pk=batch.pk), event_type="ObjectEvent",
                    biz_step=step, disposition="active", event_time=datetime(2026, 10, day, tzinfo=UTC),
                )  # fmt: skip


@pytest.fixture
def orders(catalogue, operator):
    """Six orders of the operator's, each of two sellers' variants, allocated to batches."""
    variants = list(models.ProductVariant.objects.order_by("pk"))
    point = PickupPoint.objects.order_by("pk").first()
    for i in range(6):
        lines = [(variants[2 * i], 1), (variants[(2 * i + 3) % len(variants)], 1)]
        basket = checkout.create_checkout(actor=operator, lines=lines, phone="13900139000")
        checkout.set_delivery(actor=operator, checkout=basket, pickup_point=point)
        checkout.complete(actor=operator, checkout=basket, gateway="test")


def run(client, query):
    with CaptureQueriesContext(connection) as queries:
        status, body = client.post(query)
    assert status == 200 and "errors" not in body, body
    return len(queries), body["data"]


@pytest.mark.parametrize("role", ["anonymous", "operator"])
@pytest.mark.parametrize(
    ("steps", "connection_type"),
    list(CONNECTIONS.values()),
    ids=[".".join(s.split("(")[0] for s in steps) for steps, _ in CONNECTIONS.values()],
)
def test_queries_do_not_grow_with_the_page_size(
    catalogue, orders, gql, operator, role, steps, connection_type
):
    client = gql(operator if role == "operator" else None)
    for levels in LEVELS:  # the deepest selection the limits accept
        _status, body = client.post(build_query(steps, connection_type, PAGE, levels))
        if not {e["extensions"]["code"] for e in body.get("errors", ())} & LIMIT_CODES:
            break
    else:
        pytest.fail(f"The limits refuse even {levels} object levels below the node: {body}")
    few, small = run(client, build_query(steps, connection_type, 1, levels))
    many, large = run(client, build_query(steps, connection_type, PAGE, levels))
    print(f"\n{steps[-1]} as {role}, {levels} levels: first 1 = {few}, first {PAGE} = {many}")
    if role == "anonymous" and steps[0].split("(")[0] in SIGNED_IN_ONLY:
        assert edges_at(large, steps) == []
    else:
        assert len(edges_at(large, steps)) > len(edges_at(small, steps)) > 0, "add rows"
    assert few == many, f"{few} SQL queries for a page of 1, {many} for a page of {PAGE}"
