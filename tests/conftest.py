"""Shared fixtures. Tests run on PostgreSQL and Redis when DATABASE_URL and
CELERY_BROKER_URL are set (CI sets both and REQUIRE_SERVICES=1, which turns
a missing service into a failure instead of a skip)."""

import datetime
import os

import pytest
from django.conf import settings
from django.db import connection

from catalog import services as catalog_services
from shop.celery import app as celery_app
from tests.helpers.api import GraphQLClient
from tests.helpers.batches import batch_fields, sold_batch
from tests.helpers.catalog import SELLER_DATA
from tests.helpers.events import at, delete_trace_rows, observe
from tests.helpers.ledger import empty_books
from tests.helpers.permission_matrix import PermissionMatrix
from tests.helpers.users import make_user
from traceability.services import batches as batch_services
from traceability.services import events as trace


def pytest_configure(config):
    config.pluginmanager.register(PermissionMatrix(config), "permission-matrix")


def pytest_report_header(config):
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL.split("://")[0] if settings.CELERY_BROKER_URL else "eager"
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return f"backends: database={database} celery_broker={broker} cache={cache}"


def pytest_sessionstart(session):
    """With REQUIRE_SERVICES=1 a missing service ends the run before any test (under
    pytest-xdist, in the controller: an exit in a worker would look like a crash)."""
    if os.environ.get("REQUIRE_SERVICES") != "1" or hasattr(session.config, "workerinput"):
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(f"REQUIRE_SERVICES=1 but the database is {engine}", returncode=3)
    if not settings.CELERY_BROKER_URL:
        pytest.exit("REQUIRE_SERVICES=1 but CELERY_BROKER_URL is not set", returncode=3)
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=2, timeout=3)
    except Exception as exc:  # noqa: BLE001
        pytest.exit(f"The Celery broker is unreachable: {exc}", returncode=3)


@pytest.fixture(autouse=True)
def _eager_tasks_unless_worker(request):
    """Tasks run in-process unless a test asks for the real worker."""
    eager = request.node.get_closest_marker("celery_worker") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager or not settings.CELERY_BROKER_URL
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def customer(db):
    return make_user(phone="13800138001", name="顾客")


@pytest.fixture
def seller_user(db):
    return make_user(phone="13800138002", name="卖家")


@pytest.fixture
def other_seller_user(db):
    return make_user(phone="13800138003", name="别的卖家")


@pytest.fixture
def operator(db):
    return make_user(email="operator@example.cn", name="运营", is_staff=True)


@pytest.fixture
def seller(seller_user, operator):
    seller = catalog_services.create_seller(actor=seller_user, **SELLER_DATA)
    return catalog_services.verify_seller(actor=operator, seller=seller)


@pytest.fixture
def other_seller(other_seller_user, operator):
    data = {
        **SELLER_DATA,
        "name": "苍溪猕猴桃",
        "name_en": "Cangxi Kiwifruit",
        "kind": "enterprise",
    }
    data["division_code"] = "510824000000"
    seller = catalog_services.create_seller(actor=other_seller_user, **data)
    return catalog_services.verify_seller(actor=operator, seller=seller)


@pytest.fixture
def category(operator):
    return catalog_services.create_category(actor=operator, name="大米", name_en="Rice")


@pytest.fixture
def product(seller, seller_user, category):
    product = catalog_services.create_product(
        actor=seller_user,
        seller=seller,
        category=category,
        name="武功山紫米",
        name_en="Wugong purple rice",
        is_published=True,
    )
    catalog_services.create_variant(
        actor=seller_user,
        product=product,
        sku="ZM-5KG",
        name="5 kg bag",
        net_weight_grams=5000,
        price="88.00",
        stock_quantity=10,
    )
    return product


@pytest.fixture
def gql():
    return GraphQLClient


@pytest.fixture
def station_staff(db):
    """Staff of a village service station, and nothing else."""
    from logistics.models import PickupPoint

    user = make_user(phone="13700137004", name="服务站")
    point = PickupPoint.objects.create(
        name="王龙潭村电商服务站",
        kind="village_station",
        address="王龙潭村村委会",
        division_code="360323203201",
        latitude="27.541000",
        longitude="114.194000",
        parcel_capacity=60,
    )
    point.staff.add(user)
    return user


