"""What the bench commands share: settings from the environment, the servers they start
and stop, the bench databases they make, and reading wrk's output.

`bench`, `bench_search` and `loadtest` each drive subprocesses (manage.py commands,
gunicorn, wrk) against databases of their own; the pieces below are the same for all.
"""

import contextlib
import ctypes
import os
import re
import signal
import socket
import sqlite3
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from django.core.management import CommandError

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def env_number(name, default, kind=int):
    """The number in environment variable `name` (more than 0), or `default` if unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        raise CommandError(f"{name}={value!r} is not a number.") from None
    if number <= 0:
        raise CommandError(f"{name}={value!r} must be more than 0.")
    return number


def server_environment(database_url, *, drop, secret_key, static_root, page_cache, key_prefix,
                       allowed_hosts="127.0.0.1"):  # fmt: skip
    """This process's environment for a server started as by `make serve`, on loopback.

    Variables starting with one of `drop` are the harness's to decide, not the caller's;
    everything else (WEB_CONCURRENCY, GUNICORN_THREADS...) reaches the server as it is.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_ALLOWED_HOSTS=allowed_hosts,
        # Plain HTTP on loopback: no HTTPS redirect (production redirects to HTTPS).
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(static_root),
        DATABASE_URL=database_url,
        NEWSROOM_PAGE_CACHE="1" if page_cache else "0",
        # Never share cached pages with a production Redis that REDIS_URL may name...
        CACHE_KEY_PREFIX=key_prefix,
        # ...nor with `make serve` or another run in the embedded cache: one of its own.
        NEWSROOM_CACHE_DIR=tempfile.mkdtemp(prefix="newsroom-bench-cache-"),
        PYTHONUNBUFFERED="1",
    )
    return env


# ---- Processes -------------------------------------------------------------------


def die_with_parent():
    """Run in a server's process before it starts: it gets SIGTERM if the harness dies,
    even of a SIGKILL that leaves no `finally` to run (gunicorn's workers follow their
    master)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_process_group(process, *, timeout=25):
    """Stops `process`, started in a session of its own, and its process group: TERM,
    then KILL if it lingers, then KILL to whatever it left behind (workers of a master
    that died)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url, *, timeout=60):
    """(status, X-Cache header) of a GET of `url`; (None, None) if it fails."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status, response.headers.get("X-Cache")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("X-Cache")
    except OSError:
        return None, None


# ---- Bench databases ---------------------------------------------------------------


def sqlite_path(url):
    return Path(url.removeprefix("sqlite:///"))


def remove_sqlite(path):
    """A SQLite database file and its write-ahead log, so that it starts again empty."""
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)


def postgres_problem(server):
    """None if the PostgreSQL server at `server` answers, otherwise why not."""
    try:
        import psycopg

        with psycopg.connect(f"{server}/postgres", connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means: no PostgreSQL here
        return f"PostgreSQL at {server} did not answer ({exc})".strip()


def recreate_postgres(server, name):
    """Drops and creates database `name`: only ever a harness's own database."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def row_counts(url, *tables):
    """Rows in each of `tables` of the database at `url`, or None if it is not usable."""
    queries = [f"SELECT count(*) FROM {table}" for table in tables]
    with contextlib.suppress(Exception):
        if url.startswith("sqlite:///"):
            if not sqlite_path(url).exists():
                return None
            with contextlib.closing(sqlite3.connect(sqlite_path(url))) as db:
                return tuple(db.execute(sql).fetchone()[0] for sql in queries)
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as db:
            return tuple(db.execute(sql).fetchone()[0] for sql in queries)
    return None


# ---- wrk ---------------------------------------------------------------------------

_DURATION = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def duration_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match[1]) * _DURATION[match[2]] if match else None


def parse_wrk(output):
    """Requests per second, latency percentiles (ms) and errors from `wrk --latency`."""
    result = {"latency_ms": {}, "socket_errors": {}, "non_2xx_3xx": 0}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result["requests_per_second"] = float(match[1])
    if match := re.search(r"(\d+) requests in ([\d.]+\w+)", output):
        result["requests"] = int(match[1])
    for percent, value in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", output, re.MULTILINE):
        result["latency_ms"][f"p{percent}"] = round(duration_ms(value), 3)
    if match := re.search(r"Latency\s+([\d.]+\w+)", output):
        result["latency_ms"]["mean"] = round(duration_ms(match[1]), 3)
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        result["socket_errors"] = dict(
            zip(("connect", "read", "write", "timeout"), map(int, match.groups()), strict=True)
        )
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["non_2xx_3xx"] = int(match[1])
    return result
