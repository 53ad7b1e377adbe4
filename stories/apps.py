from django.apps import AppConfig
from django.db.models.signals import post_migrate

# Below this many stories SQLite's own guesses serve well, and statistics taken of a
# small or empty database would mislead its planner once the newsroom has grown.
ANALYZE_FROM_STORIES = 10_000


def analyze_sqlite(using, **kwargs):
    """Refreshes SQLite's table statistics, which it (unlike PostgreSQL) never gathers itself.

    At scale its planner needs them: without, an entity's page read every published
    story's index entry instead of the entity's few mentions. ANALYZE reads only the
    indexes: well under a second for 100,000 stories.
    """
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM stories_story")
        if cursor.fetchone()[0] >= ANALYZE_FROM_STORIES:
            cursor.execute("ANALYZE")


class StoriesConfig(AppConfig):
    name = "stories"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # After every migrate: `make run` and `make serve` migrate before serving.
        post_migrate.connect(analyze_sqlite, sender=self)
        from newsroom import security
        from stories import tagging

        tagging.connect()
        security.connect_signals()
