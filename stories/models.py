from pathlib import PurePosixPath

import reversion
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from stories import detection, images, richtext, search, textformat
from stories.cache import content_changed
from stories.canonical import canonical_url, domain_of, domain_suffixes, normalise_domain
from stories.workflow import StatusChangeNotice, StoryWorkflow

# First-level section slugs that would shadow the site's own URLs.
RESERVED_SECTION_SLUGS = frozenset(
    {"admin", "stories", "entities", "tags", "authors", "search", "feeds", "static", "media",
     "sitemap.xml", "robots.txt", "healthz", "preview", "api"}
)  # fmt: skip

validate_wikidata_id = RegexValidator(
    r"^Q[1-9][0-9]*\Z", "A Wikidata id is a Q followed by a number, such as Q42."
)


def unique_slug(model, text, *, max_length=200, exclude_pk=None):
    """A slug for `text` that no other row of `model` has, suffixed -2, -3... if needed."""
    base = slugify(text)[:max_length].strip("-") or model._meta.model_name
    # Most often the plain slug is free: one lookup in the unique index says so, where
    # the prefix search below may read every slug (SQLite's LIKE cannot use the index).
    if not model.objects.filter(slug=base).exclude(pk=exclude_pk).exists():
        return base
    taken = set(
        model.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)].rstrip("-") + suffix
    return slug


def union_all(querysets):
    """One subquery of the rows of all `querysets` (each of one column), each LIMITed as given.

    For `pk__in=`: picking the newest few of each of several groups this way reads only
    the head of an index per group. Each member is wrapped as a derived table, because
    SQLite refuses ORDER BY and LIMIT on the members of a compound select themselves
    (and so does the ORM's union() there).
    """
    compiled = [qs.query.get_compiler(using=qs.db).as_sql() for qs in querysets]
    return RawSQL(
        " UNION ALL ".join(
            f"SELECT * FROM ({sql}) AS part{i}" for i, (sql, _) in enumerate(compiled)
        ),
        [param for _, params in compiled for param in params],
    )


def count_per_story(links, field):
    """How many of `links` (rows pointing at a story through `field`) each story has.

    An annotation for Story querysets: a subquery rather than a Count() over a join, so
    that the count stays right whatever other relations a caller filters or annotates on.
    """
    counted = links.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(Subquery(counted.annotate(n=Count("*")).values("n")), 0)


def related_pool(entity_ids, tag_ids, *, story_type):
    """The ids of the RELATED_POOL newest stories linked to each entity and each tag.

    As SQL for `pk__in=`, written out rather than built with the ORM: a story names a
    dozen subjects, and building a dozen LIMITed querysets cost twice as long as the
    database took to run them. Each member reads the head of an index (mentions by
    entity and story; taggit's items by tag and object, see migration 0007).
    """
    mention = Mention._meta.db_table
    item = TaggedItem._meta.db_table
    members = [
        f"SELECT * FROM (SELECT story_id FROM {mention} WHERE entity_id = %s "
        f"ORDER BY story_id DESC LIMIT %s) AS entity{n}"
        for n in range(len(entity_ids))
    ] + [
        f"SELECT * FROM (SELECT object_id FROM {item} WHERE content_type_id = %s "
        f"AND tag_id = %s ORDER BY object_id DESC LIMIT %s) AS tag{n}"
        for n in range(len(tag_ids))
    ]
    params = [value for pk in entity_ids for value in (pk, RELATED_POOL)]
    params += [value for pk in tag_ids for value in (story_type.pk, pk, RELATED_POOL)]
    return RawSQL(" UNION ALL ".join(members), params)


