"""A tag saved before stories.tagging whose name slugified to "" gets a working slug."""

from django.db import migrations


def fill_empty_tag_slugs(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    taken = set(Tag.objects.filter(slug__startswith="tag").values_list("slug", flat=True))
    for tag in Tag.objects.filter(slug=""):
        slug, n = "tag", 1
        while slug in taken:
            n += 1
            slug = f"tag-{n}"
        taken.add(slug)
        tag.slug = slug
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0010_api_tokens"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(fill_empty_tag_slugs, migrations.RunPython.noop)]
