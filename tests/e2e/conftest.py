"""Browser tests: Playwright driving Debian's Chromium against a live server in a thread.

Chromium is expected at /usr/bin/chromium (CHROMIUM_PATH overrides). Without it the browser tests
are skipped with a plain message, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from werkzeug.serving import make_server

from studyapp import create_app
from studyapp.extensions import db
from tests.conftest import BANK_DIR, IN_CI, import_bank

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite file the live server uses (tests may read it to know the right answers)."""
    return tmp_path_factory.mktemp("live") / "live.sqlite3"


@pytest.fixture(scope="session")
def live_server(live_database: Path) -> Iterator[str]:
    """The real app on a fresh SQLite database with the real content, served on a free port."""
    path = live_database
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "e2e"})
    with app.app_context():
        flask_migrate.upgrade()
        import_bank(BANK_DIR)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message + " (CI=true: browser tests are required)")
        pytest.skip(message + "; skipping browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object, live_server: str) -> Iterator[object]:
    context = browser.new_context(base_url=live_server)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