class ReaderVisible(models.Model):
    """A model whose rows readers see: saving or deleting one drops cached pages."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        content_changed(keys=self.purge_keys())

    def delete(self, *args, **kwargs):
        keys = self.purge_keys()
        result = super().delete(*args, **kwargs)
        content_changed(keys=keys)
        return result

    def surrogate_key(self):
        """The key naming this row on the pages that show it (Surrogate-Key header)."""
        return f"{self._meta.model_name}-{self.pk}"

    def purge_keys(self):
        """Keys of the pages a change to this row affects."""
        return [self.surrogate_key(), "listings"]


class Section(ReaderVisible):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children"
    )
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(
        default=0, help_text="Sections are listed by position, then name."
    )
    # The slugs of the ancestors and this section joined by "/": the URL path.
    path = models.CharField(max_length=255, unique=True, editable=False)

    class Meta:
        ordering = ["position", "name"]
        # Two conditional constraints rather than nulls_distinct=False, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "slug"],
                condition=models.Q(parent__isnull=False),
                name="section_unique_slug_in_parent",
                violation_error_message="This section already has a subsection with this slug.",
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(parent__isnull=True),
                name="section_unique_top_level_slug",
                violation_error_message="There is already a top-level section with this slug.",
            ),
        ]

    def __str__(self):
        return " > ".join(s.name for s in self.ancestry())

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = f"{self.parent.path}/{self.slug}" if self.parent_id else self.slug
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                for child in self.children.all():
                    child.save()

    def get_absolute_url(self):
        return reverse("stories:section", kwargs={"path": self.path})

    def ancestry(self):
        """This section's ancestors from the top down, ending with itself."""
        chain, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def subtree(self):
        """This section and every section below it, as a queryset."""
        return Section.objects.filter(Q(pk=self.pk) | Q(path__startswith=f"{self.path}/"))

    def is_within(self, other):
        """Whether this section is `other` or one of the sections below it."""
        return self.path == other.path or self.path.startswith(f"{other.path}/")

    def trail(self):
        """This section and its ancestors from the top down, in one query.

        The ancestors' paths are exactly the leading parts of this section's own path,
        so no walk up the parent chain (a query per level) is needed.
        """
        parts = self.path.split("/")
        prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        by_path = {s.path: s for s in Section.objects.filter(path__in=prefixes[:-1])}
        by_path[self.path] = self
        return [by_path[p] for p in prefixes if p in by_path]

    def clean(self):
        if self.parent_id is None and self.slug in RESERVED_SECTION_SLUGS:
            raise ValidationError(
                {"slug": f"“{self.slug}” is used by the site itself; choose another slug."}
            )
        if self.pk and self.parent_id:
            node = self.parent
            while node is not None:
                if node.pk == self.pk:
                    raise ValidationError(
                        {"parent": "A section cannot be placed inside itself or its subsections."}
                    )
                node = node.parent


class PublisherQuerySet(models.QuerySet):
    def for_name(self, name):
        """The publisher called `name`, created if new; None for a blank name."""
        name = name.strip()
        if not name:
            return None
        publisher = self.filter(name__iexact=name).first()
        return publisher or self.create(name=name)

    def for_names(self, names):
        """{name: publisher} for each of `names` as for_name() finds it, in one query.

        Only a name not known yet costs a query more, to create its publisher.
        """
        wanted = {name: name.strip() for name in names if name.strip()}
        if not wanted:
            return {}
        alike = Q.create([("name__iexact", name) for name in set(wanted.values())], Q.OR)
        # Ordered as for_name()'s first() takes them, so that the same one is found.
        known = list(self.filter(alike).order_by(*self.model._meta.ordering, "pk"))
        found = {}
        for stripped in wanted.values():
            if stripped not in found:
                key = stripped.upper()  # as iexact compares
                publisher = next((p for p in known if p.name.upper() == key), None)
                found[stripped] = publisher or self.create(name=stripped)
                known.append(found[stripped])
        return {name: found[stripped] for name, stripped in wanted.items()}

    def for_url(self, url):
        """The publisher of the site `url` is on, known by its domain; None if unknown."""
        return self.for_urls([url]).get(url)

    def for_urls(self, urls):
        """{url: publisher} for those of `urls` on a known publisher's domain, in one query.

        The most specific domain wins: a publisher known by news.example.org over one
        known by example.org.
        """
        suffixes = {url: domain_suffixes(url) for url in urls}
        wanted = {domain for found in suffixes.values() for domain in found}
        if not wanted:
            return {}
        by_domain = {publisher.domain: publisher for publisher in self.filter(domain__in=wanted)}
        found = {}
        for url, domains in suffixes.items():
            publisher = next((by_domain[d] for d in domains if d in by_domain), None)
            if publisher is not None:
                found[url] = publisher
        return found


