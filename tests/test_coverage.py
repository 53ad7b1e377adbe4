"""The coverage panel: how many sources from how many publishers over which dates, with
the sources grouped by publisher, on story pages and in the feeds' data."""

import xml.etree.ElementTree as ET
from datetime import date

import feedparser
import pytest
from django.urls import reverse

from stories.coverage import Coverage
from stories.feeds import NEWSROOM_NS
from stories.models import Citation
from stories.views import get_story_or_404
from tests.test_story_page import get_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(make_story):
    """A story citing four articles by three publishers over three days: one publisher
    named twice in different case, and one article with no publisher named."""
    story = make_story("Ceasefire talks resume", published=True)
    cited = [
        ("Talks to resume", "https://post.example.org/a", "Example Post", date(2025, 7, 3)),
        ("Mediators hopeful", "https://wire.example.net/b", "Wire Service", date(2025, 7, 1)),
        ("Delegations arrive", "https://post.example.org/c", "example post", None),
        ("What we know", "https://www.daily.example.com/d", "", date(2025, 7, 2)),
    ]
    for position, (title, url, publisher, published_on) in enumerate(cited):
        Citation.objects.create(
            story=story, position=position, title=title, url=url,
            publisher_name=publisher, published_on=published_on,
        )  # fmt: skip
    return story


def test_coverage_counts_sources_publishers_and_the_span_of_their_dates(story):
    coverage = story.coverage()

    assert isinstance(coverage, Coverage)
    assert (coverage.sources, coverage.publishers) == (4, 3)
    assert (coverage.first_date, coverage.last_date) == (date(2025, 7, 1), date(2025, 7, 3))
    assert coverage.summary() == "4 sources from 3 publishers, 1 July 2025 to 3 July 2025"


def test_sources_are_grouped_by_publisher_largest_group_first_in_the_storys_order(story):
    groups = [(g.name, [c.title for c in g.citations]) for g in story.coverage().by_publisher]

    # A publisher named in two cases is one publisher; an article with none is its site's.
    assert groups == [
        ("Example Post", ["Talks to resume", "Delegations arrive"]),
        ("daily.example.com", ["What we know"]),
        ("Wire Service", ["Mediators hopeful"]),
    ]


def test_a_story_without_sources_has_no_coverage_and_no_panel(client, make_story):
    story = make_story("Quiet day", published=True)

    assert not story.coverage()
    assert story.coverage().summary() == "0 sources from 0 publishers"
    assert not list(get_page(client, story).all("section", **{"class": "coverage"}))


def test_the_story_page_shows_the_panel_after_the_source_list(client, story):
    page = get_page(client, story)
    panel = page.one("section", **{"class": "coverage"})

    assert panel.one("p", **{"class": "coverage-summary"}).text() == (
        "4 sources from 3 publishers, 1 July 2025 to 3 July 2025"
    )
    times = [t.attrs["datetime"] for t in panel.one("p").all("time")]
    assert times == ["2025-07-01", "2025-07-03"]
    groups = [
        (li.one("span", **{"class": "publisher-name"}).text(), [a.text() for a in li.all("a")])
        for li in panel.one("ul", **{"class": "publisher-list"}).children
        if getattr(li, "tag", None) == "li"
    ]
    assert groups == [
        (g.name, [c.title for c in g.citations]) for g in story.coverage().by_publisher
    ]
    text = page.one("article").text()
    assert text.index("Source Articles") < text.index("4 sources from 3 publishers")


def test_the_panel_reads_the_citations_the_page_has_already(story, django_assert_num_queries):
    page_story = get_story_or_404(None, story.slug)

    with django_assert_num_queries(0):
        coverage = page_story.coverage()
    assert coverage == story.coverage()


@pytest.mark.parametrize(
    ("fmt", "item"), [("feed-rss", "channel/item"), ("feed-atom", "atom:entry")]
)
def test_feed_items_carry_the_coverage(client, story, fmt, item):
    response = client.get(reverse(f"stories:{fmt}"))
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")

    root = ET.fromstring(response.content)
    (entry,) = root.findall(item, {"atom": "http://www.w3.org/2005/Atom"})
    coverage = entry.find(f"{{{NEWSROOM_NS}}}coverage")
    assert coverage.attrib == {
        "sources": "4", "publishers": "3", "from": "2025-07-01", "to": "2025-07-03"
    }  # fmt: skip
    publishers = [(p.text, p.attrib["sources"]) for p in coverage]
    assert publishers == [(g.name, str(len(g.citations))) for g in story.coverage().by_publisher]
