"""The one error type that services raise for a user's mistake."""

from enum import Enum


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
