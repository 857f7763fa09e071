"""The two error types: DomainError in a mutation's payload, RequestError outside it."""

from enum import Enum

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


class RequestError(GraphQLError):
    """Raised outside a payload, with `extensions.code`: a malformed argument, an
    unknown object, not signed in, or not allowed."""

    def __init__(self, code, message):
        super().__init__(str(message), extensions={"code": code})
