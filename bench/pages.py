"""Lighthouse scores and page weight of the storefront's main pages, beside their targets.

Serves the product on its embedded default (SQLite in a temporary folder, the demo
data, eager tasks) but configured like production (DEBUG off, collected static files
under WhiteNoise's manifest, gunicorn), then runs Lighthouse's mobile profile on the
home page and on a category, a product and a seller page reached from it by links;
then on the buying pages (cart, checkout, payment, a guest's order, the seller's
orders), their session made first by bench/pages_buying.py and sent as a cookie.
Figures, not a test: bench/README.md ("Pages: Lighthouse and weight") says more.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import BENCH, OUT, ROOT, VENV_BIN, SetupError, log
from server import free_port

LIGHTHOUSE = BENCH / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
# Headless, as root, and with no network to call home to.
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
CATEGORIES = {
    "performance": 90,
    "accessibility": 95,
    "best-practices": 95,
    "seo": 95,
}
WEIGHT_TARGET_KB = 100
WEIGHED = {"Document", "Stylesheet", "Script"}  # HTML, CSS and JS; not pictures or fonts
RESULTS = OUT / "pages"
START_SECONDS = 60
# On a loaded machine Chromium now and then loses its trace (NO_NAVSTART): try again.
LIGHTHOUSE_ATTEMPTS = 3


def environment(folder, port):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="shop.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",  # noqa: S106
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=f"sqlite:///{folder}/db.sqlite3",
        MEDIA_ROOT=str(folder / "media"),
        STATIC_ROOT=str(folder / "static"),
        CELERY_BROKER_URL="",
        CELERY_RESULT_BACKEND="",
        CACHE_URL="locmemcache://",
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def manage(env, *arguments):
    log(f"$ manage.py {' '.join(arguments)}")
    command = [str(VENV_BIN / "python"), "manage.py", *arguments]
    if subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL).returncode:  # noqa: S603
        raise SetupError(f"manage.py {' '.join(arguments)} failed")


def start_server(env, port, log_path):
    command = [
        str(VENV_BIN / "gunicorn"),
        "--pythonpath",
        str(BENCH),
        "pages_wsgi:application",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--error-logfile",
        str(log_path),
        "--log-level",
        "warning",
    ]
    log(f"$ gunicorn pages_wsgi:application -w 2 -b 127.0.0.1:{port}")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)  # noqa: S603


def fetch(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our server
        return response.read().decode()


def wait_ready(base, server, log_path):
    for _ in range(START_SECONDS * 5):
        if server.poll() is not None:
            raise SetupError(f"gunicorn exited:\n{log_path.read_text(errors='replace')}")
        try:
            fetch(f"{base}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SetupError(f"the server did not answer within {START_SECONDS} s")


def first_link(html, prefix):
    found = re.search(rf'href="({prefix}[^"#?]+)"', html)
    return found.group(1) if found else None


def pages_to_audit(base):
    """Home, then the first product it links to, and that product's category and seller."""
    home = fetch(f"{base}/")
    product = first_link(home, "/p/")
    if product is None:
        raise SetupError("the home page links to no product page (/p/...)")
    product_html = fetch(base + product)
    category = first_link(home, "/c/") or first_link(product_html, "/c/")
    seller = first_link(product_html, "/s/")
    pages = {"home": "/", "category": category, "product": product, "seller": seller}
    missing = [name for name, path in pages.items() if path is None]
    if missing:
        raise SetupError(f"no link found to a {', '.join(missing)} page (/c/, /s/)")
    return pages


def buying_pages(env):
    """{name: (path, Cookie header or None)} of the pages that need a cart, an order
    or a signed-in seller (bench/pages_buying.py makes them)."""
    command = [str(VENV_BIN / "python"), str(BENCH / "pages_buying.py")]
    log("$ python bench/pages_buying.py")
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode:
        raise SetupError(f"pages_buying.py failed:\n{result.stderr[-2000:]}{result.stdout[-500:]}")
    made = json.loads(result.stdout.strip().splitlines()[-1])
    buyer = made["buyer_cookie"]
    return {
        "cart": ("/cart/", buyer),
        "checkout": ("/checkout/", buyer),
        "payment": ("/checkout/pay/", buyer),
        "order": (made["order"], None),
        "seller orders": (made["seller_orders"], made["seller_cookie"]),
    }


