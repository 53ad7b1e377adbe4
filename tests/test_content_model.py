"""The content model: nested sections, the one definition of "published", status changes."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from stories import richtext
from stories.models import Citation, Entity, Publisher, Section, Source, StatusChange, Story
from stories.models import stories as story_models

pytestmark = pytest.mark.django_db


def test_a_section_path_follows_its_ancestry(world):
    middle_east = Section.objects.create(name="Middle East", slug="middle-east", parent=world)
    gulf = Section.objects.create(name="Gulf", slug="gulf", parent=middle_east)
    assert gulf.path == "world/middle-east/gulf"
    assert gulf.get_absolute_url() == "/world/middle-east/gulf/"
    assert [s.name for s in gulf.ancestry()] == ["World", "Middle East", "Gulf"]


def test_renaming_a_section_moves_its_descendants(world):
    middle_east = Section.objects.create(name="Middle East", slug="middle-east", parent=world)
    gulf = Section.objects.create(name="Gulf", slug="gulf", parent=middle_east)
    world.slug = "international"
    world.save()
    gulf.refresh_from_db()
    assert gulf.path == "international/middle-east/gulf"


def test_a_section_cannot_go_inside_its_own_subsection(world):
    middle_east = Section.objects.create(name="Middle East", slug="middle-east", parent=world)
    world.parent = middle_east
    with pytest.raises(ValidationError, match="inside itself"):
        world.full_clean()


def test_a_top_level_section_cannot_shadow_the_site_urls():
    with pytest.raises(ValidationError, match="used by the site itself"):
        Section(name="Admin", slug="admin").full_clean()


def test_published_means_published_with_a_time_that_has_come(make_story):
    now = timezone.now()
    live = make_story("Live", published=True, published_at=now - timedelta(minutes=1))
    scheduled = make_story("Scheduled", published=True, published_at=now + timedelta(hours=1))
    make_story("Draft")
    withdrawn = make_story("Withdrawn", published=True)
    withdrawn.change_status(Story.Status.WITHDRAWN)

    assert list(Story.objects.published()) == [live]
    assert live.is_published
    assert not scheduled.is_published and scheduled.is_scheduled


def test_a_scheduled_story_appears_by_itself_at_its_time(make_story, monkeypatch):
    at = timezone.now() + timedelta(hours=2)
    story = make_story("Later", published=True, published_at=at)
    assert not Story.objects.published().exists()
    monkeypatch.setattr(timezone, "now", lambda: at + timedelta(seconds=1))
    assert list(Story.objects.published()) == [story]
    assert story.is_published


def test_each_status_change_is_recorded_with_who_and_why(make_story, django_user_model):
    editor = django_user_model.objects.create_user("editor")
    editor.groups.add(Group.objects.get(name="Editor"))
    story = make_story("Recorded")
    story.change_status(Story.Status.IN_REVIEW, by=editor, comment="Ready")
    story.refresh_from_db()
    change = StatusChange.objects.get(story=story)
    assert story.status == Story.Status.IN_REVIEW
    assert (change.by, change.from_status, change.to_status, change.comment) == (
        editor, Story.Status.DRAFT, Story.Status.IN_REVIEW, "Ready"
    )  # fmt: skip


def test_an_invalid_transition_is_refused_and_changes_nothing(make_story):
    story = make_story("Draft only")
    with pytest.raises(ValidationError, match="draft cannot become withdrawn"):
        story.change_status(Story.Status.WITHDRAWN)
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT
    assert not story.status_changes.exists()


def test_rich_text_is_sanitised_on_save(make_story):
    story = make_story(
        "Unsafe",
        body='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x()">a</a>'
        '<a href="https://example.com/">b</a></p>',
    )
    story.refresh_from_db()
    assert "script" not in story.body and "onclick" not in story.body
    assert "javascript" not in story.body
    assert '<a href="https://example.com/">b</a>' in story.body


def test_headline_slugs_are_unique(make_story):
    first, second = make_story("Same words"), make_story("Same words")
    assert (first.slug, second.slug) == ("same-words", "same-words-2")


def test_a_slug_taken_between_making_it_and_saving_is_made_again(make_story, monkeypatch):
    # As when another process saves a story of the same headline at the same moment:
    # the slug was free when looked up, and is taken by the time of the insert.
    first = make_story("Same words")
    made = iter(["same-words"])
    real = story_models.unique_slug
    monkeypatch.setattr(
        story_models, "unique_slug", lambda *a, **k: next(made, None) or real(*a, **k)
    )

    second = Story.objects.create(title="Same words", headline="Same words")

    second.refresh_from_db()
    assert (first.slug, second.slug) == ("same-words", "same-words-2")


def test_a_slug_given_by_the_editor_is_never_changed_to_another(make_story):
    make_story("Same words")
    with pytest.raises(IntegrityError):
        Story.objects.create(title="Other", headline="Other", slug="same-words")


def test_citations_share_one_source_per_canonical_url(make_story):
    one, two = make_story("One"), make_story("Two")
    Citation.objects.create(
        story=one, title="Article", url="https://Example.com/a?utm_source=x",
        publisher_name="Example Post",
    )  # fmt: skip
    Citation.objects.create(story=two, title="The article", url="https://example.com/a#top")
    source = Source.objects.get()
    assert source.url == "https://example.com/a"
    assert source.publisher == Publisher.objects.get(name="Example Post")
    assert list(two.citations.values_list("title", "url")) == [
        ("The article", "https://example.com/a#top")
    ]


def test_wikidata_ids_are_validated():
    Entity(name="Douglas Adams", wikidata_id="Q42").full_clean()
    with pytest.raises(ValidationError, match="Q followed by a number"):
        Entity(name="Nobody", wikidata_id="42").full_clean()


def test_rich_text_blocks_round_trip():
    blocks = [richtext.Block("p", "A & B < C"), richtext.Block("h2", "Then")]
    assert richtext.html_to_blocks(richtext.sanitise(richtext.blocks_to_html(blocks))) == blocks


def test_section_slugs_are_unique_among_siblings(world):
    Section.objects.create(name="Europe", slug="europe", parent=world)
    with pytest.raises(ValidationError, match="already has a subsection with this slug"):
        Section(name="Europe again", slug="europe", parent=world).full_clean()
    with pytest.raises(ValidationError, match="already a top-level section"):
        Section(name="World again", slug="world").full_clean()
    Section(name="Europe", slug="europe").full_clean()
