"""Feeds never carry live markup from what editors typed, read as text or as HTML.

Every feed is parsed by feedparser with its own sanitising off, the way a reader that
trusts the feed takes it, and every string it yields is then read as HTML: only the
stories' own rich-text tags (and search's <mark>) with http(s) links may appear.
"""

from html.parser import HTMLParser

import feedparser
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from stories import richtext
from stories.models import Citation, Entity, Mention, Section, Story, Thread

pytestmark = pytest.mark.django_db

ATTACKS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    '"><svg onload=alert(3)>',
    '<a href="javascript:alert(4)">click</a>',
    "&lt;iframe srcdoc=x&gt;",
]
ALLOWED_TAGS = richtext.ALLOWED_TAGS | {"mark"}


class MarkupFinder(HTMLParser):
    """Every element and attribute in a string read as HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def live_markup(value):
    """What in `value`, read as HTML, is more than the allowed tags and safe links."""
    finder = MarkupFinder()
    finder.feed(value)
    finder.close()
    return [
        (tag, attrs)
        for tag, attrs in finder.elements
        if tag not in ALLOWED_TAGS
        or any(
            name != "href" or not (link or "").startswith(("http://", "https://", "mailto:"))
            for name, link in attrs
        )
    ]


def strings(value, path=""):
    """Every string in a parsed feed, with where it was found."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            yield from strings(item, f"{path}[{n}]")


@pytest.fixture
def hostile_newsroom(make_story):
    """A published story in which every field an editor fills in is an attack."""
    attack = " ".join(ATTACKS)
    author = get_user_model().objects.create_user(
        "mallory", first_name=ATTACKS[1], last_name=ATTACKS[0]
    )
    # Section and tag names hold 100 characters (PostgreSQL refuses more): three attacks.
    short = " ".join(ATTACKS[:3])
    section = Section.objects.create(name=short, slug="hostile")
    entity = Entity.objects.create(name=f"Lighthouse {ATTACKS[2]}")
    story = make_story(
        f"Lighthouse {attack}",
        section=section,
        dek=attack,
        body=f"<p>Lighthouse {richtext.sanitise(attack)} {attack}</p>",
        published=True,
    )
    story.authors.add(author)
    story.tags.add(short, ATTACKS[0])
    Mention.objects.create(story=story, entity=entity)
    Citation.objects.create(
        story=story, title=attack, url="https://example.org/a", publisher_name=attack
    )
    thread = Thread.objects.create(name=attack, slug="hostile", description=attack)
    Story.objects.filter(pk=story.pk).update(thread=thread)
    return {
        "story": story,
        "author": author,
        "section": section,
        "entity": entity,
        "thread": thread,
    }


def every_feed(hostile_newsroom):
    story = hostile_newsroom["story"]
    tag = story.tags.get(name=ATTACKS[0])
    urls = [reverse("stories:feed-rss"), reverse("stories:feed-atom")]
    for kind, kwargs in [
        ("section", {"path": hostile_newsroom["section"].path}),
        ("entity", {"slug": hostile_newsroom["entity"].slug}),
        ("tag", {"slug": tag.slug}),
        ("author", {"pk": hostile_newsroom["author"].pk}),
        ("thread", {"slug": hostile_newsroom["thread"].slug}),
    ]:
        urls += [reverse(f"stories:{kind}-feed-{fmt}", kwargs=kwargs) for fmt in ("rss", "atom")]
    search = reverse("stories:search-feed")
    urls += [f"{search}?q=lighthouse", f"{search}?q=" + "%3Cscript%3Ealert(5)%3C/script%3E"]
    return urls


def test_no_feed_field_carries_live_markup_from_editor_input(client, hostile_newsroom):
    for url in every_feed(hostile_newsroom):
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = feedparser.parse(response.content, sanitize_html=False)
        assert parsed.bozo == 0, f"{url}: {parsed.get('bozo_exception')}"
        assert parsed.entries or "alert(5)" in url, f"{url} lists no story"
        for where, value in strings({"feed": parsed.feed, "entries": parsed.entries}):
            assert live_markup(value) == [], f"{url} {where}: {value!r}"


def test_text_fields_still_read_as_typed(client, make_story, world):
    """A headline with angle brackets and ampersands reads the same in a feed reader."""
    story = make_story("Q&A: why 3 < 4 > 2", dek="Tom & Jerry <3", published=True)
    story.tags.add("R&D")

    for url in (reverse("stories:feed-rss"), reverse("stories:feed-atom")):
        entry = feedparser.parse(client.get(url).content, sanitize_html=False).entries[0]

        assert html_text(entry.title) == story.headline
        assert html_text(entry.summary) == story.dek
        terms = {html_text(tag.term) for tag in entry.tags}
        assert terms == {world.name, "R&D", story.schema_type}


def html_text(value):
    """`value` as an HTML reader shows it."""
    parts = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = parts.append
    parser.feed(value)
    parser.close()
    return "".join(parts)
