"""Draft secrecy: nothing a reader can reach ever shows a story that is not published.

Hypothesis makes newsrooms of stories in every state and at every time: drafts, stories
in review or approved (some published once before), stories scheduled for later, stories
withdrawn, and published ones, sharing sections, tags, entities, an author and sources.
Every text of a story carries its own random token. Then an anonymous reader walks
every public surface: the fronts, section, entity, tag and author pages, each story's
page (related stories and JSON-LD included) and its 404/410, the feeds, the sitemaps,
search and its feed, robots.txt, and the response headers of them all; no response
may carry the token or the slug of a story that is not published. The page cache is on,
and one published story is withdrawn half-way, so a cached page cannot leak it either.

Preview share links show their own story whatever its state, and no other unpublished
one; an expired or revoked link shows none.
"""

import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from stories import richtext
from stories.models import Citation, Entity, Mention, Section, Story
from stories.views import author_url

pytestmark = pytest.mark.django_db

Status = Story.Status
OFFSETS = [None, -3 * 24 * 60, -60, -1, 1, 60, 3 * 24 * 60]  # minutes from now
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def token():
    # Lower-case letters and digits: the same in a slug, a URL and any text.
    return "tk" + secrets.token_hex(6)


stories_spec = st.lists(
    st.fixed_dictionaries(
        {
            "status": st.sampled_from(list(Status)),
            "offset": st.sampled_from(OFFSETS),
            "section": st.integers(0, 2),
            "tags": st.lists(st.sampled_from(["rail", "ports", "budget"]), max_size=2),
            "entities": st.lists(st.integers(0, 1), max_size=2, unique=True),
            "shares_source": st.booleans(),
        }
    ),
    min_size=2,
    max_size=6,
)


def is_visible(spec):
    offset = spec["offset"]
    return spec["status"] == Status.PUBLISHED and offset is not None and offset < 0


class Newsroom:
    """The stories of one example, and what must and must not be seen."""

    def __init__(self, specs):
        now = timezone.now()
        world = Section.objects.create(name="World", slug="world")
        self.sections = [
            world,
            Section.objects.create(name="Europe", slug="europe", parent=world),
            Section.objects.create(name="City", slug="city"),
        ]
        self.entities = [Entity.objects.create(name=name) for name in ("Vienna", "Harbour Board")]
        self.author = get_user_model().objects.create_user(
            "rita", first_name="Rita", last_name="Porter"
        )
        self.stories = []
        for spec in specs:
            text, slug = token(), token()
            words = f"Harbour news {text}"
            published_at = None
            if spec["offset"] is not None:
                published_at = now + timedelta(minutes=spec["offset"])
            story = Story.objects.create(
                title=f"Title {words}",
                headline=f"Headline {words}",
                dek=f"Dek {words}.",
                story_line=f"Line {words}",
                summary=richtext.blocks_to_html([richtext.Block("p", f"Summary {words}.")]),
                full_headline=f"Full {words}",
                body=richtext.blocks_to_html([richtext.Block("p", f"Body {words} Vienna.")]),
                slug=f"s-{slug}",
                section=self.sections[spec["section"]],
                status=spec["status"],
                published_at=published_at,
            )
            story.tags.add(*spec["tags"])
            story.authors.add(self.author)
            for index in spec["entities"]:
                Mention.objects.create(story=story, entity=self.entities[index])
            url = (
                "https://example.org/shared"
                if spec["shares_source"]
                else f"https://example.org/{text}"
            )
            Citation.objects.create(story=story, title=f"Source {words}", url=url)
            story.secret_words = {text, slug}
            story.visible = is_visible(spec)
            self.stories.append(story)

    def secrets(self):
        return {word for story in self.stories if not story.visible for word in story.secret_words}

    def surfaces(self, client):
        """Every public URL a reader could reach, the site's own links followed."""
        paths = {
            "/",
            "/robots.txt",
            reverse("stories:feed-rss"),
            reverse("stories:feed-atom"),
            reverse("stories:search") + "?q=harbour",
            reverse("stories:search-feed") + "?q=harbour",
            "/sitemap.xml",
            "/sitemap-news.xml",
            author_url(self.author),
            reverse("stories:author-feed-rss", kwargs={"pk": self.author.pk}),
        }
        for section in self.sections:
            paths |= {
                section.get_absolute_url(),
                reverse("stories:section-feed-atom", kwargs={"path": section.path}),
            }
        for entity in self.entities:
            paths |= {
                entity.get_absolute_url(),
                reverse("stories:entity-feed-rss", kwargs={"slug": entity.slug}),
            }
        for tag in ("rail", "ports", "budget"):
            paths |= {
                reverse("stories:tag", kwargs={"slug": tag}),
                reverse("stories:tag-feed-rss", kwargs={"slug": tag}),
            }
        for story in self.stories:
            paths.add(story.get_absolute_url())  # a 404 or 410 for the unpublished
            for word in story.secret_words:
                paths.add(reverse("stories:search") + f"?q={word}")
        # The sections of the sitemap index, as the index names them.
        index = client.get("/sitemap.xml")
        for loc in etree.fromstring(index.content).iterfind(".//s:loc", SITEMAP_NS):
            paths.add(urlsplit(loc.text).path)
        return sorted(paths)


