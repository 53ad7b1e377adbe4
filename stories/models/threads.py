"""Developing stories: threads of stories about one event, live updates, and what a
story has as a developing story (its type of work, public log of updates and
corrections, and the coverage of its sources).

A Thread groups the stories about one developing event ("Gaza ceasefire talks"); each
story belongs to at most one (Story.thread). Readers see a thread's published stories
as a timeline on its page and in its feed, and the previous and next developments on
each story's page. A story of type "live" runs live: editors post LiveUpdates, which
readers' open pages pick up by themselves (static/stories/live.js).
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from stories import richtext
from stories.coverage import coverage_of
from stories.models.base import NEWEST_FIRST, ReaderVisible, unique_slug
from stories.models.entities import Entity
from stories.models.sources import Citation
from stories.models.workflow import Correction

# How far back from a story the admin looks for threads sharing its entities.
SUGGESTION_WINDOW = timedelta(days=30)
# How many of a thread's entities its page lists.
THREAD_ENTITIES = 12
# How many of a live story's updates its page, its structured data and one poll carry.
LIVE_UPDATES_SHOWN = 100


class ThreadQuerySet(models.QuerySet):
    def suggested_for(self, story, *, limit=3):
        """Threads whose recent stories name the entities `story` names, most shared first.

        Recent: created within SUGGESTION_WINDOW before the story was (or before now, for
        a story being written). Each comes with `shared`, how many of the story's entities
        its stories name; ties go to the thread with the newest story.
        """
        entity_ids = [mention.entity_id for mention in story.mentions.all()] if story.pk else []
        if not entity_ids:
            return []
        since = (story.created_at or timezone.now()) - SUGGESTION_WINDOW
        recent = Q(
            stories__created_at__gte=since,
            stories__mentions__entity__in=entity_ids,
        ) & ~Q(stories__pk=story.pk)
        return list(
            self.annotate(
                shared=Count("stories__mentions__entity", filter=recent, distinct=True),
                newest=Max("stories__created_at", filter=recent),
            )
            .filter(shared__gt=0)
            .order_by("-shared", "-newest", "name")[:limit]
        )


class Thread(ReaderVisible):
    """A developing event that several stories follow, with its own page and feed."""

    name = models.CharField(max_length=200, help_text="The event, e.g. “Gaza ceasefire talks”.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        help_text="Part of the thread's address; made from the name when left empty.",
    )
    description = models.TextField(
        blank=True, help_text="One or two sentences on what the thread follows."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Thread, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("stories:thread", kwargs={"slug": self.slug})

    def surrogate_keys(self):
        # Its page shows the thread and lists its stories.
        return [self.surrogate_key(), f"{self.surrogate_key()}-stories"]

    def purge_keys(self):
        # Its page, every story page in the thread (they carry its key), the listings.
        return [self.surrogate_key(), "listings"]

    def published_stories(self):
        """The thread's stories readers may see, newest first."""
        return self.stories.published().order_by(*NEWEST_FIRST)

    def timeline(self):
        """The thread's published stories, newest first, as cards (one query)."""
        return list(self.published_stories().cards())

    def neighbours(self, story):
        """(the previous development, the next one): the published stories of this
        thread just before and just after `story`, by publication time; None at the ends.
        """
        stories = (
            self.published_stories()
            .exclude(pk=story.pk)
            .only("slug", "headline", "published_at", "created_at")
        )
        when = story.published_at
        if when is None:  # a draft's preview: it would come after everything published
            return stories.first(), None
        earlier = Q(published_at__lt=when) | Q(published_at=when, pk__lt=story.pk)
        later = Q(published_at__gt=when) | Q(published_at=when, pk__gt=story.pk)
        previous = stories.filter(earlier).order_by("-published_at", "-pk").first()
        following = stories.filter(later).order_by("published_at", "pk").first()
        return previous, following

    def entities(self, *, limit=THREAD_ENTITIES):
        """The entities the thread's published stories name, most often named first."""
        return list(
            Entity.objects.filter(mentions__story__in=self.published_stories().values("pk"))
            .annotate(stories_naming=Count("mentions__story", distinct=True))
            .order_by("-stories_naming", "name")[:limit]
        )

    def coverage(self):
        """The Coverage of every article the thread's published stories cite, each once."""
        citations = Citation.objects.filter(
            story__in=self.published_stories().values("pk")
        ).order_by("source_id", "story__published_at", "pk")
        firsts = {}
        for citation in citations:
            firsts.setdefault(citation.source_id, citation)
        return coverage_of(firsts.values())


