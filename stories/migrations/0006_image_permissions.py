"""The roles' permissions on images, which came after the roles: editors manage the image
library, reporters add images and pick them as their stories' lead images."""

from importlib import import_module

from django.db import migrations

workflow = import_module("stories.migrations.0004_workflow")

IMAGE_GRANTS = {
    "Reporter": {("stories", "image"): ["add", "view"]},
    "Editor": {("stories", "image"): ["add", "change", "delete", "view"]},
}


def grant_image_permissions(apps, schema_editor):
    workflow.create_permissions_now(apps)
    workflow.grant(apps, IMAGE_GRANTS)


class Migration(migrations.Migration):
    dependencies = [("stories", "0005_images")]

    operations = [migrations.RunPython(grant_image_permissions, migrations.RunPython.noop)]
