"""How static files are stored for production (DEBUG off)."""

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
