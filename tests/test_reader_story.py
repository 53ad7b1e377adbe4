"""What the story page adds for readers: related stories, and 410 Gone once withdrawn."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stories.models import Entity, Mention, Story
from stories.views import RELATED_COUNT
from tests.test_reader_home import card_headlines
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db


def get_page(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return parse_html(response.content.decode())


def related_headlines(page):
    asides = list(page.all("aside", **{"class": "related"}))
    return card_headlines(asides[0]) if asides else []


def name(story, *entities):
    for entity in entities:
        Mention.objects.create(story=story, entity=entity)
    return story


@pytest.fixture
def qatar(db):
    return Entity.objects.create(name="Qatar")


@pytest.fixture
def hamas(db):
    return Entity.objects.create(name="Hamas")


def test_related_stories_share_entities_or_tags_most_shared_first(
    client, make_story, qatar, hamas
):
    story = name(make_story("Talks stall", published=True), qatar, hamas)
    story.tags.add("diplomacy")
    one_entity = name(make_story("Qatar hosts summit", published=True), qatar)
    everything = name(make_story("Talks resume", published=True), qatar, hamas)
    everything.tags.add("diplomacy")
    tag_only = make_story("Diplomats meet", published=True)
    tag_only.tags.add("diplomacy")
    make_story("Unrelated", published=True)
    name(make_story("Draft about Qatar"), qatar)

    related = related_headlines(get_page(client, story))

    assert related[0] == everything.headline
    assert sorted(related[1:]) == sorted([one_entity.headline, tag_only.headline])


def test_related_stories_are_few_and_never_the_story_itself(client, make_story, qatar):
    story = name(make_story("Talks stall", published=True), qatar)
    for n in range(RELATED_COUNT + 2):
        name(make_story(f"Qatar story {n}", published=True), qatar)

    related = related_headlines(get_page(client, story))

    assert len(related) == RELATED_COUNT
    assert story.headline not in related


def test_related_stories_are_the_recent_coverage_of_each_subject(
    client, make_story, qatar, monkeypatch
):
    # Each subject offers its newest few stories, so that a broad tag with thousands of
    # stories costs no more than a rare one: an old story is not scored at all.
    monkeypatch.setattr("stories.models.sql.RELATED_POOL", 2)
    story = name(make_story("Talks stall", published=True), qatar)
    story.tags.add("diplomacy")
    old = name(make_story("Qatar talks, a year ago", published=True), qatar)
    old.tags.add("diplomacy")
    newer = [name(make_story(f"Qatar talks today {n}", published=True), qatar) for n in range(2)]
    for recent in newer:
        recent.tags.add("diplomacy")

    related = related_headlines(get_page(client, story))

    assert sorted(related) == sorted(recent.headline for recent in newer)


def test_a_story_sharing_nothing_has_no_related_list(client, make_story):
    story = make_story("Alone", published=True)
    make_story("Also alone", published=True)

    assert related_headlines(get_page(client, story)) == []


def test_a_withdrawn_story_is_gone_with_a_page_that_says_so(client, make_story):
    story = make_story("Retracted claim", published=True)
    story.change_status(Story.Status.WITHDRAWN)

    response = client.get(story.get_absolute_url())

    assert response.status_code == 410
    page = parse_html(response.content.decode())
    assert page.one("h1").text() == "This story has been withdrawn"
    assert story.headline not in response.content.decode()
    assert page.one("meta", name="robots").attrs["content"] == "noindex"


def test_a_withdrawn_story_republished_is_back(client, make_story):
    story = make_story("Corrected claim", published=True)
    story.change_status(Story.Status.WITHDRAWN)
    story.change_status(Story.Status.PUBLISHED)

    assert client.get(story.get_absolute_url()).status_code == 200


def test_the_query_count_does_not_depend_on_how_many_related_stories_there_are(
    client, make_story, qatar, django_assert_num_queries
):
    story = name(make_story("Talks stall", published=True), qatar)
    story.tags.add("diplomacy")
    name(make_story("One related", published=True), qatar)
    client.get(story.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(story.get_absolute_url())

    for n in range(10):
        other = name(make_story(f"Related {n}", published=True), qatar)
        other.tags.add("diplomacy", f"tag {n}")

    with django_assert_num_queries(len(few)):
        page = get_page(client, story)
    assert len(related_headlines(page)) == RELATED_COUNT
