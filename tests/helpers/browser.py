"""What the real-browser tests (tests/browser) type and upload."""

import io

from django.utils import translation
from PIL import Image


def zh(msgid):
    """The Chinese text of an English msgid, as a page shows it (the msgid until translated)."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def jpeg(size=(800, 600), colour=(110, 40, 150)):
    """A real JPEG file, as a phone's camera would give."""
    picture = io.BytesIO()
    Image.new("RGB", size, colour).save(picture, "JPEG", quality=85)
    return picture.getvalue()
