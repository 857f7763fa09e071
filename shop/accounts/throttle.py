"""The sign-in throttle: one policy for every way in.

The authentication backend (shop/accounts/backends.py) applies it, so the
web login, the admin login and the API's tokenCreate share the counts.
Failed sign-ins are counted in the shared cache (shop.core.throttling):

- per client network (shop.core.throttling.client_network): MAX_FAILURES_PER_ADDRESS
  failures in WINDOW_SECONDS, whatever accounts they were for;
- per account: MAX_FAILURES failures in WINDOW_SECONDS. Past that, the account
  is locked for every client except one from the network that last signed in
  to it successfully (within KNOWN_ADDRESS_DAYS). That client has a count of
  its own for the account, MAX_FAILURES per WINDOW_SECONDS, and remains under
  the per-network limit. So a stranger (or a flood of them) can lock the
  account for strangers, but not for its owner at their usual place.

A locked attempt is refused before the password is looked at. Accounts are
counted by primary key however the login was written (normalise_login); a
login that matches no account is counted by its normalised form, so that
unknown and real accounts behave alike.
"""

from datetime import timedelta
from typing import cast

from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shop.accounts.errors import AccountErrorCode
from shop.accounts.models import User
from shop.core.errors import DomainError
from shop.core.throttling import Limit, LimitsUnavailable, client_network

WINDOW_SECONDS = 15 * 60
MAX_FAILURES = 10
MAX_FAILURES_PER_ADDRESS = 30
KNOWN_ADDRESS_DAYS = 30

PER_ADDRESS = Limit("sign-in:address", MAX_FAILURES_PER_ADDRESS, WINDOW_SECONDS)
PER_ACCOUNT = Limit("sign-in:account", MAX_FAILURES, WINDOW_SECONDS)
PER_ACCOUNT_AT_KNOWN_ADDRESS = Limit("sign-in:account-at-address", MAX_FAILURES, WINDOW_SECONDS)


class SignInThrottled(DomainError):
    """Signing in was refused without looking at the password."""

    def __init__(
        self, message: str | Promise, code: AccountErrorCode = AccountErrorCode.TOO_MANY_ATTEMPTS
    ) -> None:
        super().__init__(code, message, "login")


def address_hash(user: User, network: str) -> str:
    """A keyed hash of (user, network): the network is not stored, nor guessable
    from the hash without SECRET_KEY."""
    value = f"{user.pk}:{network}"
    return salted_hmac("shop.accounts.sign-in-address", value, algorithm="sha256").hexdigest()


class SignInAttempt:
    """One try at signing in: `check()` before the password is looked at, then
    `failed()` or `succeeded()`.

    `login` is the normalised login, `user` the account it names (or None);
    without a request (a test client's login(), a shell) only the per-account
    limit applies, with no known address.
    """

    def __init__(self, request: HttpRequest | None, login: str, user: User | None) -> None:
        self.user = user
        self.account = f"user:{user.pk}" if user is not None else f"login:{login}"
        self.network = client_network(request) if request is not None else None

    @property
    def _account_at_network(self) -> str:
        return f"{self.account}|{self.network}"

    def _from_known_address(self) -> bool:
        user = self.user
        if user is None or self.network is None or not user.last_sign_in_address_hash:
            return False
        recent = timezone.now() - timedelta(days=KNOWN_ADDRESS_DAYS)
        if user.last_sign_in_at is None or user.last_sign_in_at < recent:
            return False
        return constant_time_compare(
            address_hash(user, self.network), user.last_sign_in_address_hash
        )

    def check(self) -> None:
        """Raise SignInThrottled if this attempt is refused; fail closed, saying
        so, while the counters cannot be read."""
        try:
            self._check()
        except LimitsUnavailable as unavailable:
            raise SignInThrottled(
                _("Signing in is unavailable for a moment; please try again in a minute."),
                AccountErrorCode.TEMPORARILY_UNAVAILABLE,
            ) from unavailable

    def _check(self) -> None:
        if self.network is not None and PER_ADDRESS.reached(self.network):
            raise SignInThrottled(
                _("Too many failed sign-in attempts from your network; try again in 15 minutes.")
            )
        if self._from_known_address():
            locked = PER_ACCOUNT_AT_KNOWN_ADDRESS.reached(self._account_at_network)
        else:
            locked = PER_ACCOUNT.reached(self.account)
        if locked:
            raise SignInThrottled(
                _("Too many failed attempts to sign in to this account; try again in 15 minutes.")
            )

    def failed(self) -> None:
        PER_ACCOUNT.hit(self.account)
        if self.network is not None:
            PER_ADDRESS.hit(self.network)
            PER_ACCOUNT_AT_KNOWN_ADDRESS.hit(self._account_at_network)

    def succeeded(self) -> None:
        """Remember where the owner signed in from; forget their mistakes from there.

        The per-account and per-network counts stay: a correct password for one
        account must not buy more guesses at others, or more for strangers.
        """
        if self.network is None:
            return
        PER_ACCOUNT_AT_KNOWN_ADDRESS.reset(self._account_at_network)
        user = cast(User, self.user)  # the password was right, so there is an account
        user.last_sign_in_address_hash = address_hash(user, self.network)
        user.last_sign_in_at = timezone.now()
        User.objects.filter(pk=user.pk).update(
            last_sign_in_address_hash=user.last_sign_in_address_hash,
            last_sign_in_at=user.last_sign_in_at,
        )
