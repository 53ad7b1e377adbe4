"""A save over someone else's newer save merges field by field; a field both changed is
settled by the writer's choice, theirs or mine, with nothing retyped."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from tests.test_admin import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editors(django_user_model):
    people = []
    for username, first in (("anna", "Anna"), ("ben", "Ben")):
        user = django_user_model.objects.create_user(username, first_name=first, is_staff=True)
        user.groups.add(Group.objects.get(name="Editor"))
        people.append(user)
    return people


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def change_url(story):
    return reverse("admin:stories_story_change", args=[story.pk])


def opened(client, story):
    return form_data(client.get(change_url(story)))


def test_changes_to_different_fields_merge_by_themselves(editors, make_story):
    anna, ben = (signed_in(user) for user in editors)
    story = make_story("Wetland bird count")
    annas_form, bens_form = opened(anna, story), opened(ben, story)
    assert (
        ben.post(change_url(story), {**bens_form, "headline": "Record bird count"}).status_code
        == 302
    )

    response = anna.post(
        change_url(story), {**annas_form, "dek": "Twice as many geese."}, follow=True
    )

    story.refresh_from_db()
    assert (story.headline, story.dek) == ("Record bird count", "Twice as many geese.")
    messages = [str(m) for m in response.context["messages"]]
    assert any("merged with theirs" in m and "headline" in m for m in messages), messages


def test_a_field_both_changed_is_settled_by_a_choice_per_field(editors, make_story):
    anna, ben = (signed_in(user) for user in editors)
    story = make_story("Wetland bird count")
    annas_form, bens_form = opened(anna, story), opened(ben, story)
    ben.post(change_url(story), {**bens_form, "dek": "Ben's dek.", "headline": "Ben's headline"})

    mine = {
        **annas_form,
        "dek": "Anna's dek.",
        "headline": "Anna's headline",
        "story_line": "Birds",
    }
    refused = anna.post(change_url(story), mine)

    assert refused.status_code == 200
    conflict = refused.context["adminform"].form.conflict
    assert [clash.label for clash in conflict.clashes] == ["Headline", "Dek"]
    page = refused.content.decode()
    assert 'name="merge_dek"' in page and 'name="merge_headline"' in page
    assert [(c.theirs, c.mine) for c in conflict.clashes] == [
        ("Ben's headline", "Anna's headline"),
        ("Ben's dek.", "Anna's dek."),
    ]
    story.refresh_from_db()
    assert story.dek == "Ben's dek."

    # Theirs for the dek, mine for the headline: the form is posted again as it came back.
    again = {**form_data(refused), "merge_against": str(conflict.story.version)}
    again.update(merge_dek="theirs", merge_headline="mine")
    assert anna.post(change_url(story), again).status_code == 302
    story.refresh_from_db()
    assert (story.headline, story.dek, story.story_line) == (
        "Anna's headline",
        "Ben's dek.",
        "Birds",
    )


def test_a_choice_made_against_an_older_save_is_asked_again(editors, make_story):
    anna, ben = (signed_in(user) for user in editors)
    story = make_story("Wetland bird count")
    annas_form, bens_form = opened(anna, story), opened(ben, story)
    ben.post(change_url(story), {**bens_form, "dek": "Ben's dek."})
    refused = anna.post(change_url(story), {**annas_form, "dek": "Anna's dek."})
    against = refused.context["adminform"].form.conflict.story.version
    ben.post(change_url(story), {**opened(ben, story), "dek": "Ben's second dek."})

    again = {**form_data(refused), "merge_against": str(against), "merge_dek": "mine"}
    asked = anna.post(change_url(story), again)

    assert asked.status_code == 200
    (clash,) = asked.context["adminform"].form.conflict.clashes
    assert clash.theirs == "Ben's second dek."
    story.refresh_from_db()
    assert story.dek == "Ben's second dek."