class Publisher(ReaderVisible):
    name = models.CharField(max_length=200, unique=True)
    homepage = models.URLField(max_length=500, blank=True)
    domain = models.CharField(
        max_length=253,
        blank=True,
        help_text="The site's domain, such as example.com: new sources on it or on its "
        "subdomains are attributed to this publisher. Taken from the homepage when left empty.",
    )

    objects = PublisherQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"],
                condition=~models.Q(domain=""),
                name="publisher_unique_domain",
                violation_error_message="Another publisher already has this domain.",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        try:
            self.domain = normalise_domain(self.domain)
            if not self.domain and self.homepage:
                self.domain = domain_of(self.homepage)
        except ValidationError as exc:
            raise ValidationError({"domain": exc.messages}) from None


class SourceQuerySet(models.QuerySet):
    def for_url(self, url, **defaults):
        """The Source for `url` (canonicalised), created with `defaults` if new.

        A new source with no publisher given gets the one known by the URL's domain.
        """
        url = canonical_url(url)
        if defaults.get("publisher") is None:
            defaults["publisher"] = lambda: Publisher.objects.for_url(url)
        source, _ = self.get_or_create(url=url, defaults=defaults)
        return source

    def uncited(self):
        """Sources no story cites yet: the inbox of what might become a story."""
        return self.exclude(models.Exists(Citation.objects.filter(source=models.OuterRef("pk"))))

    def add_new(self, items, *, publisher_name=""):
        """Sources for those of `items` whose canonical URL is not known yet.

        `items` have a url, title and published_on (see stories.ingest.FeedItem). A new
        source's publisher is the one known by its domain, else `publisher_name`'s.
        Returns (the sources added, how many items were known already).
        """
        by_url = {}
        for item in items:
            by_url.setdefault(canonical_url(item.url), item)
        known = set(self.filter(url__in=list(by_url)).values_list("url", flat=True))
        title_limit = Source._meta.get_field("title").max_length
        new = [
            Source(url=url, title=item.title[:title_limit], published_on=item.published_on)
            for url, item in by_url.items()
            if url not in known
        ]
        by_domain = Publisher.objects.for_urls([source.url for source in new])
        fallback = None
        for source in new:
            source.publisher = by_domain.get(source.url)
            if source.publisher is None and publisher_name:
                fallback = fallback or Publisher.objects.for_name(publisher_name)
                source.publisher = fallback
        # A concurrent run may add the same article meanwhile; its row is the one.
        self.bulk_create(new, ignore_conflicts=True)
        return new, len(items) - len(new)

    def resolve(self, citations):
        """Point each citation at the Source for its canonical URL, in a few queries.

        What Citation.save() does one citation at a time, for many at once (so that the
        citations can be bulk-created): the first citation of an article gives a new
        Source its title, publisher and date.
        """
        urls = [canonical_url(citation.url) for citation in citations]
        first_citing = {}
        for url, citation in zip(urls, citations, strict=True):
            first_citing.setdefault(url, citation)
        found = {source.url: source for source in self.filter(url__in=list(first_citing))}
        missing = {url: citation for url, citation in first_citing.items() if url not in found}
        if missing:
            by_name = Publisher.objects.for_names(c.publisher_name for c in missing.values())
            new = [
                Source(
                    url=url,
                    title=citation.title,
                    publisher=by_name.get(citation.publisher_name),
                    published_on=citation.published_on,
                )
                for url, citation in missing.items()
            ]
            by_domain = Publisher.objects.for_urls(
                [source.url for source in new if source.publisher is None]
            )
            for source in new:
                source.publisher = source.publisher or by_domain.get(source.url)
            # Another import may add the same article meanwhile: its row is the one, left
            # as it was. "Updating" its URL to itself is what makes the insert return the
            # id of either row, saving a query to read the ids back.
            self.bulk_create(
                new, update_conflicts=True, unique_fields=["url"], update_fields=["url"]
            )
            found.update((source.url, source) for source in new)
        for url, citation in zip(urls, citations, strict=True):
            citation.source = found[url]
        return citations


