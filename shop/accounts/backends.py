from django.contrib.auth.backends import ModelBackend

from shop.accounts.models import User
from shop.accounts.selectors import find_user_by_login


class PhoneOrEmailBackend(ModelBackend):
    """Authenticate with a mainland mobile number or an email address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        login = username or kwargs.get(User.USERNAME_FIELD)
        if not login or password is None:
            return None
        user = find_user_by_login(login)
        if user is None:
            # Spend the time of a real check so that logins cannot be enumerated.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