def leaks(response, secret_words, *, asked):
    """The secret words in a response's body or headers that the request did not name."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    content = b"" if response.streaming else response.content
    seen = (content.decode("utf-8", "replace") + "\n" + headers).lower()
    return sorted(w for w in secret_words if w in seen and w not in asked.lower())


def walk(client, newsroom):
    problems = []
    secret_words = newsroom.secrets()
    for path in newsroom.surfaces(client):
        response = client.get(path)
        assert response.status_code in (200, 404, 410), (path, response.status_code)
        if found := leaks(response, secret_words, asked=path):
            problems.append(f"{path} ({response.status_code}) shows {found}")
    return problems


@pytest.fixture
def reader_cache(settings):
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=stories_spec, withdraw_one=st.booleans())
def test_no_public_surface_shows_an_unpublished_story(
    specs, withdraw_one, reader_cache, django_capture_on_commit_callbacks
):
    cache.clear()
    with transaction.atomic():
        newsroom = Newsroom(specs)
        client = Client()
        assert walk(client, newsroom) == []

        # What readers may see, they do see: the story's own page has its text.
        for story in newsroom.stories:
            if story.visible:
                page = client.get(story.get_absolute_url())
                assert page.status_code == 200
                assert story.secret_words <= set(re.findall(r"tk[0-9a-f]{12}", page.text))

        visible = [story for story in newsroom.stories if story.visible]
        if withdraw_one and visible:
            # Every page was cached just now; withdrawing must reach them all at once.
            with django_capture_on_commit_callbacks(execute=True):
                visible[0].change_status(Status.WITHDRAWN)
            visible[0].visible = False
            assert walk(client, newsroom) == []
        transaction.set_rollback(True)
    cache.clear()


def test_a_share_link_shows_its_own_story_and_no_other_unpublished_one(client, django_user_model):
    newsroom = Newsroom(
        [
            {"status": status, "offset": offset, "section": 0, "tags": ["rail"],
             "entities": [0], "shares_source": True}
            for status, offset in [
                (Status.DRAFT, None), (Status.IN_REVIEW, None), (Status.APPROVED, -60),
                (Status.PUBLISHED, 60), (Status.WITHDRAWN, -60), (Status.PUBLISHED, -60),
            ]
        ]
    )  # fmt: skip
    editor = django_user_model.objects.create_superuser("editor", password=None)
    for story in newsroom.stories:
        link = story.share(by=editor)
        response = client.get(link.get_absolute_url())
        assert response.status_code == 200
        own = story.secret_words
        others = newsroom.secrets() - own
        assert own <= set(re.findall(r"tk[0-9a-f]{12}", response.text)), story.status
        assert leaks(response, others, asked=link.get_absolute_url()) == [], story.status
        assert "noindex" in response["X-Robots-Tag"]
        assert "no-store" in response["Cache-Control"]

        link.revoke(by=editor)
        revoked = client.get(link.get_absolute_url())
        assert revoked.status_code == 410
        assert leaks(revoked, newsroom.secrets(), asked="") == []

    # A forged or mistyped token opens nothing.
    forged = client.get(reverse("stories:shared_preview", kwargs={"token": "abc:def"}))
    assert forged.status_code == 404
    assert leaks(forged, newsroom.secrets(), asked="") == []


def test_previews_are_for_those_who_may_change_the_story(client, django_user_model):
    newsroom = Newsroom(
        [{"status": Status.DRAFT, "offset": None, "section": 0, "tags": [], "entities": [],
          "shares_source": False}] * 2
    )  # fmt: skip
    draft = newsroom.stories[0]
    preview = reverse("stories:preview", kwargs={"slug": draft.slug})
    anonymous = client.get(preview)
    assert anonymous.status_code == 302  # to the sign-in page
    assert leaks(anonymous, newsroom.secrets(), asked=preview) == []
    reader = django_user_model.objects.create_user("reader", password=None)
    client.force_login(reader)
    refused = client.get(preview)
    assert refused.status_code == 404
    assert leaks(refused, newsroom.secrets(), asked=preview) == []
