"""With the database down, readers get a friendly 503 (or a cached copy), and the site
comes back by itself when the database does.

Runs against a throwaway PostgreSQL server that the test creates, starts and stops
itself on a free port, never the machine's shared one.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.serving import fetch, free_port, gunicorn, wait_for

ROOT = Path(__file__).resolve().parent.parent
DEMO_STORY = ROOT / "stories" / "demo" / "wetland-bird-count.txt"


def postgres_bin():
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def as_postgres(*command):
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, *map(str, command)], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")


class ThrowawayPostgres:
    def __init__(self, folder):
        self.bin = postgres_bin()
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
        as_postgres(self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust")

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}"
        # With a log file the server does not hold on to our output pipes.
        as_postgres(
            self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "start"
        )

    def stop(self):
        as_postgres(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")


@pytest.fixture(scope="module")
def database():
    if postgres_bin() is None:
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser to start PostgreSQL as postgres")
    # Not under pytest's own temporary folder: the server runs as the postgres user,
    # who may not enter root's private folders.
    folder = Path(tempfile.mkdtemp(prefix="newsroom-outage-"))
    folder.chmod(0o755)
    server = ThrowawayPostgres(folder)
    server.start()
    yield server
    with contextlib.suppress(RuntimeError):  # already stopped by a failing test
        server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def site_environment(database, tmp_path, *, page_cache):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return {
        **env,
        "DATABASE_URL": database.url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "outage-test-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: no HTTPS redirect (production redirects to HTTPS).
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "NEWSROOM_PAGE_CACHE": "1" if page_cache else "0",
        "WEB_CONCURRENCY": "1",
    }


@pytest.fixture
def site(database, tmp_path, request):
    env = site_environment(database, tmp_path, page_cache=request.param)
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True)
    # Published stories are filed in a section (the pre-publication checklist); the
    # throwaway database serves both runs, with and without the page cache.
    subprocess.run(
        [*manage, "shell", "-c", "from stories.models import Section; "
         "Section.objects.get_or_create(slug='news', parent=None, defaults={'name': 'News'})"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    imported = subprocess.run(
        [*manage, "import_stories", str(DEMO_STORY), "--publish", "--section", "news"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    slug = imported.stdout.split("\t")[1].strip()
    with gunicorn(env) as base:
        yield base, f"/stories/{slug}/"


@pytest.mark.parametrize("site", [False], indirect=True)
def test_readers_get_a_friendly_503_and_the_site_recovers_by_itself(site, database):
    base, story = site
    assert fetch(base + story)[0] == 200
    database.stop()
    try:
        for path in ("/", story, "/world/"):
            status, body, headers = fetch(base + path)
            assert status == 503, path
            assert "We will be back in a moment" in body
            assert "Traceback" not in body and "OperationalError" not in body
            assert headers["Retry-After"] == "30"
        status, body, _ = fetch(base + "/healthz")
        assert status == 503
        assert "unreachable" in body
    finally:
        database.start()
    wait_for(lambda: fetch(base + story)[0] == 200)
    assert fetch(base + "/")[0] == 200


@pytest.mark.parametrize("site", [True], indirect=True)
def test_cached_pages_are_still_served_while_the_database_is_down(site, database):
    base, story = site
    assert fetch(base + story)[0] == 200  # now in the page cache
    database.stop()
    try:
        status, body, headers = fetch(base + story)
        assert status == 200
        assert headers.get("X-Cache") == "hit"
        assert "Bittern" in body or "bittern" in body
    finally:
        database.start()
