"""The people credited on stories: a profile for each author (photo, role, a short bio,
the sections they cover, their other profiles), and contributors credited without an
account of their own."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.urls import reverse
from django.utils.text import slugify

from stories.models.base import ReaderVisible, unique_slug
from stories.models.images import Image
from stories.models.sections import Section

validate_profile_url = URLValidator(schemes=["https", "http"])


def author_path(user):
    """An author's page: their id and their name as a slug, never their login name."""
    slug = slugify(user.get_full_name()) or "author"
    return reverse("stories:author", kwargs={"pk": user.pk, "slug": slug})


class Contributor(ReaderVisible):
    """Someone credited in bylines: an account's public profile, or a person without one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributor",
        help_text="Their account, when they have one; leave empty for a contributor "
        "credited without one (a freelancer, a guest writer).",
    )
    name = models.CharField(max_length=150, help_text="As bylines print it.")
    slug = models.SlugField(max_length=160, unique=True, blank=True)
    photo = models.ForeignKey(
        Image, models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="A portrait from the image library (shown square).",
    )  # fmt: skip
    role = models.CharField(
        max_length=120, blank=True, help_text="Their job, e.g. “Transport correspondent”."
    )
    bio = models.TextField(
        max_length=600, blank=True, help_text="Two or three sentences, plain text."
    )
    areas = models.ManyToManyField(
        Section, blank=True, related_name="contributors", help_text="The sections they cover."
    )
    links = models.TextField(
        blank=True,
        help_text="Their other public profiles (a personal site, a social network), one "
        "address per line.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        if self.user_id:
            return author_path(self.user)
        return reverse("stories:contributor", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        if not self.name and self.user_id:
            self.name = self.user.get_full_name() or self.user.get_username()
        if not self.slug:
            self.slug = unique_slug(Contributor, self.name, max_length=160, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def clean(self):
        if not self.name.strip() and not self.user_id:
            raise ValidationError({"name": "A contributor without an account needs a name."})
        bad = [line for line in self.link_list if not _valid_url(line)]
        if bad:
            raise ValidationError(
                {"links": f"Not a web address (https://…): {', '.join(bad)}. One per line."}
            )

    def purge_keys(self):
        # In the byline card of every story they wrote, and on their own page.
        return [self.surrogate_key(), "site"]

    @property
    def link_list(self):
        return [line.strip() for line in self.links.splitlines() if line.strip()]


def _valid_url(text):
    try:
        validate_profile_url(text)
    except ValidationError:
        return False
    return True


class Byline:
    """One person in a story's byline: a name, their page, and their profile if any."""

    def __init__(self, name, url, profile=None):
        self.name, self.url, self.profile = name, url, profile

    def __eq__(self, other):
        return isinstance(other, Byline) and (self.name, self.url) == (other.name, other.url)

    def __repr__(self):
        return f"Byline({self.name!r})"

    @classmethod
    def of(cls, story):
        """The story's authors, then the contributors credited without an account.

        Reads `authors` (with `contributor`) and `contributors` as prefetched: no query.
        """
        people = []
        for user in story.authors.all():
            profile = getattr(user, "contributor", None)
            name = user.get_full_name() or user.get_username()
            people.append(cls(name, author_path(user), profile))
        for contributor in story.contributors.all():
            people.append(cls(contributor.name, contributor.get_absolute_url(), contributor))
        return people
