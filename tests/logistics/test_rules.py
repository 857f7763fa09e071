"""The rules of single pickup-point fields: what they accept, how they normalise it,
and the code of what they refuse."""

from decimal import Decimal

import pytest

from logistics import rules
from logistics.errors import LogisticsErrorCode as Code
from shop.core.errors import DomainError


def refused(rule, *args):
    with pytest.raises(DomainError) as error:
        rule(*args)
    return error.value.code, error.value.field


def test_opening_hours_are_normalised_weekday_by_weekday():
    given = {
        1: [("14:00", "18:00"), ["08:00", "12:00"]],
        "0": [["08:00", "24:00"]],
        "6": [],
    }
    assert rules.clean_opening_hours(given) == {
        "0": [["08:00", "24:00"]],
        "1": [["08:00", "12:00"], ["14:00", "18:00"]],
    }
    assert rules.clean_opening_hours(None) == {}
    assert rules.clean_opening_hours({"2": [["12:00", "14:00"], ["14:00", "16:00"]]}) == {
        "2": [["12:00", "14:00"], ["14:00", "16:00"]]
    }


@pytest.mark.parametrize(
    "hours",
    [
        {"7": [["08:00", "18:00"]]},  # no eighth weekday
        {"-1": [["08:00", "18:00"]]},
        {"0": [["18:00", "08:00"]]},  # closes before it opens
        {"0": [["08:00", "08:00"]]},
        {"0": [["08:00", "12:00"], ["11:00", "14:00"]]},  # overlapping
        {"0": [["8:00", "12:00"]]},  # not HH:MM
        {"0": [["08:00", "25:00"]]},
        {"0": [["24:00", "24:00"]]},
        {"0": [["08:00"]]},
        {"0": "08:00-18:00"},
        {"0": [["08:00", "09:00"]] * 5},  # more than four intervals
        {"0": [["08:00", "12:00"]], 0: [["13:00", "14:00"]]},  # the same weekday twice
        {True: [["08:00", "12:00"]]},
        {"０": [["08:00", "12:00"]]},  # a full-width digit
        [["08:00", "18:00"]],
        "Mon-Fri 8-18",
    ],
)
def test_malformed_opening_hours_are_refused_with_their_code(hours):
    assert refused(rules.clean_opening_hours, hours) == (
        Code.INVALID_OPENING_HOURS,
        "opening_hours",
    )


def test_the_division_code_is_the_catalogues_rule():
    assert rules.clean_division_code(" 360323203201 ") == "360323203201"
    for bad in (
        "36032320320",
        "3603232032011",
        "36032320320X",
        "３６０３２３２０３２０１",
        None,
        360323203201,
    ):
        assert refused(rules.clean_division_code, bad) == (
            Code.INVALID_DIVISION_CODE,
            "division_code",
        )


def test_coordinates_are_rounded_to_six_places_and_kept_on_earth():
    assert rules.clean_location(27.5412345, "114.1943") == (
        Decimal("27.541234"),
        Decimal("114.194300"),
    )
    assert rules.clean_coordinate("latitude", -90) == Decimal("-90.000000")
    for field, bad in (
        ("latitude", 90.000001),
        ("longitude", "-180.5"),
        ("latitude", float("nan")),
        ("longitude", "Infinity"),
        ("latitude", "north"),
        ("latitude", True),
    ):
        assert refused(rules.clean_coordinate, field, bad) == (Code.INVALID_LOCATION, field)
    assert refused(rules.clean_coordinate, "latitude", None) == (Code.REQUIRED, "latitude")
    with pytest.raises(DomainError) as both:
        rules.clean_location(91, 181)
    assert [(e.code, e.field) for e in both.value.errors] == [
        (Code.INVALID_LOCATION, "latitude"),
        (Code.INVALID_LOCATION, "longitude"),
    ]


def test_phones_are_mainland_numbers_in_e164():
    assert rules.clean_phone("0799-7123456") == "+867997123456"
    assert rules.clean_phone("139 7991 1001") == "+8613979911001"
    assert rules.clean_phone("") == ""
    assert rules.clean_phone(None) == ""
    for bad in ("12345", "+1 650 253 0000", "电话", "0799-71"):
        assert refused(rules.clean_phone, bad) == (Code.INVALID_PHONE, "phone")


def test_capacity_kind_flags_and_text():
    assert rules.clean_capacity(1) == 1
    for bad in (0, -5, 100_001, "60", 6.0, True, None):
        assert refused(rules.clean_capacity, bad) == (Code.INVALID_CAPACITY, "parcel_capacity")
    assert rules.clean_kind("county_hub") == "county_hub"
    assert refused(rules.clean_kind, "warehouse") == (Code.INVALID, "kind")
    assert refused(rules.clean_flag, "cold_storage", "false") == (Code.INVALID, "cold_storage")
    assert rules.clean_text("name", "  站  ", required=True) == "站"
    with pytest.raises(DomainError) as empty:
        rules.clean_text("name", "   ", required=True)
    assert (empty.value.code, empty.value.field) == (Code.REQUIRED, "name")
    assert refused(rules.clean_text, "name", "站" * 121) == (Code.INVALID, "name")
    assert refused(rules.clean_text, "address", "a\x00b") == (Code.INVALID, "address")
