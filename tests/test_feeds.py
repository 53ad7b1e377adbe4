"""RSS 2.0 and Atom feeds for the site, sections, entities, tags and authors."""

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories.feeds import FEED_LENGTH, SCHEMA_ORG
from stories.models import Citation, Entity, Mention, Section, Story
from stories.views import author_url
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db

FORMATS = {"rss": "rss20", "atom": "atom10"}


@pytest.fixture
def reporter(db):
    return get_user_model().objects.create_user("reporter", first_name="Rita", last_name="Porter")


@pytest.fixture
def europe(world):
    return Section.objects.create(name="Europe", slug="europe", parent=world)


@pytest.fixture
def qatar(db):
    return Entity.objects.create(name="Qatar")


@pytest.fixture
def newsroom(make_story, world, europe, qatar, reporter):
    """Published stories in a section and its subsection, plus stories readers must not see.

    Every story is in World, mentions Qatar, is tagged "diplomacy" and is by the reporter,
    so every feed below has the same published stories to list.
    """
    now = timezone.now()
    published = [
        make_story("Talks open in Doha", section=world, published=True,
                   published_at=now - timedelta(hours=3)),
        make_story("Talks stall", section=europe, published=True,
                   published_at=now - timedelta(hours=1)),
    ]  # fmt: skip
    in_review = make_story("In review")
    in_review.change_status(Story.Status.IN_REVIEW)
    scheduled = make_story("Scheduled", published=True, published_at=now + timedelta(hours=1))
    withdrawn = make_story("Withdrawn", published=True)
    withdrawn.change_status(Story.Status.WITHDRAWN)
    unseen = [make_story("A draft"), in_review, scheduled, withdrawn]
    for story in [*published, *unseen]:
        Mention.objects.create(story=story, entity=qatar)
        story.tags.add("diplomacy")
        story.authors.add(reporter)
    Citation.objects.create(story=published[0], title="Source", url="https://example.org/a")
    return {"published": published, "unseen": unseen}


def feed_urls(world, qatar, reporter):
    """Every feed, each as (name, RSS URL, Atom URL, the page it belongs to)."""
    tag_slug = "diplomacy"
    return [
        ("site", reverse("stories:feed-rss"), reverse("stories:feed-atom"), "/"),
        (
            "section",
            reverse("stories:section-feed-rss", kwargs={"path": world.path}),
            reverse("stories:section-feed-atom", kwargs={"path": world.path}),
            world.get_absolute_url(),
        ),
        (
            "entity",
            reverse("stories:entity-feed-rss", kwargs={"slug": qatar.slug}),
            reverse("stories:entity-feed-atom", kwargs={"slug": qatar.slug}),
            qatar.get_absolute_url(),
        ),
        (
            "tag",
            reverse("stories:tag-feed-rss", kwargs={"slug": tag_slug}),
            reverse("stories:tag-feed-atom", kwargs={"slug": tag_slug}),
            reverse("stories:tag", kwargs={"slug": tag_slug}),
        ),
        (
            "author",
            reverse("stories:author-feed-rss", kwargs={"pk": reporter.pk}),
            reverse("stories:author-feed-atom", kwargs={"pk": reporter.pk}),
            author_url(reporter),
        ),
    ]


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, f"{url}: {parsed.get('bozo_exception')}"
    return response, parsed


@pytest.mark.parametrize("kind", ["site", "section", "entity", "tag", "author"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_feed_parses_cleanly_and_lists_only_published_stories_newest_first(
    client, newsroom, world, qatar, reporter, kind, fmt
):
    (rss, atom, page) = next(
        urls[1:] for urls in feed_urls(world, qatar, reporter) if urls[0] == kind
    )

    response, parsed = fetch(client, rss if fmt == "rss" else atom)

    assert parsed.version == FORMATS[fmt]
    expected = sorted(newsroom["published"], key=lambda s: s.published_at, reverse=True)
    assert [entry.title for entry in parsed.entries] == [s.headline for s in expected]
    assert [entry.link for entry in parsed.entries] == [
        f"http://testserver{s.get_absolute_url()}" for s in expected
    ]
    assert parsed.feed.link == f"http://testserver{page}"
    body = response.content.decode()
    for story in newsroom["unseen"]:
        assert story.headline not in body


def test_feed_items_carry_dek_date_author_and_categories(client, newsroom, world):
    _, parsed = fetch(client, reverse("stories:feed-atom"))
    newest = max(newsroom["published"], key=lambda s: s.published_at)

    entry = parsed.entries[0]
    assert entry.title == newest.headline
    assert entry.summary == newest.dek
    assert entry.author == "Rita Porter"
    published = datetime(*entry.published_parsed[:6], tzinfo=UTC)
    assert abs(published - newest.published_at) < timedelta(seconds=1)
    # Besides the type of work, in schema.org's words (tests/test_type_of_work.py).
    assert {t.term for t in entry.tags if t.scheme != SCHEMA_ORG} == {
        newest.section.name,
        "diplomacy",
    }


@pytest.mark.parametrize("kind", ["site", "section", "entity", "tag", "author"])
def test_each_page_advertises_its_own_feeds(client, newsroom, world, qatar, reporter, kind):
    (rss, atom, page) = next(
        urls[1:] for urls in feed_urls(world, qatar, reporter) if urls[0] == kind
    )

    head = parse_html(client.get(page).content.decode()).one("head")

    alternates = {
        link.attrs["type"]: link.attrs["href"] for link in head.all("link", rel="alternate")
    }
    assert alternates == {"application/rss+xml": rss, "application/atom+xml": atom}
    for link in head.all("link", rel="alternate"):
        assert link.attrs["title"]


def test_a_story_page_advertises_its_sections_feeds(client, newsroom, europe):
    story = next(s for s in newsroom["published"] if s.section == europe)

    head = parse_html(client.get(story.get_absolute_url()).content.decode()).one("head")

    assert head.one("link", type="application/rss+xml").attrs["href"] == reverse(
        "stories:section-feed-rss", kwargs={"path": europe.path}
    )


def test_feeds_of_what_readers_cannot_see_are_not_found(client, make_story, reporter):
    hidden = make_story("Draft")
    hidden.tags.add("embargoed")
    hidden.authors.add(reporter)

    for url in [
        reverse("stories:tag-feed-rss", kwargs={"slug": "embargoed"}),
        reverse("stories:author-feed-atom", kwargs={"pk": reporter.pk}),
        reverse("stories:entity-feed-rss", kwargs={"slug": "nobody"}),
        reverse("stories:section-feed-rss", kwargs={"path": "nowhere"}),
    ]:
        assert client.get(url).status_code == 404, url


def test_a_feed_lists_at_most_its_length_and_its_query_count_does_not_grow(
    client, make_story, reporter, django_assert_num_queries
):
    make_story("First", published=True).authors.add(reporter)
    client.get(reverse("stories:feed-rss"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("stories:feed-rss"))

    for n in range(FEED_LENGTH + 2):
        story = make_story(f"Story {n}", published=True)
        story.authors.add(reporter)
        story.tags.add(f"tag {n}", "shared")

    with django_assert_num_queries(len(few)):
        _, parsed = fetch(client, reverse("stories:feed-rss"))
    assert len(parsed.entries) == FEED_LENGTH
