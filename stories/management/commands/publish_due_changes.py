from django.core.management import BaseCommand

from stories.models import WorkingCopy


class Command(BaseCommand):
    help = (
        "Publishes the scheduled changes to live stories whose time has come "
        "(run it every minute, e.g. from cron)."
    )

    def handle(self, **options):
        for story in WorkingCopy.publish_due():
            self.stdout.write(f"Published the changes to “{story}”.")
