"""Users and the roles every permission test tries."""

from shop.accounts.models import User

PASSWORD = "purple-rice-2026"
# Whom every write is tried as; the `users_by_role` fixture (tests/conftest.py) makes them.
ROLES = ("anonymous", "customer", "station_staff", "other_seller", "seller", "operator")


def make_user(phone=None, email=None, **extra):
    return User.objects.create_user(phone=phone, email=email, password=PASSWORD, **extra)
