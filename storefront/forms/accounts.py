from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from shop.accounts.forms import ThrottledSignInMixin
from shop.accounts.selectors import MAX_LOGIN_LENGTH
from storefront.forms.base import PageForm, PageFormMixin


class LoginForm(PageFormMixin, ThrottledSignInMixin, AuthenticationForm):
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


class RegisterForm(PageForm):
    """A customer account by mobile number and/or email; the registration service
    checks their form and the password's strength, and its errors land on these
    fields, named as it names them. It never says whether a number is taken."""

    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=32,
        help_text=_("A mainland China mobile number. Give a phone, an email or both."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("Email"),
        required=False,
        max_length=MAX_LOGIN_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    name = forms.CharField(
        label=_("Your name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        help_text=lazy(lambda: " ".join(password_validators_help_texts()), str)(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("password") and data.get("password_again") != data["password"]:
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class RegisterConfirmForm(PageForm):
    """The one-time code sent to the phone (or email) being registered."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=12,
        help_text=_("The 6 digits we sent you. They expire in 10 minutes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
