"""What every form of the pages shares.

- One template (`storefront/form.html`): each field with its label, help and
  errors next to it, linked by aria-describedby; errors for the whole form in an
  alert at the top.
- `show_domain_error`: a service's DomainError lands on the fields it names, so
  the same rules give the same messages in the API and in the pages.
- `SubmitOnce`: a hidden one-time token, so that a double tap or a resent POST
  is refused with a message instead of writing twice.
- Text never carries NUL or other control characters (browsers can send them;
  PostgreSQL refuses NUL): Django's CharField already strips and refuses NUL.
"""

import secrets
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shop.core.errors import DomainError

SUBMITTED_KEY = "storefront_submitted"
SUBMITTED_KEPT = 50


if TYPE_CHECKING:
    # What the mixin is mixed into, for the type checker only.
    _Form = forms.BaseForm
else:
    _Form = object


class PageFormMixin(_Form):
    """The pages' way of showing a form and a service's errors."""

    template_name = "storefront/form.html"
    required_css_class = "required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels sit above their fields: no colon (and no ASCII one in Chinese).
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def show_domain_error(self, error: DomainError) -> None:
        """Put each of the service's errors on the field it names (or on the form)."""
        for item in error.errors:
            field = item.field if item.field in self.fields else None
            self.add_error(field, str(item.message))


class PageForm(PageFormMixin, forms.Form):
    pass


class PageModelForm(PageFormMixin, forms.ModelForm):
    """A ModelForm used only to read and check the input: the service saves."""

    def _post_clean(self) -> None:
        """The service checks the model's own rules and reports them in its
        words; the form checks only what its fields declare."""


class SubmitOnce(forms.Form):
    """Mix into a form whose successful submission must happen once.

    The view calls `submitted_before(request)` after `is_valid()` and, once the
    write succeeded, `remember(request)`.
    """

    submission = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission"] = secrets.token_urlsafe(16)

    def submitted_before(self, request: HttpRequest) -> bool:
        token = self.cleaned_data.get("submission")
        if token and token in request.session.get(SUBMITTED_KEY, []):
            self.add_error(None, _("This form was already sent; nothing was changed again."))
            return True
        return False

    def remember(self, request: HttpRequest) -> None:
        token = self.cleaned_data.get("submission")
        if token:
            kept = request.session.get(SUBMITTED_KEY, [])[-SUBMITTED_KEPT + 1 :]
            request.session[SUBMITTED_KEY] = [*kept, token]
