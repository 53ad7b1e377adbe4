"""The home page: a lead story, the top stories and the latest after it, then the newest of
each section. (What editors place on it: tests/test_fronts.py.)"""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories.models import Citation, Section, Story
from stories.views import LATEST_COUNT, PER_SECTION, TOP_COUNT
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db


def get_home(client):
    response = client.get(reverse("stories:home"))
    assert response.status_code == 200
    return parse_html(response.content.decode())


def card_headlines(element):
    """The headlines of the story cards in `element`, in order."""
    return [h.text() for h in element.all() if "card-headline" in h.attrs.get("class", "")]


def lead_of(page):
    return page.one("article", **{"class": "story-card story-card-lead"})


def top_stories_of(page):
    return card_headlines(page.one("section", **{"class": "top-stories"}))


def section_block(page, section):
    (block,) = [
        s
        for s in page.one("main").all("section", **{"class": "front-section"})
        if s.one("h2").text() == section.name
    ]
    return block


def cite(story, n):
    for i in range(n):
        Citation.objects.create(
            story=story, position=i, title=f"Source {i}", url=f"https://example.org/{story.pk}/{i}"
        )


@pytest.fixture
def hours_ago():
    now = timezone.now()
    return lambda n: now - timedelta(hours=n)


@pytest.fixture
def unpublished(make_story, hours_ago):
    """A draft, a story in review, a scheduled one and a withdrawn one: never on the page."""
    draft = make_story("A draft")
    in_review = make_story("In review")
    in_review.change_status(Story.Status.IN_REVIEW)
    scheduled = make_story(
        "Scheduled", published=True, published_at=timezone.now() + timedelta(hours=1)
    )
    withdrawn = make_story("Withdrawn", published=True, published_at=hours_ago(0))
    withdrawn.change_status(Story.Status.WITHDRAWN)
    return [draft, in_review, scheduled, withdrawn]


def test_the_newest_published_story_leads_and_the_next_ones_follow_newest_first(
    client, make_story, hours_ago, unpublished
):
    stories = [
        make_story(f"Story {n}", published=True, published_at=hours_ago(n))
        for n in range(TOP_COUNT + LATEST_COUNT + 3)
    ]

    page = get_home(client)

    assert card_headlines(lead_of(page)) == [stories[0].headline]
    assert top_stories_of(page) == [s.headline for s in stories[1 : TOP_COUNT + 1]]
    latest = page.one("section", **{"class": "latest"})
    after_top = stories[TOP_COUNT + 1 :]
    assert card_headlines(latest) == [s.headline for s in after_top[:LATEST_COUNT]]
    for story in unpublished:
        assert story.headline not in page.text()


def test_each_section_shows_its_newest_stories_below_the_top_including_subsections(
    client, make_story, world, hours_ago
):
    europe = Section.objects.create(name="Europe", slug="europe", parent=world)
    sport = Section.objects.create(name="Sport", slug="sport")
    empty = Section.objects.create(name="Empty", slug="empty")
    top = [
        make_story(f"Top {n}", published=True, published_at=hours_ago(n))
        for n in range(TOP_COUNT + LATEST_COUNT + 1)
    ]
    in_world = [
        make_story(f"World {n}", section=[world, europe][n % 2], published=True,
                   published_at=hours_ago(20 + n))
        for n in range(PER_SECTION + 2)
    ]  # fmt: skip
    in_sport = [
        make_story(f"Sport {n}", section=sport, published=True, published_at=hours_ago(30 + n))
        for n in range(2)
    ]

    page = get_home(client)

    # The top of the page is not repeated in the blocks below it.
    assert card_headlines(section_block(page, world)) == [
        s.headline for s in in_world[:PER_SECTION]
    ]
    assert card_headlines(section_block(page, sport)) == [s.headline for s in in_sport]
    headings = [
        h.text()
        for h in page.all("h2", **{"class": "front-section-title"})
        if h.attrs.get("id", "").startswith("front-")
    ]
    # In the sections' own order; a section with nothing new has no block.
    assert headings == [s.name for s in Section.objects.filter(parent=None).exclude(pk=empty.pk)]
    assert section_block(page, world).one("h2").one("a").attrs["href"] == world.get_absolute_url()
    assert len(top) == TOP_COUNT + LATEST_COUNT + 1


def test_each_card_shows_headline_link_dek_section_time_and_source_count(
    client, make_story, world
):
    story = make_story("Harbour tug trials", published=True)
    cite(story, 3)

    card = lead_of(get_home(client))

    assert card.one("a", href=story.get_absolute_url()).text() == story.headline
    assert story.dek in card.text()
    assert card.one("a", href=world.get_absolute_url()).text() == world.name
    machine_time = timezone.localtime(story.published_at).replace(microsecond=0).isoformat()
    assert card.one("time").attrs["datetime"] == machine_time
    assert "3 sources" in card.text()


def test_one_source_is_said_in_the_singular(client, make_story):
    cite(make_story("Single-sourced", published=True), 1)

    assert "1 source" in lead_of(get_home(client)).text()
    assert "1 sources" not in lead_of(get_home(client)).text()


def test_the_page_has_one_h1_and_headings_in_order(client, make_story, world, hours_ago):
    for n in range(LATEST_COUNT + 3):
        make_story(f"Story {n}", published=True, published_at=hours_ago(n))

    page = get_home(client)

    levels = [int(e.tag[1]) for e in page.all() if e.tag in {"h1", "h2", "h3", "h4"}]
    assert levels.count(1) == 1
    assert levels[0] == 1
    assert all(later <= earlier + 1 for earlier, later in pairwise(levels))


def test_a_home_page_without_stories_says_so(client, world):
    page = get_home(client)

    assert "No stories yet." in page.one("main").text()
    assert not list(page.all("article"))


def test_the_query_count_does_not_depend_on_how_many_stories_and_sections_there_are(
    client, make_story, world, django_assert_num_queries, hours_ago
):
    make_story("Only one", published=True)
    client.get("/")  # warm per-process caches (content types)
    with CaptureQueriesContext(connection) as few:
        client.get("/")

    for n in range(5):
        parent = Section.objects.create(name=f"Section {n}", slug=f"section-{n}")
        child = Section.objects.create(name=f"Child {n}", slug="child", parent=parent)
        for i in range(PER_SECTION + 2):
            story = make_story(f"S{n} {i}", section=[parent, child][i % 2], published=True,
                               published_at=hours_ago(n * 10 + i))  # fmt: skip
            cite(story, i % 3)

    with django_assert_num_queries(len(few)):
        page = get_home(client)
    assert len(list(page.all("section", **{"class": "front-section"}))) >= 3
