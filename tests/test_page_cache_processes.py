"""Served by several gunicorn workers, with the embedded default cache and with Redis, a
change saved by another process drops exactly the pages that show it, in every worker:
the unrelated pages stay cached, and the CDN purge carries exactly the dropped pages' keys.

Each change is made by a separate process (as an editor's save is handled by whichever
worker gets it), and every worker must show it on its very next request.
"""

import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.cache_backends import CACHE_BACKENDS, REDIS_URL, redis_client
from tests.serving import gunicorn

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3


class PurgeRecorder(BaseHTTPRequestHandler):
    received = []

    def do_PURGE(self):
        PurgeRecorder.received.append(set(self.headers["Surrogate-Key"].split()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def cdn():
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    PurgeRecorder.received.clear()
    yield f"http://127.0.0.1:{server.server_port}/", PurgeRecorder.received
    server.shutdown()


def environment(tmp_path, backend, purge_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env = {k: v for k, v in env.items() if not k.startswith(("NEWSROOM_", "REDIS_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="processes-test-" + "k" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        NEWSROOM_PAGE_CACHE="1",
        NEWSROOM_CACHE_DIR=str(tmp_path / "cache"),
        NEWSROOM_PURGE_URL=purge_url,
        WEB_CONCURRENCY=str(WORKERS),
        GUNICORN_THREADS="1",
    )
    if backend == "redis":
        redis_client().close()  # skips, saying why, when Redis does not answer
        env.update(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=f"newsroom-test-{uuid.uuid4().hex}")
    return env


def shell(env, code):
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True
    )


def run_worker(env):
    """Runs the task worker until no task is ready (CDN purges are its work)."""
    subprocess.run(
        [sys.executable, "manage.py", "run_worker", "--batch", "--no-reload",
         "--no-startup-delay", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip


def fetch(base, path="/"):
    # A new connection each time, so that the requests spread over the workers.
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return response.read().decode(), response.headers["X-Cache"], response.headers


PUBLISH = """
from stories.models import Section, Story
{section}, _ = Section.objects.get_or_create(slug={section!r}, defaults={{"name": {section!r}}})
story = Story.objects.create(
    title={headline!r}, headline={headline!r}, section={section},
    dek="What happened, in a sentence.", body="<p>What happened, in full.</p>",
)
story.publish()
"""
EDIT = """
from stories.models import Story
story = Story.objects.get(headline={headline!r})
story.headline = {new!r}
story.save()
"""
# What readers see a new story on: the home page, its section's front and the feed.
LISTINGS = ["/", "/city/", "/feeds/latest.rss"]


@pytest.fixture(params=CACHE_BACKENDS)
def site(request, tmp_path, cdn):
    purge_url, purges = cdn
    env = environment(tmp_path, request.param, purge_url)
    for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    shell(env, PUBLISH.format(headline="Harbour reopens after storm", section="city"))
    shell(env, PUBLISH.format(headline="Orchestra tours the coast", section="arts"))
    run_worker(env)  # the purges of publishing them
    purges.clear()
    with gunicorn(env) as base:
        yield base, env, purges


def story_path(base, headline):
    page = fetch(base, "/city/")[0] if "Harbour" in headline else fetch(base, "/arts/")[0]
    slug = headline.lower().replace(" ", "-")
    assert f"/stories/{slug}/" in page
    return f"/stories/{slug}/"


def test_a_story_published_by_another_process_shows_on_every_worker_at_once(site):
    base, env, _ = site
    before = [fetch(base, path) for path in LISTINGS for _ in range(WORKERS * 5)]
    assert all("Harbour reopens after storm" in page for page, _, _ in before)
    assert sum(cache == "hit" for _, cache, _ in before) >= WORKERS  # the workers have them

    shell(env, PUBLISH.format(headline="Ferry service resumes", section="city"))

    # The very next request of each page, whichever worker answers it, shows the story.
    after = [(path, fetch(base, path)[0]) for path in LISTINGS for _ in range(WORKERS * 5)]
    assert [path for path, page in after if "Ferry service resumes" not in page] == []


def test_an_edit_drops_only_the_pages_showing_the_story_in_every_worker(site):
    base, env, purges = site
    harbour = story_path(base, "Harbour reopens after storm")
    orchestra = story_path(base, "Orchestra tours the coast")
    pages = [harbour, orchestra, "/arts/", *LISTINGS]
    for path in pages:
        fetch(base, path)  # made and cached
    keys = {path: set(fetch(base, path)[2]["Surrogate-Key"].split()) for path in pages}
    assert all(fetch(base, path)[1] == "hit" for path in pages for _ in range(WORKERS))

    shell(env, EDIT.format(headline="Harbour reopens after storm", new="Port open again"))

    answers = {path: [fetch(base, path) for _ in range(WORKERS * 3)] for path in pages}
    # Unrelated pages: still cached in every worker.
    for path in (orchestra, "/arts/"):
        assert {cache for _, cache, _ in answers[path]} == {"hit"}, path
    # The story and every page that lists it: made again at once, by whichever worker.
    for path in (harbour, *LISTINGS):
        assert answers[path][0][1] == "miss", path
        assert all("Port open again" in page for page, _, _ in answers[path]), path
    # The CDN was told, by the task worker, exactly the keys of the pages that were dropped.
    run_worker(env)
    deadline = time.monotonic() + 5
    while not purges and time.monotonic() < deadline:
        time.sleep(0.05)
    [purged] = purges
    dropped = {path for path, shown in keys.items() if shown & purged}
    assert dropped == {harbour, *LISTINGS}
