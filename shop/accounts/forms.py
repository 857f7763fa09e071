from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from shop.accounts.throttle import SignInThrottled


class ThrottledSignInMixin:
    """For an AuthenticationForm: a sign-in refused by the throttle says so,
    instead of the wrong-password message."""

    def clean(self):
        try:
            return super().clean()
        except SignInThrottled as refusal:
            raise ValidationError(refusal.message, code="too_many_attempts") from refusal


class AdminLoginForm(ThrottledSignInMixin, AdminAuthenticationForm):
    """The operators' /admin/login/ form."""
