"""Stories link the known entities they name; the story page links each one's first mention."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stories import richtext, textformat
from stories.detection import link_first_mentions
from stories.models import Entity, Mention, Story
from stories.models.entities import EntityQuerySet

pytestmark = pytest.mark.django_db


def html(*blocks):
    return richtext.blocks_to_html(richtext.Block(kind, text) for kind, text in blocks)


@pytest.fixture
def hamas(db):
    return Entity.objects.create(name="Hamas", kind=Entity.Kind.ORGANIZATION)


@pytest.fixture
def qatar(db):
    return Entity.objects.create(name="Qatar", kind=Entity.Kind.PLACE, aliases=["State of Qatar"])


@pytest.fixture
def story(make_story, hamas, qatar):
    return make_story(
        "Hamas answers mediators",
        dek="Talks in Doha.",
        summary=html(("p", "Mediators in Qatar wait.")),
        body=html(
            ("h2", "Hamas and Qatar"),
            ("p", "Hamas said the State of Qatar had asked. Hamas's reply came late."),
        ),
    )


def by_name(story):
    return {m.entity.name: m for m in story.mentions.select_related("entity")}


def test_linking_stores_each_named_entity_with_its_numbers(story, hamas, qatar):
    story.link_entities()
    mentions = by_name(story)
    assert set(mentions) == {"Hamas", "Qatar"}
    found = {d.key: d for d in story.detect_entities()}
    for entity in (hamas, qatar):
        mention = mentions[entity.name]
        expected = found[entity.pk]
        assert (mention.count, mention.first_position, mention.in_headline) == (
            expected.count,
            expected.first_position,
            expected.in_headline,
        )
        assert mention.salience == pytest.approx(expected.salience)
    assert mentions["Hamas"].in_headline and not mentions["Qatar"].in_headline
    assert mentions["Hamas"].salience > mentions["Qatar"].salience


def test_linking_twice_changes_nothing(story):
    story.link_entities()
    before = list(Mention.objects.values_list("entity", "count", "first_position", "salience"))
    story.link_entities()
    after = list(Mention.objects.values_list("entity", "count", "first_position", "salience"))
    assert after == before


def test_a_dismissed_entity_is_not_linked(story, hamas, editor_user):
    story.dismiss_suggestion(hamas.name, entity=hamas, by=editor_user)
    story.link_entities()
    assert set(by_name(story)) == {"Qatar"}


@pytest.fixture
def editor_user(django_user_model):
    return django_user_model.objects.create_user("editor")


def test_a_mention_linked_by_hand_is_kept_and_measured_when_the_text_changes(story, hamas):
    egypt = Entity.objects.create(name="Egypt")
    Mention.objects.create(story=story, entity=egypt)  # linked by an editor, not named
    story.refresh_mentions()
    assert by_name(story)["Egypt"].count == 0
    story.body = html(("p", "Egypt joined; Egypt spoke."))
    story.save()
    story.refresh_mentions()
    mentions = by_name(story)
    assert mentions["Egypt"].count == 2
    # Refreshing measures the linked entities and links no others.
    assert set(mentions) == {"Egypt"}


def test_import_links_known_entities(hamas, qatar, world):
    document = textformat.Document(
        title="Qatar hosts talks",
        headline="Qatar hosts talks",
        dek="",
        story_line="",
        summary=["Hamas is expected."],
        full_headline="",
        body=[richtext.Block("p", "Hamas came to Qatar.")],
    )
    story = Story.objects.import_document(document, name="talks.txt")
    assert {name: m.count for name, m in by_name(story).items()} == {"Hamas": 2, "Qatar": 3}
    # Imported again after an editor dismissed Hamas: Hamas stays unlinked.
    story.mentions.filter(entity=hamas).delete()
    story.dismiss_suggestion(hamas.name, entity=hamas)
    story = Story.objects.import_document(document, name="talks.txt")
    assert set(by_name(story)) == {"Qatar"}


def test_the_import_command_builds_the_gazetteer_once(tmp_path, hamas, monkeypatch, world):
    calls = []
    original = EntityQuerySet.gazetteer

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(EntityQuerySet, "gazetteer", counting)
    for n in range(3):
        text = textformat.format(
            textformat.Document(
                title=f"Story {n}",
                headline=f"Hamas story {n}",
                dek="A dek.",
                story_line=f"Story {n}",
                summary=["A summary."],
                full_headline=f"Hamas story {n}",
                body=[richtext.Block("p", "Hamas spoke.")],
            )
        )
        (tmp_path / f"story-{n}.txt").write_text(text, encoding="utf-8")
    call_command("import_stories", str(tmp_path), stdout=io.StringIO())
    assert len(calls) == 1
    assert Mention.objects.filter(entity=hamas).count() == 3


# ---- The first mention in the body links to the entity's page -----------------------


def links(*pairs):
    return [(href, names) for href, names in pairs]


def test_only_the_first_mention_of_each_entity_is_linked():
    body = html(("p", "Hamas said. Qatar said."), ("p", "Hamas again, and Qatar."))
    out = link_first_mentions(body, links(("/e/hamas/", ["Hamas"]), ("/e/qatar/", ["Qatar"])))
    assert out == (
        '<p><a href="/e/hamas/">Hamas</a> said. <a href="/e/qatar/">Qatar</a> said.</p>\n'
        "<p>Hamas again, and Qatar.</p>"
    )


def test_no_link_inside_a_heading_or_an_existing_link():
    body = (
        "<h2>Hamas answers</h2>"
        '<p>See <a href="https://example.com/hamas">what Hamas said</a>; Hamas agreed.</p>'
    )
    out = link_first_mentions(body, links(("/e/hamas/", ["Hamas"])))
    assert out == (
        "<h2>Hamas answers</h2>"
        '<p>See <a href="https://example.com/hamas">what Hamas said</a>; '
        '<a href="/e/hamas/">Hamas</a> agreed.</p>'
    )


def test_an_alias_is_linked_as_written_and_longest_names_win():
    body = html(("p", "The Gaza Government Media Office spoke of Gaza."))
    out = link_first_mentions(
        body,
        links(
            ("/e/office/", ["Gaza Government Media Office"]), ("/e/gaza/", ["Gaza Strip", "Gaza"])
        ),
    )
    assert out == (
        '<p>The <a href="/e/office/">Gaza Government Media Office</a> spoke of '
        '<a href="/e/gaza/">Gaza</a>.</p>'
    )


def test_text_is_only_ever_escaped_text_and_markup_stays_as_it_was():
    body = "<p>Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt; <em>Jerry</em></p>"
    out = link_first_mentions(body, links(('/e/"x"/', ["Jerry", "script"])))
    assert out == (
        '<p>Tom &amp; <a href="/e/&quot;x&quot;/">Jerry</a> '
        "&lt;script&gt;alert(1)&lt;/script&gt; <em>Jerry</em></p>"
    )


def test_a_name_that_looks_like_markup_is_matched_as_text():
    body = html(("p", "The <b> party & the rest"))
    out = link_first_mentions(body, links(("/e/b/", ["<b> party"])))
    assert out == '<p>The <a href="/e/b/">&lt;b&gt; party</a> &amp; the rest</p>'


def test_the_result_is_sanitised_again():
    # Whatever reached the body unsanitised (a bulk update skips save()) goes now.
    body = '<p onclick="x()">Hamas<script>alert(1)</script></p>'
    out = link_first_mentions(body, links(("javascript:alert(1)", ["Hamas"])))
    assert "script" not in out and "onclick" not in out and "javascript" not in out
    assert out.startswith("<p><a>Hamas</a>")


def test_the_story_page_links_first_mentions_without_extra_queries(client, story, hamas, qatar):
    story.link_entities()
    story.publish()
    with CaptureQueriesContext(connection) as two_links:
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    body = response.text.split('class="body"', 1)[1].split("</div>", 1)[0]
    first_paragraph = body.split("</p>", 1)[0]
    assert f'<a href="{hamas.get_absolute_url()}">Hamas</a> said the' in first_paragraph
    assert body.count(f'href="{hamas.get_absolute_url()}"') == 1
    assert body.count(f'href="{qatar.get_absolute_url()}">State of Qatar</a>') == 1
    story.mentions.filter(entity=qatar).delete()
    with CaptureQueriesContext(connection) as one_link:
        client.get(story.get_absolute_url())
    assert len(two_links) == len(one_link)
