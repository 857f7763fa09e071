"""Guessing codes is rate-limited, wherever a code is looked up by the public.

A code on a label is unguessable, so a lookup of an unknown one is a guess
(or a typo). Each client address may make `GUESSES.count` of them in
`GUESSES.seconds`; past that, every lookup from it is refused until its
window ends, on the resolver's pages (429 with Retry-After) and in the API
(TOO_MANY_REQUESTS) alike. Answers served from the public cache were looked
up before, so they are never guesses and never refused.
"""

from collections.abc import Callable
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

from shop.core.throttling import Limit

GUESSES = Limit("trace-code-guesses", count=30, seconds=600)
REFUSED = _("Too many unknown codes from your address: try again later.")
Found = TypeVar("Found")


class TooManyGuesses(Exception):
    """The address used up its guesses; try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many unknown codes; retry after {retry_after} s")
        self.retry_after = retry_after


def look_up(find: Callable[[], Found | None], subject: str) -> Found | None:
    """`find()` for the client `subject` (its network, `shop.core.throttling.client_network`);
    an answer of None counts as a guess, and past the limit nothing is looked up."""
    if GUESSES.reached(subject):
        raise TooManyGuesses(GUESSES.seconds)
    found = find()
    if found is None:
        GUESSES.hit(subject)
    return found
