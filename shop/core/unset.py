"""`UNSET`: the default of an update service's keyword arguments.

An argument left out means "leave this field as it is", so that None keeps its
own meaning where a field may be empty ("clear it"). Callers that hold a dict
of changes (a form's cleaned data, a GraphQL input) pass it as `**changes`:
its keys must be the parameters' names, and an unknown key is a TypeError at
the call.
"""

from enum import Enum
from typing import Any, Final


class Unset(Enum):
    """The type of `UNSET`, so a parameter reads `name: str | Unset = UNSET`."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments that were given (not UNSET), in their order."""
    return {name: value for name, value in values.items() if value is not UNSET}
