"""Entities (the people, organizations and places stories name) and their mentions."""

import reversion
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from stories import detection
from stories.models.base import RELATED_POOL, ReaderVisible, unique_slug
from stories.signals import story_links_changed

validate_wikidata_id = RegexValidator(
    r"^Q[1-9][0-9]*\Z", "A Wikidata id is a Q followed by a number, such as Q42."
)


class EntityQuerySet(models.QuerySet):
    def gazetteer(self):
        """A detection.Gazetteer of these entities' names and aliases, keyed by pk.

        Build it once for a batch of stories: with thousands of entities, building
        costs far more than searching a story.
        """
        rows = self.values_list("pk", "name", "aliases")
        return detection.Gazetteer(
            (pk, name) for pk, entity_name, aliases in rows for name in [entity_name, *aliases]
        )

    def for_name(self, name, **defaults):
        """The entity called `name` (ignoring case), created with `defaults` if none is."""
        name = name.strip()
        entity = self.filter(name__iexact=name).order_by("pk").first()
        return entity or self.create(name=name, **defaults)


class Entity(ReaderVisible):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANIZATION = "organization", "Organization"
        PLACE = "place", "Place"
        EVENT = "event", "Event"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, blank=True, help_text="Made from the name when left empty."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other names the entity goes by in stories."
    )
    description = models.TextField(blank=True)
    wikidata_id = models.CharField(
        "Wikidata id", max_length=20, blank=True, validators=[validate_wikidata_id]
    )

    objects = EntityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Entity, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("stories:entity", kwargs={"slug": self.slug})

    def surrogate_keys(self):
        # Its page shows the entity and lists its stories.
        return [self.surrogate_key(), f"{self.surrogate_key()}-stories"]

    def purge_keys(self):
        # Its name, description and kind: on its page and wherever it is linked.
        return [self.surrogate_key()]

    @property
    def wikidata_url(self):
        return f"https://www.wikidata.org/wiki/{self.wikidata_id}" if self.wikidata_id else ""

    def names(self):
        return [self.name, *self.aliases]

    def related_entities(self, *, limit=12):
        """The entities named most often alongside this one in its recent published stories.

        Its RELATED_POOL newest stories (by id, read off the mentions' index): an entity
        named in thousands would otherwise have every one of their mentions counted.
        """
        newest = (
            Mention.objects.filter(entity=self).order_by("-story").values("story")[:RELATED_POOL]
        )
        together = apps.get_model("stories", "Story").objects.published().filter(pk__in=newest)
        return list(
            Entity.objects.filter(mentions__story__in=together)
            .exclude(pk=self.pk)
            .annotate(shared=Count("mentions__story", distinct=True))
            .order_by("-shared", "name")[:limit]
        )

    def merge_into(self, survivor):
        """Moves this duplicate's mentions and names into `survivor`, then deletes it.

        Where both are mentioned in one story, the story keeps one mention: the counts
        added up, the higher salience, the earlier position. This entity's name and
        aliases become aliases of the survivor, which also takes the description,
        Wikidata id and kind if it has none (a kind of "other" counts as none). Returns
        the survivor.
        """
        if survivor.pk == self.pk:
            raise ValidationError(f"“{self}” cannot be merged into itself.")
        with transaction.atomic():
            # Locked, so that a story linked meanwhile cannot point at a deleted entity.
            theirs = {m.story_id: m for m in survivor.mentions.select_for_update()}
            moved, combined = [], []
            for mention in self.mentions.select_for_update():
                other = theirs.get(mention.story_id)
                if other is None:
                    moved.append(mention.pk)
                    continue
                other.count += mention.count
                other.salience = max(other.salience, mention.salience)
                other.in_headline = other.in_headline or mention.in_headline
                positions = [
                    p for p in (other.first_position, mention.first_position) if p is not None
                ]
                other.first_position = min(positions, default=None)
                combined.append(other)
            Mention.objects.bulk_update(
                combined, ["count", "salience", "in_headline", "first_position"]
            )
            Mention.objects.filter(pk__in=moved).update(entity=survivor)
            story_links_changed.send(
                sender=Mention,
                story_ids=Mention.objects.filter(entity=survivor).values_list(
                    "story_id", flat=True
                ),
                using=self._state.db,
            )
            taken = {survivor.name.casefold()}
            aliases = []
            for name in [*survivor.aliases, *self.names()]:
                if name.casefold() not in taken:
                    taken.add(name.casefold())
                    aliases.append(name)
            survivor.aliases = aliases
            survivor.description = survivor.description or self.description
            if survivor.kind == Entity.Kind.OTHER:
                survivor.kind = self.kind  # "Other" says no more than an empty field
            survivor.wikidata_id = survivor.wikidata_id or self.wikidata_id
            survivor.save()
            # A story where the duplicate was dismissed keeps the survivor dismissed.
            already = survivor.dismissals.values_list("story_id", flat=True)
            self.dismissals.exclude(story_id__in=already).update(
                entity=survivor, name=survivor.name
            )
            self.delete()
        return survivor

    def clean(self):
        if not isinstance(self.aliases, list) or not all(isinstance(a, str) for a in self.aliases):
            raise ValidationError({"aliases": "Aliases must be a list of names."})
        self.aliases = list(dict.fromkeys(a.strip() for a in self.aliases if a.strip()))


class Mention(ReaderVisible):
    """An entity named in a story, with how prominently it is named."""

    story = models.ForeignKey("stories.Story", models.CASCADE, related_name="mentions")
    entity = models.ForeignKey(Entity, models.CASCADE, related_name="mentions")
    count = models.PositiveIntegerField(default=1)
    first_position = models.PositiveIntegerField(null=True, blank=True)
    in_headline = models.BooleanField(default=False)
    salience = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-salience", "entity__name"]
        constraints = [
            models.UniqueConstraint(fields=["story", "entity"], name="mention_unique_entity")
        ]
        # An entity's stories, newest (highest id) first: its page and related stories.
        indexes = [models.Index(fields=["entity", "story"], name="mention_entity_story_idx")]

    def __str__(self):
        return f"{self.entity} in {self.story}"

    def measure(self, found):
        """Takes the numbers of `found` (a detection.Detection; None: not named); self."""
        self.count = found.count if found else 0
        self.first_position = found.first_position if found else None
        self.in_headline = bool(found and found.in_headline)
        self.salience = found.salience if found else 0.0
        return self

    def purge_keys(self):
        return [f"story-{self.story_id}", f"entity-{self.entity_id}-stories"]

    def shown_to_readers(self):
        return self.story.shown_to_readers()


reversion.register(Mention)


MEASURES = ["count", "first_position", "in_headline", "salience"]


def vars_of(mention):
    """A mention's measured numbers, as keyword arguments."""
    return {name: getattr(mention, name) for name in MEASURES}


class EntitySuggestions:
    """What Story.entity_suggestions() proposes to an editor."""

    def __init__(self, *, known, new):
        self.known = known  # (Entity, detection.Detection) pairs, most salient first
        self.new = new  # discovery.Candidate, most frequent first

    def __bool__(self):
        return bool(self.known or self.new)


class DismissedSuggestion(models.Model):
    """A suggested entity (known, or a new name) an editor said a story is not about.

    It is not suggested for that story again, nor linked when the story is imported
    again.
    """

    story = models.ForeignKey("stories.Story", models.CASCADE, related_name="dismissals")
    name = models.CharField(max_length=200)
    entity = models.ForeignKey(
        Entity, models.CASCADE, null=True, blank=True, related_name="dismissals"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.name} dismissed for {self.story}"
