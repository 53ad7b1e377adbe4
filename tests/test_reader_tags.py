"""Tag pages: the published stories carrying a tag."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag

from stories.models import Story
from stories.views import PAGE_SIZE
from tests.test_reader_home import card_headlines
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db


def tag_url(name):
    return reverse("stories:tag", kwargs={"slug": Tag.objects.get(name=name).slug})


def get_page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return parse_html(response.content.decode())


def tagged(story, *names):
    story.tags.add(*names)
    return story


def test_a_tag_page_lists_the_published_stories_with_the_tag(client, make_story):
    first = tagged(make_story("Ferries go electric", published=True), "energy")
    tagged(make_story("Draft on batteries"), "energy")
    withdrawn = tagged(make_story("Withdrawn", published=True), "energy")
    withdrawn.change_status(Story.Status.WITHDRAWN)
    tagged(make_story("Other", published=True), "transport")

    page = get_page(client, tag_url("energy"))

    assert page.one("h1").text() == "energy"
    assert card_headlines(page.one("main")) == [first.headline]


def test_story_pages_link_their_tags_to_tag_pages(client, make_story):
    story = tagged(make_story("Ferries go electric", published=True), "energy", "Harbour life")

    page = get_page(client, story.get_absolute_url())

    links = page.one("section", **{"class": "tags"}).all("a")
    assert sorted(a.attrs["href"] for a in links) == sorted(
        tag_url(name) for name in ["energy", "Harbour life"]
    )


def test_a_tag_only_unpublished_stories_carry_is_not_found(client, make_story):
    tagged(make_story("Embargoed"), "merger-talks")

    assert client.get(tag_url("merger-talks")).status_code == 404
    assert client.get(reverse("stories:tag", kwargs={"slug": "no-such-tag"})).status_code == 404


def test_the_query_count_does_not_depend_on_how_many_stories_it_shows(
    client, make_story, django_assert_num_queries
):
    tagged(make_story("Only one", published=True), "energy")
    client.get(tag_url("energy"))
    with CaptureQueriesContext(connection) as few:
        client.get(tag_url("energy"))

    for n in range(PAGE_SIZE + 2):
        tagged(make_story(f"Story {n}", published=True), "energy", f"other {n}")

    with django_assert_num_queries(len(few)):
        page = get_page(client, tag_url("energy"))
    assert len(card_headlines(page.one("main"))) == PAGE_SIZE
