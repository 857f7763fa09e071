"""Chinese first, English second: what clients see, and the committed catalogue.

zh-hans is the default language, so a request without Accept-Language gets
Chinese messages and pages; `Accept-Language: en` gets the English source
strings. The compiled .mo is committed (a fresh machine may lack gettext), so
a test also fails when it is stale against the .po.
"""

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from graphql_relay import to_global_id

from tests.helpers.api import GraphQLClient
from tests.helpers.users import PASSWORD

LOCALE_DIR = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

REGISTER = """
mutation Register($input: AccountRegisterInput!) {
  accountRegister(input: $input) { user { id } errors { field code message } }
}"""
PRODUCT_CREATE = """mutation($input: ProductCreateInput!) {
  productCreate(input: $input) { product { name } errors { field code message } } }"""
PRODUCT = "query($slug: String) { product(slug: $slug) { name } }"

INVALID_PHONE = {
    "zh-hans": "请输入有效的中国大陆手机号。",
    "en": "Enter a valid mainland China mobile number.",
}
UNAUTHENTICATED = {
    "zh-hans": "请先登录后再进行此操作。",
    "en": "You need to sign in to do this.",
}
ID_OR_SLUG = {
    "zh-hans": "请提供 id 或 slug（二选一）。",
    "en": "Give either an id or a slug.",
}
LANGUAGES = ["zh-hans", "en"]


def client_in(language):
    """An anonymous GraphQL client; zh-hans is what no Accept-Language gets."""
    client = GraphQLClient()
    if language != "zh-hans":
        client.headers["HTTP_ACCEPT_LANGUAGE"] = language
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_payload_error_message_follows_the_request_language(language):
    data = client_in(language).execute(
        REGISTER, {"input": {"phone": "12345", "password": PASSWORD}}
    )
    assert data["accountRegister"]["errors"] == [
        {"field": "phone", "code": "INVALID_PHONE", "message": INVALID_PHONE[language]}
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_top_level_error_message_follows_the_request_language(language, seller, category):
    variables = {
        "input": {
            "seller": to_global_id("Seller", seller.pk),
            "category": to_global_id("Category", category.pk),
            "name": "武功山红茶",
        }
    }
    _status, body = client_in(language).post(PRODUCT_CREATE, variables)
    assert body["data"]["productCreate"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"] == UNAUTHENTICATED[language]


@pytest.mark.django_db
def test_anonymous_query_errors_do_not_leak_between_languages():
    """Anonymous queries go through the per-language public cache."""
    for language in [*LANGUAGES, *reversed(LANGUAGES)]:
        _status, body = client_in(language).post(PRODUCT)
        assert [e["message"] for e in body["errors"]] == [ID_OR_SLUG[language]]


def get_page(path, **headers):
    return Client(HTTP_HOST="127.0.0.1", **headers).get(path).content.decode()


@pytest.mark.django_db
def test_storefront_home_is_chinese_by_default():
    page = get_page("/")
    assert '<html lang="zh-Hans">' in page
    assert "<title>山村集市</title>" in page
    assert "来自山村的特色食品，源头可追溯至基地。" in page
    assert "暂无商品。" in page
    assert "Mountain village market" not in page


@pytest.mark.django_db
def test_storefront_home_in_english():
    page = get_page("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in page
    assert "<title>Mountain village market</title>" in page
    assert "No products yet." in page
    assert "山村集市" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "title", "label"),
    [
        ({}, "登录", "手机号或邮箱"),
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, "Sign in", "Mobile phone or email"),
    ],
)
def test_sign_in_page_follows_the_request_language(headers, title, label):
    page = get_page("/login/", **headers)
    assert f"<title>{title} · " in page
    assert f'<label for="id_username" class="required">{label}</label>' in page


# The committed catalogue ----------------------------------------------------


def _unquote(line):
    """A PO string literal: C-style escapes, which Python's literals share."""
    return ast.literal_eval(line.strip())


