"""A scheduled story appears to readers by itself at its time: no command, no worker.

Scheduling stores the story as published with a future publication time, and every
public surface reads Story.objects.published(), which compares with the clock. The
clock is moved here by patching django.utils.timezone.now.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from stories.models import Entity, Mention, Story
from stories.views import author_url
from tests.test_admin import form_data

REAL_NOW = timezone.now


@pytest.fixture
def clock(monkeypatch):
    """Sets the time everything reads through django.utils.timezone.now."""

    def set_to(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


@pytest.fixture
def newsroom(db, django_user_model, make_story, world):
    editor = django_user_model.objects.create_user("edna", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    author = django_user_model.objects.create_user("rita", first_name="Rita", last_name="Ries")
    entity = Entity.objects.create(name="Zeppelin Works", kind=Entity.Kind.ORGANIZATION)
    # A story already published in the same places, so every page exists before too.
    earlier = make_story("Airship hangar reopens", published=True)
    scheduled = make_story("Zeppelin flights return over the lake", status="approved")
    for story in (earlier, scheduled):
        story.authors.add(author)
        story.tags.add("airships")
        Mention.objects.create(story=story, entity=entity, count=1)
        story.save()  # indexes the story for search with its entity and tag
    return {"editor": editor, "author": author, "entity": entity, "world": world,
            "story": scheduled, "earlier": earlier}  # fmt: skip


def public_surfaces(newsroom):
    """Every public page and document that lists or shows stories, by name."""
    story, world = newsroom["story"], newsroom["world"]
    entity, author = newsroom["entity"], newsroom["author"]
    return {
        "home": reverse("stories:home"),
        "section": world.get_absolute_url(),
        "entity": entity.get_absolute_url(),
        "tag": reverse("stories:tag", kwargs={"slug": "airships"}),
        "author": author_url(author),
        "site RSS": reverse("stories:feed-rss"),
        "site Atom": reverse("stories:feed-atom"),
        "section RSS": reverse("stories:section-feed-rss", kwargs={"path": world.path}),
        "section Atom": reverse("stories:section-feed-atom", kwargs={"path": world.path}),
        "entity RSS": reverse("stories:entity-feed-rss", kwargs={"slug": entity.slug}),
        "entity Atom": reverse("stories:entity-feed-atom", kwargs={"slug": entity.slug}),
        "tag RSS": reverse("stories:tag-feed-rss", kwargs={"slug": "airships"}),
        "tag Atom": reverse("stories:tag-feed-atom", kwargs={"slug": "airships"}),
        "author RSS": reverse("stories:author-feed-rss", kwargs={"pk": author.pk}),
        "author Atom": reverse("stories:author-feed-atom", kwargs={"pk": author.pk}),
        "search": reverse("stories:search") + "?q=zeppelin+flights",
        "search RSS": reverse("stories:search-feed") + "?q=zeppelin+flights",
        "stories sitemap": "/sitemap-stories.xml",
        "news sitemap": "/sitemap-news.xml",
        "story page": story.get_absolute_url(),
    }


def shows(client, url, story):
    response = client.get(url)
    if response.status_code == 404:
        return False
    assert response.status_code == 200, (url, response.status_code)
    content = response.content.decode()
    return story.headline in content or story.get_absolute_url() in content


def test_a_scheduled_story_is_on_no_public_surface_before_its_time_and_on_all_after(
    client, newsroom, clock
):
    story = newsroom["story"]
    at = REAL_NOW() + timedelta(hours=2)
    story.publish(by=newsroom["editor"], when=at)
    story.refresh_from_db()
    assert story.is_scheduled

    clock(at - timedelta(minutes=1))
    before = {name for name, url in public_surfaces(newsroom).items() if shows(client, url, story)}
    clock(at + timedelta(minutes=1))
    after = {name for name, url in public_surfaces(newsroom).items() if shows(client, url, story)}

    assert before == set()
    assert after == set(public_surfaces(newsroom))
    # The surfaces were really there before: they list the story published earlier.
    listings = {
        name: url for name, url in public_surfaces(newsroom).items() if name != "story page"
    }
    clock(at - timedelta(minutes=1))
    earlier = newsroom["earlier"]
    assert {name for name, url in listings.items() if not shows(client, url, earlier)} <= {
        "search", "search RSS"  # the query names only the scheduled story
    }  # fmt: skip


def test_scheduling_through_the_change_form_sets_the_time_in_the_newsroom_zone(
    client, newsroom, settings
):
    settings.TIME_ZONE = "Europe/Vienna"
    story = newsroom["story"]
    client.force_login(newsroom["editor"])
    url = reverse("admin:stories_story_change", args=[story.pk])
    data = form_data(client.get(url))
    day = (timezone.localtime() + timedelta(days=2)).date()
    data.update(transition="scheduled", publish_at_0=f"{day:%Y-%m-%d}", publish_at_1="14:05:00")
    response = client.post(url, data, follow=True)

    story.refresh_from_db()
    assert story.is_scheduled
    local = timezone.localtime(story.published_at)
    assert (local.date(), local.strftime("%H:%M"), str(local.tzinfo)) == (
        day, "14:05", "Europe/Vienna"
    )  # fmt: skip
    assert f"{day:%-d %b %Y}, 14:05 Europe/Vienna" in response.content.decode()
    assert Story.objects.published().filter(pk=story.pk).count() == 0


def test_a_time_in_the_past_is_refused_for_scheduling(client, newsroom):
    story = newsroom["story"]
    client.force_login(newsroom["editor"])
    url = reverse("admin:stories_story_change", args=[story.pk])
    data = form_data(client.get(url))
    data.update(transition="scheduled", publish_at_0="2020-01-01", publish_at_1="10:00:00")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "publication time in the future" in str(
        response.context["adminform"].form.errors["publish_at"]
    )
    story.refresh_from_db()
    assert story.status == Story.Status.APPROVED


def test_unscheduling_takes_the_time_away_and_leaves_it_approved(newsroom):
    story = newsroom["story"]
    story.publish(by=newsroom["editor"], when=timezone.now() + timedelta(days=1))
    story.change_status(Story.Status.APPROVED, by=newsroom["editor"])
    story.refresh_from_db()
    assert (story.status, story.published_at) == (Story.Status.APPROVED, None)
