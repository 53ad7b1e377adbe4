"""No lost work: a save over someone else's newer save never overwrites it unasked.

Two editors open the same story. The first saves. Fields only one of them changed merge
by themselves (tests/test_merging.py); when both changed a field, the second's save is
refused with a message naming the first and when they saved, theirs and mine are shown
side by side, and the second's own input is still in the form.
"""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from stories.models import Story
from tests.test_admin import form_data


@pytest.fixture
def editors(db, django_user_model):
    group = Group.objects.get(name="Editor")
    people = []
    for username, first, last in [("anna", "Anna", "Berger"), ("ben", "Ben", "Cole")]:
        user = django_user_model.objects.create_user(
            username, f"{username}@example.com", first_name=first, last_name=last, is_staff=True
        )
        user.groups.add(group)
        people.append(user)
    return people


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def change_url(story):
    return reverse("admin:stories_story_change", args=[story.pk])


def test_the_second_of_two_saves_is_refused_and_keeps_its_input(editors, make_story, settings):
    settings.TIME_ZONE = "Europe/Vienna"
    anna, ben = editors
    story = make_story("Harbour tug runs on hydrogen")
    first, second = logged_in(anna), logged_in(ben)
    annas_form = form_data(first.get(change_url(story)))
    bens_form = form_data(second.get(change_url(story)))

    annas_form["headline"] = "Harbour tug runs on green hydrogen"
    assert first.post(change_url(story), annas_form).status_code == 302
    bens_form["dek"] = "Ben's careful rewrite of the dek."
    bens_form["headline"] = "Harbour tug runs on hydrogen, at last"
    response = second.post(change_url(story), bens_form)

    story.refresh_from_db()
    # The first save is kept, the second refused.
    assert story.headline == "Harbour tug runs on green hydrogen"
    assert story.dek != "Ben's careful rewrite of the dek."
    assert response.status_code == 200
    form = response.context["adminform"].form
    # The refusal names who saved and when, in the newsroom's time zone.
    message = " ".join(form.non_field_errors())
    conflict = form.conflict
    assert conflict.editors == ["Anna Berger"]
    assert conflict.when.endswith(settings.TIME_ZONE)
    assert f"Anna Berger saved this story at {conflict.when}, after you opened it" in message
    # What Anna changed is known, word by word; the headline both changed is shown
    # side by side, theirs and mine.
    changes = {diff.label: diff for diff in conflict.changes()}
    assert set(changes) == {"Headline"}
    page = response.content.decode()
    assert "<del>green </del>" in page or "<del>green</del>" in page
    assert [clash.label for clash in conflict.clashes] == ["Headline"]
    # Ben's own input is still in the re-rendered form.
    assert form["dek"].value() == "Ben's careful rewrite of the dek."
    assert "Ben&#x27;s careful rewrite of the dek." in page


def test_after_a_refusal_a_fresh_form_saves(editors, make_story):
    anna, ben = editors
    story = make_story("Night train")
    first, second = logged_in(anna), logged_in(ben)
    stale = form_data(second.get(change_url(story)))
    fresh = form_data(first.get(change_url(story)))
    first.post(change_url(story), {**fresh, "dek": "Anna's dek."})
    assert second.post(change_url(story), {**stale, "dek": "Ben's dek."}).status_code == 200

    reloaded = form_data(second.get(change_url(story)))
    assert second.post(change_url(story), {**reloaded, "dek": "Ben's dek."}).status_code == 302
    story.refresh_from_db()
    assert story.dek == "Ben's dek."


def test_a_save_without_the_version_token_is_refused(editors, make_story):
    story = make_story("Tokenless")
    client = logged_in(editors[0])
    data = form_data(client.get(change_url(story)))
    del data["edit_version"]
    response = client.post(change_url(story), {**data, "headline": "Overwritten"})
    assert response.status_code == 200
    assert "did not say which version" in " ".join(
        response.context["adminform"].form.non_field_errors()
    )
    story.refresh_from_db()
    assert story.headline == "Tokenless"


def test_a_status_change_by_someone_else_does_not_refuse_a_text_save(editors, make_story):
    # Publishing touches only the status columns, and the form never writes those.
    anna, ben = editors
    story = make_story("Wetland bird count", status=Story.Status.APPROVED)
    client = logged_in(ben)
    data = form_data(client.get(change_url(story)))
    story.publish(by=anna)
    assert client.post(change_url(story), {**data, "dek": "New dek."}).status_code == 302
    story.refresh_from_db()
    # Live now, so the new dek waits in the story's working copy for publication.
    assert story.status == Story.Status.PUBLISHED
    assert story.working_copy.fields["dek"] == "New dek."


def test_each_of_two_people_with_a_story_open_is_told_of_the_other(editors, make_story):
    anna, ben = editors
    story = make_story("Market street weekends")
    first, second = logged_in(anna), logged_in(ben)
    alone = first.get(change_url(story))
    assert alone.context["also_open"] == []
    told_of_anna = second.get(change_url(story))
    told_of_ben = first.get(change_url(story))

    assert [p.user for p in told_of_anna.context["also_open"]] == [anna]
    assert [p.user for p in told_of_ben.context["also_open"]] == [ben]
    assert "Anna Berger (since" in told_of_anna.content.decode()
    assert "has this story open" in told_of_anna.content.decode()


def test_presence_ends_with_a_save_and_after_its_time(editors, make_story, settings):
    anna, ben = editors
    story = make_story("Ferry")
    first, second = logged_in(anna), logged_in(ben)
    data = form_data(first.get(change_url(story)))
    first.post(change_url(story), data)
    assert second.get(change_url(story)).context["also_open"] == []

    settings.NEWSROOM_PRESENCE_MINUTES = 0  # everyone else's visit has expired
    first.get(change_url(story))
    assert second.get(change_url(story)).context["also_open"] == []
