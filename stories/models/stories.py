"""Stories: what readers read, and how they are listed, imported and linked to entities."""

import reversion
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from stories import detection, discovery, richtext, textformat
from stories.models.base import NEWEST_FIRST, ReaderVisible, count_per_row, unique_slug
from stories.models.entities import Entity, EntitySuggestions, Mention, vars_of
from stories.models.images import Image
from stories.models.sections import Section
from stories.models.sources import Citation, Source
from stories.models.sql import related_pool, union_all
from stories.models.threads import DevelopingStory
from stories.models.workflow import StoryStatus, StoryWorkflow
from stories.signals import story_links_changed

# Tries at saving a new story under a slug made for it, when others take them meanwhile.
SLUG_ATTEMPTS = 3


class Problem(str):
    """Something to fix before publishing, in words for the writer, and the field it is in."""

    field = ""

    def __new__(cls, text, *, field):
        problem = super().__new__(cls, text)
        problem.field = field
        return problem


class StoryQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: published, with a publication time that has come.

        A story scheduled for later is stored as published with a future time, so it
        appears by itself when its time comes, without any job running.
        """
        return self.filter(status=Story.Status.PUBLISHED, published_at__lte=timezone.now())

    # One method per state, so that no caller works a state out again.

    def scheduled(self):
        """Published for a time still to come: readers see them from then on."""
        return self.filter(status=Story.Status.PUBLISHED, published_at__gt=timezone.now())

    def drafts(self):
        return self.filter(status=Story.Status.DRAFT)

    def in_review(self):
        return self.filter(status=Story.Status.IN_REVIEW)

    def approved(self):
        return self.filter(status=Story.Status.APPROVED)

    def withdrawn(self):
        return self.filter(status=Story.Status.WITHDRAWN)

    def in_state(self, state):
        """The stories in `state`: a status, or "scheduled" apart from "published"."""
        return {
            Story.Status.DRAFT: self.drafts,
            Story.Status.IN_REVIEW: self.in_review,
            Story.Status.APPROVED: self.approved,
            "scheduled": self.scheduled,
            Story.Status.PUBLISHED: self.published,
            Story.Status.WITHDRAWN: self.withdrawn,
        }[state]()

    def with_lead_images(self):
        """These stories with their lead images (and so the renditions) in the same query."""
        return self.select_related("lead_image")

    def in_section(self, section):
        """The stories filed in `section` or in any section below it."""
        # section_id IN (...) rather than a join on the path: the story indexes that lead
        # with the section then answer counts and pages without reading other sections.
        return self.filter(section__in=section.subtree().values("pk"))

    def cards(self):
        """These stories newest first, with what a listing shows, in one query for the lot."""
        return (
            self.select_related("section", "lead_image")
            # Cards never show the body, by far the largest column.
            .defer("body")
            .annotate(source_count=count_per_row(Citation.objects.all(), "story"))
            .order_by(*NEWEST_FIRST)
        )

    def front(self, sections, *, newest, per_section, tree=None):
        """The front page's stories, in one query however many sections.

        (the `newest` newest of these stories, {section: the newest `per_section` of
        the others filed in it or below it}). `sections` are disjoint (none below
        another), such as the top-level ones; `tree`, when the caller has it, is every
        section. Each part reads the head of the listing index rather than ranking
        every story.
        """
        sections = list(sections)
        # The sections below each, from `tree` or one small query: a plain list of ids
        # in each select costs a fraction of in_section()'s subquery to build.
        everything = list(Section.objects.only("path")) if tree is None else tree
        top = self.order_by(*NEWEST_FIRST).values("pk")[:newest]
        others = self.exclude(pk__in=top)
        picked = union_all(
            [
                top,
                *(
                    others.filter(section__in=[s.pk for s in everything if s.is_within(section)])
                    .order_by(*NEWEST_FIRST)
                    .values("pk")[:per_section]
                    for section in sections
                ),
            ]
        )
        # The picked rows are fetched by key alone (their filters were applied in the
        # picking; repeated here, they would lead the planner to read the listing
        # index from the top), unordered, and put in order here. Every other story is
        # older than the newest few, so those come first.
        stories = sorted(
            self.model.objects.filter(pk__in=picked).cards().order_by(),
            key=lambda story: (story.published_at, story.created_at, story.pk),
            reverse=True,
        )
        by_pk = {section.pk: [] for section in sections}
        for story in stories[newest:]:
            home = next(s for s in sections if story.section and story.section.is_within(s))
            by_pk[home.pk].append(story)
        return stories[:newest], {section: by_pk[section.pk] for section in sections}

    def draft_from_sources(self, sources, *, author=None):
        """A new draft citing `sources` in the order given, headed by the first's title.

        The working headline (and the slug made from it) stand until the writer
        replaces them; clearing the slug makes a new one from the headline.
        """
        sources = list(sources)
        if not sources:
            raise ValidationError("Select at least one source to start a story from.")
        headline = sources[0].title[: Story._meta.get_field("headline").max_length]
        with transaction.atomic():
            story = self.create(title=headline, headline=headline)
            if author is not None:
                story.authors.add(author)
            Citation.objects.bulk_create(
                Citation(
                    story=story,
                    source=source,
                    position=position,
                    title=source.title,
                    url=source.url,
                    publisher_name=source.publisher.name if source.publisher else "",
                    published_on=source.published_on,
                )
                for position, source in enumerate(sources)
            )
        return story

    def import_document(self, document, *, name, section=None, publish=False, gazetteer=None):
        """The story imported from `document` (a textformat.Document) read from file `name`.

        A story imported before from a file of that name is updated in place: same slug,
        its citations replaced. `section` (when given) files the story there; `publish`
        publishes it unless it is published already. All or nothing.

        The known entities the story names are linked (see Story.link_entities());
        importing many stories, pass one `gazetteer` (Entity.objects.gazetteer()) for all.
        """
        with transaction.atomic():
            story = self.select_for_update().filter(import_name=name).first()
            created = story is None
            story = story or Story(import_name=name)
            story.title = document.title
            story.headline = document.headline
            story.dek = document.dek
            story.story_line = document.story_line
            story.summary = richtext.blocks_to_html(
                richtext.Block(richtext.PARAGRAPH, text) for text in document.summary
            )
            story.full_headline = document.full_headline
            story.body = richtext.blocks_to_html(document.body)
            if section is not None:
                story.section = section
            story.save()
            if not created:
                story.citations.all().delete()
            citations = [
                Citation(
                    story=story,
                    position=position,
                    title=source.title,
                    url=source.url,
                    publisher_name=source.publisher,
                    published_on=source.published_on,
                )
                for position, source in enumerate(document.sources)
            ]
            Citation.objects.bulk_create(Source.objects.resolve(citations))
            story.link_entities(gazetteer, new_story=created)
            # Written in bulk: no save of their own says so. Indexed and purged once,
            # when the import commits (stories/effects.py).
            story_links_changed.send(sender=Citation, story_ids=[story.pk], using=story._state.db)
            if publish and story.status != Story.Status.PUBLISHED:
                story.publish()
        return story


class Story(StoryWorkflow, DevelopingStory, ReaderVisible):
    """A story; its editorial workflow (roles, status changes, history) is StoryWorkflow's,
    what it has as a developing story (type of work, thread, log, live updates)
    DevelopingStory's."""

    Status = StoryStatus

    title = models.CharField(
        max_length=300, help_text="The meta title used by search engines and social media."
    )
    headline = models.CharField(max_length=300)
    dek = models.TextField(blank=True, help_text="The one-sentence standfirst.")
    story_line = models.CharField(
        max_length=300, blank=True, help_text="The short title used in listings."
    )
    summary = models.TextField(blank=True, help_text="Sanitised HTML: one or more paragraphs.")
    full_headline = models.CharField("full-story headline", max_length=300, blank=True)
    body = models.TextField(blank=True, help_text="Sanitised HTML: paragraphs and subheadings.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        help_text="Part of the story's address; made from the headline when left empty.",
    )
    section = models.ForeignKey(
        Section, models.PROTECT, null=True, blank=True, related_name="stories"
    )
    lead_image = models.ForeignKey(
        Image,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_stories",
        help_text="Shown at the top of the story, in listings, feeds and link previews.",
    )
    tags = TaggableManager(blank=True)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="authored_stories"
    )
    contributors = models.ManyToManyField(
        "stories.Contributor",
        blank=True,
        related_name="stories",
        help_text="People credited in the byline who have no account here.",
    )
    sources = models.ManyToManyField(
        Source, through="Citation", blank=True, related_name="stories"
    )
    entities = models.ManyToManyField(
        Entity, through="Mention", blank=True, related_name="stories"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("publication time", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The name of the text file the story was imported from: re-importing a file of
    # the same name updates this story instead of creating another.
    import_name = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # Goes up by one with every full save. The change form posts back the number it was
    # opened at, so a save over someone else's newer save is refused, not silently lost.
    version = models.PositiveIntegerField(default=0, editable=False)

    # Readers never see these (updated_at moves with every save: a save that changes
    # nothing else changes nothing a reader sees).
    admin_only_fields = ("import_name", "version", "updated_at")

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        get_latest_by = "published_at"
        verbose_name_plural = "stories"
        indexes = [
            # Listings read the published stories in NEWEST_FIRST order off this one...
            models.Index(
                fields=["status", "published_at", "created_at", "id"], name="story_listing_idx"
            ),
            # ...and a section's, off this one: its front's count and pages.
            models.Index(
                fields=["section", "status", "published_at", "created_at", "id"],
                name="story_section_listing_idx",
            ),
            # Whether stories found through another table (an entity's mentions, a tag)
            # are published, and their order, without reading their rows and bodies.
            models.Index(
                fields=["id", "status", "published_at", "created_at"], name="story_state_idx"
            ),
            # The sitemap index's last modification: the newest update of a published story.
            models.Index(
                fields=["status", "updated_at", "published_at"], name="story_updated_idx"
            ),
            # Every story newest first, as the admin lists them (drafts, with no time,
            # first: NULLS FIRST is PostgreSQL's default for DESC, and SQLite reads
            # the NULL end of the index first). Also makes the admin's date hierarchy
            # and its first and last dates index lookups.
            models.Index(
                fields=["-published_at", "-created_at", "-id"], name="story_newest_first"
            ),
        ]
        permissions = [
            ("edit_any_story", "Can edit any story, whoever wrote it and whatever its status"),
            ("approve_story", "Can approve stories in review or send them back"),
            ("publish_story", "Can publish, schedule and unschedule stories"),
            ("withdraw_story", "Can withdraw published stories and reopen them"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        """Saves the story: its HTML sanitised, a slug made if it has none, its version up."""
        self.summary = richtext.sanitise(self.summary)
        self.body = richtext.sanitise(self.body)
        made_slug = not self.slug
        if made_slug:
            self.slug = unique_slug(Story, self.headline or self.title, exclude_pk=self.pk)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "version" in update_fields:
            self.version += 1
        for attempt in range(SLUG_ATTEMPTS):
            try:
                with transaction.atomic():
                    super().save(*args, **kwargs)
                return
            except IntegrityError:
                # Another process (an editor, a parallel import) took the slug made for
                # this story between looking and saving: make another.
                taken = Story.objects.filter(slug=self.slug).exclude(pk=self.pk).exists()
                if not (made_slug and taken) or attempt == SLUG_ATTEMPTS - 1:
                    raise
                self.slug = unique_slug(Story, self.headline or self.title, exclude_pk=self.pk)

    def get_absolute_url(self):
        return reverse("stories:story", kwargs={"slug": self.slug})

    def delete(self, *args, by=None, **kwargs):
        """Deletes the story, as `by` (None: the system, as a command deleting it).

        PermissionDenied, saying to withdraw it, if `by` may not (delete_refusal()).
        """
        if by is not None and (refusal := self.delete_refusal(by)):
            raise PermissionDenied(refusal)
        return super().delete(*args, **kwargs)

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and not self.is_published

    def shown_to_readers(self):
        # Scheduled ones too: the pages that will list them must not outlive their time.
        return self.status == self.Status.PUBLISHED

    def surrogate_keys(self):
        """The keys of what the story's page shows: the story, its image, entities and tags.

        Reads the mentions and tags through whatever was prefetched.
        """
        keys = [self.surrogate_key()]
        if self.lead_image_id:
            keys.append(f"image-{self.lead_image_id}")
        keys += [f"entity-{mention.entity_id}" for mention in self.mentions.all()]
        keys += [f"tag-{tag.pk}" for tag in self.tags.all()]
        if self.thread_id:  # its name, and the developments before and after this one
            keys += [f"thread-{self.thread_id}", f"thread-{self.thread_id}-stories"]
        return keys

    def purge_keys(self):
        """The story's page and every page that lists it: the site-wide listings, its
        section's front and those above it, its entities', tags' and authors' pages."""
        keys = [self.surrogate_key(), "listings"]
        if self.section_id:
            keys += [f"section-{section.pk}-stories" for section in self.section.trail()]
        keys += [f"entity-{pk}-stories" for pk in self.mentions.values_list("entity", flat=True)]
        keys += [f"tag-{pk}-stories" for pk in self.tags.values_list("pk", flat=True)]
        keys += [f"author-{pk}-stories" for pk in self.authors.values_list("pk", flat=True)]
        keys += [
            f"contributor-{pk}-stories" for pk in self.contributors.values_list("pk", flat=True)
        ]
        if self.thread_id:
            keys.append(f"thread-{self.thread_id}-stories")
        return keys

    def related_stories(self, *, limit=4, subjects=None):
        """Published stories sharing entities or tags with this one, most shared first.

        Reads this story's mentions and tags through whatever was prefetched, or takes
        them as `subjects` (what subject_ids() gave, kept by a caller), so a page that has
        them already pays two queries: the ranking, then the chosen cards.
        """
        best = self.related_ids(limit=limit, subjects=subjects)
        if not best:
            return []
        chosen = {
            story.pk: story for story in Story.objects.published().filter(pk__in=best).cards()
        }
        return [chosen[pk] for pk in best if pk in chosen]

    def related_ids(self, *, limit=4, subjects=None):
        """The ids of related_stories(), ranked.

        The candidates are the RELATED_POOL newest stories linked to each of this
        story's entities and tags: recent coverage of the same subjects, found by reading
        the head of an index per subject, where scoring every story that ever shared a
        broad tag would read thousands. Ties go to the newest.
        """
        entity_ids, tag_ids = subjects or self.subject_ids()
        if not entity_ids and not tag_ids:
            return []
        story_type = ContentType.objects.get_for_model(Story)
        mentions = Mention.objects.filter(entity__in=entity_ids)
        tagged = TaggedItem.objects.filter(content_type=story_type, tag__in=tag_ids)
        shared = count_per_row(mentions, "story") + count_per_row(tagged, "object_id")
        return list(
            Story.objects.published()
            .filter(pk__in=related_pool(entity_ids, tag_ids, story_type=story_type))
            .exclude(pk=self.pk)
            .annotate(shared=shared)
            .order_by("-shared", *NEWEST_FIRST)
            .values_list("pk", flat=True)[:limit]
        )

    def subject_ids(self):
        """(entity ids, tag ids) of this story, through whatever was prefetched."""
        return (
            [mention.entity_id for mention in self.mentions.all()],
            [tag.pk for tag in self.tags.all()],
        )

    def related_keys(self, subjects=None):
        """The keys of the lists related_ids() ranks from (see page_cache.shows())."""
        entity_ids, tag_ids = subjects or self.subject_ids()
        return [f"entity-{pk}-stories" for pk in entity_ids] + [
            f"tag-{pk}-stories" for pk in tag_ids
        ]

    def publication_problems(self):
        """The pre-publication checklist: what must be done before readers see this story.

        Each Problem names the field to fix. change_status() refuses to publish or schedule
        while there is one, so every way of publishing (the form's buttons, bulk actions,
        imports, any API) meets the same list; the story form shows it while writing.
        """
        problems = []
        if not self.headline.strip():
            problems.append(
                Problem("The headline is empty: give the story one.", field="headline")
            )
        if not self.dek.strip():
            problems.append(
                Problem(
                    "The dek is empty: write the one-sentence standfirst under the headline.",
                    field="dek",
                )
            )
        if not any(b.kind == richtext.PARAGRAPH and b.text.strip() for b in self.body_blocks()):
            problems.append(
                Problem("The body has no paragraph: write the story's text.", field="body")
            )
        if self.section_id is None:
            problems.append(
                Problem("No section is chosen: file the story in a section.", field="section")
            )
        if self.lead_image_id and not self.lead_image.alt_text.strip():
            problems.append(
                Problem(
                    f"The lead image “{self.lead_image}” needs alt text (what it shows, for "
                    "readers who cannot see it) before the story is published.",
                    field="lead_image",
                )
            )
        return problems

    def clean(self):
        # What stops publishing also stops a published story being saved into that state.
        if self.status == self.Status.PUBLISHED and (problems := self.publication_problems()):
            raise ValidationError(problems)

    def summary_blocks(self):
        return richtext.html_to_blocks(self.summary)

    def body_blocks(self):
        return richtext.html_to_blocks(self.body)

    def body_with_entity_links(self):
        """The body with the first mention of each linked entity linked to its page.

        Reads the mentions through whatever was prefetched (with their entities).
        """
        links = [(m.entity.get_absolute_url(), m.entity.names()) for m in self.mentions.all()]
        return detection.link_first_mentions(self.body, links)

    def detect_entities(self, gazetteer=None):
        """The known entities the story's text names, as detection.Detection (key: pk).

        The headline, then title, dek, story line, summary, full-story headline and
        body, in reading order.
        """
        if gazetteer is None:
            gazetteer = Entity.objects.gazetteer()
        texts = [
            self.title,
            self.dek,
            self.story_line,
            richtext.html_to_text(self.summary),
            self.full_headline,
            richtext.html_to_text(self.body),
        ]
        return detection.detect(gazetteer, headline=self.headline, texts=texts)

    def link_entities(self, gazetteer=None, *, new_story=False):
        """Links the known entities the text names and measures every linked one again.

        Entities an editor dismissed for this story stay unlinked. A linked entity the
        text no longer names (or never did: an editor may link one by hand) keeps its
        mention, counted 0. new_story says the story was just created, so has no
        mentions yet. Returns the ids of the entities newly linked.
        """
        found = {d.key: d for d in self.detect_entities(gazetteer)}
        if new_story and not found:
            return set()
        with transaction.atomic(savepoint=False):
            mentions = [] if new_story else self.mentions.select_for_update()
            linked = {m.entity_id: m for m in mentions}
            measured = {pk: vars_of(mention) for pk, mention in linked.items()}
            for entity_id, mention in linked.items():
                mention.measure(found.get(entity_id))
            remeasured = [m for pk, m in linked.items() if vars_of(m) != measured[pk]]
            Mention.objects.bulk_update(
                remeasured, ["count", "first_position", "in_headline", "salience"]
            )
            new = set(found) - set(linked)
            if new:
                # Only entities that still exist (the gazetteer may be older than a
                # merge) and that no editor dismissed for this story.
                new = set(
                    Entity.objects.filter(pk__in=new)
                    .exclude(dismissals__story=self)
                    .values_list("pk", flat=True)
                )
            Mention.objects.bulk_create(
                Mention(story=self, entity_id=key).measure(found[key]) for key in new
            )
            if new or remeasured:
                # Made in bulk: no save of their own says so (stories/effects.py).
                story_links_changed.send(sender=Mention, story_ids=[self.pk], using=self._state.db)
        return new

    def refresh_mentions(self):
        """Measures the linked entities again, after the text changed; links no others."""
        self.link_entities(Entity.objects.filter(mentions__story=self).gazetteer())

    def running_text(self):
        """The dek, summary and body paragraphs: prose, where new names are found."""
        blocks = [*self.summary_blocks(), *self.body_blocks()]
        paragraphs = [self.dek, *(b.text for b in blocks if b.kind == richtext.PARAGRAPH)]
        return "\n\n".join(p for p in paragraphs if p)

    def new_entity_names(self, gazetteer):
        """Names in the story that no entity of `gazetteer` has: discovery.Candidate list.

        Found in the running text; the headlines only add the places they name.
        """
        headlines = [self.headline, self.title, self.story_line, self.full_headline]
        return discovery.discover(self.running_text(), known=gazetteer, headlines=headlines)

    def entity_suggestions(self, gazetteer=None):
        """What an editor may link: known entities named but not linked, and new names.

        Leaves out what an editor dismissed for this story. Returns EntitySuggestions.
        """
        if gazetteer is None:
            gazetteer = Entity.objects.gazetteer()
        linked = set(self.mentions.values_list("entity_id", flat=True))
        dismissed = list(self.dismissals.values_list("entity_id", "name"))
        dismissed_ids = {entity_id for entity_id, _ in dismissed if entity_id}
        dismissed_names = {detection.fold(name)[0] for _, name in dismissed}
        detections = [
            d
            for d in self.detect_entities(gazetteer)
            if d.key not in linked and d.key not in dismissed_ids
        ]
        entities = Entity.objects.in_bulk([d.key for d in detections])
        return EntitySuggestions(
            known=[(entities[d.key], d) for d in detections if d.key in entities],
            new=[
                candidate
                for candidate in self.new_entity_names(gazetteer)
                if detection.fold(candidate.name)[0] not in dismissed_names
            ],
        )

    def link_entity(self, entity):
        """Links `entity` (an editor accepted it), measured in the text; the Mention."""
        with transaction.atomic():
            self.dismissals.filter(entity=entity).delete()
            found = self.detect_entities(
                detection.Gazetteer((entity.pk, name) for name in entity.names())
            )
            mention, _ = Mention.objects.update_or_create(
                story=self,
                entity=entity,
                defaults=vars_of(Mention().measure(found[0] if found else None)),
            )
        return mention

    def dismiss_suggestion(self, name, *, entity=None, by=None):
        """Records that `name` (or the known `entity`) is not to be suggested here again."""
        if entity is not None:
            dismissal, _ = self.dismissals.get_or_create(
                entity=entity, defaults={"name": entity.name, "by": by}
            )
        else:
            dismissal, _ = self.dismissals.get_or_create(
                entity=None, name=name.strip(), defaults={"by": by}
            )
        return dismissal

    def to_document(self):
        """The story as a textformat.Document, to write it in the text format."""
        return textformat.Document(
            title=self.title,
            headline=self.headline,
            dek=self.dek,
            story_line=self.story_line,
            summary=[block.text for block in self.summary_blocks()],
            full_headline=self.full_headline,
            body=self.body_blocks(),
            sources=[
                textformat.SourceLine(
                    title=citation.title,
                    url=citation.url,
                    publisher=citation.publisher_name,
                    published_on=citation.published_on,
                )
                for citation in self.citations.all()
            ],
        )


# Every revision of a story keeps its citations, mentions and tags with it.
reversion.register(Story, follow=["citations", "mentions", "tagged_items"])
reversion.register(TaggedItem)
