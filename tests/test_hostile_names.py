"""Any name an editor gives a tag, section, entity, publisher, thread or author leaves every
public page working.

Tags whose names slugify to nothing ("???", "«»", "—", emoji) get a slug all the same,
unique however many there are; a property test renders every public page, feed and
sitemap for names drawn from all of Unicode.
"""

import feedparser
import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taggit.models import Tag

from stories import search
from stories.models import Citation, Entity, Mention, Section, Thread
from stories.sitemaps import SITEMAPS
from stories.tagging import SLUG_LENGTH
from stories.views import author_url

pytestmark = pytest.mark.django_db

NAME_LENGTH = Tag._meta.get_field("name").max_length


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.NEWSROOM_PAGE_CACHE = False


@pytest.mark.parametrize(
    "name", ["???", "!!!", "«»", "—", "🔥", "🇺🇦", "日本", "x" * NAME_LENGTH, "-" * NAME_LENGTH]
)
def test_a_tag_of_any_name_gets_a_slug_its_page_and_feed_answer_to(client, make_story, name):
    story = make_story("Tagged", published=True)
    story.tags.add(name)

    tag = Tag.objects.get(name=name)
    assert tag.slug
    assert len(tag.slug) <= SLUG_LENGTH
    tag_url = reverse("stories:tag", kwargs={"slug": tag.slug})
    assert client.get(tag_url).status_code == 200
    feed = reverse("stories:tag-feed-rss", kwargs={"slug": tag.slug})
    assert client.get(feed).status_code == 200
    for linking in (story.get_absolute_url(), reverse("sitemap-section", args=["tags"])):
        response = client.get(linking)
        assert response.status_code == 200, linking
        assert tag_url in response.content.decode(), linking


def test_tags_whose_names_slugify_alike_get_slugs_of_their_own(make_story):
    story = make_story("Tagged")
    names = ["???", "!!!", "«»", "—", "🔥", "a" * NAME_LENGTH, "A" * NAME_LENGTH, "A" * 99 + "!"]

    story.tags.add(*names)

    slugs = dict(Tag.objects.values_list("name", "slug"))
    assert sorted(slugs) == sorted(names)
    assert len(set(slugs.values())) == len(names)
    assert all(0 < len(slug) <= SLUG_LENGTH for slug in slugs.values())


def test_a_slug_typed_for_a_tag_is_kept():
    tag = Tag.objects.create(name="???", slug="question-marks")

    tag.refresh_from_db()
    assert tag.slug == "question-marks"


def test_a_story_page_and_tag_sitemap_work_even_for_a_tag_left_without_a_slug(client, make_story):
    """A tag saved before slugs were made here: migration 0011 mends it; pages do not need it."""
    story = make_story("Tagged", published=True)
    story.tags.add("???")
    Tag.objects.filter(name="???").update(slug="")

    assert client.get(story.get_absolute_url()).status_code == 200
    assert client.get(reverse("sitemap-section", kwargs={"section": "tags"})).status_code == 200


# Any text an admin form accepts: every code point but NUL (which forms refuse) and
# lone surrogates (which no encoding carries), stripped of surrounding space as forms do.
names = (
    st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=100)
    .map(str.strip)
    .filter(bool)
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tag=names, section=names, entity=names, publisher=names, thread=names, author=names)
def test_any_names_render_every_public_page_feed_and_sitemap(
    client, make_story, world, tag, section, entity, publisher, thread, author
):
    with transaction.atomic():
        desk = Section.objects.create(
            name=section, slug=slugify(section)[:50] or "desk", parent=world
        )
        story = make_story("Named", section=desk, published=True)
        story.tags.add(tag)
        named = Entity.objects.create(name=entity[:200])
        Mention.objects.create(story=story, entity=named)
        Citation.objects.create(
            story=story,
            title="A source",
            url="https://example.org/a",
            publisher_name=publisher,
        )
        story.thread = Thread.objects.create(name=thread)
        story.save()
        writer = get_user_model().objects.create_user("writer", first_name=author[:150])
        story.authors.add(writer)
        slug = Tag.objects.get(name=tag).slug
        # The index is written when a transaction commits, and this one is rolled back.
        search.index_stories([story.pk])
        pages = [
            "/",
            story.get_absolute_url(),
            world.get_absolute_url(),
            desk.get_absolute_url(),
            named.get_absolute_url(),
            reverse("stories:tag", kwargs={"slug": slug}),
            story.thread.get_absolute_url(),
            author_url(writer),
            reverse("stories:search") + "?q=named",
            reverse("sitemap-index"),
            reverse("sitemap-news"),
            *(reverse("sitemap-section", kwargs={"section": name}) for name in SITEMAPS),
        ]
        feeds = [
            reverse("stories:feed-rss"),
            reverse("stories:section-feed-atom", kwargs={"path": desk.path}),
            reverse("stories:entity-feed-rss", kwargs={"slug": named.slug}),
            reverse("stories:tag-feed-atom", kwargs={"slug": slug}),
            reverse("stories:thread-feed-rss", kwargs={"slug": story.thread.slug}),
            reverse("stories:author-feed-atom", kwargs={"pk": writer.pk}),
            reverse("stories:search-feed") + "?q=named",
        ]
        for url in pages + feeds:
            response = client.get(url)
            assert response.status_code == 200, url
        for url in feeds:
            parsed = feedparser.parse(client.get(url).content)
            assert parsed.bozo == 0, f"{url}: {parsed.get('bozo_exception')}"
            assert [entry.title for entry in parsed.entries] == ["Named"], url
        transaction.set_rollback(True)
