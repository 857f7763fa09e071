"""Guessing codes is rate-limited, wherever a code is looked up by the public.

A code on a label is unguessable, so a lookup of an unknown one is a guess
(or a typo). Each client address may make `GUESSES.count` of them in
`GUESSES.seconds`; past that, an unknown code from it is refused until its
window ends, on the resolver's pages (429 with Retry-After) and in the API
(TOO_MANY_REQUESTS) alike. A real code is never refused: behind a carrier's
NAT, one guesser must not block every buyer's scans. While the counters
cannot be read, every unknown code is refused (the limit fails closed).
"""

from collections.abc import Callable
from typing import TypeVar

from django.utils.translation import gettext_lazy as _

from shop.core.throttling import Limit, LimitsUnavailable

GUESSES = Limit("trace-code-guesses", count=30, seconds=600)
REFUSED = _("Too many unknown codes from your address: try again later.")
Found = TypeVar("Found")


class TooManyGuesses(Exception):
    """The address used up its guesses; try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many unknown codes; retry after {retry_after} s")
        self.retry_after = retry_after


def look_up(find: Callable[[], Found], subject: str) -> Found:
    """`find()` for the client `subject` (its network, `shop.core.throttling.client_network`);
    an answer of None counts as a guess, refused past the limit."""
    found = find()
    if found is not None:
        return found
    try:
        refused = GUESSES.reached(subject)
    except LimitsUnavailable:
        refused = True
    if refused:
        raise TooManyGuesses(GUESSES.seconds)
    GUESSES.hit(subject)
    return found
