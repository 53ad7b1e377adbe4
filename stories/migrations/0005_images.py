import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("stories", "0004_workflow")]

    operations = [
        migrations.CreateModel(
            name='Image',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(help_text='A JPEG, PNG, WebP or GIF image. Location and camera details are removed from the copy that is kept.', max_length=255, upload_to='images/%Y/%m/')),
                ('alt_text', models.CharField(blank=True, help_text='What the image shows, for readers who cannot see it. A story using the image cannot be published without it.', max_length=300, verbose_name='alt text')),
                ('caption', models.TextField(blank=True)),
                ('credit', models.CharField(blank=True, help_text='Who made the image, e.g. “Ana Ruiz/Reuters”.', max_length=200)),
                ('copyright_holder', models.CharField(blank=True, max_length=200)),
                ('focal_x', models.FloatField(default=0.5, help_text='From 0 (left edge) to 1 (right edge). Crops keep the focal point in view.', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)], verbose_name='focal point x')),
                ('focal_y', models.FloatField(default=0.5, help_text='From 0 (top edge) to 1 (bottom edge).', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)], verbose_name='focal point y')),
                ('width', models.PositiveIntegerField(editable=False)),
                ('height', models.PositiveIntegerField(editable=False)),
                ('renditions', models.JSONField(blank=True, default=dict, editable=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.AddField(
            model_name='story',
            name='lead_image',
            field=models.ForeignKey(blank=True, help_text='Shown at the top of the story, in listings, feeds and link previews.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='lead_stories', to='stories.image'),
        ),
    ]
