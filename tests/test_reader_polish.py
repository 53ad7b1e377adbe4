"""What the audit of the reader's site found, fixed: what cards and story pages say, the
withdrawn page, feeds that stand on their own, and headlines that break only between words."""

from datetime import timedelta

import feedparser
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from stories.models import Citation, Story
from stories.templatetags.reader import headline_text, machine_time
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporter(db):
    return get_user_model().objects.create_user("reporter", first_name="Rita", last_name="Porter")


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return parse_html(response.content.decode())


def test_a_card_without_sources_says_nothing_about_sources(client, make_story, world):
    unsourced = make_story("Harbour opens", published=True)
    sourced = make_story("Harbour closes", published=True)
    Citation.objects.create(story=sourced, position=0, title="Port", url="https://example.org/")

    page = page_of(client, world.get_absolute_url())

    texts = {
        story.headline: next(
            card
            for card in page.all("article")
            if story.headline in card.one(None, **{"class": "card-headline"}).text()
        ).text()
        for story in (unsourced, sourced)
    }
    assert "source" not in texts[unsourced.headline]
    assert "1 source" in texts[sourced.headline]


def test_the_story_line_is_shown_without_a_newsroom_label(client, make_story):
    story = make_story("Ceasefire talks resume", story_line="Gaza ceasefire talks", published=True)

    header = page_of(client, story.get_absolute_url()).one("header", **{"class": "story-header"})

    assert header.one("p", **{"class": "story-line"}).text() == "Gaza ceasefire talks"
    assert "Story:" not in header.text()


@pytest.mark.parametrize(
    ("headline", "kept"),
    [
        ("Car-Free Sundays on Market Street", ["Car-Free"]),
        ("A pro-EU vote & a well-known mayor", ["pro-EU", "well-known"]),
        ("No hyphens at all", []),
        ("<b>Bold-face</b>", ["&lt;b&gt;Bold-face&lt;/b&gt;"]),
    ],
)
def test_headlines_keep_hyphenated_words_on_one_line(headline, kept):
    html = str(headline_text(headline))

    assert [part.split("</span>")[0] for part in html.split('<span class="nowrap">')[1:]] == kept
    assert "<b>" not in html


def test_headlines_on_the_page_keep_hyphenated_words_whole(client, make_story, world):
    story = make_story("Car-Free Sundays", published=True)

    for url in (story.get_absolute_url(), world.get_absolute_url(), reverse("stories:home")):
        page = page_of(client, url)
        spans = [s.text() for s in page.all("span", **{"class": "nowrap"})]
        assert "Car-Free" in spans, url


def test_atom_author_links_are_absolute(client, make_story, reporter):
    story = make_story("Ferries go electric", published=True)
    story.authors.add(reporter)

    feed = feedparser.parse(client.get(reverse("stories:feed-atom")).content)

    (entry,) = feed.entries
    assert entry.author_detail.href.startswith("http://testserver/authors/")


def test_a_search_feed_names_itself_with_its_query(client, make_story):
    make_story("Ferries go electric", published=True)

    response = client.get(reverse("stories:search-feed"), {"q": "ferries"})
    feed = feedparser.parse(response.content)

    (self_link,) = [link for link in feed.feed.links if link.rel == "self"]
    assert self_link.href == "http://testserver/search/feed.rss?q=ferries"


def test_the_withdrawn_page_says_which_story_by_its_address_and_dates_not_its_text(
    client, make_story
):
    story = make_story("Retracted claim", published=True)
    story.change_status(Story.Status.WITHDRAWN)
    withdrawn_at = story.status_changes.get(to_status=Story.Status.WITHDRAWN).at

    response = client.get(story.get_absolute_url())

    assert response.status_code == 410
    main = parse_html(response.content.decode()).one("main")
    assert main.one("span", **{"class": "withdrawn-address"}).text() == story.get_absolute_url()
    published, withdrawn = [time.attrs["datetime"] for time in main.all("time")]
    assert published == machine_time(story.published_at)
    assert withdrawn == machine_time(withdrawn_at)
    # What it said stays withdrawn (tests/test_draft_secrecy.py).
    assert "Retracted claim" not in response.content.decode()


def test_every_story_is_reachable_from_the_list_of_all_stories(client, make_story):
    now = timezone.now()
    unfiled = make_story("Unfiled", published=True, published_at=now - timedelta(days=2))
    unfiled.section = None
    unfiled.save()
    for n in range(25):
        make_story(f"Story {n}", published=True, published_at=now - timedelta(hours=n))

    home = page_of(client, reverse("stories:home"))
    (more,) = [a for a in home.all("a") if a.attrs.get("href") == reverse("stories:latest")]
    last = page_of(client, reverse("stories:latest") + "?page=2")

    assert more.text() == "All stories"
    assert "Unfiled" in last.text()


def test_an_image_made_before_the_4_3_crop_existed_gains_it_when_saved(settings, tmp_path):
    from stories.models import Image
    from tests.images_support import image_bytes, upload

    settings.MEDIA_ROOT = tmp_path / "media"
    image = Image.objects.create_from_upload(
        upload(image_bytes("JPEG", size=(1600, 1000))), alt_text="A quay"
    )
    lead = image.rendition_list("lead")
    # As an image made before the "card" use was added had it.
    del image.renditions["uses"]["card"]
    Image.objects.filter(pk=image.pk).update(renditions=image.renditions)
    image.refresh_from_db()
    assert image.rendition_list("card") == []

    image.save()

    image.refresh_from_db()
    assert [(e["width"], e["height"]) for e in image.rendition_list("card")][-1] == (1200, 900)
    assert image.rendition_list("lead") == lead  # the files it had are kept
