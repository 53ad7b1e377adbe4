from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate

# Putting an account in one of these groups is what makes it a newsroom account.
NEWSROOM_GROUPS = ("Reporter", "Editor")

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


def staff_with_newsroom_groups(instance, action, pk_set, model, reverse, **kwargs):
    """An account put in the Reporter or Editor group may sign in to the admin.

    The admin lets in only staff accounts; being given a newsroom role is the decision
    that someone works here, so it also makes them staff.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    if action != "post_add" or not pk_set:
        return
    User = get_user_model()
    if reverse:  # group.user_set.add(...): instance is the group, pk_set its new users
        if instance.name in NEWSROOM_GROUPS:
            User.objects.filter(pk__in=pk_set, is_staff=False).update(is_staff=True)
    elif Group.objects.filter(pk__in=pk_set, name__in=NEWSROOM_GROUPS).exists():
        User.objects.filter(pk=instance.pk, is_staff=False).update(is_staff=True)
        instance.is_staff = True


class StoriesConfig(AppConfig):
    name = "stories"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # After every migrate: `make run` and `make serve` migrate before serving.
        post_migrate.connect(analyze_sqlite, sender=self)
        from django.contrib.auth import get_user_model

        from newsroom import security
        from stories import tagging

        tagging.connect()
        security.connect_signals()
        m2m_changed.connect(
            staff_with_newsroom_groups, sender=get_user_model().groups.through, weak=False
        )
        # Search indexing, cache purges and notifications: what follows a change.
        from stories import effects

        effects.connect()
