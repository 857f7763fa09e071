"""Checks on the shape of a GraphQL-over-HTTP request before anything runs.

A malformed request gets a 4xx answer with a coded error, never a 500: a body
that is not UTF-8 or not a JSON object, JSON nested beyond what Python can
read, a `query` that is not a string, `variables` that are not an object, and
text that no column can store (a NUL character, a lone UTF-16 surrogate).
"""

import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from graphene_django.views import HttpError

from shop.core.errors import RequestError
from shop.core.errors import RequestErrorCode as Code

# PostgreSQL cannot store NUL, and a lone surrogate cannot be encoded as UTF-8.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class RequestRefused(HttpError):
    """An HTTP error answered as `{"errors": [{message, extensions: {code}}]}`."""

    def __init__(
        self, message: str | Promise, code: Code = Code.BAD_REQUEST, status: int = 400
    ) -> None:
        super().__init__(HttpResponse(status=status), str(message))
        self.code = code


def read_json(text: str | bytes) -> Any:
    """json.loads that refuses what would need unbounded recursion to read."""
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise RequestRefused(_("The JSON is nested too deeply.")) from exc
    except ValueError as exc:
        raise RequestRefused(_("The body is not valid JSON.")) from exc


def check_body_size(request: HttpRequest) -> None:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isascii() and length.isdigit() and int(length) > settings.GRAPHQL_MAX_BODY_BYTES:
        raise RequestRefused(
            _("The request body is larger than %d bytes.") % settings.GRAPHQL_MAX_BODY_BYTES,
            Code.REQUEST_TOO_LARGE,
            413,
        )


def decoded_body(request: HttpRequest) -> str:
    check_body_size(request)
    try:
        return request.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestRefused(_("The body is not UTF-8 text.")) from exc
    except RequestDataTooBig as exc:
        # DATA_UPLOAD_MAX_MEMORY_SIZE set below GRAPHQL_MAX_BODY_BYTES.
        raise RequestRefused(
            _("The request body is larger than %d bytes.") % settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
            Code.REQUEST_TOO_LARGE,
            413,
        ) from exc


def parse_json_body(request: HttpRequest) -> dict[str, Any]:
    data = read_json(decoded_body(request))
    if not isinstance(data, dict):
        raise RequestRefused(_("The body must be a JSON object with a `query`."))
    return data


def check_graphql_params(query: object, variables: object, operation_name: object) -> None:
    if query is not None and not isinstance(query, str):
        raise RequestRefused(_("`query` must be a string."))
    if variables is not None and not isinstance(variables, dict):
        raise RequestRefused(_("`variables` must be a JSON object."))
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestRefused(_("`operationName` must be a string."))


def is_unstorable(text: str) -> bool:
    return UNSTORABLE.search(text) is not None


def has_unstorable_text(value: object) -> bool:
    """Whether a NUL or a lone surrogate hides in any string of a JSON value, keys included."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            if is_unstorable(current):
                return True
        elif isinstance(current, dict):
            pending.extend(current.keys())
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)
    return False


def unstorable_text_error() -> RequestError:
    return RequestError(
        Code.INVALID_ARGUMENT,
        _("Text may not contain NUL characters (U+0000) or lone surrogates."),
    )
