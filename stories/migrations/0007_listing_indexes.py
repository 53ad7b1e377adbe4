# Indexes for reading listings at scale: each listing's head is read off an index in its
# order instead of sorting every matching story.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('stories', '0006_image_permissions'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='story',
            name='stories_sto_status_386c74_idx',
        ),
        migrations.AddIndex(
            model_name='mention',
            index=models.Index(fields=['entity', 'story'], name='mention_entity_story_idx'),
        ),
        migrations.AddIndex(
            model_name='story',
            index=models.Index(fields=['status', 'published_at', 'created_at', 'id'], name='story_listing_idx'),
        ),
        migrations.AddIndex(
            model_name='story',
            index=models.Index(fields=['section', 'status', 'published_at', 'created_at', 'id'], name='story_section_listing_idx'),
        ),
        migrations.AddIndex(
            model_name='story',
            index=models.Index(fields=['status', 'updated_at', 'published_at'], name='story_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='story',
            index=models.Index(fields=['-published_at', '-created_at', '-id'], name='story_newest_first'),
        ),
        migrations.AddIndex(
            model_name='story',
            index=models.Index(fields=['id', 'status', 'published_at', 'created_at'], name='story_state_idx'),
        ),
        # A tag's stories, newest first, for related stories. taggit's own table has
        # no index leading with the tag that also holds the story, so it is added here.
        migrations.RunSQL(
            "CREATE INDEX stories_taggeditem_tag_object_idx "
            "ON taggit_taggeditem (tag_id, content_type_id, object_id)",
            "DROP INDEX stories_taggeditem_tag_object_idx",
        ),
    ]
