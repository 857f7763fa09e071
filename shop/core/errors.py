"""The error types: DomainError in a mutation's payload, NotAllowed and
RequestError outside it, and the one list of codes an error outside a payload
can carry."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.functional import Promise
from graphql import GraphQLError

Message = str | Promise


@dataclass(frozen=True)
class FieldError:
    """One broken rule: `code` is a member of an app's error-code enum, `field`
    the snake_case name of the input at fault (None for the whole request)."""

    code: Enum
    message: Message
    field: str | None = None


class DomainError(Exception):
    """One or more rules were broken; nothing was written.

    Services know nothing of GraphQL: field names are the services' own
    snake_case names, which the API turns into its camelCase once.
    """

    def __init__(self, code: Enum, message: Message, field: str | None = None) -> None:
        self.errors: tuple[FieldError, ...] = (FieldError(code, message, field),)
        super().__init__(str(message))

    @classmethod
    def of(cls, errors: Iterable[FieldError]) -> "DomainError":
        errors = tuple(errors)
        if not errors:
            raise ValueError("a DomainError needs at least one error")
        error = cls(errors[0].code, errors[0].message, errors[0].field)
        error.errors = errors
        return error

    @property
    def code(self) -> Enum:
        return self.errors[0].code

    @property
    def message(self) -> Message:
        return self.errors[0].message

    @property
    def field(self) -> str | None:
        return self.errors[0].field


MISSING_CODES = ("required", "blank", "null")


def from_validation_error(error: ValidationError, codes: type[Enum]) -> DomainError:
    """A model's own validation (`full_clean`) as a DomainError in the app's codes:
    REQUIRED for a missing value, INVALID for any other broken field rule."""
    found = []
    for field, errors in error.error_dict.items():
        for each in errors:
            code = codes["REQUIRED"] if each.code in MISSING_CODES else codes["INVALID"]
            message = each.message % each.params if each.params else each.message
            found.append(FieldError(code, message, None if field == NON_FIELD_ERRORS else field))
    return DomainError.of(found)


class Checks:
    """Runs several checks and reports every one that fails, not only the first.

    `value = checks.run(clean_price, data["price"])` returns what the check
    returns, or None after recording its errors; `checks.done()` raises them
    together as one DomainError, so values are used only after it.
    """

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def run(self, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except DomainError as error:
            self.errors.extend(error.errors)
            return None

    def add(self, code: Enum, message: Message, field: str | None = None) -> None:
        self.errors.append(FieldError(code, message, field))

    def done(self) -> None:
        if self.errors:
            raise DomainError.of(self.errors)


class RequestErrorCode(StrEnum):
    """`extensions.code` of an error outside a mutation's payload (the schema lists them)."""

    BAD_REQUEST = "BAD_REQUEST"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_FOUND = "NOT_FOUND"
    INVALID_ID = "INVALID_ID"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    INVALID_CURSOR = "INVALID_CURSOR"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"

    @property
    def description(self) -> str:
        return REQUEST_ERROR_DESCRIPTIONS[self]


REQUEST_ERROR_DESCRIPTIONS = {
    RequestErrorCode.BAD_REQUEST: "The HTTP request is malformed (HTTP 400).",
    RequestErrorCode.REQUEST_TOO_LARGE: "The body or an uploaded file is too large (HTTP 413).",
    RequestErrorCode.QUERY_TOO_LARGE: "The query text is too long or has too many tokens.",
    RequestErrorCode.QUERY_TOO_DEEP: "The query nests fields too deeply.",
    RequestErrorCode.QUERY_TOO_COMPLEX: "The query would cost too much, or selects too many "
    "fields, root fields or mutations, or signs in more than once.",
    RequestErrorCode.GRAPHQL_PARSE_FAILED: "The query text is not valid GraphQL.",
    RequestErrorCode.GRAPHQL_VALIDATION_FAILED: "The query does not fit the schema.",
    RequestErrorCode.UNAUTHENTICATED: "Sign in first.",
    RequestErrorCode.PERMISSION_DENIED: "The signed-in user may not do this.",
    RequestErrorCode.NOT_FOUND: "No object has this ID (or you may not see it).",
    RequestErrorCode.INVALID_ID: "This is not a global ID of the expected type.",
    RequestErrorCode.INVALID_ARGUMENT: "An argument is out of range or holds text no "
    "column can store.",
    RequestErrorCode.INVALID_CURSOR: "The `after` cursor was not written by this list.",
    RequestErrorCode.TOO_MANY_REQUESTS: "Too many requests of this kind from the client's "
    "address (unknown trace codes, for instance); try again later.",
    RequestErrorCode.INTERNAL_SERVER_ERROR: "A bug on our side; it was logged.",
}


class RequestError(GraphQLError):
    """Raised outside a payload, with `extensions.code`: a malformed argument, an
    unknown object, not signed in, or not allowed."""

    def __init__(self, code: RequestErrorCode, message: Message) -> None:
        super().__init__(str(message), extensions={"code": RequestErrorCode(code)})


class NotAllowed(PermissionDenied):
    """A policy refused the actor: UNAUTHENTICATED when nobody is signed in, else
    PERMISSION_DENIED. Pages answer 403 (it is Django's PermissionDenied); the
    API answers with the code outside the payload."""

    def __init__(self, message: Message, *, signed_in: bool) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = (
            RequestErrorCode.PERMISSION_DENIED if signed_in else RequestErrorCode.UNAUTHENTICATED
        )
