from typing import TYPE_CHECKING, Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from shop.accounts.throttle import SignInThrottled

if TYPE_CHECKING:
    # What the mixin is mixed into, for the type checker only.
    _SignInForm = AuthenticationForm
else:
    _SignInForm = object


class ThrottledSignInMixin(_SignInForm):
    """For an AuthenticationForm: a sign-in refused by the throttle says so,
    instead of the wrong-password message."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except SignInThrottled as refusal:
            raise ValidationError(str(refusal.message), code="too_many_attempts") from refusal


class AdminLoginForm(ThrottledSignInMixin, AdminAuthenticationForm):
    """The operators' /admin/login/ form."""
