"""Entity pages: who or what it is, its Wikidata link, the stories naming it, and its company."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories.models import Entity, Mention, Story
from stories.views import PAGE_SIZE
from tests.test_reader_home import card_headlines
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db


def get_page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return parse_html(response.content.decode())


def mention(story, *entities):
    for entity in entities:
        Mention.objects.create(story=story, entity=entity)
    return story


@pytest.fixture
def qatar(db):
    return Entity.objects.create(
        name="Qatar",
        kind=Entity.Kind.PLACE,
        aliases=["State of Qatar"],
        description="A country on the Gulf.",
        wikidata_id="Q846",
    )


@pytest.fixture
def hamas(db):
    return Entity.objects.create(name="Hamas", kind=Entity.Kind.ORGANIZATION)


@pytest.fixture
def egypt(db):
    return Entity.objects.create(name="Egypt", kind=Entity.Kind.PLACE)


def test_an_entity_page_says_what_it_is_and_links_to_wikidata(client, make_story, qatar):
    mention(make_story("Talks in Doha", published=True), qatar)

    page = get_page(client, qatar.get_absolute_url())
    header = page.one("main").one("header", **{"class": "page-header"})

    assert page.one("h1").text() == qatar.name
    assert qatar.get_kind_display() in header.text()
    assert qatar.description in header.text()
    assert "State of Qatar" in header.text()
    link = header.one("a", href=qatar.wikidata_url)
    assert link.attrs["href"] == f"https://www.wikidata.org/wiki/{qatar.wikidata_id}"
    assert page.one("meta", name="description").attrs["content"] == qatar.description


def test_an_entity_page_lists_only_published_stories_naming_it(client, make_story, qatar):
    named = mention(make_story("Talks in Doha", published=True), qatar)
    make_story("Unrelated", published=True)
    mention(make_story("Draft about Doha"), qatar)
    withdrawn = mention(make_story("Withdrawn about Doha", published=True), qatar)
    withdrawn.change_status(Story.Status.WITHDRAWN)

    page = get_page(client, qatar.get_absolute_url())

    assert card_headlines(page.one("main")) == [named.headline]


def test_related_entities_are_those_named_alongside_most_often_in_published_stories(
    client, make_story, qatar, hamas, egypt
):
    mention(make_story("One", published=True), qatar, hamas, egypt)
    mention(make_story("Two", published=True), qatar, hamas)
    hidden = Entity.objects.create(name="Only in a draft")
    mention(make_story("Draft"), qatar, hidden)

    page = get_page(client, qatar.get_absolute_url())

    related = page.one("aside", **{"class": "related-entities"})
    assert [(a.text(), a.attrs["href"]) for a in related.all("a")] == [
        (hamas.name, hamas.get_absolute_url()),
        (egypt.name, egypt.get_absolute_url()),
    ]


def test_related_entities_come_from_the_entitys_recent_stories(
    client, make_story, qatar, hamas, egypt, monkeypatch
):
    # An entity named in thousands of stories has only its newest ones looked at.
    monkeypatch.setattr("stories.models.entities.RELATED_POOL", 1)
    mention(make_story("Long ago", published=True), qatar, hamas)
    mention(make_story("Today", published=True), qatar, egypt)

    page = get_page(client, qatar.get_absolute_url())

    related = page.one("aside", **{"class": "related-entities"})
    assert [a.text() for a in related.all("a")] == [egypt.name]


@pytest.mark.parametrize("kind", ["page", "rss", "atom"])
def test_an_entity_no_published_story_names_yet_is_not_found(client, make_story, qatar, kind):
    """As for tags: what only drafts name is not the readers' business yet."""
    url = {
        "page": qatar.get_absolute_url(),
        "rss": reverse("stories:entity-feed-rss", kwargs={"slug": qatar.slug}),
        "atom": reverse("stories:entity-feed-atom", kwargs={"slug": qatar.slug}),
    }[kind]
    assert client.get(url).status_code == 404
    mention(make_story("Draft about Doha"), qatar)
    tomorrow = timezone.now() + timedelta(days=1)
    mention(make_story("Doha tomorrow", published=True, published_at=tomorrow), qatar)
    withdrawn = mention(make_story("Withdrawn about Doha", published=True), qatar)
    withdrawn.change_status(Story.Status.WITHDRAWN)
    assert client.get(url).status_code == 404

    mention(make_story("Talks in Doha", published=True), qatar)

    assert client.get(url).status_code == 200


def test_unknown_entities_are_not_found(client, db):
    assert client.get("/entities/nobody/").status_code == 404


def test_the_query_count_does_not_depend_on_how_many_stories_and_entities_it_shows(
    client, make_story, qatar, hamas, django_assert_num_queries
):
    mention(make_story("Only one", published=True), qatar, hamas)
    client.get(qatar.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(qatar.get_absolute_url())

    others = [Entity.objects.create(name=f"Entity {n}") for n in range(15)]
    for n in range(PAGE_SIZE + 3):
        mention(make_story(f"Story {n}", published=True), qatar, *others[: n % 8])

    with django_assert_num_queries(len(few)):
        page = get_page(client, qatar.get_absolute_url())
    assert len(card_headlines(page.one("main"))) == PAGE_SIZE
    assert len(list(page.one("aside").all("li"))) > 1
