"""Full-text search: readers on /search/ and its feed, editors in the admin.

The same tests run on whichever database the suite runs on (the backend follows it):
SQLite FTS5 or PostgreSQL full-text search.
"""

import io
from datetime import datetime, time, timedelta
from unittest import mock
from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reversion.models import Version

from stories import richtext, search
from stories.models import Entity, Mention, Section, Story
from tests.test_admin import form_data
from tests.test_story_page import parse_html

SEARCH = reverse("stories:search")
FEED = reverse("stories:search-feed")


def body(*paragraphs):
    return richtext.blocks_to_html(richtext.Block("p", text) for text in paragraphs)


def found(text, **filters):
    """The headlines a reader's search for `text` finds, best first."""
    return [story.headline for story in search.search(text, **filters).page(1).object_list]


def get_results(client, **params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    page = parse_html(response.content.decode())
    headlines = [h.text() for h in page.one("main").all("h2")]
    return response, page, headlines


def index_rows():
    table = search.TABLE
    with connection.cursor() as cursor:
        key = "rowid" if connection.vendor == "sqlite" else "story_id"
        cursor.execute(f"SELECT {key} FROM {table}")
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def published(make_story):
    """A published story; the fields not given are about something else entirely."""

    def make(headline, **fields):
        fields.setdefault("dek", "A note from the newsroom.")
        fields.setdefault("summary", body("Nothing else to report."))
        fields.setdefault("body", body("More on this later."))
        fields.setdefault("title", headline)
        fields.setdefault("story_line", "")
        fields.setdefault("full_headline", "")
        return make_story(headline, published=True, **fields)

    return make


# ---- What is searched ---------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "Harbour ferries switch to batteries"),
        ("headline", "Harbour ferries switch to batteries"),
        ("dek", "Harbour ferries switch to batteries."),
        ("summary", body("Harbour ferries switch to batteries.")),
        ("body", body("First paragraph.", "Harbour ferries switch to batteries.")),
    ],
)
def test_every_text_field_of_a_story_is_searched(published, field, value):
    fields = {field: value}
    headline = fields.pop("headline", "A story about transport")
    published(headline, **fields)
    published("Something else entirely")

    assert found("batteries") == [headline]


def test_entity_names_aliases_and_tags_are_searched(published):
    story = published("City council meets")
    entity = Entity.objects.create(name="Gertrude Lindqvist", aliases=["Mayor Lindqvist"])
    Mention.objects.create(story=story, entity=entity)
    story.tags.add("budget2027")
    story.save()  # tags changed outside any admin form: the next save reindexes
    published("Something else entirely")

    assert found("Gertrude") == [story.headline]
    assert found("mayor") == [story.headline]
    assert found("budget2027") == [story.headline]


def test_an_imported_story_is_found_by_its_text_and_its_entities_names(db, tmp_path, world):
    from tests.test_textformat import STORY

    Entity.objects.create(name="Ingrid Sæther", aliases=["Quaymaster Sæther"])
    path = tmp_path / "port-cranes.txt"
    path.write_text(STORY, encoding="utf-8")
    call_command(
        "import_stories", str(path), "--publish", "--section", "world", stdout=io.StringIO()
    )
    story = Story.objects.get(import_name="port-cranes.txt")

    assert found("barge") == [story.headline]
    assert found("quaymaster") == [story.headline]  # an alias of an entity it names
    # Imported again as a draft's new version, it is indexed from what was stored.
    path.write_text(STORY.replace("barge", "lorry"), encoding="utf-8")
    call_command("import_stories", str(path), stdout=io.StringIO())
    assert found("lorry") == [story.headline]
    assert found("barge") == []


def test_html_in_the_body_is_indexed_as_text_and_snippets_are_escaped(published):
    story = published(
        "Markup story",
        body=body("The tag <script>alert(1)</script> is written about, not run."),
    )

    results = search.search("script").page(1).object_list

    assert [s.pk for s in results] == [story.pk]
    snippet = str(results[0].snippet)
    assert "<script>" not in snippet
    assert "tag &lt;<mark>script</mark>&gt;alert(1)&lt;/" in snippet


# ---- The query language -------------------------------------------------------------


