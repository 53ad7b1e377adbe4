from django_tasks_db.management.commands import db_worker

from stories.tasks import schedule_ingest


class Command(db_worker.Command):
    help = (
        "Runs the background task worker (django-tasks-db's db_worker, with its options): "
        "notification mail, CDN purges, and the feed ingest every "
        "NEWSROOM_INGEST_EVERY_MINUTES, which it queues now if no run is waiting."
    )

    def handle(self, *args, **options):
        schedule_ingest()
        super().handle(*args, **options)
