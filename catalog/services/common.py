"""What the catalogue's services share: the manager's policy, slugs, saving changes."""

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from catalog.models import Seller
from catalog.policies import can_manage_seller
from shop.core.cache_tags import invalidate
from shop.core.roles import Actor, require


def require_manager(actor: Actor, seller: Seller) -> None:
    require(actor, can_manage_seller(actor, seller), _("You do not manage this seller."))


def save_with_unique_slug(instance: Any, *names: str) -> Any:
    """Save a new row with a slug made from the first usable name.

    A slug already taken, even by a request that saved a moment ago, gets a
    random suffix instead of an error.
    """
    model = type(instance)
    base = next((slugify(n, allow_unicode=True) for n in names if slugify(n, True)), "item")
    instance.slug = base[:120]
    for _attempt in range(5):
        if not model.objects.filter(slug=instance.slug).exists():
            try:
                with transaction.atomic():
                    instance.save()
                return instance
            except IntegrityError:
                if not model.objects.filter(slug=instance.slug).exists():
                    raise
        instance.slug = f"{base[:120]}-{secrets.token_hex(3)}"
    raise IntegrityError(f"no free slug for {base!r}")


def save_changes(instance: Any, changes: dict[str, Any], tags: tuple[str, ...]) -> Any:
    """Apply checked `changes`, save only those columns (a row loaded before a
    verification cannot write back its old state), and make `tags` stale after
    commit."""
    for field, value in changes.items():
        setattr(instance, field, value)
    touched = {f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)}
    with transaction.atomic():
        instance.save(update_fields=[*changes, *touched] if changes else [])
        invalidate(*tags)
    return instance