def test_every_word_must_match(published):
    published("Electric ferries for the harbour")
    published("Electric buses for the city")

    assert found("electric harbour") == ["Electric ferries for the harbour"]
    assert sorted(found("electric")) == [
        "Electric buses for the city",
        "Electric ferries for the harbour",
    ]


def test_a_quoted_phrase_matches_only_those_words_in_that_order(published):
    published("Harbour ferries return", body=body("The harbour ferries return on Monday."))
    published("Ferries leave the harbour", body=body("Ferries leave the harbour at dawn."))

    assert found('"harbour ferries"') == ["Harbour ferries return"]
    # Left open, the phrase runs to the end of the text.
    assert found('"harbour ferries') == ["Harbour ferries return"]


def test_phrases_match_in_any_field_in_their_english_forms_and_together(published):
    both = published(
        "Ferry news",
        dek="The harbour ferry returns.",
        body=body("Its new electric engines were fitted at the state of the art yard."),
    )
    split = published("Harbour", dek="Ferry service resumes.")
    published("Apart", body=body("Electric ferries at the harbour: engines new."))

    assert found('"harbour ferries"') == [both.headline]
    assert found('"harbour ferries" "electric engines"') == [both.headline]
    # Words left out of the index (the, of) still keep a phrase's words apart.
    assert found('"state of the art yard"') == [both.headline]
    assert found('"state art"') == []
    # The end of one phrase and the start of the next are no phrase of their own.
    assert found('"harbour ferry" "new electric"') == [both.headline]
    # Nor are the last word of one field and the first of the next.
    assert found('"ferry service"') == [split.headline]
    assert found('"harbour ferry service"') == []
    assert found('"returns its new"') == []


def test_a_minus_leaves_out_words_and_phrases(published):
    published("Diesel ferries retire", body=body("The old diesel ferries are retired."))
    published("Electric ferries arrive", body=body("Electric ferries arrive next week."))
    published("Ferries run late", body=body("Ferries run late on the old route."))

    assert sorted(found("ferries -diesel")) == ["Electric ferries arrive", "Ferries run late"]
    assert found('ferries -"old route" -diesel') == ["Electric ferries arrive"]
    # Leaving words out is not a search on its own.
    assert found("-diesel") == []


def test_the_last_word_matches_the_words_it_begins_while_typing(published):
    published("Ferries go electric")
    published("Buses go electric")

    assert found("ferr") == ["Ferries go electric"]
    assert found("go ferr") == ["Ferries go electric"]
    # A finished word (a space after it) is a word, not a beginning.
    assert found("ferr ") == []
    # The words before the last are whole words.
    assert found("ferr electric") == []


def test_words_match_in_any_of_their_english_forms(published):
    published("The ferry is running again", body=body("Passengers ran to the ferries."))

    for words in ["ferries", "ferry", "runs", "running", "passenger"]:
        assert found(words + " ") == ["The ferry is running again"], words


def test_accents_fold_both_ways(published):
    published("Snow closes roads around Montréal")
    published("Cafe owners meet in Zurich")

    assert found("Montreal") == ["Snow closes roads around Montréal"]
    assert found("montréal") == ["Snow closes roads around Montréal"]
    assert found("café zürich") == ["Cafe owners meet in Zurich"]
    assert found("MONTRÉ") == ["Snow closes roads around Montréal"]


def test_case_does_not_matter(published):
    published("NASA launches a probe")

    assert found("nasa") == ["NASA launches a probe"]
    assert found("Probe LAUNCHES") == ["NASA launches a probe"]


# ---- Ranking --------------------------------------------------------------------------


@pytest.fixture
def other_news(published):
    """Stories about other things: in a newsroom most stories lack any given word, which
    is what makes a word count for relevance (a word in most stories counts for little)."""
    for n in range(8):
        published(f"Other news number {n}")


def test_a_match_in_the_headline_ranks_above_one_in_the_body(published, other_news):
    now = timezone.now()
    in_body = published(
        "Council budget agreed",
        body=body("The budget also pays for two new lighthouse keepers."),
        published_at=now - timedelta(hours=1),
    )
    in_dek = published(
        "Coast guard changes",
        dek="A lighthouse will be automated.",
        published_at=now - timedelta(hours=2),
    )
    in_headline = published(
        "The lighthouse gets a new keeper", published_at=now - timedelta(hours=3)
    )

    assert found("lighthouse") == [in_headline.headline, in_dek.headline, in_body.headline]


