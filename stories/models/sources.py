"""The articles stories draw on (sources), their publishers, and stories' citations of them."""

import reversion
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from stories.canonical import canonical_url, domain_of, domain_suffixes, normalise_domain
from stories.models.base import ReaderVisible


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

    def shown_to_readers(self):
        # Readers see what each citation says of its publisher, never this row.
        return False

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

    def shown_to_readers(self):
        # Readers see what each citation says of its article, never this row.
        return False

    def clean(self):
        if not self.url:
            # Missing, or refused by a form already: the field says so, once.
            return
        try:
            self.url = canonical_url(self.url)
        except ValidationError as exc:
            raise ValidationError({"url": exc.messages}) from None


class Citation(ReaderVisible):
    """A story's reference to a Source, in the story's order and words.

    The canonical Source is shared between stories; the citation keeps the title,
    URL, publisher and date exactly as this story gave them, so that exporting a
    story gives back what was imported even where another story cites the same
    article differently.
    """

    story = models.ForeignKey("stories.Story", models.CASCADE, related_name="citations")
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
        # Shown on its story's page; listings count a story's sources.
        return [f"story-{self.story_id}"]

    def shown_to_readers(self):
        return self.story.shown_to_readers()


reversion.register(Citation)


class SourceInbox(Source):
    """Sources no story cites yet, listed in the admin as an inbox."""

    class Meta:
        proxy = True
        verbose_name = "source in the inbox"
        verbose_name_plural = "sources inbox"