class DevelopingStory(models.Model):
    """What a Story has as a developing story: its type of work, its thread, its public
    log of updates and corrections, and the coverage of its sources."""

    class TypeOfWork(models.TextChoices):
        NEWS = "news", "News"
        ANALYSIS = "analysis", "Analysis"
        OPINION = "opinion", "Opinion"
        EXPLAINER = "explainer", "Explainer"
        LIVE = "live", "Live"

    type_of_work = models.CharField(
        "type of work",
        max_length=20,
        choices=TypeOfWork.choices,
        default=TypeOfWork.NEWS,
        help_text="Shown to readers on the story and in listings: news reports facts; "
        "analysis interprets them; opinion argues a view; an explainer gives background; "
        "live follows an event as it happens.",
    )
    thread = models.ForeignKey(
        Thread,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="stories",
        help_text="The developing event this story is part of: readers see the thread's "
        "timeline and the stories before and after this one.",
    )
    live_ended_at = models.DateTimeField(
        "live coverage ended",
        null=True,
        blank=True,
        help_text="For a live story: set it to end the live coverage. Readers' pages stop "
        "looking for new updates; the updates stay, as in any story.",
    )

    class Meta:
        abstract = True

    @property
    def is_live(self):
        """Whether readers' pages look for new live updates: a published live story whose
        live coverage has not ended."""
        return (
            self.type_of_work == self.TypeOfWork.LIVE
            and self.live_ended_at is None
            and self.is_published
        )

    def live_update_list(self):
        """The newest LIVE_UPDATES_SHOWN live updates, newest first (prefetch them); none
        but a live story's, which keeps them when its live coverage ends."""
        if self.type_of_work != self.TypeOfWork.LIVE:
            return []
        return list(self.live_updates.all())[:LIVE_UPDATES_SHOWN]

    def key_update(self):
        """The pinned live update, or None."""
        return next((u for u in self.live_update_list() if u.pinned), None)

    @property
    def schema_type(self):
        """The schema.org type of this story's type of work."""
        return SCHEMA_TYPES[self.type_of_work]

    def coverage(self):
        """The Coverage of this story's sources (read through prefetched citations)."""
        return coverage_of(self.citations.all())

    def update_log(self):
        """The public log: updates and corrections, oldest first (prefetch "corrections")."""
        return list(self.corrections.all())

    @property
    def latest_update(self):
        """The newest update in the log (not a correction); None when there is none."""
        updates = [entry for entry in self.update_log() if entry.kind == Correction.Kind.UPDATE]
        return updates[-1] if updates else None

    @property
    def modified_at(self):
        """When readers were last told of a change: the newest entry in the log or live
        update, else the publication time. Silent fixes (a typo) do not move it; marked
        updates do."""
        times = [entry.at for entry in self.update_log()]
        times += [update.at for update in self.live_update_list()[:1]]
        if self.published_at is not None:
            times.append(self.published_at)
        return max(times, default=None)


SCHEMA_TYPES = {
    DevelopingStory.TypeOfWork.NEWS: "NewsArticle",
    DevelopingStory.TypeOfWork.ANALYSIS: "AnalysisNewsArticle",
    DevelopingStory.TypeOfWork.OPINION: "OpinionNewsArticle",
    DevelopingStory.TypeOfWork.EXPLAINER: "BackgroundNewsArticle",
    DevelopingStory.TypeOfWork.LIVE: "LiveBlogPosting",
}


class LiveUpdate(ReaderVisible):
    """A short timestamped update of a story running live, newest first on its page."""

    story = models.ForeignKey("stories.Story", models.CASCADE, related_name="live_updates")
    at = models.DateTimeField("time", default=timezone.now)
    body = models.TextField(
        help_text="Sanitised HTML: a few short paragraphs, links, emphasis, lists."
    )
    image = models.ForeignKey(
        "stories.Image", models.PROTECT, null=True, blank=True, related_name="live_updates"
    )
    pinned = models.BooleanField(
        "key update",
        default=False,
        help_text="Shown above the others as the key update; a story has at most one.",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["story"],
                condition=Q(pinned=True),
                name="liveupdate_one_key_update",
                violation_error_message="A story has one key update.",
            )
        ]
        indexes = [models.Index(fields=["story", "at"], name="liveupdate_story_at_idx")]

    def __str__(self):
        return f"Update of {timezone.localtime(self.at):%d %b %Y, %H:%M}"

    def save(self, *args, **kwargs):
        self.body = richtext.sanitise(self.body)
        with transaction.atomic():
            if self.pinned:
                # Pinning one unpins the other: the key update is the newest pinned.
                LiveUpdate.objects.filter(story_id=self.story_id, pinned=True).exclude(
                    pk=self.pk
                ).update(pinned=False)
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.story.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self):
        return f"update-{self.pk}"

    def clean(self):
        if self.image_id and not self.image.alt_text.strip():
            raise ValidationError(
                {
                    "image": f"The image “{self.image}” needs alt text (what it shows, for "
                    "readers who cannot see it) before an update can show it."
                }
            )

    def validate_constraints(self, exclude=None):
        # Pinning this one unpins the other as it is saved (see save()): a second pinned
        # update is no mistake to report to the editor.
        super().validate_constraints(exclude={*(exclude or ()), "pinned"})

    def purge_keys(self):
        return [f"story-{self.story_id}", self.surrogate_key()]

    def shown_to_readers(self):
        return self.story.shown_to_readers()

    def text(self):
        return richtext.html_to_text(self.body)
