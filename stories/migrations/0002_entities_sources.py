import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Issue 5: publishers' domains, dismissed entity suggestions, the sources inbox."""

    dependencies = [
        ("stories", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="publisher",
            name="domain",
            field=models.CharField(
                blank=True,
                help_text="The site's domain, such as example.com: new sources on it or on its "
                "subdomains are attributed to this publisher. Taken from the homepage when left "
                "empty.",
                max_length=253,
            ),
        ),
        migrations.AddConstraint(
            model_name="publisher",
            constraint=models.UniqueConstraint(
                condition=models.Q(("domain", ""), _negated=True),
                fields=("domain",),
                name="publisher_unique_domain",
                violation_error_message="Another publisher already has this domain.",
            ),
        ),
        migrations.CreateModel(
            name="DismissedSuggestion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "entity",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dismissals",
                        to="stories.entity",
                    ),
                ),
                (
                    "story",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dismissals",
                        to="stories.story",
                    ),
                ),
            ],
            options={"ordering": ["-at", "-pk"]},
        ),
        migrations.CreateModel(
            name="SourceInbox",
            fields=[],
            options={
                "verbose_name": "source in the inbox",
                "verbose_name_plural": "sources inbox",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("stories.source",),
        ),
    ]
