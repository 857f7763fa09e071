from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from shop.accounts.forms import ThrottledSignInMixin


class LoginForm(ThrottledSignInMixin, AuthenticationForm):
    """Sign in to the web pages (a session) with a mobile number or an email.

    The sign-in throttle applies (in the authentication backend); when it
    refuses, the form says so.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The phone number, email or password is not correct."),
    }
    username = forms.CharField(
        label=_("Mobile phone or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
