"""CNY crosses the Stripe boundary as whole fen, converted exactly or refused."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.payments.gateways.stripe import from_fen, to_fen


@pytest.mark.parametrize(
    ("amount", "fen"),
    [
        ("0.01", 1),
        ("128.50", 12850),
        ("128.5", 12850),
        ("99999999.99", 9999999999),
        ("1.000", 100),  # three places, but a whole number of fen
        ("1E+2", 10000),
        ("0", 0),
        ("-3.20", -320),
        # Past the default context's 28 digits, where `amount * 100` would round.
        ("1234567890123456789012345678.91", 123456789012345678901234567891),
    ],
)
def test_to_fen(amount, fen):
    assert to_fen(Decimal(amount)) == fen


@pytest.mark.parametrize("amount", ["1.005", "0.001", "99999999.999", "NaN", "Infinity", "sNaN"])
def test_to_fen_refuses_what_is_not_whole_fen(amount):
    with pytest.raises(ValueError):
        to_fen(Decimal(amount))


def test_from_fen_keeps_two_places():
    assert str(from_fen(12850)) == "128.50"
    assert str(from_fen(1)) == "0.01"
    assert str(from_fen(0)) == "0.00"


@pytest.mark.parametrize("wrong", [True, 1.5, "12850", None])
def test_from_fen_refuses_what_is_not_an_int(wrong):
    with pytest.raises(ValueError):
        from_fen(wrong)


@given(st.integers(min_value=-(10**40), max_value=10**40))
def test_fen_round_trips(fen):
    assert to_fen(from_fen(fen)) == fen
