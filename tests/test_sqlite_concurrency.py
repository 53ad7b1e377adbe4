"""Two processes saving stories at once on SQLite: no "database is locked", no save lost.

Each process, for the same stretch of time, creates stories (with citations and tags,
indexed for search) and saves one shared story by reading it, changing it and writing it
back, as an editor's save does. Afterwards every story each process created is there,
and the shared story carries every change from both, its version counting every save.

The suite runs it for a few seconds; `make loadtest` for 30 (SQLITE_CONCURRENCY_SECONDS).
Run as `python -m tests.test_sqlite_concurrency ...`, this module is the saving process.
"""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("SQLITE_CONCURRENCY_SECONDS") or 3)
PROCESSES = 2


def environment(database):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return {**clean, "DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{database}"}


def manage_process(database, *args, timeout):
    return subprocess.run(
        [sys.executable, "-m", "tests.test_sqlite_concurrency", str(database), *args],
        cwd=ROOT,
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_worker(database, name, shared_pk, deadline):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.test_sqlite_concurrency", str(database),
         "work", name, str(shared_pk), str(deadline)],
        cwd=ROOT, env=environment(database), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def empty_database(path):
    """A fresh file with the project's schema, migrated in a process of its own.

    Not a copy of the test database: an online backup of it waits, without end, for
    any connection another test's live server thread may still hold.
    """
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=environment(path),
        check=True,
        timeout=300,
    )
    return path


def test_two_processes_saving_at_once_lose_nothing(tmp_path):
    database = empty_database(tmp_path / "newsroom.sqlite3")
    setup = manage_process(database, "setup", timeout=120)
    assert setup.returncode == 0, setup.stderr
    shared = json.loads(setup.stdout)

    deadline = time.time() + 3 + SECONDS  # both start saving at the same moment
    workers = [start_worker(database, f"w{n}", shared["pk"], deadline) for n in range(PROCESSES)]
    reports = []
    for worker in workers:
        try:
            out, err = worker.communicate(timeout=SECONDS + 120)
        finally:
            worker.kill()
        assert worker.returncode == 0, err
        reports.append(json.loads(out))

    for report in reports:
        assert report["locked"] == 0, report
        assert report["errors"] == [], report
        assert report["created"] and report["updates"], report
    with sqlite3.connect(database) as db:
        for report in reports:
            (created,) = db.execute(
                "SELECT count(*) FROM stories_story WHERE headline LIKE ?",
                [f"{report['name']} story %"],
            ).fetchone()
            assert created == len(report["created"])
            (citations,) = db.execute(
                "SELECT count(*) FROM stories_citation c JOIN stories_story s "
                "ON s.id = c.story_id WHERE s.headline LIKE ?",
                [f"{report['name']} story %"],
            ).fetchone()
            assert citations == len(report["created"])
        dek, version = db.execute(
            "SELECT dek, version FROM stories_story WHERE id = ?", [shared["pk"]]
        ).fetchone()
    saved_marks = dek.split()
    expected_marks = [mark for report in reports for mark in report["updates"]]
    assert sorted(saved_marks) == sorted(expected_marks)  # every change, none twice
    assert version == shared["version"] + len(expected_marks)
    # Each process saw its own changes in order: nothing was written over.
    for report in reports:
        own = [mark for mark in saved_marks if mark.startswith(f"{report['name']}-")]
        assert own == report["updates"]


# ---- the saving processes ------------------------------------------------------------


def setup_shared_story():
    from stories.models import Section, Story

    section = Section.objects.create(name="World", slug="world")
    story = Story.objects.create(title="Shared", headline="Shared story", section=section)
    print(json.dumps({"pk": story.pk, "version": story.version}))


def work(name, shared_pk, deadline):
    """Saves until `deadline`: a new story, then the shared one, and so on."""
    from django.db import OperationalError, transaction

    from stories import richtext
    from stories.models import Citation, Section, Story

    section = Section.objects.get(slug="world")
    report = {"name": name, "created": [], "updates": [], "locked": 0, "errors": []}
    while time.time() < deadline - SECONDS:
        time.sleep(0.01)
    n = 0
    while time.time() < deadline:
        n += 1
        try:
            with transaction.atomic():
                story = Story.objects.create(
                    title=f"{name} story {n}",
                    headline=f"{name} story {n}",
                    section=section,
                    body=richtext.blocks_to_html([richtext.Block("p", f"Body {n} of {name}.")]),
                )
                Citation.objects.create(
                    story=story, title=f"Source {n}", url=f"https://example.org/{name}/{n}"
                )
                story.tags.add(name, "shared")
            report["created"].append(story.pk)
            mark = f"{name}-{n}"
            with transaction.atomic():
                shared = Story.objects.get(pk=shared_pk)
                shared.dek = f"{shared.dek} {mark}".strip()
                shared.save()
            report["updates"].append(mark)
        except OperationalError as error:
            if "locked" in str(error):
                report["locked"] += 1
            else:
                report["errors"].append(repr(error))
        except Exception as error:
            report["errors"].append(repr(error))
    print(json.dumps(report))


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    django.setup()
    command = sys.argv[2]
    if command == "setup":
        setup_shared_story()
    elif command == "work":
        work(sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        raise SystemExit(f"unknown command {command!r}")
