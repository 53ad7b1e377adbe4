"""Merging a duplicate entity into the one that stays keeps every mention and every name."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse

from stories.models import DismissedSuggestion, Entity, Mention

pytestmark = pytest.mark.django_db


@pytest.fixture
def witkoff(db):
    return Entity.objects.create(
        name="Steve Witkoff", kind=Entity.Kind.PERSON, aliases=["Steven Witkoff"]
    )


@pytest.fixture
def duplicate(db):
    return Entity.objects.create(
        name="Witkoff",
        aliases=["Special Envoy Witkoff", "steven witkoff"],
        description="US special envoy.",
        wikidata_id="Q123",
    )


@pytest.fixture
def stories(make_story, witkoff, duplicate):
    """Three stories: one naming each entity alone, one naming both."""
    only_survivor = make_story("Envoy visits")
    only_duplicate = make_story("Witkoff speaks")
    both = make_story("Talks resume")
    Mention.objects.create(
        story=only_survivor, entity=witkoff, count=2, salience=0.5, first_position=10
    )
    Mention.objects.create(
        story=only_duplicate, entity=duplicate, count=3, salience=0.7, first_position=0
    )
    Mention.objects.create(story=both, entity=witkoff, count=1, salience=0.2, first_position=40)
    Mention.objects.create(
        story=both, entity=duplicate, count=4, salience=0.6, first_position=5, in_headline=True
    )
    return only_survivor, only_duplicate, both


def totals():
    return Mention.objects.aggregate(n=Sum("count"))["n"], Mention.objects.count()


def test_every_mention_moves_to_the_survivor(stories, witkoff, duplicate):
    _, only_duplicate, both = stories
    named_before, rows_before = totals()
    stories_before = set(Mention.objects.values_list("story", flat=True))

    duplicate.merge_into(witkoff)

    named_after, rows_after = totals()
    assert named_after == named_before  # every time either was named is still counted
    assert rows_after == rows_before - 1  # the story naming both keeps one mention
    assert set(witkoff.mentions.values_list("story", flat=True)) == stories_before
    assert not Entity.objects.filter(pk=duplicate.pk).exists()
    combined = Mention.objects.get(story=both, entity=witkoff)
    assert (combined.count, combined.salience, combined.first_position) == (5, 0.6, 5)
    assert combined.in_headline
    moved = Mention.objects.get(story=only_duplicate)
    assert (moved.entity, moved.count, moved.salience) == (witkoff, 3, 0.7)


def test_names_aliases_and_blank_details_move_to_the_survivor(stories, witkoff, duplicate):
    duplicate.merge_into(witkoff)
    witkoff.refresh_from_db()
    # "steven witkoff" is "Steven Witkoff" already, ignoring case.
    assert witkoff.aliases == ["Steven Witkoff", "Witkoff", "Special Envoy Witkoff"]
    assert (witkoff.description, witkoff.wikidata_id) == ("US special envoy.", "Q123")
    assert witkoff.kind == Entity.Kind.PERSON
    # Detection now finds the duplicate's names as the survivor.
    gazetteer = Entity.objects.gazetteer()
    assert {m.key for m in gazetteer.find("Special Envoy Witkoff met Witkoff")} == {witkoff.pk}


def test_the_survivors_own_details_are_kept(witkoff, duplicate):
    witkoff.wikidata_id = "Q9"
    witkoff.save()
    duplicate.merge_into(witkoff)
    witkoff.refresh_from_db()
    assert witkoff.wikidata_id == "Q9"


def test_dismissals_of_the_duplicate_become_the_survivors(stories, witkoff, duplicate):
    _, only_duplicate, both = stories
    only_duplicate.dismiss_suggestion(duplicate.name, entity=duplicate)
    both.dismiss_suggestion(duplicate.name, entity=duplicate)
    both.dismiss_suggestion(witkoff.name, entity=witkoff)
    duplicate.merge_into(witkoff)
    assert sorted(DismissedSuggestion.objects.values_list("story", "entity", "name")) == sorted(
        [
            (only_duplicate.pk, witkoff.pk, witkoff.name),
            (both.pk, witkoff.pk, witkoff.name),
        ]
    )


def test_an_entity_cannot_be_merged_into_itself(witkoff):
    with pytest.raises(ValidationError) as refused:
        witkoff.merge_into(Entity.objects.get(pk=witkoff.pk))
    assert refused.value.messages == ["“Steve Witkoff” cannot be merged into itself."]
    assert Entity.objects.filter(pk=witkoff.pk).exists()


# ---- The admin action, with its confirmation page -----------------------------------


@pytest.fixture
def editor(django_user_model):
    # No password: logged in by force_login(), without the cost of hashing one.
    return django_user_model.objects.create_superuser("editor", password=None)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


CHANGELIST = "/admin/stories/entity/"


def action(*entities, **extra):
    return {
        "action": "merge_entities",
        ACTION_CHECKBOX_NAME: [e.pk for e in entities],
        **extra,
    }


def test_the_action_asks_which_entity_to_keep_first(editor_client, stories, witkoff, duplicate):
    response = editor_client.post(CHANGELIST, action(witkoff, duplicate))
    assert response.status_code == 200
    assert response.templates[0].name == "admin/stories/entity/merge.html"
    page = response.text
    assert "Choose the one to keep" in page
    # The entity in the most stories is offered first, already chosen.
    assert f'value="{witkoff.pk}" checked' in page
    assert f'value="{duplicate.pk}" checked' not in page
    assert "Special Envoy Witkoff" in page  # aliases shown, to tell them apart
    assert Entity.objects.count() == 2  # nothing merged yet


def test_confirming_merges_into_the_chosen_one(editor_client, stories, witkoff, duplicate):
    named_before, _ = totals()
    response = editor_client.post(
        CHANGELIST, action(witkoff, duplicate, post="yes", survivor=duplicate.pk)
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:stories_entity_change", args=[duplicate.pk])
    assert list(Entity.objects.all()) == [duplicate]
    assert totals()[0] == named_before
    assert duplicate.mentions.count() == 3
    [message] = [m.message for m in get_messages(response.wsgi_request)]
    assert message == "Merged “Steve Witkoff” into “Witkoff”, which is now mentioned in 3 stories."


def test_a_survivor_not_among_the_selected_is_refused(editor_client, stories, witkoff, duplicate):
    other = Entity.objects.create(name="Someone else")
    response = editor_client.post(
        CHANGELIST, action(witkoff, duplicate, post="yes", survivor=other.pk)
    )
    assert response.status_code == 200
    assert "Choose the entity to keep." in response.text
    assert Entity.objects.count() == 3


def test_one_entity_alone_cannot_be_merged(editor_client, witkoff):
    response = editor_client.post(CHANGELIST, action(witkoff), follow=True)
    assert "at least two entities" in response.text
    assert Entity.objects.count() == 1


def test_merging_needs_the_right_to_delete_entities(
    client, django_user_model, stories, witkoff, duplicate
):
    user = django_user_model.objects.create_user("desk", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_entity", "change_entity"])
    )
    client.force_login(user)
    page = client.get(CHANGELIST)
    assert "merge_entities" not in page.text
    client.post(CHANGELIST, action(witkoff, duplicate, post="yes", survivor=witkoff.pk))
    assert Entity.objects.count() == 2


def test_a_survivor_of_kind_other_takes_the_duplicates_kind(db):
    vague = Entity.objects.create(name="Kotug")
    precise = Entity.objects.create(name="Kotug International", kind=Entity.Kind.ORGANIZATION)
    precise.merge_into(vague)
    vague.refresh_from_db()
    assert vague.kind == Entity.Kind.ORGANIZATION
