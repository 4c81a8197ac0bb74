"""Browser fixtures: the test app served on 127.0.0.1 by werkzeug, driven by Debian's headless Chromium."""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    expect,
    sync_playwright,
)
from werkzeug.serving import WSGIRequestHandler, make_server

TIMEOUT_MS = 20_000  # auto-waits: only a slow machine (CI on 2 cores) ever uses the margin
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1"}
# The browser's own pages, e.g. its PDF viewer when a PDF is shown in a frame: not requests to the network.
BROWSER_SCHEMES = {"chrome", "chrome-extension"}
# axe-core (F-19), installed by `make test` in its own npm folder (tools/essais, never the DSFR's package.json).
AXE_JS = Path(__file__).resolve().parents[2] / "tools" / "essais" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass
class LiveServer:
    url: str


@dataclass
class BrowserLog:
    """What went wrong in the browser during a test, besides the page's own content."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_resources: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return list(dict.fromkeys(
            [f"JavaScript error: {e}" for e in self.page_errors]
            + [f"console error: {e}" for e in self.console_errors]
            + [f"resource failed: {e}" for e in self.failed_resources]
            + [f"request outside 127.0.0.1 blocked: {u}" for u in self.blocked]
        ))


class _QuietHandler(WSGIRequestHandler):
    """Only server errors reach the log: a browser walk makes hundreds of requests."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(code).startswith("5"):
            super().log_request(code, size)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The `app` fixture's app on a free port of 127.0.0.1, in a daemon thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    if not Path(executable).is_file() or not os.access(executable, os.X_OK):
        pytest.fail(
            f"Chromium not found or not executable at {executable!r}: the browser tests cannot run. "
            "Install Debian's chromium package or set the CHROMIUM environment variable to its path "
            "(`playwright install` cannot download browsers on this network).",
            pytrace=False,
        )
    browser = playwright_instance.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_log() -> Iterator[BrowserLog]:
    """Checked after each test: a JavaScript error, a missing CSS/JS/font/icon or a request leaving 127.0.0.1
    is reported as an error at teardown, so the walk's own result (passed/failed) stays readable."""
    log = BrowserLog()
    yield log
    if log.problems():
        pytest.fail("the browser reported problems on the pages of this test:\n  " + "\n  ".join(log.problems()),
                    pytrace=False)


def _new_context(browser: Browser, live_server: LiveServer, log: BrowserLog, **options) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)

    def only_local(route: Route, request: Request) -> None:
        url = urlsplit(request.url)
        if url.hostname in LOCAL_HOSTS or url.scheme in BROWSER_SCHEMES:
            route.continue_()
        else:
            log.blocked.append(request.url)
            route.abort("blockedbyclient")

    context.route("**/*", only_local)

    def on_response(response: Response) -> None:
        # A step page answers 422 when its form has errors: only sub-resources (CSS, JS, fonts, icons) count.
        if response.status >= 400 and response.request.resource_type != "document":
            log.failed_resources.append(f"{response.status} {response.url}")

    def on_request_failed(request: Request) -> None:
        # ERR_ABORTED: a font or icon still loading when a click leaves the page; not a fault of the page.
        if urlsplit(request.url).hostname in LOCAL_HOSTS and "ERR_ABORTED" not in (request.failure or ""):
            log.failed_resources.append(f"{request.failure} {request.url}")

    def on_console(message: ConsoleMessage) -> None:
        # « Failed to load resource » also comes for a step's 422 answer: resources are checked by on_response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            log.console_errors.append(message.text)

    def on_page(page: Page) -> None:
        def on_page_error(error: Error) -> None:
            where = next((line.strip() for line in (error.stack or "").splitlines() if "at " in line), "")
            log.page_errors.append(f"{error.message} ({where}) on {page.url}")

        page.on("pageerror", on_page_error)
        page.on("console", on_console)
        page.on("response", on_response)
        page.on("requestfailed", on_request_failed)

    context.on("page", on_page)
    return context


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keeps each phase's report on the test item, so fixtures know at teardown whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer, browser_log: BrowserLog
) -> Iterator:
    """A factory of pages, each in its own context (e.g. a phone viewport); all closed at the end.
    When the test fails, each open page is saved to /tmp/e2e-echec-<test>-<n>.png."""
    contexts: list[BrowserContext] = []

    def make(**options) -> Page:
        context = _new_context(browser, live_server, browser_log, **options)
        contexts.append(context)
        return context.new_page()

    expect.set_options(timeout=TIMEOUT_MS)
    yield make
    report = getattr(request.node, "rep_call", None)
    for number, context in enumerate(contexts):
        if report is not None and report.failed:
            for page in context.pages:
                try:
                    page.screenshot(path=f"/tmp/e2e-echec-{request.node.name}-{number}.png", full_page=True,
                                    caret="initial")
                except Error:
                    pass
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    """A desktop page (1280x900) in a fresh browser context."""
    return new_page(viewport={"width": 1280, "height": 900})


_AXE_RUN = """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags}, iframes: false,
                                          resultTypes: ["violations"]})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, aide: v.help, url: v.helpUrl,
    noeuds: v.nodes.map(n => ({cible: n.target.join(" "), html: n.html.slice(0, 200), resume: n.failureSummary}))})))"""


@functools.cache
def _axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core not found at {AXE_JS}: run `make test`, or `cd tools/essais && npm ci`.", pytrace=False)
    return AXE_JS.read_text(encoding="utf-8")


def verifier_accessibilite(page: Page, etat: str = "") -> None:
    """axe-core on the page as it is now (WCAG 2.1 A and AA rules): fails with a readable list of the violations.

    The source is evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern;
    a <script> tag with inline content would be blocked, as it should be. Frames hold documents shown to agents
    (PDF, images), not the app's pages: they are not audited."""
    for essai in range(3):
        # A click may still be leaving the page: audit the page that is there once it has loaded.
        page.wait_for_load_state("load")
        try:
            if not page.evaluate("() => typeof window.axe === 'object'"):
                page.evaluate(_axe_source())
            resultat = page.evaluate(_AXE_RUN, AXE_TAGS)
            break
        except Error as erreur:
            if essai == 2 or not re.search(r"context was destroyed|navigat", str(erreur)):
                raise
    if resultat:
        lignes = [f"axe-core: {len(resultat)} accessibility violation(s) on {etat or page.url} ({page.url}):"]
        for violation in resultat:
            lignes.append(f"- [{violation['impact']}] {violation['id']}: {violation['aide']} ({violation['url']})")
            for noeud in violation["noeuds"][:8]:
                resume = " ".join(noeud["resume"].split())
                lignes.append(f"    {noeud['cible']}: {noeud['html']}\n      {resume}")
            if len(violation["noeuds"]) > 8:
                lignes.append(f"    … and {len(violation['noeuds']) - 8} more")
        pytest.fail("\n".join(lignes), pytrace=False)
