"""The reader-facing story page: /stories/<slug>/."""

import io
import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.views.defaults import server_error

from stories.models import Citation, Entity, Mention, Section, Story
from stories.richtext import PARAGRAPH, SUBHEADING, Block, blocks_to_html

# --- Reading pages the way a browser would -------------------------------------------

VOID_TAGS = {"meta", "link", "br", "img", "input", "hr", "source", "wbr"}
BLOCK_TAGS = {
    "p", "h1", "h2", "h3", "h4", "li", "ol", "ul", "div", "section", "header", "footer",
    "article", "nav", "main", "blockquote", "title",
}  # fmt: skip


class Element:
    def __init__(self, tag, attrs=(), parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        """The text a reader sees, whitespace collapsed, blocks kept apart."""
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag in BLOCK_TAGS:
                parts.append(f" {child.text()} ")
            else:
                parts.append(child.text())
        return " ".join("".join(parts).split())

    def all(self, tag=None, **attrs):
        for child in self.children:
            if isinstance(child, Element):
                if (tag is None or child.tag == tag) and all(
                    child.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()
                ):
                    yield child
                yield from child.all(tag, **attrs)

    def one(self, tag=None, **attrs):
        found = list(self.all(tag, **attrs))
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document")

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID_TAGS:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None, f"</{tag}> closes nothing"
        assert node is self.current, f"</{tag}> closes <{tag}> while <{self.current.tag}> is open"
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(html):
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.current is builder.root, f"<{builder.current.tag}> is never closed"
    return builder.root


def assert_in_order(text, parts):
    """Each of `parts` occurs in `text`, each after the one before."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found != -1, (
            f"{part!r} is missing, or out of order, after {text[:position][-80:]!r}"
        )
        position = found + len(part)


def normalised(text):
    return " ".join(text.split())


def headings(page):
    return [(int(e.tag[1]), e.text()) for e in page.all() if re.fullmatch(r"h[1-6]", e.tag)]


def get_page(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return parse_html(response.content.decode())


# --- Building stories -----------------------------------------------------------------

SUMMARY = [
    Block(PARAGRAPH, "Talks in Doha stalled on Thursday."),
    Block(PARAGRAPH, "Mediators said a pause was 'normal' in such talks."),
]
BODY = [
    Block(PARAGRAPH, "Negotiators were recalled on Thursday morning."),
    Block(SUBHEADING, "Background and Context"),
    Block(PARAGRAPH, "The talks had gone on for two weeks & more."),
    Block(PARAGRAPH, "Hostage families called for calm <and patience>."),
    Block(SUBHEADING, "What Comes Next"),
    Block(PARAGRAPH, "Both sides said they would return."),
]


@pytest.fixture
def middle_east(world):
    return Section.objects.create(name="Middle East", slug="middle-east", parent=world)


def cite(story, n, **fields):
    fields.setdefault("title", f"Source article {n}")
    fields.setdefault("url", f"https://news{n}.example.org/articles/{n}?id={n}")
    fields.setdefault("publisher_name", f"Example Post {n}")
    fields.setdefault("published_on", date(2025, 7, 1) + timedelta(days=n))
    return Citation.objects.create(story=story, position=n, **fields)


def mention(story, n):
    entity = Entity.objects.create(name=f"{story.headline} entity {n:02}")
    return Mention.objects.create(story=story, entity=entity, salience=1 - n / 100)


def author(story, n):
    return get_user_model().objects.create_user(
        f"{story.slug}-reporter{n}", first_name="Rita", last_name=f"Porter {n}"
    )


def furnish(story, n):
    """Give `story` n citations, n entities, n tags and n authors."""
    for i in range(n):
        cite(story, i)
        mention(story, i)
    story.tags.add(*[f"tag {i}" for i in range(n)])
    story.authors.add(*[author(story, i) for i in range(n)])
    return story


@pytest.fixture
def full_story(make_story, middle_east):
    story = make_story(
        "Ceasefire talks hit a wall",
        title="Ceasefire Talks Hit a Wall: the SEO title",
        dek="Amid accusations of a 'lack of desire' for peace, both teams withdraw.",
        story_line="US and Israel pull out of ceasefire talks",
        summary=blocks_to_html(SUMMARY),
        full_headline="US and Israel withdraw from Gaza ceasefire talks",
        body=blocks_to_html(BODY),
        section=middle_east,
        published=True,
    )
    cite(story, 1, title="Israel recalls negotiators [Doha]", publisher_name="Example Post")
    cite(story, 2, title="Mediators call pause 'normal'", publisher_name="", published_on=None)
    Mention.objects.create(story=story, entity=Entity.objects.create(name="Qatar"), salience=0.9)
    Mention.objects.create(story=story, entity=Entity.objects.create(name="Hamas"), salience=0.5)
    story.tags.add("diplomacy")
    story.authors.add(
        get_user_model().objects.create_user("reporter", first_name="Rita", last_name="Porter"),
        get_user_model().objects.create_user("stringer"),
    )
    return story


# --- The canonical URL ----------------------------------------------------------------


def test_a_story_lives_at_its_slug_under_stories(make_story):
    story = make_story("Harbour tug trials", published=True)

    assert story.get_absolute_url() == f"/stories/{story.slug}/"
    assert reverse("stories:story", kwargs={"slug": story.slug}) == story.get_absolute_url()


# --- What the page shows --------------------------------------------------------------


def test_the_page_shows_every_part_of_the_story_in_the_order_of_the_text_format(
    client, full_story
):
    page = get_page(client, full_story)
    article = page.one("main").one("article")

    assert_in_order(
        article.text(),
        [
            full_story.headline,
            full_story.dek,
            full_story.story_line,
            "Story Summary",
            *[block.text for block in SUMMARY],
            "Full Story",
            full_story.full_headline,
            *[block.text for block in BODY],
            "Source Articles",
            *[citation.title for citation in full_story.citations.all()],
            *[m.entity.name for m in full_story.mentions.all()],
            "diplomacy",
        ],
    )


def test_body_subheadings_are_h2_and_paragraphs_are_p(client, full_story):
    body = get_page(client, full_story).one("div", **{"class": "body"})

    rendered = [
        Block(child.tag, child.text()) for child in body.children if isinstance(child, Element)
    ]
    assert rendered == BODY


def test_summary_paragraphs_are_paragraphs(client, full_story):
    summary = get_page(client, full_story).one("section", **{"class": "summary"})

    assert [p.text() for p in summary.all("p")] == [block.text for block in SUMMARY]


def test_headline_is_the_one_h1_and_headings_never_skip_a_level(client, full_story):
    levels = [level for level, _ in headings(get_page(client, full_story))]

    assert levels[0] == 1
    assert levels.count(1) == 1
    assert all(later <= earlier + 1 for earlier, later in pairwise(levels))


def test_sources_link_to_the_cited_url_without_passing_on_credit(client, full_story):
    sources = get_page(client, full_story).one("section", **{"class": "sources"})
    items = list(sources.one("ol").all("li"))

    citations = list(full_story.citations.all())
    assert len(items) == len(citations)
    for item, citation in zip(items, citations, strict=True):
        link = item.one("a")
        assert link.attrs["href"] == citation.url
        assert link.attrs["rel"] == "nofollow noopener noreferrer"
        assert link.text() == citation.title
        if citation.publisher_name:
            assert citation.publisher_name in item.text()
        if citation.published_on:
            assert item.one("time").attrs["datetime"] == citation.published_on.isoformat()
        else:
            assert not list(item.all("time"))


def test_a_story_without_sources_has_no_empty_source_list(client, make_story):
    story = make_story("Quiet news day", published=True)

    page = get_page(client, story)

    assert not list(page.all("section", **{"class": "sources"}))
    assert "Source Articles" not in page.text()


def test_entities_link_to_their_pages(client, full_story):
    entities = get_page(client, full_story).one("section", **{"class": "entities"})

    links = [(a.text(), a.attrs["href"]) for a in entities.all("a")]
    assert links == [
        (m.entity.name, m.entity.get_absolute_url()) for m in full_story.mentions.all()
    ]
    for _, href in links:
        assert client.get(href).status_code == 200


def test_byline_names_authors_by_full_name_or_else_username(client, full_story):
    byline = get_page(client, full_story).one("span", **{"class": "byline"})

    assert byline.text() == "By Rita Porter and stringer"


def test_no_byline_when_the_story_has_no_authors(client, make_story):
    story = make_story("Agency copy", published=True)

    assert not list(get_page(client, story).all("span", **{"class": "byline"}))


def test_breadcrumb_is_the_section_ancestry_linked_to_section_fronts(
    client, full_story, world, middle_east
):
    breadcrumb = get_page(client, full_story).one("nav", aria_label="Breadcrumb")

    links = [(a.text(), a.attrs["href"]) for a in breadcrumb.all("a")]
    assert links == [
        (world.name, world.get_absolute_url()),
        (middle_east.name, middle_east.get_absolute_url()),
    ]
    for _, href in links:
        assert client.get(href).status_code == 200


def test_a_story_outside_any_section_has_no_breadcrumb(client, make_story):
    story = make_story("Unfiled", published=True)
    Story.objects.filter(pk=story.pk).update(section=None)

    page = get_page(client, story)

    assert not list(page.all("nav", aria_label="Breadcrumb"))
    assert page.one("h1").text() == story.headline


def test_publication_time_is_shown_in_the_site_time_zone(client, make_story, settings):
    settings.TIME_ZONE = "Asia/Jerusalem"
    published_at = datetime(2025, 7, 24, 10, 0, 30, 123456, tzinfo=UTC)
    story = make_story("Talks resume", published=True, published_at=published_at)
    local = published_at.astimezone(zoneinfo.ZoneInfo("Asia/Jerusalem"))

    time = get_page(client, story).one("header", **{"class": "story-header"}).one("time")

    # Whole seconds: HTML allows at most three digits of fractional seconds.
    assert time.attrs["datetime"] == local.replace(microsecond=0).isoformat()
    assert local.strftime("%H:%M") in time.text()


# --- A well-formed, accessible page ---------------------------------------------------


def test_head_has_title_description_canonical_language_and_viewport(client, full_story):
    page = get_page(client, full_story)
    head = page.one("head")

    assert page.one("html").attrs["lang"] == "en"
    assert full_story.title in head.one("title").text()
    assert head.one("meta", name="description").attrs["content"] == full_story.dek
    assert head.one("meta", name="viewport").attrs["content"].startswith("width=device-width")
    assert (
        head.one("link", rel="canonical").attrs["href"]
        == f"http://testserver{full_story.get_absolute_url()}"
    )
    assert head.one("link", rel="stylesheet").attrs["href"].endswith("css/site.css")


def test_page_is_landmarked_with_a_skip_link_to_main(client, full_story):
    page = get_page(client, full_story)
    body = page.one("body")

    first_link = next(body.all("a"))
    main = page.one("main")
    assert first_link.attrs["href"] == f"#{main.attrs['id']}"
    header = main.one("article").one("header", **{"class": "story-header"})
    assert header.parent.tag == "article"
    assert header.one("h1").text() == full_story.headline
    assert main in page.one("nav", aria_label="Breadcrumb").ancestors()


def test_page_has_no_scripts_and_no_inline_styles(client, full_story):
    response = client.get(full_story.get_absolute_url())
    page = parse_html(response.content.decode())

    # JSON-LD is data, not script: a strict CSP does not run it.
    assert {e.attrs.get("type") for e in page.all("script")} == {"application/ld+json"}
    assert not list(page.all("style"))
    assert not [e.tag for e in page.all() if "style" in e.attrs]
    assert not [e.tag for e in page.all() if any(a.startswith("on") for a in e.attrs)]


def test_markup_smuggled_past_save_is_still_sanitised_on_the_page(client, make_story):
    story = make_story("Bulk edited", published=True)
    Story.objects.filter(pk=story.pk).update(
        body='<p onclick="steal()">Fine <script>steal()</script>text</p>'
    )

    response = client.get(story.get_absolute_url())

    assert b"steal()" not in response.content
    assert "Fine text" in parse_html(response.content.decode()).one("main").text()


# --- Only published stories are shown -------------------------------------------------


def draft(make_story):
    return make_story("Draft")


def in_review(make_story):
    story = make_story("In review")
    story.change_status(Story.Status.IN_REVIEW)
    return story


def scheduled(make_story):
    return make_story(
        "Scheduled", published=True, published_at=timezone.now() + timedelta(hours=1)
    )


# A withdrawn story is Gone (410) instead: see test_reader_story.py.
@pytest.mark.parametrize("build", [draft, in_review, scheduled])
def test_a_story_that_is_not_published_is_not_found(client, make_story, build):
    story = build(make_story)
    story.refresh_from_db()
    assert not story.is_published

    response = client.get(story.get_absolute_url())

    assert response.status_code == 404
    assert story.headline.encode() not in response.content


def test_not_found_is_a_page_of_the_site(client, db, settings):
    settings.DEBUG = False

    response = client.get("/stories/no-such-story/")

    assert response.status_code == 404
    page = parse_html(response.content.decode())
    assert page.one("h1").text() == "Page not found"
    assert page.one("main").one("a", href=reverse("stories:home"))


def test_server_error_page_renders_without_a_request_context(rf, db):
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert parse_html(response.content.decode()).one("h1").text() == "Something went wrong"


def test_a_scheduled_story_appears_when_its_time_comes(client, make_story):
    story = scheduled(make_story)
    assert client.get(story.get_absolute_url()).status_code == 404

    Story.objects.filter(pk=story.pk).update(published_at=timezone.now() - timedelta(seconds=1))

    assert client.get(story.get_absolute_url()).status_code == 200


# --- Query counts -----------------------------------------------------------------------


def test_query_count_does_not_depend_on_how_much_the_story_lists(
    client, make_story, middle_east, django_assert_num_queries
):
    small = furnish(make_story("Small", section=middle_east, published=True), 1)
    big = furnish(make_story("Big", section=middle_east, published=True), 10)
    client.get(small.get_absolute_url())  # warm per-process caches (content types)

    with CaptureQueriesContext(connection) as small_queries:
        client.get(small.get_absolute_url())

    with django_assert_num_queries(len(small_queries)):
        page = get_page(client, big)
    assert len(list(page.one("section", **{"class": "sources"}).all("li"))) == 10
    assert len(list(page.one("section", **{"class": "entities"}).all("li"))) == 10
    assert len(list(page.one("section", **{"class": "tags"}).all("li"))) == 10
    assert page.one("span", **{"class": "byline"}).text().count("Rita Porter") == 10


# --- Imported stories -------------------------------------------------------------------

SOURCE_LINE = re.compile(
    r"^- \[(?P<title>(?:[^\]\\]|\\.)*)\]\((?P<url>[^)\s]+)\)"
    r"(?: — (?P<publisher>.*?))?(?:, (?P<date>\d{4}-\d{2}-\d{2}))?$"
)


@pytest.mark.skipif("import_stories" not in get_commands(), reason="no import_stories yet")
def test_every_block_of_an_imported_sample_is_on_its_page_in_order(
    client, db, sample_files, world
):
    assert sample_files
    for path in sample_files:
        text = path.read_text(encoding="utf-8")
        blocks = [b.strip() for b in text.strip().split("\n\n")]
        title, *shown = blocks
        # The page shows the story line without the format's "Story: " label.
        shown = [block.removeprefix("Story: ") for block in shown]
        # The source lines are one block after the marker; with no sources there is none,
        # and the page leaves out the marker too rather than show an empty list.
        source_lines = shown.pop().splitlines() if shown[-1] != "Source Articles" else []
        assert shown[-1] == "Source Articles", path.name
        if not source_lines:
            shown.pop()
        sources = [SOURCE_LINE.match(line) for line in source_lines]
        assert all(sources), f"{path.name}: a source line the test cannot read"

        before = set(Story.objects.values_list("pk", flat=True))
        call_command(
            "import_stories", str(path), "--publish", "--section", "world", stdout=io.StringIO()
        )
        (story,) = Story.objects.exclude(pk__in=before)

        response = client.get(story.get_absolute_url())
        assert response.status_code == 200, path.name
        page = parse_html(response.content.decode())
        assert normalised(title) in page.one("title").text(), path.name
        article = page.one("article")
        assert_in_order(
            article.text(),
            [normalised(b) for b in shown]
            + [
                normalised(part.replace("\\]", "]"))
                for source in sources
                for part in (source["title"], source["publisher"])
                if part
            ],
        )
        links = [a.attrs["href"] for a in article.one("ol").all("a")] if sources else []
        assert links == [source["url"] for source in sources], path.name
