"""Deployment defaults: the Content-Security-Policy of pages and of GraphiQL,
STATIC_ROOT / MEDIA_ROOT from the environment, and the refusal to start with
DEBUG off when collectstatic was not run."""

import base64
import hashlib
import json
import os
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.helpers.services import free_port, run_python
from tests.helpers.users import PASSWORD

HEADER = "Content-Security-Policy"
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:")


def policy(response):
    """The response's Content-Security-Policy as {directive: [sources]}."""
    directives = {}
    for part in response[HEADER].split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice in {response[HEADER]}"
        directives[name] = sources
    return directives


class Page(HTMLParser):
    """What a browser would check against the policy: loaded files and inline code."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.scripts, self.stylesheets = [], []  # (url, attributes)
        self.inline = {"script": [], "style": []}
        self.style_attributes, self.handlers = [], []
        self._open = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.style_attributes.append(tag)
        self.handlers += [name for name in attributes if name.startswith("on")]
        if tag == "script" and attributes.get("src"):
            self.scripts.append((attributes["src"], attributes))
        elif tag in ("script", "style"):
            self._open = tag
            self.inline[tag].append("")
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append((attributes["href"], attributes))

    def handle_data(self, data):
        if self._open:
            self.inline[self._open][-1] += data

    def handle_endtag(self, tag):
        if tag == self._open:
            self._open = None


def sha256_source(text):
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def allowed(url, sources, page_url="http://127.0.0.1/"):
    """Whether a fetch of `url` from the page passes these sources (exact URLs or 'self')."""
    absolute = urljoin(page_url, url)
    same_origin = urlsplit(absolute)[:2] == urlsplit(page_url)[:2]
    return absolute in sources or (same_origin and "'self'" in sources)


@pytest.fixture
def browser():
    return Client(HTTP_HOST="127.0.0.1")


def test_the_storefront_policy_allows_nothing_inline_nor_foreign(browser, product):
    response = browser.get("/")
    assert response.status_code == 200
    directives = policy(response)
    assert directives == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    assert not set(UNSAFE) & {source for sources in directives.values() for source in sources}


@pytest.mark.parametrize("path", ["/", "/login/"])
def test_storefront_pages_have_nothing_the_policy_would_block(browser, customer, product, path):
    if path == "/":
        assert browser.login(username=str(customer.phone), password=PASSWORD)  # the sign-out form
    response = browser.get(path)
    page = Page(response.content.decode())
    assert page.inline == {"script": [], "style": []}
    assert page.style_attributes == []
    assert page.handlers == []
    directives = policy(response)
    for url, _ in page.scripts:
        assert allowed(url, directives["script-src"]), url
    assert [url for url, _ in page.stylesheets] == [static("storefront/site.css")]
    assert allowed(static("storefront/site.css"), directives["style-src"])
    assert finders.find("storefront/site.css")


def test_admin_pages_have_nothing_the_policy_would_block(browser, operator, product):
    operator.is_superuser = True
    operator.save()
    assert browser.login(username=operator.email, password=PASSWORD)
    urls = ["/admin/", reverse("admin:catalog_product_change", args=[product.pk])]
    request = RequestFactory().get("/admin/")
    request.user = operator
    for model, model_admin in admin.site._registry.items():
        addable = model_admin.has_add_permission(request)
        for view in ("changelist", "add") if addable else ("changelist",):
            urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"))
    for url in urls:
        response = browser.get(url)
        assert response.status_code == 200, url
        page = Page(response.content.decode())
        assert (page.inline, page.style_attributes, page.handlers) == (
            {"script": [], "style": []},
            [],
            [],
        ), url
        assert policy(response)["script-src"] == ["'self'"]


def test_admin_and_api_responses_carry_the_site_policy(browser):
    assert "frame-ancestors 'none'" in browser.get("/admin/login/")[HEADER]
    response = browser.post(
        "/graphql/", {"query": "{ __typename }"}, content_type="application/json"
    )
    assert response.json() == {"data": {"__typename": "Query"}}
    assert policy(response)["script-src"] == ["'self'"]


def graphiql_page(browser):
    response = browser.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    return response, Page(response.content.decode())


def test_graphiql_loads_only_files_of_this_server_under_the_site_policy(browser, db):
    response, page = graphiql_page(browser)
    assert '<div id="editor">' in response.content.decode()
    assert policy(response) == policy(browser.get("/"))
    urls = [url for url, _ in page.scripts + page.stylesheets]
    assert len(page.scripts) == 8 and len(page.stylesheets) == 3
    for url in urls:
        assert url.startswith(settings.STATIC_URL), url
        assert allowed(url, policy(response)["script-src"]), url
        assert finders.find(url.removeprefix(settings.STATIC_URL)), f"{url} is not a static file"
    # Nothing inline but the settings, as JSON data that is never run.
    assert page.inline["style"] == [] and page.style_attributes == [] and page.handlers == []
    [settings_json] = page.inline["script"]
    assert json.loads(settings_json) == {
        "graphiqlHeaderEditorEnabled": True,
        "graphiqlShouldPersistHeaders": False,
        "graphiqlInputValueDeprecation": False,
    }
    assert 'id="graphene-settings" type="application/json"' in response.content.decode()


def test_graphiql_files_are_those_graphene_django_pins_by_integrity():
    """The local copies hash to the Subresource Integrity values of the CDN copies."""
    from graphene_django.views import GraphQLView

    pinned = {
        "fetch.umd.js": GraphQLView.whatwg_fetch_sri,
        "react.production.min.js": GraphQLView.react_sri,
        "react-dom.production.min.js": GraphQLView.react_dom_sri,
        "graphiql.min.js": GraphQLView.graphiql_sri,
        "graphiql.min.css": GraphQLView.graphiql_css_sri,
        "graphql-ws.min.js": GraphQLView.subscriptions_transport_ws_sri,
        "graphiql-plugin-explorer.umd.js": GraphQLView.graphiql_plugin_explorer_sri,
        "graphiql-plugin-explorer.css": GraphQLView.graphiql_plugin_explorer_css_sri,
    }
    for name, integrity in pinned.items():
        with open(finders.find(f"graphiql/{name}"), "rb") as file:
            data = file.read()
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        assert f"sha256-{digest}" == integrity, name
    for package in ("whatwg-fetch", "react", "react-dom", "graphiql", "graphql-ws"):
        with open(finders.find(f"graphiql/licenses/{package}.txt"), encoding="utf-8") as licence:
            assert "Permission is hereby granted, free of charge" in licence.read()  # MIT


# The real start-up: a fresh interpreter with the production settings.


def _production_env(static_root, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "MEDIA_ROOT", "STATIC_ROOT", "DEBUG")
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DEBUG": "0",
        "SECRET_KEY": "deployment-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "STATIC_ROOT": str(static_root),
        **extra,
    }


def _python(code, env, timeout=60):
    return run_python("-c", code, env=env, timeout=timeout)


def _collectstatic(env):
    done = run_python("manage.py", "collectstatic", "--noinput", "-v", "0", env=env)
    assert done.returncode == 0, done.stderr


def test_static_and_media_roots_come_from_the_environment(tmp_path):
    code = "from django.conf import settings as s; print(s.STATIC_ROOT); print(s.MEDIA_ROOT)"
    env = _production_env(tmp_path / "static", MEDIA_ROOT=str(tmp_path / "media"))
    done = _python(f"import django; django.setup(); {code}", env)
    assert done.stdout.split() == [str(tmp_path / "static"), str(tmp_path / "media")]

    dotenv = settings.BASE_DIR / ".env"
    if dotenv.exists() and "_ROOT" in dotenv.read_text():
        return  # a developer's .env sets them: the defaults cannot show
    env = _production_env("")
    del env["STATIC_ROOT"]
    done = _python(f"import django; django.setup(); {code}", env)
    base = settings.BASE_DIR
    assert done.stdout.split() == [str(base / "staticfiles"), str(base / "media")]


def test_the_app_refuses_to_start_without_collectstatic(tmp_path):
    done = _python("import shop.wsgi", _production_env(tmp_path))
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert f"{tmp_path / 'staticfiles.json'} is missing" in done.stderr
    assert "run `manage.py collectstatic`" in done.stderr


def test_the_app_starts_once_collectstatic_ran_and_serves_its_pages(tmp_path):
    env = _production_env(tmp_path)
    _collectstatic(env)
    assert (tmp_path / "staticfiles.json").exists()
    code = """
import shop.wsgi
from django.contrib.staticfiles.storage import staticfiles_storage
print(staticfiles_storage.url("storefront/site.css"))
"""
    done = _python(code, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("/static/storefront/site.") and ".css" in done.stdout


def test_the_app_refuses_to_start_with_a_stale_manifest(tmp_path):
    env = _production_env(tmp_path)
    _collectstatic(env)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    del manifest["paths"]["storefront/site.css"]
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    done = _python("import shop.wsgi", env)
    assert done.returncode != 0
    assert "lacks 1 of the static files (such as storefront/site.css)" in done.stderr


def test_gunicorn_exits_with_the_message_instead_of_serving_500s(tmp_path):
    command = ["-m", "gunicorn", "shop.wsgi:application"]
    command += ["-b", f"127.0.0.1:{free_port()}", "--no-control-socket"]
    done = run_python(*command, env=_production_env(tmp_path), timeout=60)
    assert done.returncode != 0
    assert "run `manage.py collectstatic`" in done.stderr
