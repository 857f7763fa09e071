"""Real-browser tests: Debian's Chromium, driven by Playwright, against a live server.

One browser for the whole folder; each visitor in a test gets a new context,
phone-sized (360×740) and asking for Chinese, and each test runs once with
JavaScript and once without. The live server runs
in this process (a thread), so it shares the test database on SQLite and on
PostgreSQL alike, and tasks run eagerly in it (tests/conftest.py sees to that).
Every step is checked (the page's `lang`, no sideways scrolling, every field
labelled, no console error) and photographed into tests/browser/out/.
"""

import re
from pathlib import Path

import pytest

from tests.helpers.ledger import empty_books
from tests.helpers.services import skip_unless

CHROMIUM = Path("/usr/bin/chromium")
# As root Chromium needs --no-sandbox; with no network the rest keep it from calling home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTH, HEIGHT = 360, 740
OUT = Path(__file__).resolve().parent / "out"
TIMEOUT_MS = 5000
# Form fields a screen reader could not name (Playwright evaluates this even with
# the page's own JavaScript off).
UNLABELLED_FIELDS = """[...document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]), select, textarea")]
    .filter(e => !e.labels.length && !e.getAttribute("aria-label")
                 && !e.getAttribute("aria-labelledby"))
    .map(e => e.name)"""


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """One Chromium for the tests of this folder, closed after the last of them.

    Playwright's sync API keeps an event loop running in this thread while it is open,
    which Django takes for an async context; the ORM calls made here between steps
    are synchronous ones, so they are allowed until the browser is closed.
    """
    skip_unless(CHROMIUM.exists(), f"needs {CHROMIUM}: run scripts/system-packages")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visitor:
    """One person at the browser: a page plus the checks every step makes."""

    def __init__(self, context, base_url, name):
        self.base_url, self.name = base_url, name
        self.page = context.new_page()
        self.errors = []
        self.steps = 0
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"console: {message.text} at {self.page.url}")

    def open(self, path):
        response = self.page.goto(self.base_url + path)
        assert response.status == 200, f"{path} answered {response.status}"
        return self.page

    def step(self, label, lang="zh-Hans"):
        """Check the page as it is now and photograph it."""
        page = self.page
        page.wait_for_load_state()
        self.steps += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        page.screenshot(path=OUT / f"{self.name}-{self.steps:02d}-{slug}.png", full_page=True)
        assert page.locator("html").get_attribute("lang") == lang, page.url
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, f"{page.url} scrolls sideways: {width} px wide"
        assert page.evaluate(UNLABELLED_FIELDS) == [], f"unlabelled fields on {page.url}"
        assert self.errors == [], self.errors


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def visitor_factory(request, browser, live_server):
    """Make visitors (each its own context: cookies, language) for this test."""
    OUT.mkdir(exist_ok=True)
    contexts = []
    test = re.sub(r"^test_", "", request.node.originalname)

    def make(who="buyer"):
        context = browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT},
            locale="zh-CN",
            java_script_enabled=request.param,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        mode = "js" if request.param else "nojs"
        return Visitor(context, live_server.url, f"{test}-{mode}-{who}")

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def visitor(visitor_factory):
    return visitor_factory()


@pytest.fixture
def ledger_emptied(transactional_db):
    """The ledger's rows go first, past its triggers (`tests.helpers.ledger.empty_books`)."""
    yield
    empty_books()
