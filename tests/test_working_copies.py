"""Changes to a live story are kept as a working copy until someone publishes them."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from stories import page_cache, richtext, tasks
from stories.models import Correction, Story, WorkingCopy
from tests.test_admin import form_data

pytestmark = pytest.mark.django_db


def body(*paragraphs):
    return richtext.blocks_to_html(richtext.Block(richtext.PARAGRAPH, p) for p in paragraphs)


def person(django_user_model, username, group, first_name):
    user = django_user_model.objects.create_user(username, first_name=first_name, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(django_user_model):
    return person(django_user_model, "edna", "Editor", "Edna")


@pytest.fixture
def reporter(django_user_model):
    return person(django_user_model, "rita", "Reporter", "Rita")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def caching_on(settings):
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def change_url(story):
    return reverse("admin:stories_story_change", args=[story.pk])


def save(client, story, *, button=None, **changes):
    data = form_data(client.get(change_url(story)))
    data.update(changes)
    if button:
        data["_changes"] = button
    response = client.post(change_url(story), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def reader_sees(story):
    """The story page, feed, API and text export as a reader or reuser gets them."""
    reader = Client()
    out = StringIO()
    call_command("export_story", story.slug, stdout=out)
    return {
        "page": reader.get(story.get_absolute_url()).content.decode(),
        "feed": reader.get(reverse("stories:feed-rss")).content.decode(),
        "api": reader.get(reverse("api:story", kwargs={"slug": story.slug})).content.decode(),
        "export": out.getvalue(),
    }


@pytest.fixture
def live_story(make_story):
    return make_story(
        "Harbour ferries go electric",
        published=True,
        body=body("The first ferry sails in May."),
    )


def test_saving_a_live_story_keeps_a_working_copy_readers_do_not_see(
    live_story, editor, caching_on, django_capture_on_commit_callbacks
):
    before = reader_sees(live_story)
    stamp = page_cache.latest_purge()
    version = live_story.version

    with django_capture_on_commit_callbacks(execute=True):
        save(
            signed_in(editor),
            live_story,
            headline="Harbour ferries go electric in June",
            body=body("The first ferry sails in June."),
        )

    live_story.refresh_from_db()
    assert live_story.headline == "Harbour ferries go electric"
    assert live_story.version == version
    assert reader_sees(live_story) == before
    assert "June" not in before["page"]
    # No cached reader page was dropped for it.
    assert page_cache.latest_purge() == stamp
    copy = WorkingCopy.objects.get(story=live_story)
    assert copy.fields["headline"] == "Harbour ferries go electric in June"
    assert copy.saved_by == editor


def test_the_form_opens_with_the_working_copy_and_shows_what_differs_from_live(live_story, editor):
    client = signed_in(editor)
    save(client, live_story, body=body("The first ferry sails in June."))

    response = client.get(change_url(live_story))

    form = response.context["adminform"].form
    assert "June" in form["body"].value()
    page = response.content.decode()
    assert "Changes not yet live" in page
    assert "<del>May</del>" in page and "<ins>June</ins>" in page
    # Saving again unchanged keeps the same working copy.
    save(client, live_story)
    assert "June" in WorkingCopy.objects.get(story=live_story).fields["body"]


def test_publish_changes_puts_them_live_and_cached_pages_show_them_at_the_next_request(
    live_story, editor, caching_on, django_capture_on_commit_callbacks
):
    client = signed_in(editor)
    save(
        client,
        live_story,
        headline="Harbour ferries go electric in June",
        body=body("The first ferry sails in June."),
    )
    reader = Client()
    assert "May" in reader.get(live_story.get_absolute_url()).content.decode()  # cached now

    with django_capture_on_commit_callbacks(execute=True):
        save(client, live_story, button="publish")

    live_story.refresh_from_db()
    assert "June" in live_story.body
    assert not WorkingCopy.objects.filter(story=live_story).exists()
    seen = reader_sees(live_story)
    assert all("June" in text for text in seen.values()), seen
    assert "May" not in seen["page"]


def test_changes_scheduled_go_live_at_their_time(
    live_story, editor, django_capture_on_commit_callbacks
):
    client = signed_in(editor)
    when = timezone.localtime() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        save(
            client,
            live_story,
            button="schedule",
            body=body("The first ferry sails in July."),
            publish_at_0=when.strftime("%Y-%m-%d"),
            publish_at_1=when.strftime("%H:%M:%S"),
        )
    copy = WorkingCopy.objects.get(story=live_story)
    assert copy.publish_at is not None
    # The worker is asked to publish them at that time.
    (queued,) = DBTaskResult.objects.filter(task_path=tasks.publish_due_changes.module_path)
    assert queued.run_after == copy.publish_at
    assert WorkingCopy.publish_due() == []
    assert "May" in reader_sees(live_story)["page"]

    # Its time comes: the worker runs the task.
    WorkingCopy.objects.update(publish_at=timezone.now() - timedelta(seconds=1))
    assert tasks.publish_due_changes.call() == [live_story.pk]
    assert "July" in reader_sees(live_story)["page"]
    assert not WorkingCopy.objects.exists()


def test_scheduling_changes_in_the_past_is_refused_naming_the_field(live_story, editor):
    client = signed_in(editor)
    data = form_data(client.get(change_url(live_story)))
    when = timezone.localtime() - timedelta(hours=1)
    data.update(
        _changes="schedule",
        publish_at_0=when.strftime("%Y-%m-%d"),
        publish_at_1=when.strftime("%H:%M:%S"),
    )
    response = client.post(change_url(live_story), data)
    assert response.status_code == 200
    assert "give a publication time in the future" in str(
        response.context["adminform"].form.errors["publish_at"]
    )
    assert not WorkingCopy.objects.filter(story=live_story).exists()


def test_a_reporter_prepares_changes_to_their_live_story_and_submits_them(
    live_story, reporter, editor
):
    live_story.authors.add(reporter)
    client = signed_in(reporter)
    page = client.get(change_url(live_story)).content.decode()
    assert "Save and submit changes for review" in page
    assert "Save and publish changes" not in page

    save(client, live_story, button="submit", body=body("The first ferry sails in June."))
    copy = WorkingCopy.objects.get(story=live_story)
    assert copy.submitted_by == reporter and copy.submitted_at is not None

    # Posting "publish" anyway keeps the changes and publishes nothing.
    response = save(client, live_story, button="publish")
    messages = [str(m) for m in Client.get(client, response.url).context["messages"]]
    assert any("may not publish changes" in m for m in messages), messages
    live_story.refresh_from_db()
    assert "May" in live_story.body

    # The editor sees them submitted, and publishes them.
    editor_client = signed_in(editor)
    assert "Submitted for review" in editor_client.get(change_url(live_story)).content.decode()
    save(editor_client, live_story, button="publish")
    live_story.refresh_from_db()
    assert "June" in live_story.body


def test_a_reporter_cannot_prepare_changes_to_someone_elses_live_story(live_story, reporter):
    response = signed_in(reporter).get(change_url(live_story))
    assert "Save changes (not live)" not in response.content.decode()


def test_corrections_still_reach_readers_at_once(live_story, editor):
    client = signed_in(editor)
    data = form_data(
        client.get(change_url(live_story)),
        inline_rows={"corrections": [{"kind": "correction", "text": "The ferry is electric."}]},
    )
    response = client.post(change_url(live_story), data)
    assert response.status_code == 302
    assert Correction.objects.filter(story=live_story).count() == 1
    assert "The ferry is electric." in reader_sees(live_story)["page"]


def test_discarding_the_changes_leaves_the_live_story(live_story, editor):
    client = signed_in(editor)
    save(client, live_story, body=body("The first ferry sails in June."))
    response = client.post(reverse("admin:stories_story_discard_changes", args=[live_story.pk]))
    assert response.status_code == 302
    assert not WorkingCopy.objects.filter(story=live_story).exists()
    assert "May" in client.get(change_url(live_story)).context["adminform"].form["body"].value()


def test_a_story_not_yet_live_is_saved_as_before(make_story, editor):
    story = make_story("Night train", status=Story.Status.DRAFT)
    save(signed_in(editor), story, headline="Night train returns")
    story.refresh_from_db()
    assert story.headline == "Night train returns"
    assert not WorkingCopy.objects.exists()


def test_a_save_over_someone_elses_newer_working_copy_is_refused_and_keeps_the_input(
    live_story, editor, django_user_model
):
    other = person(django_user_model, "otto", "Editor", "Otto")
    edna, otto = signed_in(editor), signed_in(other)
    ednas_form, ottos_form = (
        form_data(client.get(change_url(live_story))) for client in (edna, otto)
    )
    assert (
        otto.post(change_url(live_story), {**ottos_form, "dek": "Otto's dek."}).status_code == 302
    )

    response = edna.post(change_url(live_story), {**ednas_form, "dek": "Edna's dek."})

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "Otto saved changes to this live story" in errors
    assert response.context["adminform"].form["dek"].value() == "Edna's dek."
    assert WorkingCopy.objects.get(story=live_story).fields["dek"] == "Otto's dek."
    # Opened again, the form saves over Otto's copy.
    assert save(edna, live_story, dek="Edna's dek.").status_code == 302
    assert WorkingCopy.objects.get(story=live_story).fields["dek"] == "Edna's dek."