def test_more_matches_rank_higher(published, other_news):
    once = published("Flood report", body=body("The river rose a little."))
    often = published(
        "Weather report",
        body=body("The river rose.", "The river flooded the river path.", "River boats stopped."),
    )

    assert found("river") == [often.headline, once.headline]


def test_equally_good_matches_come_newest_first(published):
    now = timezone.now()
    texts = {"dek": "Same words.", "body": body("The tram line opens.")}
    older = published("Tram line opens", published_at=now - timedelta(days=3), **texts)
    newest = published("Tram line opens", published_at=now - timedelta(hours=1), **texts)
    middle = published("Tram line opens", published_at=now - timedelta(days=1), **texts)

    results = search.search("tram line").page(1).object_list

    assert [s.pk for s in results] == [newest.pk, middle.pk, older.pk]


# ---- Who sees what ----------------------------------------------------------------------


@pytest.fixture
def unpublished(make_story):
    draft = make_story("Lighthouse draft")
    in_review = make_story("Lighthouse in review")
    in_review.change_status(Story.Status.IN_REVIEW)
    scheduled = make_story(
        "Lighthouse scheduled",
        published=True,
        published_at=timezone.now() + timedelta(hours=1),
    )
    withdrawn = make_story("Lighthouse withdrawn", published=True)
    withdrawn.change_status(Story.Status.WITHDRAWN)
    return {"draft": draft, "in_review": in_review, "scheduled": scheduled, "withdrawn": withdrawn}


def test_readers_never_find_stories_that_are_not_published(client, published, unpublished):
    published("Lighthouse published")

    assert found("lighthouse") == ["Lighthouse published"]
    _, page, headlines = get_results(client, q="lighthouse")
    assert headlines == ["Lighthouse published"]
    for story in unpublished.values():
        assert story.headline not in page.text()


def test_a_scheduled_story_is_found_once_its_time_comes_without_reindexing(unpublished):
    scheduled = unpublished["scheduled"]
    assert found("lighthouse") == []

    later = scheduled.published_at + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert found("lighthouse") == [scheduled.headline]


def test_a_withdrawn_story_leaves_readers_results_at_once(published):
    story = published("Lighthouse keeper retires")
    assert found("lighthouse") == [story.headline]

    story.change_status(Story.Status.WITHDRAWN)

    assert found("lighthouse") == []
    # Editors still find it: the admin searches every state.
    assert list(search.search("lighthouse", published_only=False).stories) == [story]


def test_the_index_follows_every_save(published):
    story = published("Lighthouse keeper retires")

    story.headline = "Harbour master retires"
    story.title = story.headline
    story.save()

    assert found("lighthouse") == []
    assert found("harbour master") == [story.headline]


def test_a_deleted_story_leaves_the_index(published):
    story = published("Lighthouse keeper retires")
    assert story.pk in index_rows()

    pk = story.pk
    story.delete()

    assert pk not in index_rows()


def test_linking_an_entity_and_renaming_it_reindex_its_stories(published):
    story = published("Council meets")
    entity = Entity.objects.create(name="Gertrude Lindqvist")
    Mention.objects.create(story=story, entity=entity)
    assert found("lindqvist") == [story.headline]

    entity.name = "Gertrude Lindgren"
    entity.save()

    assert found("lindqvist") == []
    assert found("lindgren") == [story.headline]

    entity.mentions.get().delete()
    assert found("lindgren") == []


# ---- Filters ------------------------------------------------------------------------------


@pytest.fixture
def filed(published, world):
    europe = Section.objects.create(name="Europe", slug="europe", parent=world)
    sport = Section.objects.create(name="Sport", slug="sport")
    now = timezone.now()
    stories = {
        "world": published("Lighthouse in the world", section=world),
        "europe": published("Lighthouse in Europe", section=europe),
        "sport": published("Lighthouse regatta", section=sport),
        "old": published(
            "Old lighthouse story", section=sport, published_at=now - timedelta(days=30)
        ),
    }
    return {"europe": europe, "sport": sport, "world": world, "stories": stories}


