"""Previews of stories as readers will see them: for the people who may change a story,
and through share links for reviewers without an account. Never indexed, never cached."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from stories.models import ShareLink
from stories.views import get_story_or_404, story_page


def private(response):
    """`response` kept out of search engines and out of every cache on the way."""
    response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    patch_cache_control(response, private=True, no_store=True, no_cache=True, max_age=0)
    return response


def as_if_published(story):
    """`story` (not saved) with the publication time it would get if published now.

    The readers' page shows a publication time; a story not yet given one is shown
    with the time it would have, rather than with none.
    """
    if story.published_at is None:
        story.published_at = timezone.now()
    return story


def story_preview(request, slug):
    """The story at `slug` in whatever state it is, for a user who may preview it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    story = as_if_published(get_story_or_404(request.user, slug, preview=True))
    return private(story_page(request, story, template="stories/preview.html"))


def shared_preview(request, token):
    """The story a share link points at, as it is saved now; 410 once expired or revoked."""
    link = ShareLink.objects.for_token(token)
    if link is None:
        raise Http404("No such share link.")
    if not link.is_active:
        return private(render(request, "stories/preview_expired.html", {"link": link}, status=410))
    return private(
        story_page(
            request, as_if_published(link.story), template="stories/preview.html", share_link=link
        )
    )
