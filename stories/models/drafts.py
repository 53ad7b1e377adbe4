"""Working copies: changes to a live story, kept apart until someone publishes them.

Readers, feeds, the API and the text-format export read the Story row, so a working
copy changes nothing they see (nor any cached page) until publish_changes() writes it
into the story. A working copy holds the story form's own fields; the rows shown
under the form (sources cited, entities, corrections) are saved as they always were.
"""

import reversion
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from taggit.models import Tag

from stories.models.stories import Story
from stories.models.workflow import Snapshot


def story_field(name):
    """The Story field a form value of `name` is for; None for what is no field (the
    update note, which becomes a log entry)."""
    try:
        return Story._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def column(name):
    """The Story field of `name` that is a column of the story's own row, or None."""
    field = story_field(name)
    return field if field is not None and not field.many_to_many else None


class WorkingCopy(models.Model):
    """The unpublished changes to one live story: one working copy per story."""

    story = models.OneToOneField(Story, models.CASCADE, related_name="working_copy")
    # The story form's values by field name: text as typed, a foreign key's pk, an
    # author's pks, tags by name (a tag typed here may not exist yet).
    fields = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    # The story's version the changes were made on, to tell when it moved since.
    based_on = models.PositiveIntegerField(default=0)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When the changes are to go live on their own (publish_due_changes).
    publish_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "working copy"
        verbose_name_plural = "working copies"

    def __str__(self):
        return f"Changes to “{self.story}”"

    @staticmethod
    def is_wanted(story):
        """Whether saving `story` from its form makes a working copy: it is live."""
        return story.pk is not None and story.is_published

    @staticmethod
    def may_prepare(story, user):
        """Whether `user` may keep changes to live `story`: who may change it, and its
        reporters (who submit them for review rather than publish them)."""
        if story.can(user, "change"):
            return True
        return (
            story.is_published and user.has_perm("stories.change_story") and story.is_author(user)
        )

    @classmethod
    def keep(cls, story, values, *, by):
        """Keep `values` (field name to the form's cleaned value) as `story`'s changes."""
        fields = {}
        for name, value in values.items():
            if name == "tags":
                fields[name] = sorted({str(tag) for tag in value or []})
            elif isinstance(value, models.Model):
                fields[name] = value.pk
            elif isinstance(value, models.QuerySet | list | tuple):
                fields[name] = sorted(item.pk if isinstance(item, models.Model) else item
                                      for item in value)  # fmt: skip
            else:
                fields[name] = value
        copy, _ = cls.objects.update_or_create(
            story=story,
            defaults={
                "fields": fields,
                "based_on": story.version,
                "saved_by": by,
                "saved_at": timezone.now(),
            },
        )
        return copy

    def initial(self):
        """The values to open the story's form with."""
        return dict(self.fields)

    def snapshot(self):
        """The story as it will be once the changes are published, as a Snapshot."""
        live = Snapshot.of_story(self.story)
        fields = dict(live.fields)
        for name, value in self.fields.items():
            if (field := column(name)) is not None:
                fields[field.attname] = value
        return Snapshot(
            story_id=self.story_id,
            fields=fields,
            citations=live.citations,
            mentions=live.mentions,
            tag_ids=sorted(
                Tag.objects.filter(name__in=self.fields.get("tags", [])).values_list(
                    "pk", flat=True
                )
            )
            if "tags" in self.fields
            else live.tag_ids,
            author_ids=sorted(self.fields.get("authors", live.author_ids)),
        )

    def submit(self, *, by):
        """Ask an editor to review and publish the changes."""
        self.submitted_by, self.submitted_at = by, timezone.now()
        self.save(update_fields=["submitted_by", "submitted_at"])

    def schedule(self, when, *, by):
        """Publish the changes at `when` (publish_due_changes does it)."""
        self._check_may_publish(by)
        if when is None or when <= timezone.now():
            raise ValidationError(
                "To schedule the changes, give a publication time in the future."
            )
        self.publish_at = when
        self.save(update_fields=["publish_at"])

    def publish_changes(self, *, by=None):
        """Write the changes into the story, as one new revision, and drop the copy."""
        self._check_may_publish(by)
        return self.write(by=by)

    def write(self, *, by=None):
        """Write the changes into the story and drop the copy, whoever `by` is: for a
        story no longer live (withdrawn with its changes), where they show no reader."""
        story = Story.objects.get(pk=self.story_id)
        with transaction.atomic(), reversion.create_revision():
            for name, value in self.fields.items():
                if (field := column(name)) is not None:
                    setattr(story, field.attname, field.to_python(value))
            if story.status == Story.Status.PUBLISHED and (
                problems := story.publication_problems()
            ):
                raise ValidationError(problems)
            story.save()
            # The story's other rows: tags by name, people (authors, contributors) by key.
            for name, value in self.fields.items():
                field = story_field(name)
                if field is not None and field.many_to_many:
                    getattr(story, name).set(value)
            story.refresh_mentions()
            if note := (self.fields.get("update_note") or "").strip():
                story.correct(note, kind="update", by=by)
            if by is not None:
                reversion.set_user(by)
            reversion.set_comment("Published the changes to the live story.")
            self.delete()
        return story

    def _check_may_publish(self, by):
        if by is not None and not self.story.can(by, "publish"):
            raise PermissionDenied(
                f"{by.get_username()} may not publish changes: their role does not allow it."
            )

    @classmethod
    def publish_due(cls, *, now=None):
        """Publish every scheduled working copy whose time has come; the stories."""
        now = now or timezone.now()
        return [copy.publish_changes() for copy in cls.objects.filter(publish_at__lte=now)]


class Autosave(models.Model):
    """What one person last typed into a story's form and has not saved: kept every few
    seconds by the form's script, seen by no one else, not a revision; dropped when they
    save. `story` is None for a story not yet added."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    story = models.ForeignKey(Story, models.CASCADE, null=True, blank=True, related_name="+")
    # The form's fields as posted: name to the list of its values.
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "story"], name="one_autosave_per_story"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(story=None), name="one_autosave_of_a_new_story"
            ),
        ]

    def __str__(self):
        return f"Unsaved changes of {self.user} to {self.story or 'a new story'}"

    @classmethod
    def keep(cls, user, story, data):
        autosave, _ = cls.objects.update_or_create(
            user=user, story=story, defaults={"data": data, "saved_at": timezone.now()}
        )
        return autosave

    @classmethod
    def of(cls, user, story):
        return cls.objects.filter(user=user, story=story).first()

    @classmethod
    def drop(cls, user, story):
        cls.objects.filter(user=user, story=story).delete()
