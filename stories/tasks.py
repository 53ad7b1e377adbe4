"""Scheduled work for the task worker: reading the newsroom's feeds every few minutes.

The worker is django-tasks-db's (`manage.py run_worker`, which `make run` and `make
serve` start beside the web server). Notification mail and CDN purges are queued where
they happen (models/workflow.py, page_cache.py); the feed ingest is queued here, each
run queueing the next NEWSROOM_INGEST_EVERY_MINUTES later, so that it goes on with no
cron and survives restarts: the next run waits in the database.
"""

import io
import logging
from datetime import timedelta

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


@task()
def ingest_feeds():
    """Reads NEWSROOM_INGEST_FEEDS into the sources inbox, then queues the next run.

    What ingest_sources says of each feed is logged and kept as the task's result; a
    feed that cannot be read is reported and does not stop the others or the schedule.
    """
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest_sources", *settings.NEWSROOM_INGEST_FEEDS, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(f"{exc}\n")
    finally:
        schedule_ingest(after=timedelta(minutes=settings.NEWSROOM_INGEST_EVERY_MINUTES))
    for line in out.getvalue().splitlines():
        logger.info("ingest: %s", line)
    for line in err.getvalue().splitlines():
        logger.warning("ingest: %s", line)
    return {"stdout": out.getvalue(), "stderr": err.getvalue()}


def schedule_ingest(*, after=timedelta(0)):
    """Queues ingest_feeds to run `after` from now, unless a run is already waiting.

    Only with feeds to read, and on the database backend, whose queue can be looked
    into (another backend brings its own scheduler). Two workers starting at once may
    both queue one; the second run then finds the next waiting and queues none.
    """
    if not settings.NEWSROOM_INGEST_FEEDS:
        return None
    if not isinstance(ingest_feeds.get_backend(), DatabaseBackend):
        return None
    waiting = DBTaskResult.objects.filter(
        task_path=ingest_feeds.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return None
    return ingest_feeds.using(run_after=timezone.now() + after).enqueue()


@task()
def publish_due_changes():
    """Publishes the changes to live stories whose scheduled time has come (queued by
    "Save and schedule changes" for its time; `manage.py publish_due_changes` does the
    same from cron where another task backend is used)."""
    from stories.models import WorkingCopy

    return [story.pk for story in WorkingCopy.publish_due()]


def schedule_changes(when):
    """Queues publish_due_changes to run at `when`, once the current transaction commits."""
    transaction.on_commit(lambda: publish_due_changes.using(run_after=when).enqueue())
