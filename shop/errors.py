"""The two error types: DomainError in a mutation's payload, RequestError outside it,
and the one list of codes an error outside a payload can carry."""

from enum import Enum, StrEnum

from graphql import GraphQLError


class DomainError(Exception):
    """A rule was broken; nothing was written.

    `code` is a member of an app's error-code enum, `field` names the input
    at fault (camelCase as in the API) or is None for the whole request.
    """

    def __init__(self, code: Enum, message, field: str | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field


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
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"

    @property
    def description(self):
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
    RequestErrorCode.INTERNAL_SERVER_ERROR: "A bug on our side; it was logged.",
}


class RequestError(GraphQLError):
    """Raised outside a payload, with `extensions.code`: a malformed argument, an
    unknown object, not signed in, or not allowed."""

    def __init__(self, code: RequestErrorCode, message):
        super().__init__(str(message), extensions={"code": RequestErrorCode(code)})