def test_a_section_filter_includes_its_subsections(filed):
    assert sorted(found("lighthouse", section=filed["world"])) == [
        "Lighthouse in Europe",
        "Lighthouse in the world",
    ]
    assert found("lighthouse", section=filed["europe"]) == ["Lighthouse in Europe"]


def test_an_entity_filter_keeps_the_stories_that_mention_it(filed):
    entity = Entity.objects.create(name="Lighthouse Trust")
    Mention.objects.create(story=filed["stories"]["sport"], entity=entity)

    assert found("lighthouse", entity=entity) == ["Lighthouse regatta"]


def test_a_date_range_includes_both_days(filed):
    old = filed["stories"]["old"]
    day = timezone.localdate(old.published_at)

    assert found("lighthouse", since=day, until=day) == [old.headline]
    assert old.headline not in found("lighthouse", since=day + timedelta(days=1))
    assert found("lighthouse", until=day - timedelta(days=1)) == []


def test_filters_come_from_the_page_address(client, filed):
    old = filed["stories"]["old"]
    day = timezone.localdate(old.published_at).isoformat()

    _, _, headlines = get_results(client, q="lighthouse", section="world/europe")
    assert headlines == ["Lighthouse in Europe"]
    _, _, headlines = get_results(client, q="lighthouse", since=day, until=day)
    assert headlines == [old.headline]


def test_bad_filters_are_named_and_the_search_still_runs(client, filed):
    _, page, headlines = get_results(
        client, q="lighthouse", since="2024-13-45", entity="nobody", section="nowhere"
    )

    assert len(headlines) == len(filed["stories"])
    errors = page.one("div", role="alert").text()
    assert "From: Enter a date such as 2026-03-31." in errors
    assert "There is no entity “nobody”" in errors
    assert "Section: Select a valid choice." in errors


def test_a_to_date_before_the_from_date_is_refused_plainly(client, filed):
    _, page, headlines = get_results(
        client, q="lighthouse", since="2025-02-01", until="2025-01-01"
    )

    alert = page.one("div", role="alert").text()
    assert "The “To” date is before the “From” date; showing every date." in alert
    assert len(headlines) == len(filed["stories"])


# ---- The page --------------------------------------------------------------------------------


def test_the_page_shows_highlighted_snippets_and_the_count(client, published):
    published(
        "Ferry news",
        body=body("Nothing here.", "Further out, the new electric ferries crossed the bay."),
    )

    response, page, headlines = get_results(client, q="electric")

    assert headlines == ["Ferry news"]
    html = response.content.decode()
    assert "the new <mark>electric</mark> ferries crossed the bay" in html
    assert "1 story found for" in page.one("main").one("p", role="status").text()
    assert response.context["search_query"] == "electric"


def test_a_snippet_comes_from_anywhere_in_a_long_body(published):
    filler = [f"Paragraph {n} says nothing in particular about anything." for n in range(60)]
    published("Far", body=body(*filler, "At last the electric ferries crossed."))
    published("Headline electric only", summary=body("Nothing."), body=body(*filler))

    results = {s.headline: s.snippet for s in search.search("electric").page(1).object_list}

    assert "the <mark>electric</mark> ferries crossed." in results["Far"]
    assert results["Far"].startswith("…")
    # A match in the headline alone leaves no snippet but the dek.
    assert results["Headline electric only"] == ""


def test_results_come_page_by_page_and_the_pages_keep_the_search(client, published):
    for n in range(search.PER_PAGE + 3):
        published(f"Lighthouse number {n}")

    _, page, headlines = get_results(client, q="lighthouse", section="world")
    assert len(headlines) == search.PER_PAGE
    next_link = page.one("a", rel="next").attrs["href"]
    assert "q=lighthouse" in next_link and "section=world" in next_link

    _, _, second = get_results(client, q="lighthouse", section="world", page=2)
    assert len(second) == 3
    assert not set(second) & set(headlines)


def test_an_empty_search_shows_just_the_form(client, published):
    published("Lighthouse")

    _, page, headlines = get_results(client)

    assert headlines == []
    assert page.one("main").one("input", name="q")