def lighthouse(url, name, env, cookie=None):
    """Run Lighthouse (mobile, simulated throttling) and return its JSON report."""
    output = RESULTS / name.replace(" ", "-")
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        "--output=html",
        f"--output-path={output}",
    ]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    report = output.with_suffix(".report.json")
    for attempt in range(1, LIGHTHOUSE_ATTEMPTS + 1):
        log(f"$ lighthouse {url}" + (f" (attempt {attempt})" if attempt > 1 else ""))
        report.unlink(missing_ok=True)
        result = subprocess.run(command, env={**env, "CHROME_PATH": CHROMIUM}, cwd=ROOT)  # noqa: S603
        if not result.returncode and report.exists():
            return json.loads(report.read_text())
    raise SetupError(f"lighthouse failed on {url} (exit {result.returncode})")


def figures(report):
    scores = {key: round(100 * (report["categories"][key]["score"] or 0)) for key in CATEGORIES}
    requests = report["audits"]["network-requests"]["details"]["items"]
    weighed = sum(r.get("resourceSize", 0) for r in requests if r.get("resourceType") in WEIGHED)
    transferred = sum(r.get("transferSize", 0) for r in requests)
    return scores, weighed / 1024, transferred / 1024


def failing_audits(report, key, limit=4):
    """The audits of one category that did not pass, the heaviest first."""
    refs = sorted(report["categories"][key]["auditRefs"], key=lambda ref: -ref["weight"])
    failing = []
    for ref in refs:
        audit = report["audits"][ref["id"]]
        scored = audit["scoreDisplayMode"] in {"binary", "numeric", "metricSavings"}
        if scored and audit["score"] is not None and audit["score"] < 0.9:
            shown = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
            failing.append(f"{audit['title']}{shown}")
    return failing[:limit]


def mark(value, target, higher_is_better=True):
    met = value >= target if higher_is_better else value <= target
    return f"{value}{'' if met else ' ✗'}"


def report_table(results):
    head = "| page | path | performance | accessibility | best practices | SEO | HTML+CSS+JS KB | all KB sent |"
    targets = "| target | | ≥90 | ≥95 | ≥95 | ≥95 | ≤100 | |"
    lines = [head, "|---|---|---|---|---|---|---|---|", targets]
    for name, (path, scores, weighed, transferred, _report) in results.items():
        cells = [mark(scores[key], CATEGORIES[key]) for key in CATEGORIES]
        weight = mark(round(weighed, 1), WEIGHT_TARGET_KB, higher_is_better=False)
        lines.append(f"| {name} | `{path}` | {' | '.join(cells)} | {weight} | {transferred:.1f} |")
    lines.append("")
    for name, (_path, scores, _w, _t, report) in results.items():
        for key in CATEGORIES:
            reasons = failing_audits(report, key)
            if scores[key] < CATEGORIES[key] or reasons:
                lines.append(f"- {name}, {key}: {'; '.join(reasons) or 'no single audit failed'}")
    return "\n".join(lines)


def main():
    if not LIGHTHOUSE.exists():
        raise SetupError(f"{LIGHTHOUSE} missing: run bench/pages.sh (npm ci)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pages-") as folder:
        port = free_port()
        env = environment(Path(folder), port)
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo", "--allow-without-debug")
        manage(env, "collectstatic", "--noinput")
        log_path = RESULTS / "gunicorn.log"
        server = start_server(env, port, log_path)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, server, log_path)
            results = {}
            pages = {name: (path, None) for name, path in pages_to_audit(base).items()}
            for name, (path, cookie) in (pages | buying_pages(env)).items():
                report = lighthouse(base + path, name, env, cookie)
                results[name] = (path, *figures(report), report)
        finally:
            server.terminate()
            server.wait(timeout=15)
    table = report_table(results)
    (RESULTS / "results.md").write_text(table + "\n")
    log()
    log(table)
    log(f"\nReports: {RESULTS.relative_to(ROOT)}/<page>.report.html")


if __name__ == "__main__":
    try:
        main()
    except SetupError as error:
        log(f"bench/pages: {error}")
        sys.exit(1)
