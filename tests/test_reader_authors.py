"""Author pages: the published stories an author wrote, at an address without their login."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stories.views import PAGE_SIZE, author_url
from tests.test_reader_home import card_headlines
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db


def get_page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return parse_html(response.content.decode())


@pytest.fixture
def reporter(db):
    return get_user_model().objects.create_user(
        "rporter-login", first_name="Rita", last_name="Porter"
    )


def by(story, *authors):
    story.authors.add(*authors)
    return story


def test_an_author_page_lists_their_published_stories(client, make_story, reporter):
    mine = by(make_story("Mine", published=True), reporter)
    by(make_story("My draft"), reporter)
    make_story("Someone else's", published=True)

    page = get_page(client, author_url(reporter))

    assert page.one("h1").text() == "Rita Porter"
    assert card_headlines(page.one("main")) == [mine.headline]


def test_the_address_names_the_author_but_not_their_login(reporter):
    assert author_url(reporter) == f"/authors/{reporter.pk}-rita-porter/"
    assert reporter.username not in author_url(reporter)


def test_an_outdated_name_in_the_address_redirects_to_the_current_one(
    client, make_story, reporter
):
    by(make_story("Mine", published=True), reporter)
    old = author_url(reporter)
    reporter.last_name = "Porter-Smith"
    reporter.save()

    response = client.get(old)

    assert response.status_code == 301
    assert response.headers["Location"] == author_url(reporter)


def test_bylines_link_to_author_pages(client, make_story, reporter):
    story = by(make_story("Mine", published=True), reporter)

    byline = get_page(client, story.get_absolute_url()).one("span", **{"class": "byline"})

    assert byline.one("a").attrs["href"] == author_url(reporter)


def test_people_with_nothing_published_have_no_page(client, make_story, reporter):
    by(make_story("Only a draft"), reporter)
    staff = get_user_model().objects.create_user("editor", first_name="Ed")

    assert client.get(author_url(reporter)).status_code == 404
    assert client.get(author_url(staff)).status_code == 404


def test_the_query_count_does_not_depend_on_how_many_stories_it_shows(
    client, make_story, reporter, django_assert_num_queries
):
    by(make_story("Only one", published=True), reporter)
    client.get(author_url(reporter))
    with CaptureQueriesContext(connection) as few:
        client.get(author_url(reporter))

    colleague = get_user_model().objects.create_user("colleague")
    for n in range(PAGE_SIZE + 2):
        by(make_story(f"Story {n}", published=True), reporter, colleague)

    with django_assert_num_queries(len(few)):
        page = get_page(client, author_url(reporter))
    assert len(card_headlines(page.one("main"))) == PAGE_SIZE
