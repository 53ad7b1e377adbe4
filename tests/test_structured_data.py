"""What search engines and social sites read: JSON-LD NewsArticle, OpenGraph, Twitter cards,
canonical links and meta descriptions."""

import json

import extruct
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from stories.models import Citation, Entity, Mention
from stories.templatetags import reader
from stories.views import author_url
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db

BASE = "http://testserver"


def machine_time(value):
    return reader.machine_time(value)


@pytest.fixture
def story(make_story, world):
    story = make_story(
        "Ceasefire talks resume in Doha",
        title="Ceasefire Talks Resume: the SEO title",
        dek="Negotiators return after a week's pause.",
        published=True,
    )
    qatar = Entity.objects.create(
        name="Qatar", kind=Entity.Kind.PLACE, wikidata_id="Q846", description="A Gulf state."
    )
    hamas = Entity.objects.create(name="Hamas", kind=Entity.Kind.ORGANIZATION)
    mediator = Entity.objects.create(name="Jane Mediator", kind=Entity.Kind.PERSON)
    Mention.objects.create(story=story, entity=qatar, in_headline=True, salience=0.9)
    Mention.objects.create(story=story, entity=hamas, salience=0.5)
    Mention.objects.create(story=story, entity=mediator, salience=0.2)
    Citation.objects.create(
        story=story, position=0, title="Talks to resume", url="https://news.example.org/a",
        publisher_name="Example Post", published_on="2025-07-01",
    )  # fmt: skip
    Citation.objects.create(
        story=story, position=1, title="Mediators hopeful", url="https://wire.example.org/b"
    )
    story.tags.add("diplomacy", "Gaza")
    story.authors.add(
        get_user_model().objects.create_user("reporter", first_name="Rita", last_name="Porter"),
        get_user_model().objects.create_user("stringer"),
    )
    story.refresh_from_db()
    return story


def extract(client, url, syntaxes=("json-ld", "opengraph")):
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    return html, extruct.extract(html, base_url=BASE + url, syntaxes=list(syntaxes))


def of_type(data, kind):
    (found,) = [item for item in data["json-ld"] if item["@type"] == kind]
    return found


def news_article(client, story):
    _, data = extract(client, story.get_absolute_url())
    return of_type(data, "NewsArticle")


def site_image(name):
    return f"{BASE}/static/site/{name}"


def test_a_story_page_is_a_news_article_with_every_field(client, story, world, settings):
    article = news_article(client, story)
    url = BASE + story.get_absolute_url()

    assert article["@context"] == "https://schema.org"
    assert article["@type"] == "NewsArticle"
    assert article["url"] == article["mainEntityOfPage"] == url
    assert article["headline"] == story.headline
    assert article["description"] == story.dek
    assert article["datePublished"] == machine_time(story.published_at)
    # Nothing in the story's public log yet: modified when published (tests/test_update_log.py).
    assert article["dateModified"] == machine_time(story.published_at)
    assert article["articleSection"] == world.name
    assert article["inLanguage"] == settings.LANGUAGE_CODE
    assert article["author"] == [
        {"@type": "Person", "name": a.get_full_name() or a.username, "url": BASE + author_url(a)}
        for a in story.authors.all()
    ]
    assert article["publisher"] == {
        "@type": "NewsMediaOrganization",
        "name": settings.NEWSROOM_SITE_NAME,
        "url": BASE + reverse("stories:home"),
        "logo": {
            "@type": "ImageObject",
            "url": site_image("logo.png"),
            "width": 512,
            "height": 512,
        },
    }
    assert sorted(article["keywords"]) == sorted(t.name for t in story.tags.all())
    # Without a picture of its own, a story is shown with the site's, in every crop.
    assert article["image"] == [
        site_image("share-16x9.png"), site_image("share-4x3.png"), site_image("share-1x1.png")
    ]  # fmt: skip


def test_the_site_pictures_and_logo_are_the_sizes_they_are_said_to_be(settings):
    from PIL import Image as Picture

    folder = settings.BASE_DIR / "static"
    sizes = {name: Picture.open(folder / path).size for name, path in reader.SITE_IMAGES.items()}
    assert sizes == {"16:9": (1200, 675), "4:3": (1200, 900), "1:1": (1200, 1200)}
    logo, width, height = reader.SITE_LOGO
    assert Picture.open(folder / logo).size == (width, height)


def test_a_story_page_says_where_it_sits_as_a_breadcrumb_list(client, story, world):
    europe = world.children.create(name="Europe", slug="europe")
    story.section = europe
    story.save()

    _, data = extract(client, story.get_absolute_url())

    crumbs = of_type(data, "BreadcrumbList")["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Newsroom", BASE + "/"),
        (2, "World", BASE + world.get_absolute_url()),
        (3, "Europe", BASE + europe.get_absolute_url()),
        (4, story.headline, BASE + story.get_absolute_url()),
    ]


