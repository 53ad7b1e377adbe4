"""What editors put on the fronts: the home page's lead and top stories, each section
front's lead, and the site-wide alert strip. Each holds from a start time to an end time
(or until removed), so a placement comes and goes by itself; with nothing placed, a front
shows its newest stories. Which stories readers may see is still Story.objects.published()'s
alone: a placement of a story that is not published (yet, or any more) shows nothing.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Min, Q
from django.utils import timezone

from stories.models.base import ReaderVisible
from stories.models.sections import Section
from stories.models.stories import Story


def in_force(queryset):
    """The rows of `queryset` whose time has come and not gone."""
    now = timezone.now()
    return queryset.filter(starts_at__lte=now).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))


class PlacementQuerySet(models.QuerySet):
    def current(self):
        """Placements showing now: started, not ended, of a story readers may see."""
        return in_force(self).filter(story__in=Story.objects.published().values("pk"))

    def on(self, section=None):
        """The placements of `section`'s front; of the home page without one."""
        return self.filter(section=section) if section else self.filter(section__isnull=True)

    def picks(self, section=None):
        """(the lead story's id or None, [the top stories' ids in order]) on a front now."""
        lead, top = None, []
        for slot, story_id in self.current().on(section).values_list("slot", "story_id"):
            if slot == Placement.Slot.LEAD and lead is None:
                lead = story_id
            elif slot == Placement.Slot.TOP and story_id not in top:
                top.append(story_id)
        return lead, [pk for pk in top if pk != lead]

    def next_change(self):
        """When a placement next starts or ends after now; None when none will."""
        return next_boundary(self)


class Placement(ReaderVisible):
    """A story put on a front by an editor, in a slot, in order, for a time."""

    class Slot(models.TextChoices):
        LEAD = "lead", "Lead"
        TOP = "top", "Top stories (home page)"

    section = models.ForeignKey(
        Section,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="placements",
        help_text="The section front it goes on; leave empty for the home page.",
    )
    slot = models.CharField(max_length=10, choices=Slot.choices, default=Slot.LEAD)
    story = models.ForeignKey(Story, models.CASCADE, related_name="placements")
    position = models.PositiveIntegerField(
        default=0, help_text="Order among the front's top stories: lower comes first."
    )
    starts_at = models.DateTimeField("shown from", default=timezone.now)
    ends_at = models.DateTimeField(
        "shown until", null=True, blank=True, help_text="Leave empty to keep it until removed."
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PlacementQuerySet.as_manager()

    class Meta:
        # The order a front is read in: its lead first, then the top stories in order;
        # of two leads, the one placed last.
        ordering = ["section", "slot", "position", "-starts_at", "-pk"]
        indexes = [models.Index(fields=["section", "starts_at"], name="placement_front_idx")]

    def __str__(self):
        front = self.section.name if self.section_id else "Home page"
        return f"{front}, {self.get_slot_display().lower()}: {self.story}"

    def clean(self):
        errors = {}
        if self.section_id and self.slot == self.Slot.TOP:
            errors["slot"] = "Section fronts take a lead; top stories are for the home page."
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The end must come after the start."
        if errors:
            raise ValidationError(errors)

    def purge_keys(self):
        # The front it is placed on: a section's, or the home page (a listing).
        front = f"section-{self.section_id}-stories" if self.section_id else "listings"
        return [self.surrogate_key(), front]

    @property
    def is_current(self):
        now = timezone.now()
        return (
            self.starts_at <= now
            and (self.ends_at is None or self.ends_at > now)
            and self.story.is_published
        )


class AlertQuerySet(models.QuerySet):
    def current(self):
        """The alerts showing now, the newest first."""
        return in_force(self).order_by("-starts_at", "-pk")

    def next_change(self):
        return next_boundary(self)


class Alert(ReaderVisible):
    """A strip across the top of every reader page ("Breaking: ..."), until its end time."""

    label = models.CharField(max_length=40, default="Breaking", help_text="Shown before the text.")
    text = models.CharField(max_length=200)
    story = models.ForeignKey(
        Story,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The story the strip links to, once it is published.",
    )
    starts_at = models.DateTimeField("shown from", default=timezone.now)
    ends_at = models.DateTimeField("shown until")

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]

    def __str__(self):
        return f"{self.label}: {self.text}"

    def clean(self):
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must come after the start."})

    def purge_keys(self):
        # On every reader page.
        return [self.surrogate_key(), "site"]

    def link(self):
        """The linked story's address while readers may see it; "" otherwise."""
        return self.story.get_absolute_url() if self.story and self.story.is_published else ""


def next_boundary(queryset):
    """The next start or end time of `queryset`'s rows after now; None when there is none."""
    now = timezone.now()
    found = queryset.aggregate(
        start=Min("starts_at", filter=Q(starts_at__gt=now)),
        end=Min("ends_at", filter=Q(ends_at__gt=now)),
    )
    times = [t for t in found.values() if t is not None]
    return min(times) if times else None
