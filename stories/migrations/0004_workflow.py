"""The editorial workflow: story permissions and edit version, corrections, share links,
presence, and the Reporter and Editor groups with the permissions their roles need."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import stories.models.workflow

# (app label, model, actions) each group is given; "stories.story" custom permissions are
# named in full. What the roles may do with these is decided in Story.can().
REPORTER = {
    ("stories", "story"): ["add", "change", "view"],
    ("stories", "citation"): ["add", "change", "delete", "view"],
    ("stories", "mention"): ["add", "change", "delete", "view"],
    ("stories", "statuschange"): ["view"],
    ("stories", "correction"): ["view"],
    ("stories", "section"): ["view"],
    ("stories", "entity"): ["view"],
    ("stories", "source"): ["view"],
    ("stories", "publisher"): ["view"],
}
EDITOR = {
    ("stories", "story"): [
        "add", "change", "delete", "view",
        "edit_any", "approve", "publish", "withdraw",
    ],
    ("stories", "citation"): ["add", "change", "delete", "view"],
    ("stories", "mention"): ["add", "change", "delete", "view"],
    ("stories", "statuschange"): ["view"],
    ("stories", "correction"): ["add", "view"],
    ("stories", "sharelink"): ["add", "change", "view"],
    ("stories", "section"): ["add", "change", "delete", "view"],
    ("stories", "entity"): ["add", "change", "delete", "view"],
    ("stories", "source"): ["add", "change", "delete", "view"],
    ("stories", "publisher"): ["add", "change", "delete", "view"],
    ("taggit", "tag"): ["add", "change", "delete", "view"],
    # To pick a story's authors with the autocomplete.
    ("auth", "user"): ["view"],
}  # fmt: skip


def create_groups(apps, schema_editor):
    create_permissions_now(apps)
    grant(apps, {"Reporter": REPORTER, "Editor": EDITOR})


def create_permissions_now(apps):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after the last migration; the groups need them now.
    # (create_permissions skips apps without a models module, which the migration
    # state's app configs are; the original value is put back, whichever it was.)
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module


def grant(apps, grants_by_group):
    """Gives each group (made if need be) the permissions named for it."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in grants_by_group.items():
        group, _ = Group.objects.get_or_create(name=name)
        for (app_label, model), actions in grants.items():
            codenames = [f"{action}_{model}" for action in actions]
            permissions = Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
            missing = set(codenames) - set(permissions.values_list("codename", flat=True))
            if missing:
                raise RuntimeError(f"No such permissions for the {name} group: {sorted(missing)}")
            group.permissions.add(*permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Reporter", "Editor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0003_search"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="story",
            options={
                "get_latest_by": "published_at",
                "ordering": ["-published_at", "-created_at"],
                "permissions": [
                    (
                        "edit_any_story",
                        "Can edit any story, whoever wrote it and whatever its status",
                    ),
                    ("approve_story", "Can approve stories in review or send them back"),
                    ("publish_story", "Can publish, schedule and unschedule stories"),
                    ("withdraw_story", "Can withdraw published stories and reopen them"),
                ],
                "verbose_name_plural": "stories",
            },
        ),
        migrations.AddField(
            model_name="story",
            name="version",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.CreateModel(
            name="Correction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("correction", "Correction"), ("update", "Update")], default="correction", max_length=20)),
                ("text", models.TextField(help_text="Plain text, shown to readers under the story.")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="time")),
                ("by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("story", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="corrections", to="stories.story")),
            ],
            options={"ordering": ["at", "pk"]},
        ),
        migrations.CreateModel(
            name="ShareLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(default=stories.models.workflow.new_share_key, editable=False, max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("revoked_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("story", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="share_links", to="stories.story")),
            ],
            options={"ordering": ["-created_at", "-pk"]},
        ),
        migrations.CreateModel(
            name="Presence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seen_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("story", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="presences", to="stories.story")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("story", "user"), name="presence_unique_user")],
            },
        ),
        migrations.RunPython(create_groups, remove_groups),
    ]  # fmt: skip