def test_entities_named_in_the_headline_are_what_it_is_about_the_rest_mentions(client, story):
    article = news_article(client, story)

    assert article["about"] == [
        {
            "@type": "Place",
            "name": "Qatar",
            "url": BASE + Entity.objects.get(name="Qatar").get_absolute_url(),
            "description": "A Gulf state.",
            "sameAs": "https://www.wikidata.org/wiki/Q846",
        }
    ]
    assert [(m["@type"], m["name"]) for m in article["mentions"]] == [
        ("Organization", "Hamas"),
        ("Person", "Jane Mediator"),
    ]
    assert all("sameAs" not in m for m in article["mentions"])


def test_the_sources_are_what_it_is_based_on_in_the_storys_order(client, story):
    article = news_article(client, story)

    assert article["isBasedOn"] == [
        {
            "@type": "CreativeWork",
            "name": "Talks to resume",
            "url": "https://news.example.org/a",
            "publisher": {"@type": "Organization", "name": "Example Post"},
            "datePublished": "2025-07-01",
        },
        {
            "@type": "CreativeWork",
            "name": "Mediators hopeful",
            "url": "https://wire.example.org/b",
        },
    ]


def test_a_lead_image_is_the_articles_image_and_the_cards_picture(client, story, monkeypatch):
    monkeypatch.setattr(reader, "story_image_url", lambda story: "/media/lead.jpg")

    html, data = extract(client, story.get_absolute_url())

    (og,) = data["opengraph"]
    assert (("og:image", f"{BASE}/media/lead.jpg")) in og["properties"]
    head = parse_html(html).one("head")
    assert head.one("meta", name="twitter:card").attrs["content"] == "summary_large_image"
    assert head.one("meta", name="twitter:image").attrs["content"] == f"{BASE}/media/lead.jpg"


@pytest.mark.parametrize(
    "headline",
    [
        "</script><script>alert('x')</script>",
        "Ampersands & <angle brackets> and “quotes”",
        "<!-- a comment opener",
    ],
)
def test_no_headline_can_break_out_of_the_json_ld(client, make_story, headline):
    story = make_story(headline, published=True)

    response = client.get(story.get_absolute_url())

    page = parse_html(response.content.decode())
    scripts = list(page.all("script"))
    assert all(script.attrs == {"type": "application/ld+json"} for script in scripts)
    assert json.loads(scripts[0].text())["headline"] == headline
    assert json.loads(scripts[1].text())["itemListElement"][-1]["name"] == headline
    assert all("<" not in script.text() and ">" not in script.text() for script in scripts)


def test_a_story_page_has_opengraph_and_twitter_card_tags(client, story, settings):
    html, data = extract(client, story.get_absolute_url())

    (og,) = data["opengraph"]
    properties = dict(og["properties"])
    url = BASE + story.get_absolute_url()
    assert properties["og:type"] == "article"
    assert properties["og:title"] == story.title
    assert properties["og:description"] == story.dek
    assert properties["og:url"] == url
    assert properties["og:site_name"] == settings.NEWSROOM_SITE_NAME
    assert properties["article:published_time"] == machine_time(story.published_at)
    assert properties["article:section"] == story.section.name
    assert sorted(v for k, v in og["properties"] if k == "article:tag") == sorted(
        t.name for t in story.tags.all()
    )
    head = parse_html(html).one("head")
    # A story without a picture of its own is shared with the site's.
    assert properties["og:image"] == site_image("share-16x9.png")
    assert head.one("meta", name="twitter:card").attrs["content"] == "summary_large_image"
    assert head.one("meta", name="twitter:title").attrs["content"] == story.title
    assert head.one("meta", name="twitter:description").attrs["content"] == story.dek
    assert head.one("link", rel="canonical").attrs["href"] == url
    assert head.one("meta", name="description").attrs["content"] == story.dek


def test_every_listing_has_a_canonical_link_description_and_opengraph(client, story, world):
    tag = story.tags.first()
    entity = Entity.objects.get(name="Qatar")
    pages = {
        reverse("stories:home"): None,
        world.get_absolute_url(): world.name,
        entity.get_absolute_url(): entity.name,
        reverse("stories:tag", kwargs={"slug": tag.slug}): tag.name,
        author_url(story.authors.get(username="reporter")): "Rita Porter",
    }
    for url, title in pages.items():
        html, data = extract(client, url)
        head = parse_html(html).one("head")
        assert head.one("link", rel="canonical").attrs["href"] == BASE + url
        assert head.one("meta", name="description").attrs["content"], url
        properties = dict(data["opengraph"][0]["properties"])
        assert properties["og:url"] == BASE + url
        if title:
            assert properties["og:title"] == title
            assert title in head.one("title").text()
        # What the page lists, in order, as an ItemList.
        listed = of_type(data, "ItemList")
        assert [item["url"] for item in listed["itemListElement"]] == [
            BASE + story.get_absolute_url()
        ], url
