"""The editor's desk on the admin index: the stories waiting on someone, by state."""

from django import template
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from stories.models import ACTION, StatusChange, Story

register = template.Library()

DESK_ROWS = 10


@register.inclusion_tag("admin/stories/desk.html", takes_context=True)
def editors_desk(context):
    user = context["request"].user
    if not (user.has_perm("stories.view_story") or user.has_perm("stories.change_story")):
        return {"show": False}
    latest = StatusChange.objects.filter(story=OuterRef("pk")).order_by("-at", "-pk")
    stories = (
        Story.objects.select_related("section")
        .annotate(
            last_from=Subquery(latest.values("from_status")[:1]),
            last_at=Subquery(latest.values("at")[:1]),
        )
        .order_by()
    )
    sent_back = set(ACTION["send_back"].sources)
    my_drafts = list(stories.drafts().filter(authors=user).order_by("-updated_at")[:DESK_ROWS])
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
                stories.in_review().order_by("last_at")[:DESK_ROWS],
                "last_at",
                "submitted",
            ),
            (
                "Approved",
                "approved",
                stories.approved().order_by("last_at")[:DESK_ROWS],
                "last_at",
                "approved",
            ),
            (
                "Scheduled",
                "scheduled",
                stories.scheduled().order_by("published_at")[:DESK_ROWS],
                "published_at",
                "goes up",
            ),
            (
                "Recently published",
                "published",
                stories.published().order_by("-published_at")[:DESK_ROWS],
                "published_at",
                "published",
            ),
            (
                "Recently withdrawn",
                "withdrawn",
                stories.withdrawn().order_by("-last_at")[:DESK_ROWS],
                "last_at",
                "withdrawn",
            ),
        ],
    }


@register.filter
def attr(obj, name):
    return getattr(obj, name, None)