def parse_po(path):
    """Entries of a PO file as dicts: flags, msgctxt, msgid, msgid_plural, msgstr.

    `msgstr` maps the plural index (0 for singular messages) to the text.
    Obsolete (`#~`) entries are skipped, as msgfmt skips them.
    """
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and "msgid" in entry and "msgstr" in entry:
                finish()
                entry, field = None, None
            entry = entry or {"flags": set(), "msgstr": {}}
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            value = _unquote(line)
            if isinstance(field, int):
                entry["msgstr"][field] += value
            else:
                entry[field] += value
            continue
        if keyword in ("msgctxt", "msgid") and entry is not None and entry["msgstr"]:
            finish()
            entry = None
        entry = entry or {"flags": set(), "msgstr": {}}
        plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword == "msgstr" or plural:
            field = int(plural.group(1)) if plural else 0
            entry["msgstr"][field] = _unquote(rest)
        else:
            assert keyword in ("msgctxt", "msgid", "msgid_plural"), raw
            field = keyword
            entry[field] = _unquote(rest)
    finish()
    return entries


def catalog_key(entry, index=0):
    """The key gettext.GNUTranslations uses for an entry (and plural index)."""
    msgid = entry["msgid"]
    if "msgctxt" in entry:
        msgid = f"{entry['msgctxt']}\x04{msgid}"
    return (msgid, index) if "msgid_plural" in entry else msgid


def load_mo(path):
    with path.open("rb") as fp:
        return gettext.GNUTranslations(fp)


PO_ENTRIES = parse_po(PO_FILE)
MESSAGES = [entry for entry in PO_ENTRIES if entry["msgid"]]


def test_the_po_file_parses_into_messages():
    assert len(MESSAGES) > 100
    assert sum(1 for entry in PO_ENTRIES if not entry["msgid"]) == 1  # the header


def test_the_po_header_suits_simplified_chinese():
    [header] = [entry for entry in PO_ENTRIES if not entry["msgid"]]
    fields = dict(line.split(": ", 1) for line in header["msgstr"][0].splitlines() if ": " in line)
    assert fields["Language"] == "zh_Hans"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == "nplurals=1; plural=0;"
    assert "fuzzy" not in header["flags"]


@pytest.mark.parametrize("entry", MESSAGES, ids=lambda entry: entry["msgid"][:40])
def test_every_message_is_translated_and_keeps_its_placeholders(entry):
    assert "fuzzy" not in entry["flags"]
    assert entry["msgstr"] and all(text.strip() for text in entry["msgstr"].values())
    placeholders = re.compile(r"%(?:\([a-z_]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
    if "python-format" in entry["flags"]:
        # Chinese has one plural form: it serves every count, so it says what the plural says.
        expected = sorted(placeholders.findall(entry.get("msgid_plural", entry["msgid"])))
        for text in entry["msgstr"].values():
            assert sorted(placeholders.findall(text)) == expected


def test_the_compiled_catalogue_matches_the_po_file():
    """A stale .mo (the .po edited but not compiled) fails here."""
    compiled = load_mo(MO_FILE)._catalog
    expected = {
        catalog_key(entry, index): text
        for entry in MESSAGES
        for index, text in entry["msgstr"].items()
    }
    actual = {key: text for key, text in compiled.items() if key != ""}
    assert actual == expected
    # msgfmt leaves POT-Creation-Date out of the compiled header; the rest is kept.
    [header] = [entry["msgstr"][0] for entry in PO_ENTRIES if not entry["msgid"]]
    kept = [line for line in header.splitlines() if not line.startswith("POT-Creation-Date:")]
    assert compiled[""].splitlines() == kept


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed")
def test_the_compiled_catalogue_is_what_msgfmt_makes_of_the_po_file(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(  # noqa: S603
        ["msgfmt", "--check-format", "-o", str(fresh), str(PO_FILE)],  # noqa: S607
        check=True,
        capture_output=True,
    )
    assert load_mo(MO_FILE)._catalog == load_mo(fresh)._catalog
