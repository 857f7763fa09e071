"""The global IDs inside a mutation's arguments, resolved in one place.

`mutation_target` is the object a mutation acts on: nobody signed in learns nothing,
not even whether an ID exists, and the service decides whether the user may.
`referenced` and `referenced_list` are objects named inside an input: an
unknown or malformed one is the input's fault, reported on its field with
the app's own NOT_FOUND code. A list is bounded before anything is looked up
and costs one query whatever its length.
"""

from enum import Enum
from typing import Any, TypeVar

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from shop.core.api.base import node_from_global_id, pk_from_global_id
from shop.core.errors import DomainError, RequestError
from shop.core.roles import require_login

M = TypeVar("M", bound=Model)

# More IDs than any list input needs (a packing step names at most this many
# units); a longer list is refused before any lookup.
MAX_REFERENCED = 1000


def mutation_target(info: Any, global_id: str, type_name: str, model: type[M]) -> M:
    require_login(info.context.user)
    return node_from_global_id(global_id, type_name, model)


def _pk(global_id: Any, type_name: str, field: str, not_found: Enum) -> int:
    try:
        return pk_from_global_id(global_id, type_name)
    except RequestError as exc:
        raise DomainError(not_found, _("No %s has this ID.") % type_name, field) from exc


def referenced(
    global_id: str | None, type_name: str, model: type[M], *, field: str, not_found: Enum
) -> M | None:
    """The object an input names, None when the input names none (null, not "")."""
    if global_id is None:
        return None
    found = model._default_manager.filter(pk=_pk(global_id, type_name, field, not_found)).first()
    if found is None:
        raise DomainError(not_found, _("No %s has this ID.") % type_name, field)
    return found


def referenced_list(
    global_ids: list[str] | None,
    type_name: str,
    model: type[M],
    *,
    field: str,
    not_found: Enum,
    too_many: Enum,
    limit: int = MAX_REFERENCED,
) -> list[M]:
    """The objects a list input names, in its order."""
    if not global_ids:
        return []
    if len(global_ids) > limit:
        raise DomainError(too_many, _("At most %d IDs may be given here.") % limit, field)
    pks = [_pk(each, type_name, field, not_found) for each in global_ids]
    found = model._default_manager.in_bulk(pks)
    if len(found) != len(set(pks)):
        raise DomainError(not_found, _("No %s has this ID.") % type_name, field)
    return [found[pk] for pk in pks]
