"""graphql/ is the API contract: it must match the live schema."""

from pathlib import Path

import pytest
from django.utils import translation
from graphql import parse, print_schema, validate

from shop.schema import schema

CONTRACT = Path(__file__).resolve().parents[2] / "graphql"
OPERATIONS = sorted((CONTRACT / "operations").glob("*.graphql"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_committed_schema_matches_the_live_schema_in_every_language(language):
    committed = (CONTRACT / "schema.graphql").read_text(encoding="utf-8")
    with translation.override(language):
        live = print_schema(schema.graphql_schema)
    assert committed == live, "graphql/schema.graphql is stale: run `manage.py graphql_schema`"


def test_there_are_example_operations():
    assert len(OPERATIONS) >= 5


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_example_operation_is_valid_against_the_schema(path):
    errors = validate(schema.graphql_schema, parse(path.read_text(encoding="utf-8")))
    assert errors == [], [e.message for e in errors]


def test_no_python_in_the_contract_folder():
    assert not list(CONTRACT.rglob("*.py")), "a graphql package would shadow graphql-core"


def test_the_codes_of_errors_outside_a_payload_are_one_documented_enum():
    from shop.core.errors import RequestError, RequestErrorCode

    listed = schema.graphql_schema.get_type("RequestErrorCode")
    assert set(listed.values) == set(RequestErrorCode.__members__)
    assert all(value.description for value in listed.values.values())
    assert RequestError(RequestErrorCode.NOT_FOUND, "x").extensions == {"code": "NOT_FOUND"}
    with pytest.raises(ValueError):
        RequestError("NOT_A_CODE", "a typo fails loudly")
