"""Lead images on the reader's pages, in feeds and in link previews, at no query per image."""

import json
from datetime import timedelta

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories.models import Image, Story
from tests.images_support import image_bytes, upload
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db

LISTING_SIZE = 30


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NEWSROOM_PAGE_CACHE = False  # every request renders, so the queries are counted
    return settings.MEDIA_ROOT


def new_image(n=0, size=(480, 300), **fields):
    fields.setdefault("alt_text", f"Picture {n}")
    data = image_bytes("JPEG", size=size)
    return Image.objects.create_from_upload(upload(data, f"picture-{n}.jpg"), **fields)


@pytest.fixture
def photo():
    return new_image(
        size=(1600, 1000),
        alt_text="Two electric ferries at the quay",
        caption="The first electric ferries at Harbour Quay.",
        credit="Ana Ruiz",
        copyright_holder="Harbour Press",
    )


def publish_listing(make_story, *, with_images):
    now = timezone.now()
    for n in range(LISTING_SIZE):
        make_story(
            f"Story {n}",
            published=True,
            published_at=now - timedelta(minutes=n + 1),
            lead_image=new_image(n) if with_images else None,
        )


def only(elements):
    (element,) = elements
    return element


def by_class(root, tag, css_class):
    """The `tag` elements under `root` that have the class `css_class`."""
    return [e for e in root.all(tag) if css_class in e.attrs.get("class", "").split()]


def queries_for(client, url):
    client.get(url)  # anything cached once per process is cached from here on
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


@pytest.mark.parametrize("page", ["home", "section"])
def test_a_listing_costs_the_same_queries_with_30_lead_images_as_with_none(
    client, make_story, world, page, django_assert_num_queries
):
    url = reverse("stories:home") if page == "home" else world.get_absolute_url()
    publish_listing(make_story, with_images=False)
    without_images, html = queries_for(client, url)
    assert "<picture" not in html

    for story in world.stories.all():
        story.lead_image = new_image(story.pk)
        story.save()

    client.get(url)
    with django_assert_num_queries(without_images):
        response = client.get(url)
    assert response.content.decode().count("<picture") >= 10


def test_a_story_page_shows_its_lead_image_with_caption_and_credit(client, make_story, photo):
    story = make_story("Ferries go electric", published=True, lead_image=photo)

    page = parse_html(client.get(story.get_absolute_url()).content.decode())

    figure = only(by_class(page, "figure", "lead-image"))
    source = figure.one("picture").one("source")
    assert source.attrs["type"] == "image/webp"
    widths = [entry["width"] for entry in photo.rendition_list("lead")]
    assert widths == [480, 800, 1200, 1600]
    assert source.attrs["srcset"] == ", ".join(
        f"{entry['webp']['url']} {entry['width']}w" for entry in photo.rendition_list("lead")
    )
    img = figure.one("picture").one("img")
    assert img.attrs["srcset"] == ", ".join(
        f"{entry['jpeg']['url']} {entry['width']}w" for entry in photo.rendition_list("lead")
    )
    assert img.attrs["sizes"] == source.attrs["sizes"]
    assert (img.attrs["width"], img.attrs["height"]) == ("1600", "900")
    assert img.attrs["alt"] == "Two electric ferries at the quay"
    assert img.attrs["loading"] == "eager"  # the first thing a reader sees
    caption = figure.one("figcaption").text()
    assert "The first electric ferries at Harbour Quay." in caption
    assert "Ana Ruiz" in caption
    assert "© Harbour Press" in caption


def test_a_story_page_without_a_lead_image_has_no_figure(client, make_story):
    story = make_story("Ferries go electric", published=True)

    html = client.get(story.get_absolute_url()).content.decode()

    assert "<picture" not in html
    # Link previews still have a picture: the site's own.
    page = parse_html(html)
    og_image = [m for m in page.all("meta") if m.attrs.get("property") == "og:image"]
    assert [m.attrs["content"] for m in og_image] == [
        "http://testserver/static/site/share-16x9.png"
    ]


def test_listing_thumbnails_load_lazily_and_the_featured_lead_at_once(client, make_story, photo):
    now = timezone.now()
    make_story("Older", published=True, published_at=now - timedelta(hours=2), lead_image=photo)
    make_story("Newest", published=True, published_at=now - timedelta(hours=1), lead_image=photo)

    # A section front: its lead, then the rest as cards with thumbnails.
    page = parse_html(
        client.get(photo.lead_stories.first().section.get_absolute_url()).content.decode()
    )

    lead = only(by_class(page, "article", "story-card-lead")).one("picture").one("img")
    assert lead.attrs["loading"] == "eager"
    assert lead.attrs["src"] in [entry["jpeg"]["url"] for entry in photo.rendition_list("lead")]
    thumbnails = [picture.one("img") for picture in by_class(page, "picture", "card-thumbnail")]
    assert thumbnails
    assert {img.attrs["loading"] for img in thumbnails} == {"lazy"}
    largest_square = photo.rendition_list("thumbnail")[-1]["width"]
    assert thumbnails[0].attrs["width"] == thumbnails[0].attrs["height"] == str(largest_square)


def test_link_previews_and_json_ld_use_the_lead_crop(client, make_story, photo):
    story = make_story("Ferries go electric", published=True, lead_image=photo)

    html = client.get(story.get_absolute_url()).content.decode()
    page = parse_html(html)

    shared = photo.share_rendition()
    assert (shared["width"], shared["height"]) == (1200, 675)
    expected = f"http://testserver{shared['url']}"
    og_image = [m for m in page.all("meta") if m.attrs.get("property") == "og:image"]
    assert [m.attrs["content"] for m in og_image] == [expected]
    article = json.loads(next(page.all("script", type="application/ld+json")).text())
    # The 16:9 crop, the 4:3 and the square, each about 1200 pixels wide where it can be.
    nearest = [
        min(photo.rendition_list(use), key=lambda entry: abs(entry["width"] - 1200))
        for use in ("lead", "card", "thumbnail")
    ]
    assert [(entry["width"], entry["height"]) for entry in nearest] == [
        (1200, 675), (1200, 900), (480, 480)
    ]  # fmt: skip
    assert article["image"] == [f"http://testserver{entry['jpeg']['url']}" for entry in nearest]


def test_feeds_carry_the_lead_image_as_an_enclosure(client, make_story, photo):
    make_story("Ferries go electric", published=True, lead_image=photo)
    make_story("No picture", published=True)
    shared = photo.share_rendition()

    for name in ["stories:feed-rss", "stories:feed-atom"]:
        feed = feedparser.parse(client.get(reverse(name)).content)
        assert not feed.bozo, name
        by_title = {entry.title: entry for entry in feed.entries}
        (enclosure,) = by_title["Ferries go electric"].enclosures
        assert enclosure.href == f"http://testserver{shared['url']}"
        assert enclosure.type == "image/jpeg"
        assert int(enclosure.length) == shared["bytes"]
        assert by_title["No picture"].enclosures == []


def test_importing_a_story_again_keeps_the_lead_image_set_in_the_admin(make_story, photo):
    story = make_story("Ferries go electric", import_name="ferries.txt", lead_image=photo)
    document = story.to_document()
    document.dek = "A new dek from the text file."

    Story.objects.import_document(document, name="ferries.txt")

    story.refresh_from_db()
    assert story.dek == "A new dek from the text file."
    assert story.lead_image == photo
