"""Work that can fail slowly runs in the task worker, never in an editor's request.

Notification mail and CDN purges are queued when a change commits and done by the
worker (`manage.py run_worker`, django-tasks-db); the feed ingest queues itself every
NEWSROOM_INGEST_EVERY_MINUTES, and `make serve` alone keeps it going.
"""

import os
import signal
import sqlite3
import subprocess
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from smtplib import SMTPServerDisconnected
from threading import Event, Thread

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from stories.models import Source, Story
from stories.models.workflow import send_status_notice
from stories.page_cache import purge_cdn
from stories.tasks import ingest_feeds
from tests.serving import ROOT, free_port, wait_for
from tests.test_ingest import RSS

pytestmark = pytest.mark.django_db

S = Story.Status


class SlowMailBackend(BaseEmailBackend):
    """A mail server that takes ten seconds to answer."""

    calls = []

    def send_messages(self, messages):
        SlowMailBackend.calls.append(len(messages))
        time.sleep(10)
        return len(messages)


class BrokenMailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise SMTPServerDisconnected("the mail server hung up")


@pytest.fixture
def newsroom(make_story):
    users = get_user_model().objects
    reporter = users.create_user(
        "reporter", email="rita@example.com", first_name="Rita", is_staff=True
    )
    reporter.groups.add(Group.objects.get(name="Reporter"))
    editor = users.create_superuser("editor", email="edna@example.com", first_name="Edna")
    story = make_story("Zeppelin flights return")
    story.authors.add(reporter)
    return {"reporter": reporter, "editor": editor, "story": story}


def notices():
    return DBTaskResult.objects.filter(task_path=send_status_notice.module_path)


