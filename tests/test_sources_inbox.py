"""The sources inbox: articles no story cites yet, and a story started from a few of them."""

from datetime import date, timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from stories.models import Citation, Publisher, Source, Story

pytestmark = pytest.mark.django_db

INBOX = "/admin/stories/sourceinbox/"


@pytest.fixture
def editor(django_user_model):
    # No password: logged in by force_login(), without the cost of hashing one.
    return django_user_model.objects.create_superuser("editor", password=None)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def wire(db):
    return Publisher.objects.create(name="Example Wire", domain="wire.example")


@pytest.fixture
def inbox(wire, make_story):
    """Four sources added an hour apart, the oldest first; the second is cited already."""
    post = Publisher.objects.create(name="Example Post")
    now = timezone.now()
    made = []
    for n, publisher in enumerate([wire, post, wire, post]):
        source = Source.objects.create(
            url=f"https://{'wire.example' if publisher == wire else 'post.example'}/{n}",
            title=f"Article {n}",
            publisher=publisher,
            published_on=date(2025, 11, 1 + n),
        )
        Source.objects.filter(pk=source.pk).update(created_at=now - timedelta(hours=4 - n))
        made.append(source)
    Citation.objects.create(story=make_story("Cites one"), title="Cited", url=made[1].url)
    return made


def listed(response):
    return [source.title for source in response.context["cl"].result_list]


def test_the_inbox_lists_sources_no_story_cites_newest_first(editor_client, inbox):
    response = editor_client.get(INBOX)
    assert response.status_code == 200
    assert listed(response) == ["Article 3", "Article 2", "Article 0"]
    assert list(Source.objects.uncited().order_by("pk")) == [inbox[0], inbox[2], inbox[3]]


def test_the_inbox_filters_by_publisher(editor_client, inbox, wire):
    response = editor_client.get(INBOX, {"publisher__id__exact": wire.pk})
    assert listed(response) == ["Article 2", "Article 0"]
    # Only publishers with sources in the inbox are offered.
    filters = response.context["cl"].filter_specs
    assert {label for _, label in filters[0].lookup_choices} == {"Example Wire", "Example Post"}


def create_story(client, *sources):
    return client.post(
        INBOX,
        {"action": "create_story", ACTION_CHECKBOX_NAME: [s.pk for s in sources]},
    )


def test_a_story_is_started_from_the_sources_in_the_order_listed(editor_client, editor, inbox):
    newest, older = inbox[3], inbox[0]
    response = create_story(editor_client, newest, older)
    story = Story.objects.get(title="Article 3")
    assert response.status_code == 302
    assert response.url == reverse("admin:stories_story_change", args=[story.pk])
    assert story.status == Story.Status.DRAFT
    assert list(story.authors.all()) == [editor]
    assert [(c.position, c.source, c.title, c.publisher_name) for c in story.citations.all()] == [
        (0, newest, "Article 3", "Example Post"),
        (1, older, "Article 0", "Example Wire"),
    ]
    [message] = [m.message for m in get_messages(response.wsgi_request)]
    assert message == (
        "A new draft cites the 2 sources in the order listed; write its headline and text."
    )
    # Cited now, they leave the inbox.
    assert listed(editor_client.get(INBOX)) == ["Article 2"]


def test_the_order_is_the_order_of_the_selection_not_of_the_database(editor_client, inbox):
    create_story(editor_client, inbox[0], inbox[3], inbox[2])
    story = Story.objects.get(title="Article 0")
    assert [c.source for c in story.citations.all()] == [inbox[0], inbox[3], inbox[2]]


def test_the_draft_opens_on_the_story_change_page(editor_client, inbox):
    response = create_story(editor_client, inbox[2])
    page = editor_client.get(response.url)
    assert page.status_code == 200
    assert 'value="Article 2"' in page.text
    assert inbox[2].url in page.text


def test_starting_a_story_needs_the_right_to_add_stories(client, django_user_model, inbox):
    desk = django_user_model.objects.create_user("desk", is_staff=True)
    desk.user_permissions.set(
        Permission.objects.filter(codename__in=["view_source", "change_source"])
    )
    client.force_login(desk)
    page = client.get(INBOX)
    assert page.status_code == 200
    assert "create_story" not in page.text
    stories_before = Story.objects.count()
    create_story(client, inbox[0])
    assert Story.objects.count() == stories_before


def test_the_inbox_is_not_shown_to_who_may_not_see_sources(client, django_user_model, inbox):
    reporter = django_user_model.objects.create_user("reporter", is_staff=True)
    reporter.user_permissions.set(Permission.objects.filter(codename="view_story"))
    client.force_login(reporter)
    assert client.get(INBOX).status_code == 403


def test_a_story_needs_at_least_one_source():
    with pytest.raises(ValidationError) as refused:
        Story.objects.draft_from_sources([])
    assert refused.value.messages == ["Select at least one source to start a story from."]
