import time

from django.core.management import BaseCommand

from stories import search


class Command(BaseCommand):
    help = (
        "Indexes every story afresh for full-text search (SQLite FTS5 or PostgreSQL, "
        "whichever the database is). Saving a story keeps it indexed; run this after "
        "changing stories behind the application's back (bulk SQL, restoring a backup)."
    )

    def handle(self, **options):
        started = time.perf_counter()
        count = search.rebuild()
        seconds = time.perf_counter() - started
        self.stdout.write(f"Indexed {count} stories in {seconds:.1f} s.")
