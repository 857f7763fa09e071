"""Keyset pages of a private list (workbench, operator queue): a cursor that is
not one is a 400 page, since nobody shares these links."""

from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.http import HttpRequest

from shop.core.errors import RequestError
from shop.core.keyset import Page, page


def page_or_400(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    keys: list[str],
    first: int,
    param: str = "after",
    descending: bool = False,
) -> Page:
    try:
        after = request.GET.get(param)
        return page(queryset, keys=keys, first=first, after=after, descending=descending)
    except RequestError as exc:
        raise BadRequest(str(exc.message)) from exc
