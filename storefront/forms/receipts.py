"""The public receipt check: a receipt pasted or its file chosen, as text."""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from storefront.forms.base import PageForm

# A receipt is a few hundred characters; anything much longer is not one.
RECEIPT_MAX_CHARS = 4000


def _as_note(text: str) -> str:
    """The receipt as it was signed: a textarea sends CRLF line ends and may drop
    the last one; a copy may pick up blank space around it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip() + "\n"


class ReceiptCheckForm(PageForm):
    receipt = forms.CharField(
        label=_("Paste the receipt"),
        required=False,
        max_length=RECEIPT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("All of its lines, from the first to the one starting with “—”."),
    )
    upload = forms.FileField(
        label=_("Or choose the receipt file"),
        required=False,
        help_text=_("The .receipt file downloaded from the batch's page."),
    )

    def clean_upload(self) -> str:
        upload: UploadedFile | None = self.cleaned_data.get("upload")
        if upload is None:
            return ""
        if (upload.size or 0) > RECEIPT_MAX_CHARS:
            raise forms.ValidationError(_("This file is too large to be a receipt."))
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("This file is not a receipt: it is not text.")) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = data.get("upload") or data.get("receipt") or ""
        if not text.strip() and not self.errors:
            raise forms.ValidationError(_("Paste a receipt or choose its file."))
        data["text"] = _as_note(text)
        return data
