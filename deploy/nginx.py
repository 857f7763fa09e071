"""Renders deploy/nginx.conf.template for one run of nginx in front of gunicorn.

The values the front door and the app must agree on (the static and media
roots, the largest upload, the API's answer to a body over it) are read from
the app's settings and code, so they are written in one place. Run from the
repository root with the app's environment:

    python -m deploy.nginx --listen 127.0.0.1:8080 --upstream 127.0.0.1:8000 --prefix var/nginx
    nginx -p var/nginx -c nginx.conf -e stderr -g 'daemon off;'
"""

import argparse
import html
import json
import os
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().with_name("nginx.conf.template")
FIELD = re.compile(r"\{\{(\w+)\}\}")
# nginx would split a path at a space or a semicolon, and expand a `$`.
PLAIN_PATH = re.compile(r"[\w./@+-]+")


def _path(path: Path | str) -> str:
    text = str(Path(path).resolve())
    if not PLAIN_PATH.fullmatch(text):
        raise ValueError(f"nginx cannot be given the path {text!r}: choose one without spaces")
    return text


def _nginx_string(text: str) -> str:
    """`text` inside single quotes in nginx's configuration, where `$` names a variable."""
    if "$" in text:
        raise ValueError(f"nginx would expand the `$` in {text!r}")
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _too_large_answers() -> dict[str, str]:
    """What the app itself answers to an upload over the limit, per language."""
    from django.conf import settings
    from django.template.defaultfilters import filesizeformat
    from django.utils import translation
    from django.utils.translation import gettext

    from shop.core.api.uploads import _too_large
    from shop.core.api.view import ShopGraphQLView

    answers = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            error = _too_large(settings.UPLOAD_MAX_BODY_BYTES)
            body = {"errors": [ShopGraphQLView.format_error(error)]}
            answers[f"json_{language}"] = json.dumps(
                body, ensure_ascii=False, separators=(",", ":")
            )
            limit = filesizeformat(settings.UPLOAD_MAX_BYTES)
            # The workbench's own sentence beside a picture that streamed past the cap.
            answers[f"page_{language}"] = gettext("This picture is larger than %(limit)s.") % {
                "limit": limit
            }
    return answers


def _page_413(answers: dict[str, str]) -> str:
    zh, en = html.escape(answers["page_zh-hans"]), html.escape(answers["page_en"])
    return (
        '<!doctype html>\n<html lang="zh-Hans"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>413</title></head>\n<body><p>{zh}</p>\n"
        f'<p lang="en">{en}</p></body></html>\n'
    )


def render(*, listen: str, upstream: str, prefix: Path, user: str | None = None) -> Path:
    """Write nginx.conf and the pages nginx answers itself into `prefix`; its path.

    `user` is who the workers run as when nginx starts as root: by default
    root too, since nginx would otherwise drop them to `nobody`, who may not
    read the files gunicorn's user wrote. nginx started by another user keeps
    that user.
    """
    from django.conf import settings

    from shop.core.storage import PrivateStorage

    if settings.TRUSTED_PROXY_HOPS < 1:
        raise ValueError(
            "TRUSTED_PROXY_HOPS is 0: behind nginx every client would look like 127.0.0.1 "
            "(one sign-in limit for all). Set it to 1, or more behind another proxy."
        )
    media = Path(settings.MEDIA_ROOT).resolve()
    private = Path(PrivateStorage().location).resolve()
    if private == media or media in private.parents:
        raise ValueError(f"The private files ({private}) must not be under MEDIA_ROOT ({media})")
    prefix = Path(prefix).resolve()
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    answers = _too_large_answers()
    if user is None and os.geteuid() == 0:
        user = "root"
    fields = {
        "user": f"user {user};" if user else "",
        "prefix": _path(prefix),
        "listen": listen,
        "upstream": upstream,
        "body_max": str(settings.UPLOAD_MAX_BODY_BYTES),
        "static_root": _path(settings.STATIC_ROOT),
        "media_root": _path(media),
        "too_large_json_zh": _nginx_string(answers["json_zh-hans"]),
        "too_large_json_en": _nginx_string(answers["json_en"]),
    }
    text = FIELD.sub(lambda match: fields[match.group(1)], TEMPLATE.read_text(encoding="utf-8"))
    (prefix / "413.html").write_text(_page_413(answers), encoding="utf-8")
    config = prefix / "nginx.conf"
    config.write_text(text, encoding="utf-8")
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description="Write nginx.conf for nginx in front of gunicorn.")
    parser.add_argument("--listen", required=True, help="address:port nginx listens on")
    parser.add_argument("--upstream", required=True, help="address:port of gunicorn")
    parser.add_argument("--prefix", required=True, type=Path, help="folder for nginx's files")
    parser.add_argument("--user", help="the workers' user when nginx starts as root")
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    import django

    django.setup()
    try:
        config = render(
            listen=arguments.listen,
            upstream=arguments.upstream,
            prefix=arguments.prefix,
            user=arguments.user,
        )
    except ValueError as error:
        sys.exit(f"FATAL: {error}")
    print(config)


if __name__ == "__main__":
    main()
