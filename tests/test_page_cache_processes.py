"""Served by several gunicorn workers with the default local-memory cache, no worker
keeps showing a page from before a change that another process saved.

Each worker caches pages in its own memory; the change is made by a separate process
(as an editor's save is handled by whichever worker gets it), and every worker must
show it on its very next request.
"""

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.serving import gunicorn

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3


def environment(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return {
        **{k: v for k, v in env.items() if k not in ("REDIS_URL", "NEWSROOM_PAGE_CACHE")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "processes-test-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "NEWSROOM_PAGE_CACHE": "1",
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": "1",
    }


def shell(env, code):
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True
    )


def fetch(base, path="/"):
    # A new connection each time, so that the requests spread over the workers.
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return response.read().decode(), response.headers["X-Cache"]


PUBLISH = """
from stories.models import Section, Story
city, _ = Section.objects.get_or_create(slug="city", defaults={{"name": "City"}})
story = Story.objects.create(
    title={headline!r}, headline={headline!r}, section=city,
    dek="Just published.", body="<p>Seen at once.</p>",
)
story.publish()
"""
# What readers see a new story on: the home page, its section's front and the feed.
PAGES = ["/", "/city/", "/feeds/latest.rss"]


@pytest.fixture
def site(tmp_path):
    env = environment(tmp_path)
    for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    shell(env, PUBLISH.format(headline="Harbour reopens after storm"))
    with gunicorn(env) as base:
        yield base, env


def test_a_story_published_by_another_process_shows_on_every_worker_at_once(site):
    base, env = site
    before = [fetch(base, path) for path in PAGES for _ in range(WORKERS * 5)]
    assert all("Harbour reopens after storm" in page for page, _ in before)
    assert sum(cache == "hit" for _, cache in before) >= WORKERS  # the workers have them cached

    shell(env, PUBLISH.format(headline="Ferry service resumes"))

    # The very next request of each page, whichever worker answers it, shows the story.
    after = [(path, fetch(base, path)[0]) for path in PAGES for _ in range(WORKERS * 5)]
    assert [path for path, page in after if "Ferry service resumes" not in page] == []
