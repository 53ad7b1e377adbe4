"""Type of work (the Trust Project's indicator): news, analysis, opinion, explainer or
live, chosen by editors and told to readers on cards and story pages, in feeds, the news
sitemap and the structured data."""

import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.urls import reverse

from stories.feeds import SCHEMA_ORG
from stories.models import Story
from tests.test_story_page import get_page, parse_html
from tests.test_structured_data import extract

pytestmark = pytest.mark.django_db

KINDS = Story.TypeOfWork
SCHEMA = {
    KINDS.NEWS: "NewsArticle",
    KINDS.ANALYSIS: "AnalysisNewsArticle",
    KINDS.OPINION: "OpinionNewsArticle",
    KINDS.EXPLAINER: "BackgroundNewsArticle",
    KINDS.LIVE: "LiveBlogPosting",
}


@pytest.fixture
def stories(make_story):
    """One published story of each type of work."""
    return {
        kind: make_story(f"A story of {kind.label}", type_of_work=kind, published=True)
        for kind in KINDS
    }


def test_a_new_story_is_news_until_an_editor_says_otherwise(make_story):
    story = make_story("Harbour reopens")

    assert story.type_of_work == KINDS.NEWS
    assert story.schema_type == "NewsArticle"


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_story_page_labels_its_type_of_work_above_the_headline(client, stories, kind):
    page = get_page(client, stories[kind])
    header = page.one("header", **{"class": "story-header"})

    label = header.one("span", **{"class": f"type-of-work type-of-work-{kind.value}"})
    assert label.text() == kind.label
    assert header.text().index(kind.label) < header.text().index(stories[kind].headline)


def test_cards_label_every_type_but_plain_news(client, stories):
    response = client.get(reverse("stories:home"))
    page = parse_html(response.content.decode())

    labels = {}
    for card in page.all("article"):
        if "story-card" not in card.attrs.get("class", ""):
            continue
        headline = card.one(**{"class": "card-headline"}).text()
        found = [s.text() for s in card.all("span") if "type-of-work" in s.attrs.get("class", "")]
        labels[headline] = found
    assert labels == {
        story.headline: ([] if kind == KINDS.NEWS else [kind.label])
        for kind, story in stories.items()
    }


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_structured_data_has_the_schema_org_type_of_the_work(client, stories, kind):
    _, data = extract(client, stories[kind].get_absolute_url())
    # The page's one article among its other items (the site, the breadcrumb trail).
    (article,) = [item for item in data["json-ld"] if "headline" in item]
    assert article["@type"] == SCHEMA[kind]


@pytest.mark.parametrize("fmt", ["feed-rss", "feed-atom"])
def test_feed_items_carry_the_type_as_a_schema_org_category(client, stories, fmt):
    parsed = feedparser.parse(client.get(reverse(f"stories:{fmt}")).content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")

    by_title = {entry.title: entry for entry in parsed.entries}
    for kind, story in stories.items():
        types = [t.term for t in by_title[story.headline].tags if t.scheme == SCHEMA_ORG]
        assert types == [SCHEMA[kind]]
    if fmt == "feed-atom":
        analysis = by_title[stories[KINDS.ANALYSIS].headline]
        assert [t.label for t in analysis.tags if t.scheme == SCHEMA_ORG] == ["Analysis"]


def test_the_news_sitemap_gives_opinion_its_genre_and_only_opinion(client, stories):
    response = client.get("/sitemap-news.xml")
    assert response.status_code == 200
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "news": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    root = ET.fromstring(response.content)

    genres = {
        url.find("news:news/news:title", ns).text: url.findtext("news:news/news:genres", None, ns)
        for url in root.findall("s:url", ns)
    }
    assert genres == {
        story.headline: ("Opinion" if kind == KINDS.OPINION else None)
        for kind, story in stories.items()
    }


def test_a_form_posted_without_a_type_keeps_the_storys(client, make_story, django_user_model):
    from django.contrib.auth.models import Group

    from tests.test_admin import form_data

    editor = django_user_model.objects.create_user("edna", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    client.force_login(editor)
    story = make_story("An analysis", type_of_work=KINDS.ANALYSIS)
    url = reverse("admin:stories_story_change", args=[story.pk])
    data = form_data(client.get(url))
    del data["type_of_work"]

    assert client.post(url, {**data, "dek": "Changed."}).status_code == 302
    story.refresh_from_db()
    assert (story.dek, story.type_of_work) == ("Changed.", KINDS.ANALYSIS)

    data = form_data(client.get(url))
    data["type_of_work"] = "gossip"
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "gossip is not one of the available choices" in str(
        refused.context["adminform"].form.errors["type_of_work"]
    )
