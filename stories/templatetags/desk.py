"""The editor's desk on the admin index: the stories waiting on someone, by state."""

from django import template
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from stories.models import StatusChange, Story

register = template.Library()

DESK_ROWS = 10


@register.inclusion_tag("admin/stories/desk.html", takes_context=True)
def editors_desk(context):
    user = context["request"].user
    if not (user.has_perm("stories.view_story") or user.has_perm("stories.change_story")):
        return {"show": False}
    now = timezone.now()
    latest = StatusChange.objects.filter(story=OuterRef("pk")).order_by("-at", "-pk")
    stories = (
        Story.objects.select_related("section")
        .annotate(
            last_from=Subquery(latest.values("from_status")[:1]),
            last_at=Subquery(latest.values("at")[:1]),
        )
        .order_by()
    )
    published = stories.filter(status=Story.Status.PUBLISHED)
    sent_back = {Story.Status.IN_REVIEW, Story.Status.APPROVED}
    my_drafts = list(
        stories.filter(status=Story.Status.DRAFT, authors=user).order_by("-updated_at")[:DESK_ROWS]
    )
    for story in my_drafts:
        story.sent_back = story.last_from in sent_back
    return {
        "show": True,
        "time_zone": timezone.get_current_timezone_name(),
        "columns": [
            ("My drafts", "draft", my_drafts, "updated_at", "changed"),
            (
                "Waiting for review",
                "in_review",
                stories.filter(status=Story.Status.IN_REVIEW).order_by("last_at")[:DESK_ROWS],
                "last_at",
                "submitted",
            ),
            (
                "Approved",
                "approved",
                stories.filter(status=Story.Status.APPROVED).order_by("last_at")[:DESK_ROWS],
                "last_at",
                "approved",
            ),
            (
                "Scheduled",
                "scheduled",
                published.filter(published_at__gt=now).order_by("published_at")[:DESK_ROWS],
                "published_at",
                "goes up",
            ),
            (
                "Recently published",
                "published",
                published.filter(published_at__lte=now).order_by("-published_at")[:DESK_ROWS],
                "published_at",
                "published",
            ),
            (
                "Recently withdrawn",
                "withdrawn",
                stories.filter(status=Story.Status.WITHDRAWN).order_by("-last_at")[:DESK_ROWS],
                "last_at",
                "withdrawn",
            ),
        ],
    }


@register.filter
def attr(obj, name):
    return getattr(obj, name, None)