def test_a_mail_server_taking_ten_seconds_does_not_delay_a_status_change(
    newsroom, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.SlowMailBackend"
    SlowMailBackend.calls.clear()
    story = newsroom["story"]

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        story.change_status(S.IN_REVIEW, by=newsroom["reporter"])
    took = time.monotonic() - started

    assert took < 10, f"the status change took {took:.1f} s"
    assert SlowMailBackend.calls == []
    story.refresh_from_db()
    assert story.status == S.IN_REVIEW
    [notice] = notices()
    assert notice.status == TaskResultStatus.READY


def test_a_failing_mail_server_does_not_fail_a_status_change_and_the_failure_is_recorded(
    newsroom, settings, django_capture_on_commit_callbacks, run_tasks
):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMailBackend"
    story = newsroom["story"]

    with django_capture_on_commit_callbacks(execute=True):
        change = story.change_status(S.IN_REVIEW, by=newsroom["reporter"])
    run_tasks()

    story.refresh_from_db()
    assert story.status == S.IN_REVIEW
    assert list(story.status_changes.all()) == [change]
    [notice] = notices()
    assert notice.status == TaskResultStatus.FAILED
    assert notice.exception_class_path == "smtplib.SMTPServerDisconnected"
    assert "the mail server hung up" in notice.traceback


def test_a_notice_is_mailed_once_the_worker_runs(
    newsroom, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        newsroom["story"].change_status(S.IN_REVIEW, by=newsroom["reporter"])
    assert mail.outbox == []

    run_tasks()

    [message] = mail.outbox
    assert message.to == ["edna@example.com"]
    [notice] = notices()
    assert (notice.status, notice.return_value) == (TaskResultStatus.SUCCESSFUL, 1)


def test_a_change_rolled_back_queues_no_notice(newsroom):
    # Outside django_capture_on_commit_callbacks nothing commits: as a rolled-back save.
    newsroom["story"].change_status(S.IN_REVIEW, by=newsroom["reporter"])
    assert not notices().exists()


class HangingCDN(BaseHTTPRequestHandler):
    """A CDN that takes every PURGE and never answers."""

    received = []
    release = Event()

    def do_PURGE(self):
        HangingCDN.received.append(self.headers["Surrogate-Key"])
        HangingCDN.release.wait(30)

    def log_message(self, *args):
        pass


def test_a_cdn_that_never_answers_does_not_delay_a_save(
    settings, make_story, django_capture_on_commit_callbacks, run_tasks
):
    server = ThreadingHTTPServer(("127.0.0.1", 0), HangingCDN)
    Thread(target=server.serve_forever, daemon=True).start()
    HangingCDN.received.clear()
    HangingCDN.release.clear()
    settings.NEWSROOM_PURGE_BACKEND = "stories.page_cache.HttpPurge"
    settings.NEWSROOM_PURGE_URL = f"http://127.0.0.1:{server.server_port}/"
    try:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            story = make_story("Purged", published=True)
        took = time.monotonic() - started

        assert took < 5, f"the save took {took:.1f} s"
        assert HangingCDN.received == []
        purges = DBTaskResult.objects.filter(task_path=purge_cdn.module_path)
        assert purges.count() >= 1
        assert all(f"story-{story.pk}" in p.args_kwargs["args"][0] for p in purges)
    finally:
        HangingCDN.release.set()
        server.shutdown()
        server.server_close()


def test_no_purge_is_queued_without_a_cdn(make_story, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_story("Not purged", published=True)
    assert not DBTaskResult.objects.filter(task_path=purge_cdn.module_path).exists()


@pytest.fixture
def feed_file(tmp_path):
    path = tmp_path / "maritime.rss"
    path.write_text(RSS, encoding="utf-8")
    return path


def ingest_runs():
    return DBTaskResult.objects.filter(task_path=ingest_feeds.module_path)


def test_the_worker_reads_the_feeds_at_once_and_queues_the_next_read(
    settings, feed_file, run_tasks
):
    settings.NEWSROOM_INGEST_FEEDS = [str(feed_file)]
    settings.NEWSROOM_INGEST_EVERY_MINUTES = 20

    run_tasks()

    assert Source.objects.count() == 2
    done, waiting = ingest_runs().order_by("enqueued_at")
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert "2 new sources" in done.return_value["stdout"]
    assert waiting.status == TaskResultStatus.READY
    expected = timezone.now() + timedelta(minutes=20)
    assert abs(waiting.run_after - expected) < timedelta(minutes=1)


def test_a_restarted_worker_keeps_the_one_waiting_read(settings, feed_file, run_tasks):
    settings.NEWSROOM_INGEST_FEEDS = [str(feed_file)]
    run_tasks()
    run_tasks()
    assert ingest_runs().filter(status=TaskResultStatus.READY).count() == 1
    assert ingest_runs().filter(status=TaskResultStatus.SUCCESSFUL).count() == 1


def test_a_feed_that_cannot_be_read_is_recorded_and_the_schedule_goes_on(
    settings, tmp_path, run_tasks
):
    settings.NEWSROOM_INGEST_FEEDS = [str(tmp_path / "missing.rss")]

    run_tasks()

    done = ingest_runs().get(status=TaskResultStatus.SUCCESSFUL)
    assert "missing.rss: no such file" in done.return_value["stderr"]
    assert ingest_runs().filter(status=TaskResultStatus.READY).count() == 1


def test_without_feeds_nothing_is_scheduled(settings, run_tasks):
    settings.NEWSROOM_INGEST_FEEDS = []
    run_tasks()
    assert not ingest_runs().exists()


@pytest.mark.django_db(transaction=True)
def test_make_serve_alone_reads_the_feeds_on_schedule(tmp_path, feed_file):
    """`make serve` on a database of its own: its worker reads the feed with no one asking."""
    database = tmp_path / "serve.sqlite3"
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSROOM_"))},
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_SECRET_KEY": "a key for this test only, long enough to pass the checks",
        "NEWSROOM_INGEST_FEEDS": str(feed_file),
        "NEWSROOM_INGEST_EVERY_MINUTES": "5",
        "PORT": str(port),
    }
    serve = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_for(lambda: sources_in(database) == 2 or serve.poll() is not None, seconds=120)
        assert serve.poll() is None, serve.stderr.read().decode()[-2000:]
        with sqlite3.connect(database) as db:
            [(waiting, run_after)] = db.execute(
                "SELECT count(*), min(run_after) FROM django_tasks_database_dbtaskresult "
                "WHERE task_path = ? AND status = 'READY'",
                [ingest_feeds.module_path],
            ).fetchall()
        assert waiting == 1
        assert run_after > timezone.now().strftime("%Y-%m-%d %H:%M")
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=30)


def sources_in(database):
    try:
        with sqlite3.connect(database) as db:
            return db.execute("SELECT count(*) FROM stories_source").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # not migrated yet
