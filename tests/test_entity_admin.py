"""An editor links or dismisses a story's suggested entities in one click."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from stories import richtext
from stories.models import DismissedSuggestion, Entity, Mention

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    # No password: logged in by force_login(), without the cost of hashing one.
    return django_user_model.objects.create_superuser("editor", password=None)


def staff_with(django_user_model, username, *codenames):
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def hamas(db):
    return Entity.objects.create(name="Hamas", kind=Entity.Kind.ORGANIZATION)


@pytest.fixture
def story(make_story, hamas):
    body = richtext.blocks_to_html(
        [
            richtext.Block("p", "Hamas answered the mediators on Monday."),
            richtext.Block(
                "p", "Dr. Ismail al-Thawabta, Director General of the Gaza Government Media "
                "Office, spoke. Hamas agreed."
            ),
        ]
    )  # fmt: skip
    return make_story("Hamas answers", body=body)


def change_url(story):
    return reverse("admin:stories_story_change", args=[story.pk])


def link_url(story):
    return reverse("admin:stories_story_link_suggestion", args=[story.pk])


def dismiss_url(story):
    return reverse("admin:stories_story_dismiss_suggestion", args=[story.pk])


def messages_of(response):
    return [m.message for m in get_messages(response.wsgi_request)]


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_the_change_page_shows_known_and_new_suggestions(editor_client, story, hamas):
    response = editor_client.get(change_url(story))
    assert response.status_code == 200
    page = response.text
    assert "Suggested entities" in page
    panel = page.split('id="entity-suggestions"', 1)[1].split("data-unsaved-note", 1)[0]
    assert "Known entities, not linked yet" in panel
    assert "<strong>Hamas</strong>" in panel
    [hamas_found] = [d for d in story.detect_entities() if d.key == hamas.pk]
    assert f"{hamas_found.count} times, in the headline" in panel
    assert "Names that may be new entities" in panel
    assert "<strong>Ismail al-Thawabta</strong>" in panel
    assert "<strong>Gaza Government Media Office</strong>" in panel
    # Each new name's kind picker starts at the hinted kind.
    picker = re.search(r'<select name="kind:Ismail al-Thawabta".*?</select>', panel, re.S)
    assert '<option value="person" selected>' in picker.group()
    assert f'formaction="{link_url(story)}"' in panel


def test_linking_a_known_entity_stores_its_mention_with_salience(editor_client, story, hamas):
    response = editor_client.post(link_url(story), {"entity": hamas.pk})
    assert response.status_code == 302
    assert response.url == change_url(story) + "#entity-suggestions"
    mention = Mention.objects.get(story=story, entity=hamas)
    [found] = [d for d in story.detect_entities() if d.key == hamas.pk]
    assert (mention.count, mention.in_headline) == (found.count, True)
    assert mention.salience == pytest.approx(found.salience)
    assert any("Linked" in m and f"named {found.count} times" in m for m in messages_of(response))
    page = editor_client.get(change_url(story)).text
    panel = page.split('id="entity-suggestions"', 1)[1].split("data-unsaved-note", 1)[0]
    assert "<strong>Hamas</strong>" not in panel


def test_accepting_a_new_name_creates_the_entity_with_the_chosen_kind(editor_client, story):
    name = "Gaza Government Media Office"
    response = editor_client.post(
        link_url(story), {"candidate": name, f"kind:{name}": Entity.Kind.ORGANIZATION}
    )
    assert response.status_code == 302
    entity = Entity.objects.get(name=name)
    assert entity.kind == Entity.Kind.ORGANIZATION
    assert Mention.objects.get(story=story, entity=entity).count == 1


def test_a_kind_that_is_none_is_refused_and_nothing_is_created(editor_client, story):
    name = "Ismail al-Thawabta"
    response = editor_client.post(link_url(story), {"candidate": name, f"kind:{name}": "wizard"})
    assert "“wizard” is not a kind of entity; nothing was linked." in messages_of(response)
    assert not Entity.objects.filter(name=name).exists()


def test_dismissing_stops_suggesting_for_this_story_only(
    editor_client, editor, story, hamas, make_story
):
    editor_client.post(dismiss_url(story), {"entity": hamas.pk})
    editor_client.post(dismiss_url(story), {"candidate": "Ismail al-Thawabta"})
    assert set(DismissedSuggestion.objects.values_list("name", "entity", "by")) == {
        ("Hamas", hamas.pk, editor.pk),
        ("Ismail al-Thawabta", None, editor.pk),
    }
    suggestions = story.entity_suggestions()
    assert suggestions.known == []
    assert [c.name for c in suggestions.new] == ["Gaza Government Media Office"]
    assert not Mention.objects.exists()
    other = make_story("Hamas again", body=story.body)
    assert [e.name for e, _ in other.entity_suggestions().known] == ["Hamas"]


def test_a_suggestion_no_longer_made_changes_nothing_and_says_so(editor_client, story, hamas):
    editor_client.post(link_url(story), {"entity": hamas.pk})
    response = editor_client.post(link_url(story), {"candidate": "Steve Witkoff"})
    assert response.status_code == 302
    assert any("no longer made for this story" in m for m in messages_of(response))
    assert not Entity.objects.filter(name="Steve Witkoff").exists()
    assert Mention.objects.count() == 1


def test_the_buttons_only_post(editor_client, story, hamas):
    assert editor_client.get(link_url(story), {"entity": hamas.pk}).status_code == 405
    assert editor_client.get(dismiss_url(story), {"entity": hamas.pk}).status_code == 405
    assert not Mention.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(editor, story, hamas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(link_url(story), {"entity": hamas.pk}).status_code == 403
    assert not Mention.objects.exists()


def test_a_post_with_the_change_forms_token_is_accepted(editor, story, hamas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(change_url(story))
    token = page.context["csrf_token"]
    response = client.post(link_url(story), {"entity": hamas.pk, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Mention.objects.filter(story=story, entity=hamas).exists()


def test_who_may_view_a_story_but_not_change_it_cannot_link(
    client, django_user_model, story, hamas
):
    reader = staff_with(django_user_model, "reader", "view_story")
    client.force_login(reader)
    assert client.post(link_url(story), {"entity": hamas.pk}).status_code == 403
    assert client.post(dismiss_url(story), {"entity": hamas.pk}).status_code == 403
    assert not Mention.objects.exists() and not DismissedSuggestion.objects.exists()
    assert "Suggested entities" not in client.get(change_url(story)).text


def test_linking_a_new_name_needs_the_right_to_add_entities(
    client, django_user_model, story, hamas
):
    reporter = staff_with(django_user_model, "reporter", "view_story", "change_story")
    story.authors.add(reporter)  # may change the story, whatever else the roles say
    client.force_login(reporter)
    # Not offered the button, and told why if they post it anyway.
    page = client.get(change_url(story)).text
    assert "Create and link" not in page and "An editor can create it" in page
    response = client.post(link_url(story), {"candidate": "Ismail al-Thawabta"}, follow=True)
    assert response.status_code == 200
    assert (
        "“Ismail al-Thawabta” is not an entity yet, and only editors create entities: ask one "
        "to create it, then link it here." in [str(m) for m in response.context["messages"]]
    )
    assert not Entity.objects.filter(name="Ismail al-Thawabta").exists()
    client.post(link_url(story), {"entity": hamas.pk})
    assert Mention.objects.filter(story=story, entity=hamas).exists()


def test_an_unknown_story_is_not_found(editor_client):
    assert editor_client.post(link_url_for(987654), {"entity": 1}).status_code == 404


def link_url_for(pk):
    return reverse("admin:stories_story_link_suggestion", args=[pk])


def test_the_panel_costs_the_same_queries_however_many_suggestions(
    editor_client, story, django_assert_max_num_queries
):
    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            editor_client.get(change_url(story))
        return len(captured)

    queries()  # the first visit may set up what later ones only read
    few = queries()
    for n in range(20):
        Entity.objects.create(name=f"Mediator {n}", aliases=[f"Envoy Number {n}"])
    story.body += richtext.blocks_to_html(
        [richtext.Block("p", " ".join(f"Mediator {n} spoke." for n in range(20)))]
    )
    story.save()
    assert queries() == few


def test_the_add_page_has_no_panel(editor_client):
    response = editor_client.get(reverse("admin:stories_story_add"))
    assert response.status_code == 200
    assert "Suggested entities" not in response.text


def test_saving_the_story_measures_its_mentions_again(editor_client, story, hamas):
    from tests.test_admin import form_data

    editor_client.post(link_url(story), {"entity": hamas.pk})
    data = form_data(editor_client.get(change_url(story)))
    data["body"] = "<p>Hamas spoke once here.</p>"
    response = editor_client.post(change_url(story), data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    story.refresh_from_db()
    [found] = [d for d in story.detect_entities() if d.key == hamas.pk]
    mention = Mention.objects.get(story=story, entity=hamas)
    assert (mention.count, mention.first_position) == (found.count, found.first_position)


def test_a_dismissal_can_be_undone(editor_client, story, hamas):
    editor_client.post(dismiss_url(story), {"entity": hamas.pk})
    dismissal = DismissedSuggestion.objects.get()
    page = editor_client.get(change_url(story)).text
    assert f'name="dismissal" value="{dismissal.pk}"' in page
    restore = reverse("admin:stories_story_restore_suggestion", args=[story.pk])
    response = editor_client.post(restore, {"dismissal": dismissal.pk})
    assert "“Hamas” may be suggested again." in messages_of(response)
    assert not DismissedSuggestion.objects.exists()
    assert [e for e, _ in story.entity_suggestions().known] == [hamas]
    again = editor_client.post(restore, {"dismissal": dismissal.pk})
    assert "That dismissal was undone already." in messages_of(again)
