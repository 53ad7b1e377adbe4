"""The site's sections (its desks), nested: World > Middle East."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse

from stories.models.base import ReaderVisible

# First-level section slugs that would shadow the site's own URLs.
RESERVED_SECTION_SLUGS = frozenset(
    {"admin", "stories", "entities", "tags", "authors", "search", "feeds", "static", "media",
     "sitemap.xml", "robots.txt", "healthz", "preview", "api", "threads", "contributors"}
)  # fmt: skip


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

    def purge_keys(self):
        # Sections are in every page's navigation and breadcrumbs.
        return ["site"]

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
