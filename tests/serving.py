"""The site served as `make serve` serves it, by gunicorn on a free loopback port, for
tests that need separate processes: worker processes, a database going away."""

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env):
    """The base URL of gunicorn serving the site with `env`, stopped afterwards."""
    port = free_port()
    # An embedded page cache of its own, unless the test gives one: var/cache is shared
    # with `make serve` and other runs, whose pages are of other databases.
    env = {"NEWSROOM_CACHE_DIR": tempfile.mkdtemp(prefix="newsroom-test-cache-"), **env}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "newsroom/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "newsroom.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: fetch(base + "/healthz")[0] is not None)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def fetch(url):
    """(status, body, headers) of GET `url`; (None, "", {}) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)
    except OSError:
        return None, "", {}


def wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"still not true after {seconds} s")