@pytest.fixture
def users_by_role(
    customer, station_staff, seller_user, other_seller_user, operator, seller, other_seller
):
    """The user of each of tests.helpers.users.ROLES (None for anonymous); both sellers exist and are verified."""
    return {
        "anonymous": None,
        "customer": customer,
        "station_staff": station_staff,
        "other_seller": other_seller_user,
        "seller": seller_user,
        "operator": operator,
    }


@pytest.fixture
def client_as(users_by_role):
    """A GraphQL client signed in as one of ROLES."""
    return lambda role: GraphQLClient(users_by_role[role], role=role)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rolled-back test data must not survive in cached public responses, nor a
    test's counts in the rate limits."""
    from django.core.cache import caches

    from shop.core import notifications, public_cache
    from traceability.services import scans

    for each in caches.all():
        each.clear()
    public_cache.forget_local()
    scans.forget_pending()
    notifications.outbox.clear()
    yield
    for each in caches.all():
        each.clear()
    public_cache.forget_local()
    scans.forget_pending()


# Commerce: two sellers' variants with stock and batches.
@pytest.fixture
def rice(product):
    """Seller A's (a cooperative in Jiangxi) 5 kg bag at ¥88.00, 10 in stock."""
    return product.variants.get()


@pytest.fixture
def kiwi(other_seller, other_seller_user, category):
    """Seller B's (an enterprise in Sichuan) 3 kg box at ¥59.00, 5 in stock."""
    product = catalog_services.create_product(
        actor=other_seller_user,
        seller=other_seller,
        category=category,
        name="红心猕猴桃",
        is_published=True,
    )
    return catalog_services.create_variant(
        actor=other_seller_user,
        product=product,
        sku="MHT-3KG",
        name="3 kg box",
        net_weight_grams=3000,
        price="59.00",
        stock_quantity=5,
    )


@pytest.fixture
def rice_batches(seller_user, rice):
    """An old batch with room for 2 bags (10 kg), a newer one with room for 100 bags."""
    old = sold_batch(seller_user, rice, "OLD1", datetime.date(2027, 3, 1), "10")
    new = sold_batch(seller_user, rice, "NEW1", datetime.date(2027, 9, 1), "500")
    return old, new


@pytest.fixture
def kiwi_batch(other_seller_user, kiwi):
    return sold_batch(other_seller_user, kiwi, "K1", datetime.date(2027, 1, 1), "60")


# Traceability: a batch made from another. `paddy` (the batch it is made from, with
# the events it has by then), `variant` and `farm` are those of the package's tests.
@pytest.fixture
def milled(seller_user, variant, farm, paddy):
    """Milled rice made from the paddy batch, then packed."""
    fields = batch_fields(lot="RICE-1", harvest_date=datetime.date(2026, 10, 20))
    made = batch_services.create_batch(actor=seller_user, variant=variant, farm=farm, **fields)
    trace.record_event(
        actor=seller_user,
        event_type="TransformationEvent",
        inputs=[paddy],
        outputs=[made],
        biz_step="commissioning",
        disposition="active",
        event_time=at(12),
        read_point=farm,
    )
    observe(seller_user, made, "packing", "in_progress", event_time=at(13))
    return made


@pytest.fixture
def ledger_emptied(transactional_db):
    """The ledger's rows go first, past its triggers (`tests.helpers.ledger.empty_books`)."""
    yield
    empty_books()


@pytest.fixture(autouse=True)
def trace_rows_emptied(request):
    """After a transactional test, the append-only trace rows (every batch is a leaf
    of the trace log) go first, past their triggers: SQLite's flush deletes rows,
    which the triggers refuse (PostgreSQL truncates)."""
    marker = request.node.get_closest_marker("django_db")
    marked = marker is not None and marker.kwargs.get("transaction", False)
    requested = {"transactional_db", "live_server"} & set(request.fixturenames)
    if not (marked or requested) or connection.vendor != "sqlite":
        yield
        return
    if requested:  # set up before this fixture, so that its flush comes after
        request.getfixturevalue("transactional_db")
    yield
    delete_trace_rows()
