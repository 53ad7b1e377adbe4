import os
import signal
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from stories import effects, richtext
from stories.models import Section, Story

# Beside the checkout (../shared); a worktree of it one folder further down finds them too.
_ROOT = Path(__file__).resolve().parent.parent
SHARED_SAMPLES = next(
    (p for p in (_ROOT.parent / "shared" / "samples", _ROOT.parent.parent / "shared" / "samples")
     if p.is_dir()),
    _ROOT.parent / "shared" / "samples",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_configure(config):
    # The suite's own embedded cache, before anything opens it: a server on this machine
    # (make serve, make bench) shares var/cache, and must not share pages with the tests.
    default = settings.CACHES["default"]
    if default["BACKEND"] == "newsroom.caches.SharedDiskCache":
        default["LOCATION"] = tempfile.mkdtemp(prefix="newsroom-test-cache-")


@pytest.fixture(autouse=True)
def _commits_act(monkeypatch):
    """What follows a commit (stories/effects.py) follows the tests' transactions too.

    A test runs inside a transaction that is rolled back at its end, so on_commit
    callbacks never run there. Here the outermost atomic block the code under test
    opens counts as the transaction, as it is in production: its exit runs the
    batch of search indexing and cache purges, and a change made outside any runs it
    at once. Other on_commit callbacks (notifications) are left to the tests.
    """

    def commit_to_come(connection):
        return any(not block._from_testcase for block in connection.atomic_blocks)

    monkeypatch.setattr(effects, "commit_to_come", commit_to_come)
    original_exit = transaction.Atomic.__exit__

    def exit_atomic(self, exc_type, exc_value, traceback):
        result = original_exit(self, exc_type, exc_value, traceback)
        if self._from_testcase:
            return result
        using = self.using or DEFAULT_DB_ALIAS
        connection = transaction.get_connection(using)
        batch = effects.pending(using)
        if batch is not None and not commit_to_come(connection):
            if exc_type is None and batch.waiting(connection):
                batch.flush()
            else:
                batch.done = True  # rolled back
        return result

    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_atomic)


WORKER_SIGNALS = [
    signal.SIGINT,
    signal.SIGTERM,
    *([signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else []),
]


@pytest.fixture
def run_tasks(monkeypatch):
    """Runs the task worker as `make run` keeps it running, until no task is ready.

    It is the real worker (run_worker, django-tasks-db's); only its closing of idle
    database connections between tasks is left out: here that would close the test's
    own transaction.
    """
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        # The worker takes over SIGINT and SIGTERM for a graceful stop and leaves its
        # handlers behind; put back the test run's own, or stopping the run later would
        # end in the worker's exit.
        handlers = {signum: signal.getsignal(signum) for signum in WORKER_SIGNALS}
        try:
            call_command("run_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)

    return run


@pytest.fixture
def samples_dir():
    if not SHARED_SAMPLES.is_dir():
        pytest.skip(f"the shared samples are not here ({SHARED_SAMPLES})")
    return SHARED_SAMPLES


@pytest.fixture
def sample_files(samples_dir):
    return sorted(samples_dir.glob("*.txt"))


@pytest.fixture
def world(db):
    return Section.objects.create(name="World", slug="world")


@pytest.fixture
def make_story(db, world):
    """Builds stories with sensible defaults; `published=True` publishes them now."""

    def make(headline="A story", *, published=False, section=None, **fields):
        fields.setdefault("title", headline)
        fields.setdefault("dek", f"The dek of {headline}.")
        fields.setdefault("story_line", headline)
        fields.setdefault(
            "summary", richtext.blocks_to_html([richtext.Block("p", f"Summary of {headline}.")])
        )
        fields.setdefault("full_headline", headline)
        fields.setdefault(
            "body", richtext.blocks_to_html([richtext.Block("p", f"Body of {headline}.")])
        )
        story = Story.objects.create(headline=headline, section=section or world, **fields)
        if published:
            story.publish(when=fields.get("published_at") or timezone.now())
        return story

    return make


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; the test skips, saying why, without it."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def close_browser_pages(request):
    """Closes the pages a browser test opened (with browser.new_page() as well as `page`):
    the admin's pages poll the live server, and would go on asking during later tests."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    # Closed first, its scripts with it: the admin's pages poll the live server (presence,
    # autosave), and a request still running there would hold the database the test is
    # emptying. (No beforeunload prompt: a page closed by the test asks nothing.)
    page.close()
    context.close()
    # A request the page had already sent finishes on the server (milliseconds).
    time.sleep(0.2)


@pytest.fixture
def screenshots(request):
    """A folder named after the test, for the screenshots it takes."""
    folder = SCREENSHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
