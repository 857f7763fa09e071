"""The platform's own facts in an event's EPCIS document, where GS1's vocabulary has none.

They are EPCIS 2.0 user extensions: keys in the ``market:`` namespace
(`namespace`), which a public document declares in its ``@context``
(`context`). Unlike the ``trace:`` evidence (`traceability.resolver.evidence`),
added to public documents and never stored, they are part of the stored
document, so the event's hash covers them:

- ``market:photo``: the step's photo, as ``market:sha256`` (the lowercase hex
  SHA-256 of the file's bytes) and ``market:mediaType``. The photo's row
  repeats the digest (`BatchPhoto.sha256`), which verification compares with
  the document without reading the file, and the audit reads the file again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.files import File

PREFIX = "market"
PHOTO = f"{PREFIX}:photo"
SHA256 = f"{PREFIX}:sha256"
MEDIA_TYPE = f"{PREFIX}:mediaType"
# The extensions `catalog.images.validate_upload` stores pictures under.
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def namespace() -> str:
    return f"{settings.PUBLIC_BASE_URL}/ns/market#"


def context() -> dict[str, str]:
    return {PREFIX: namespace()}


def file_sha256(file: File) -> str:
    """The lowercase hex SHA-256 of a file's bytes (an upload, or a file in storage)."""
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def photo(sha256: str, name: str) -> dict[str, str]:
    """The ``market:photo`` of a picture with that digest, stored under `name`."""
    extension = name.rpartition(".")[2].lower()
    media_type = MEDIA_TYPES.get(extension, "application/octet-stream")
    return {SHA256: sha256, MEDIA_TYPE: media_type}


def photo_sha256(document: Mapping[str, Any]) -> str | None:
    """The digest of the photo an event's document names; None when it names none."""
    named = document.get(PHOTO)
    return named.get(SHA256) if isinstance(named, Mapping) else None
