"""Where files live: static files for production (DEBUG off), and private files
that only a view checking who asks may hand out."""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _pattern_text(pattern: str | tuple[str, str]) -> str:
    return pattern if isinstance(pattern, str) else pattern[0]


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed storage with hashed names, which does not follow
    sourceMappingURL comments: the vendored GraphiQL files (shop/static/graphiql)
    name source maps that are not shipped (they would add 4 MB)."""

    patterns = tuple(
        (extension, tuple(p for p in patterns if "sourceMappingURL" not in _pattern_text(p)))
        for extension, patterns in CompressedManifestStaticFilesStorage.patterns
    )


class PrivateStorage(FileSystemStorage):
    """Files that have no public URL: label sheets go out only through the download
    view, which checks who asks. The root is PRIVATE_MEDIA_ROOT, by default
    `private` beside MEDIA_ROOT (never inside it: DEBUG serves MEDIA_ROOT to
    anyone under /media/), read at each use so tests and workers follow it."""

    @property
    def base_location(self) -> str:
        root = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
        return str(root or Path(settings.MEDIA_ROOT).parent / "private")

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no URL: use the download view")