def test_queries_do_not_grow_with_the_number_of_results(client, published):
    published("Lighthouse one")
    with CaptureQueriesContext(connection) as one:
        get_results(client, q="lighthouse")
    for n in range(5):
        published(f"Lighthouse more {n}")

    with CaptureQueriesContext(connection) as six:
        _, _, headlines = get_results(client, q="lighthouse")

    assert len(headlines) == 6
    assert len(six) == len(one)


# ---- The feed -----------------------------------------------------------------------------


def test_the_feed_lists_the_results_of_the_search(client, published, unpublished):
    story = published("Lighthouse published", body=body("The lighthouse is lit."))

    response = client.get(FEED, {"q": "lighthouse"})

    assert response.status_code == 200
    channel = ElementTree.fromstring(response.content).find("channel")
    assert "lighthouse" in channel.findtext("title")
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [story.headline]
    assert items[0].findtext("link").endswith(story.get_absolute_url())
    assert "<mark>lighthouse</mark>" in items[0].findtext("description")


# ---- Hostile input ------------------------------------------------------------------------

HOSTILE = [
    '"',
    '"unclosed phrase',
    '""',
    '"" ""',
    "-",
    "--",
    "- -",
    '-""',
    "AND",
    "OR OR",
    "NOT lighthouse",
    "lighthouse NOT",
    "NEAR(lighthouse keeper, 2)",
    "title:lighthouse",
    "{title headline}: lighthouse",
    "lighthouse*",
    "*",
    "^lighthouse",
    "lighthouse + keeper",
    "'; DROP TABLE stories_story; --",
    "' OR '1'='1",
    '" OR 1=1 --',
    "lighthouse & keeper | !lamp",
    "lighthouse:* & keeper:A",
    "<-> <2> !!",
    "((((",
    "))",
    "\\",
    '\\\\"',
    "%",
    "_",
    "%_%",
    "\x00",
    "light\x00house",
    "\x01\x02\x1f\x7f",
    "\u202elighthouse",
    "\ue000lighthouse\ue001",
    "🙂 lighthouse",
    "<script>alert(1)</script>",
    "the",
    "the of and",
    "a",
    "lighthouse " * 2000,
    "x" * 10_000,
    "-lighthouse " * 50,
    '"' * 999,
    "ß İ ǅ ﬁ",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_any_query_gives_a_page_and_a_feed(client, published, text):
    published("Lighthouse keeper")

    assert client.get(SEARCH, {"q": text}).status_code == 200
    assert client.get(FEED, {"q": text}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"q": "lighthouse", "page": "-1"},
        {"q": "lighthouse", "page": "abc"},
        {"q": "lighthouse", "page": "99999999999999999999999"},
        {"q": "lighthouse", "section": "../../etc"},
        {"q": "lighthouse", "entity": "<script>"},
        {"q": "lighthouse", "since": "\x00", "until": "9999-99-99"},
        {"q": ["lighthouse", "keeper"]},
    ],
)
def test_any_parameters_give_a_page_and_a_feed(client, published, params):
    published("Lighthouse keeper")

    assert client.get(SEARCH, params).status_code == 200
    assert client.get(FEED, params).status_code == 200


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=60))
def test_any_text_at_all_is_a_search(db, text):
    query = search.parse(text)

    results = search.search(query, published_only=False)
    list(results.page(1).object_list)
    assert len(query.text) <= search.MAX_QUERY_LENGTH


# ---- Editors --------------------------------------------------------------------------------


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("editor", "e@example.com", "a passphrase")


def test_editors_search_every_state_in_the_admin_with_the_same_index(
    client, editor, published, unpublished
):
    published("Lighthouse published")
    published("Harbour news")
    client.force_login(editor)

    response = client.get(reverse("admin:stories_story_changelist"), {"q": "lighthouses"})

    assert response.status_code == 200
    listed = {story.headline for story in response.context["cl"].result_list}
    assert listed == {"Lighthouse published", *(s.headline for s in unpublished.values())}


def test_an_editor_adding_tags_in_the_admin_makes_them_searchable(client, editor, make_story):
    story = make_story("Council meets")
    client.force_login(editor)
    url = reverse("admin:stories_story_change", args=[story.pk])
    data = form_data(client.get(url))
    data["tags"] = "budget2027"
    response = client.post(url, data)

    assert response.status_code == 302
    assert list(search.search("budget2027", published_only=False).stories) == [story]


# ---- The index itself ---------------------------------------------------------------------


