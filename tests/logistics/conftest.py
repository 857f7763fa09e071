import pytest

from logistics import services
from tests.helpers.logistics import POINT


@pytest.fixture
def point_fields():
    return dict(POINT)


@pytest.fixture
def make_point(operator):
    def make(**fields):
        return services.create_point(actor=operator, **{**POINT, **fields})

    return make
