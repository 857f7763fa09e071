"""Money: every price on the platform is in Chinese yuan, kept to the fen."""

from decimal import Decimal

CURRENCY = "CNY"
CENT = Decimal("0.01")