def test_rebuild_search_index_indexes_every_story_afresh(published, make_story):
    story = published("Lighthouse keeper")
    draft = make_story("Lighthouse draft")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {search.TABLE}")
    assert found("lighthouse") == []

    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)

    assert found("lighthouse") == [story.headline]
    assert index_rows() == {story.pk, draft.pk}
    assert "Indexed 2 stories" in out.getvalue()


def test_dates_filter_in_the_newsroom_time_zone(published, settings):
    settings.TIME_ZONE = "America/New_York"
    # 23:30 in New York is the next day in UTC: the reader's day is New York's.
    evening = timezone.make_aware(datetime.combine(timezone.localdate(), time(23, 30)))
    story = published("Lighthouse at night", published_at=evening - timedelta(days=2))
    day = timezone.localdate(story.published_at)

    assert found("lighthouse", since=day, until=day) == [story.headline]


def test_a_search_matching_very_many_stories_ranks_the_most_recent_of_them(
    client, published, monkeypatch
):
    monkeypatch.setattr(search, "RANK_WINDOW", 3)
    stories = [published(f"Lighthouse number {n}") for n in range(5)]
    newest_three = {s.headline for s in stories[-3:]}

    results = search.search("lighthouse")
    assert results.narrowed
    assert {s.headline for s in results.page(1).object_list} == newest_three
    # They are not counted: the page says "more than", and pages through those ranked.
    assert results.page(1).paginator.count == 3
    _, page, headlines = get_results(client, q="lighthouse")
    assert set(headlines) == newest_three
    assert "More than 3 stories found" in page.one("main").one("p", role="status").text()
    assert "Add words, a section or dates" in page.one("main").text()

    assert not search.search("lighthouse number 4").narrowed


def test_filters_apply_before_the_window_and_reach_older_stories(published, monkeypatch):
    monkeypatch.setattr(search, "RANK_WINDOW", 3)
    sport = Section.objects.create(name="Sport", slug="sport")
    now = timezone.now()
    last_month = now - timedelta(days=30)
    older = [
        published(f"Lighthouse regatta {n}", section=sport, published_at=last_month)
        for n in range(2)
    ]
    newer = [published(f"Lighthouse number {n}", published_at=now) for n in range(4)]
    older_headlines = {s.headline for s in older}

    assert {s.headline for s in search.search("lighthouse").stories}.isdisjoint(older_headlines)
    in_sport = search.search("lighthouse", section=sport)
    assert not in_sport.narrowed
    assert {s.headline for s in in_sport.stories} == older_headlines
    day = timezone.localdate(last_month)
    assert set(found("lighthouse", since=day, until=day)) == older_headlines

    # A filter that still leaves more than the window ranks the newest of those.
    newer.append(published("Lighthouse regatta 2", section=sport, published_at=now))
    newer.append(published("Lighthouse regatta 3", section=sport, published_at=now))
    in_sport = search.search("lighthouse", section=sport)
    assert in_sport.narrowed
    assert {s.headline for s in in_sport.stories} == {
        "Lighthouse regatta 1",
        "Lighthouse regatta 2",
        "Lighthouse regatta 3",
    }


def test_restoring_a_revision_reindexes_its_tags(client, editor, make_story):
    story = make_story("Council meets")
    client.force_login(editor)
    url = reverse("admin:stories_story_change", args=[story.pk])
    data = form_data(client.get(url))
    data["tags"] = "budget2027"
    assert client.post(url, data).status_code == 302
    with_tag = Version.objects.get_for_object(story).first()
    data = form_data(client.get(url))
    data["tags"] = ""
    assert client.post(url, data).status_code == 302
    assert not search.search("budget2027", published_only=False).matching.exists()

    story.refresh_from_db()
    story.restore(with_tag, by=editor)

    assert list(search.search("budget2027", published_only=False).matching) == [story]


@pytest.mark.parametrize("text", ['"', "-", "NOT AND", "light\x00house", "x" * 10_000, "%_\\"])
def test_any_admin_search_gives_the_story_list(client, editor, published, text):
    published("Lighthouse keeper")
    client.force_login(editor)

    response = client.get(reverse("admin:stories_story_changelist"), {"q": text})

    assert response.status_code == 200
