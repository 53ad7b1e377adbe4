"""Section fronts: a section's published stories and its subsections', page by page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories.models import Citation, Section, Story
from stories.views import PAGE_SIZE
from tests.test_reader_home import card_headlines
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db


def get_page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return parse_html(response.content.decode())


@pytest.fixture
def europe(world):
    return Section.objects.create(name="Europe", slug="europe", parent=world)


@pytest.fixture
def sport(db):
    return Section.objects.create(name="Sport", slug="sport")


def test_a_front_lists_the_published_stories_of_the_section_and_below_newest_first(
    client, make_story, world, europe, sport
):
    now = timezone.now()
    at_top = make_story("World story", published=True, published_at=now - timedelta(hours=2))
    below = make_story("Europe story", section=europe, published=True, published_at=now)
    make_story("Sport story", section=sport, published=True)
    make_story("World draft")
    withdrawn = make_story("Withdrawn world story", published=True)
    withdrawn.change_status(Story.Status.WITHDRAWN)

    world_page = get_page(client, world.get_absolute_url())
    europe_page = get_page(client, europe.get_absolute_url())

    assert world_page.one("h1").text() == world.name
    assert card_headlines(world_page.one("main")) == [below.headline, at_top.headline]
    assert card_headlines(europe_page.one("main")) == [below.headline]


def test_a_front_links_its_subsections_and_its_ancestry(client, world, europe):
    page = get_page(client, europe.get_absolute_url())
    world_page = get_page(client, world.get_absolute_url())

    breadcrumb = page.one("nav", aria_label="Breadcrumb")
    assert [a.attrs["href"] for a in breadcrumb.all("a")] == [
        world.get_absolute_url(),
        europe.get_absolute_url(),
    ]
    assert breadcrumb.one("a", aria_current="page").text() == europe.name
    subsections = world_page.one("nav", aria_label=f"Subsections of {world.name}")
    assert subsections.one("a").attrs["href"] == europe.get_absolute_url()


def test_the_header_names_the_top_level_sections_and_marks_none_current_on_the_home_page(
    client, world, sport
):
    page = get_page(client, "/")

    nav = page.one("nav", aria_label="Sections")
    assert [a.text() for a in nav.all("a")] == [
        s.name for s in Section.objects.filter(parent=None)
    ]
    assert not [a for a in nav.all("a") if "aria-current" in a.attrs]


def test_a_long_front_is_paged_with_links_between_pages(client, make_story, world):
    now = timezone.now()
    stories = [
        make_story(f"Story {n}", published=True, published_at=now - timedelta(minutes=n))
        for n in range(PAGE_SIZE + 3)
    ]

    first = get_page(client, world.get_absolute_url())
    second = get_page(client, f"{world.get_absolute_url()}?page=2")

    assert card_headlines(first.one("main")) == [s.headline for s in stories[:PAGE_SIZE]]
    assert card_headlines(second.one("main")) == [s.headline for s in stories[PAGE_SIZE:]]
    pages = first.one("nav", aria_label="Pages")
    assert pages.one("a", rel="next").attrs["href"] == f"{world.get_absolute_url()}?page=2"
    # Page 1 is the section's own address, which is also its canonical one.
    back = second.one("nav", aria_label="Pages").one("a", rel="prev")
    assert back.attrs["href"] == world.get_absolute_url()
    assert second.one("link", rel="canonical").attrs["href"].endswith("?page=2")
    assert "page 2" in second.one("title").text()


@pytest.mark.parametrize("page", ["0", "3", "last-but-one", "-1"])
def test_a_page_that_does_not_exist_is_not_found(client, make_story, world, page):
    make_story("The only story", published=True)

    assert client.get(f"{world.get_absolute_url()}?page={page}").status_code == 404


def test_an_empty_section_says_so_and_has_no_pages(client, world):
    page = get_page(client, world.get_absolute_url())

    assert "No stories in this section yet." in page.one("main").text()
    assert not list(page.all("nav", aria_label="Pages"))


def test_unknown_sections_are_not_found(client, world):
    assert client.get("/no-such-section/").status_code == 404
    assert client.get(f"{world.get_absolute_url()}no-such-child/").status_code == 404


def test_the_query_count_does_not_depend_on_how_many_stories_the_front_shows(
    client, make_story, world, europe, django_assert_num_queries
):
    make_story("Only one", section=europe, published=True)
    client.get(world.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(world.get_absolute_url())

    for n in range(PAGE_SIZE + 5):
        story = make_story(f"Story {n}", section=[world, europe][n % 2], published=True)
        for i in range(n % 3):
            Citation.objects.create(
                story=story, position=i, title="Source", url=f"https://example.org/{n}/{i}"
            )
    Section.objects.create(name="Nordics", slug="nordics", parent=world)

    with django_assert_num_queries(len(few)):
        page = get_page(client, world.get_absolute_url())
    assert len(card_headlines(page.one("main"))) == PAGE_SIZE


def test_the_header_marks_the_top_level_section_of_a_front_or_story_as_current(
    client, make_story, world, europe, sport
):
    story = make_story("In Europe", section=europe, published=True)

    # "page" only where the link is the page itself; "true" for the section one is in.
    for url, current in [
        (world.get_absolute_url(), "page"),
        (europe.get_absolute_url(), "true"),
        (story.get_absolute_url(), "true"),
    ]:
        nav = get_page(client, url).one("nav", aria_label="Sections")
        assert nav.one("a", aria_current=current).text() == world.name, url
