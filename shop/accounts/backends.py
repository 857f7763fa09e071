from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from shop.accounts.models import User
from shop.accounts.selectors import normalise_login, user_for_login
from shop.accounts.throttle import SignInAttempt


class PhoneOrEmailBackend(ModelBackend):
    """Authenticate with a mainland mobile number or an email address.

    Every way in (the web and admin logins, the API's tokenCreate, any call
    to django.contrib.auth.authenticate) comes here, so the sign-in throttle
    is applied here: a refused attempt raises throttle.SignInThrottled (a
    DomainError with code TOO_MANY_ATTEMPTS), which the login forms and the
    API show as such.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        login = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not login or password is None:
            return None
        login = normalise_login(login)
        if login is None:
            # Empty, or longer than any phone number or email: refused at once,
            # and nothing about it is counted or stored.
            return None
        user = user_for_login(login)
        attempt = SignInAttempt(request, login, user)
        attempt.check()
        if user is None:
            # Spend the time of a real check so that logins cannot be enumerated.
            User().set_password(password)
        elif user.check_password(password) and self.user_can_authenticate(user):
            attempt.succeeded()
            return user
        attempt.failed()
        return None
