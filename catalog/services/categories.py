"""The category tree, kept by operators."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalog import cache
from catalog.models import Category
from catalog.policies import can_manage_categories
from catalog.rules import clean_text
from catalog.services.common import save_changes, save_with_unique_slug
from shop.core.cache_tags import invalidate
from shop.core.errors import Checks
from shop.core.roles import Actor, require
from shop.core.unset import UNSET, Unset, given


def create_category(
    *, actor: Actor, name: str, name_en: str = "", parent: Category | None = None
) -> Category:
    require(actor, can_manage_categories(actor), _("Only platform operators may do this."))
    checks = Checks()
    name = checks.run(clean_text, Category, "name", name, required=True)
    name_en = checks.run(clean_text, Category, "name_en", name_en)
    checks.done()
    with transaction.atomic():
        category = save_with_unique_slug(
            Category(name=name, name_en=name_en, parent=parent), name_en, name
        )
        invalidate(*cache.categories_changed())
    return category


def update_category(
    *,
    actor: Actor,
    category: Category,
    name: str | Unset = UNSET,
    name_en: str | None | Unset = UNSET,
    parent: Category | None | Unset = UNSET,
) -> Category:
    """Rename or move the category (None for `parent`: to the top of the tree)."""
    require(actor, can_manage_categories(actor), _("Only platform operators may do this."))
    changes = given(name=name, name_en=name_en, parent=parent)
    checks = Checks()
    for field in ("name", "name_en"):
        if field in changes:
            changes[field] = checks.run(
                clean_text, Category, field, changes[field], required=field == "name"
            )
    checks.done()
    return save_changes(category, changes, cache.categories_changed())
