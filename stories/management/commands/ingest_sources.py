from django.core.management import BaseCommand, CommandError
from django.db import transaction

from stories.ingest import FeedError, read_feed
from stories.models import Publisher, Source


class Command(BaseCommand):
    help = (
        "Reads RSS and Atom feeds (file paths or http(s) URLs) into Sources, skipping "
        "articles already known by their canonical URL; new sources wait in the sources "
        "inbox of the admin. Prints FEED: what was added for each feed; reports each feed "
        "that cannot be read as FEED: why, imports nothing from it, goes on with the rest "
        "and exits with 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("feeds", nargs="+", metavar="FEED", help="A file or an http(s) URL.")

    def handle(self, *, feeds, **options):
        if reconfigure := getattr(self.stdout, "reconfigure", None):
            reconfigure(encoding="utf-8")
        publisher_limit = Publisher._meta.get_field("name").max_length
        failed = 0
        for location in feeds:
            try:
                feed = read_feed(location)
            except FeedError as exc:
                self.stderr.write(f"{location}: {exc}")
                failed += 1
                continue
            with transaction.atomic():
                added, known = Source.objects.add_new(
                    feed.items, publisher_name=feed.title[:publisher_limit]
                )
            for reason in feed.skipped:
                self.stderr.write(f"{location}: skipped {reason}")
            self.stdout.write(
                f"{location}: {len(added)} new source{'' if len(added) == 1 else 's'}, "
                f"{known} already known"
                + (f", {len(feed.skipped)} skipped" if feed.skipped else "")
            )
        if failed:
            raise CommandError(f"{failed} of {len(feeds)} feeds could not be read.", returncode=1)