class Source(ReaderVisible):
    """An article that stories draw on, one row per canonical URL."""

    url = models.URLField(
        "canonical URL",
        max_length=2000,
        unique=True,
        help_text="Stored in canonical form: lower-case host, no tracking parameters.",
    )
    title = models.CharField(max_length=500)
    publisher = models.ForeignKey(
        Publisher, models.SET_NULL, null=True, blank=True, related_name="sources"
    )
    published_on = models.DateField("publication date", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title or self.url

    def clean(self):
        if not self.url:
            # Missing, or refused by a form already: the field says so, once.
            return
        try:
            self.url = canonical_url(self.url)
        except ValidationError as exc:
            raise ValidationError({"url": exc.messages}) from None


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
        before = Entity.objects.filter(pk=self.pk).values_list("name", "aliases").first()
        renamed = before is not None and before != (self.name, self.aliases)
        with transaction.atomic():
            super().save(*args, **kwargs)
            if renamed:
                # Stories are found by the names of the entities they mention.
                search.index_stories(Story.objects.filter(mentions__entity=self))

    def get_absolute_url(self):
        return reverse("stories:entity", kwargs={"slug": self.slug})

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
        together = Story.objects.published().filter(pk__in=newest)
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
            search.index_stories(Story.objects.filter(mentions__entity=survivor))
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


class ImageQuerySet(models.QuerySet):
    def create_from_upload(self, upload, **fields):
        """A new Image of the uploaded file `upload`, checked and cleaned of personal metadata.

        Raises ValidationError saying what is wrong with a refused file or `fields`;
        a refused upload leaves nothing behind, in storage or in the database.
        """
        clean = images.clean_upload(upload)
        image = self.model(
            file=clean.as_file(getattr(upload, "name", "")),
            width=clean.width,
            height=clean.height,
            **fields,
        )
        image.full_clean(exclude=["file"])
        image.save()
        return image


class Image(ReaderVisible):
    """A picture in the library, stored cleaned of personal metadata, with its renditions."""

    file = models.FileField(
        upload_to="images/%Y/%m/",
        max_length=255,
        help_text=f"A {images.ACCEPTED_NAMES} image. Location and camera details are "
        "removed from the copy that is kept.",
    )
    alt_text = models.CharField(
        "alt text",
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. A story using "
        "the image cannot be published without it.",
    )
    caption = models.TextField(blank=True)
    credit = models.CharField(
        max_length=200, blank=True, help_text="Who made the image, e.g. “Ana Ruiz/Reuters”."
    )
    copyright_holder = models.CharField(max_length=200, blank=True)
    focal_x = models.FloatField(
        "focal point x",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="From 0 (left edge) to 1 (right edge). Crops keep the focal point in view.",
    )
    focal_y = models.FloatField(
        "focal point y",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="From 0 (top edge) to 1 (bottom edge).",
    )
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    # What the renditions were made from, and their files by use, narrowest first: kept
    # on the row so that a listing that selects the image has all it needs, no query more.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.alt_text or self.caption[:100] or PurePosixPath(self.file.name).name

    def save(self, *args, **kwargs):
        """Saves the image and makes any renditions it lacks; on failure, keeps no new file."""
        new_file = bool(self.file) and not self.file._committed
        before = self.pk and Image.objects.filter(pk=self.pk).values("file", "renditions").first()
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
                self.update_renditions()
        except BaseException:
            if new_file and self.file._committed:
                self.file.storage.delete(self.file.name)
            raise
        if before:
            # Superseded files go once the change is committed: a rollback still needs them.
            stale = images.rendition_names(before["renditions"].get("uses", {}))
            stale -= images.rendition_names(self.renditions.get("uses", {}))
            if before["file"] != self.file.name:
                stale.add(before["file"])
            storage = self.file.storage
            transaction.on_commit(lambda: [storage.delete(name) for name in stale])

    def delete(self, *args, **kwargs):
        names = {self.file.name, *images.rendition_names(self.renditions.get("uses", {}))}
        storage = self.file.storage
        result = super().delete(*args, **kwargs)
        transaction.on_commit(lambda: [storage.delete(name) for name in names if name])
        return result

    def purge_keys(self):
        stories = self.lead_stories.values_list("pk", flat=True) if self.pk else []
        return [self.surrogate_key(), "listings", *(f"story-{pk}" for pk in stories)]

    def clean(self):
        if not self.alt_text.strip() and self.pk and self.lead_stories.published().exists():
            raise ValidationError(
                {"alt_text": "Published stories use this image, so it needs alt text."}
            )

    @property
    def focal_point(self):
        return (round(self.focal_x, 4), round(self.focal_y, 4))

    def update_renditions(self):
        """Makes the renditions for the current file and focal point, unless made already."""
        made_from = {
            "source": self.file.name,
            "focal": list(self.focal_point),
            "version": images.RENDITION_VERSION,
        }
        if all(self.renditions.get(key) == value for key, value in made_from.items()):
            return
        uses = images.make_renditions(
            self.file.storage,
            self.file.name,
            folder=f"images/renditions/{self.pk}",
            focal=self.focal_point,
        )
        self.renditions = {**made_from, "uses": uses}
        Image.objects.filter(pk=self.pk).update(renditions=self.renditions)

    def rendition_list(self, use):
        """This image's renditions for `use` ("lead", "thumbnail", "inline"), narrowest first.

        Each is a dict of width, height and, per format (webp, jpeg), url and bytes.
        Built from the row alone: no query, no storage call.
        """
        url = self.file.storage.url
        return [
            {
                "width": entry["width"],
                "height": entry["height"],
                **{
                    key: {"url": url(entry[key][0]), "bytes": entry[key][1]}
                    for key in images.FORMATS
                },
            }
            for entry in self.renditions.get("uses", {}).get(use, [])
        ]

    def share_rendition(self):
        """The lead-crop JPEG for feeds and link previews: about 1200 pixels wide where it can be.

        A dict of url, width, height, bytes and type; None before renditions are made.
        """
        candidates = self.rendition_list("lead")
        if not candidates:
            return None
        best = min(candidates, key=lambda entry: abs(entry["width"] - 1200))
        return {
            "url": best["jpeg"]["url"],
            "width": best["width"],
            "height": best["height"],
            "bytes": best["jpeg"]["bytes"],
            "type": images.FORMATS["jpeg"][1],
        }


# Listings' order; the index on (status, published_at, created_at, id) reads in it.
NEWEST_FIRST = ["-published_at", "-created_at", "-pk"]
# How many of the newest stories of each entity and tag a story's related ones come from.
RELATED_POOL = 50
# Tries at saving a new story under a slug made for it, when others take them meanwhile.
SLUG_ATTEMPTS = 3


class StoryQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: published, with a publication time that has come.

        A story scheduled for later is stored as published with a future time, so it
        appears by itself when its time comes, without any job running.
        """
        return self.filter(status=Story.Status.PUBLISHED, published_at__lte=timezone.now())

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
            .annotate(source_count=count_per_story(Citation.objects.all(), "story"))
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
            # Indexed once below, with its entities, rather than at each step.
            story.save(index=False)
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
            linked = story.link_entities(gazetteer, index=False, new_story=created)
            if publish and story.status != Story.Status.PUBLISHED:
                story.publish()  # which saves the story, and so indexes it
            elif created:
                # Just written whole, with no tags yet: indexed as it is in memory.
                entities = Entity.objects.filter(pk__in=linked).values_list("name", "aliases")
                names = [name for entity in entities for name in search.names_of(*entity)]
                search.index_story(story, names=(names, ()))
            else:
                search.index_story(story)
        return story


class Story(StoryWorkflow, ReaderVisible):
    """A story; its editorial workflow (roles, status changes, history) is StoryWorkflow's."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

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

    def save(self, *args, index=True, **kwargs):
        """Saves the story and indexes it for search; index=False leaves that to the caller.

        Only a caller that writes more of the story straight after (its citations and
        mentions, as import_document() does) and then indexes it once passes False.
        """
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
                    # Every save, status changes included: the index reads the story
                    # back, so it never takes text this instance may have out of date.
                    if index:
                        search.index_story(self)
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

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            search.remove_story(self)
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

    def related_stories(self, *, limit=4):
        """Published stories sharing entities or tags with this one, most shared first.

        The candidates are the RELATED_POOL newest stories linked to each of this
        story's entities and tags: recent coverage of the same subjects, found by reading
        the head of an index per subject, where scoring every story that ever shared a
        broad tag would read thousands. Ties go to the newest.

        Reads this story's mentions and tags through whatever was prefetched, so a page
        that has them already pays two queries: the ranking, then the chosen cards.
        """
        entity_ids = [mention.entity_id for mention in self.mentions.all()]
        tag_ids = [tag.pk for tag in self.tags.all()]
        if not entity_ids and not tag_ids:
            return []
        story_type = ContentType.objects.get_for_model(Story)
        mentions = Mention.objects.filter(entity__in=entity_ids)
        tagged = TaggedItem.objects.filter(content_type=story_type, tag__in=tag_ids)
        shared = count_per_story(mentions, "story") + count_per_story(tagged, "object_id")
        best = list(
            Story.objects.published()
            .filter(pk__in=related_pool(entity_ids, tag_ids, story_type=story_type))
            .exclude(pk=self.pk)
            .annotate(shared=shared)
            .order_by("-shared", *NEWEST_FIRST)
            .values_list("pk", flat=True)[:limit]
        )
        chosen = {story.pk: story for story in Story.objects.filter(pk__in=best).cards()}
        return [chosen[pk] for pk in best if pk in chosen]

    def publication_problems(self):
        """What must be fixed before this story can be published, in words for the editor."""
        problems = []
        if self.lead_image_id and not self.lead_image.alt_text.strip():
            problems.append(
                f"The lead image “{self.lead_image}” needs alt text (what it shows, for "
                "readers who cannot see it) before the story is published."
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

    def link_entities(self, gazetteer=None, *, index=True, new_story=False):
        """Links the known entities the text names and measures every linked one again.

        Entities an editor dismissed for this story stay unlinked. A linked entity the
        text no longer names (or never did: an editor may link one by hand) keeps its
        mention, counted 0. index=False leaves indexing the new entities' names to the
        caller; new_story says the story was just created, so has no mentions yet.
        Returns the ids of the entities newly linked.
        """
        found = {d.key: d for d in self.detect_entities(gazetteer)}
        if new_story and not found:
            return set()
        with transaction.atomic(savepoint=False):
            mentions = [] if new_story else self.mentions.select_for_update()
            linked = {m.entity_id: m for m in mentions}
            for entity_id, mention in linked.items():
                mention.measure(found.get(entity_id))
            Mention.objects.bulk_update(
                linked.values(), ["count", "first_position", "in_headline", "salience"]
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
            if new and index:
                search.index_story(self)  # the entities' names are searched too
        return new

    def refresh_mentions(self):
        """Measures the linked entities again, after the text changed; links no others."""
        self.link_entities(Entity.objects.filter(mentions__story=self).gazetteer())

    def running_text(self):
        """The dek, summary and body paragraphs: prose, where new names are found."""
        blocks = [*self.summary_blocks(), *self.body_blocks()]
        paragraphs = [self.dek, *(b.text for b in blocks if b.kind == richtext.PARAGRAPH)]
        return "\n\n".join(p for p in paragraphs if p)

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
                for candidate in detection.discover(self.running_text(), known=gazetteer)
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


class StatusChange(StatusChangeNotice, models.Model):
    story = models.ForeignKey(Story, models.CASCADE, related_name="status_changes")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=20, choices=Story.Status.choices)
    to_status = models.CharField(max_length=20, choices=Story.Status.choices)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Citation(ReaderVisible):
    """A story's reference to a Source, in the story's order and words.

    The canonical Source is shared between stories; the citation keeps the title,
    URL, publisher and date exactly as this story gave them, so that exporting a
    story gives back what was imported even where another story cites the same
    article differently.
    """

    story = models.ForeignKey(Story, models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, models.PROTECT, related_name="citations")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=500)
    url = models.URLField("URL as cited", max_length=2000)
    publisher_name = models.CharField(max_length=200, blank=True)
    published_on = models.DateField("publication date", null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A citation always points at the one Source for its canonical URL; the first
        # story to cite an article also gives the Source its title, publisher and date.
        if self.source_id is None or canonical_url(self.url) != self.source.url:
            self.source = Source.objects.for_url(
                self.url,
                title=self.title,
                publisher=Publisher.objects.for_name(self.publisher_name),
                published_on=self.published_on,
            )
        super().save(*args, **kwargs)

    def purge_keys(self):
        return [f"story-{self.story_id}", f"source-{self.source_id}", "listings"]


class Mention(ReaderVisible):
    """An entity named in a story, with how prominently it is named."""

    story = models.ForeignKey(Story, models.CASCADE, related_name="mentions")
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

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            search.index_stories([self.story_id])  # the entity's names are searched too

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            search.index_stories([self.story_id])
        return result

    def measure(self, found):
        """Takes the numbers of `found` (a detection.Detection; None: not named); self."""
        self.count = found.count if found else 0
        self.first_position = found.first_position if found else None
        self.in_headline = bool(found and found.in_headline)
        self.salience = found.salience if found else 0.0
        return self

    def purge_keys(self):
        return [f"story-{self.story_id}", f"entity-{self.entity_id}", "listings"]


# Every revision of a story keeps its citations, mentions and tags with it.
reversion.register(Story, follow=["citations", "mentions", "tagged_items"])
reversion.register(Citation)
reversion.register(Mention)
reversion.register(TaggedItem)


MEASURES = ["count", "first_position", "in_headline", "salience"]


def vars_of(mention):
    """A mention's measured numbers, as keyword arguments."""
    return {name: getattr(mention, name) for name in MEASURES}


class EntitySuggestions:
    """What Story.entity_suggestions() proposes to an editor."""

    def __init__(self, *, known, new):
        self.known = known  # (Entity, detection.Detection) pairs, most salient first
        self.new = new  # detection.Candidate, most frequent first

    def __bool__(self):
        return bool(self.known or self.new)


class DismissedSuggestion(models.Model):
    """A suggested entity (known, or a new name) an editor said a story is not about.

    It is not suggested for that story again, nor linked when the story is imported
    again.
    """

    story = models.ForeignKey(Story, models.CASCADE, related_name="dismissals")
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


class SourceInbox(Source):
    """Sources no story cites yet, listed in the admin as an inbox."""

    class Meta:
        proxy = True
        verbose_name = "source in the inbox"
        verbose_name_plural = "sources inbox"
