"""The public update log: an editor saving changes to a published story may mark them
as an update with a one-line note; readers see the newest at the top ("Updated 14:05
UTC: ...") and the whole log of updates and corrections at the foot, in time order. The
story's modified time (dateModified, atom:updated, the visible "Updated") follows it."""

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from stories.models import Correction
from tests.test_admin import form_data, messages_of
from tests.test_story_page import get_page
from tests.test_structured_data import machine_time, news_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db, django_user_model):
    user = django_user_model.objects.create_user(
        "edna", first_name="Edna", last_name="Editor", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def published(make_story):
    return make_story(
        "Harbour ferries go electric",
        published=True,
        published_at=timezone.now() - timedelta(hours=3),
    )


def change_url(story):
    return reverse("admin:stories_story_change", args=[story.pk])


def save_with_note(client, story, note, **changes):
    data = form_data(client.get(change_url(story)))
    data.update(changes, update_note=note)
    return client.post(change_url(story), data)


def at(hours_ago):
    return timezone.now() - timedelta(hours=hours_ago)


def test_an_editor_saving_a_published_story_can_mark_the_change_as_an_update(
    client, published, editor
):
    client.force_login(editor)

    # The note goes live with the changes it describes ("Publish changes").
    response = save_with_note(
        client,
        published,
        "  Adds the first sailing times.  ",
        dek="Now with timetables.",
        _changes="publish",
    )

    assert response.status_code == 302
    published.refresh_from_db()
    assert published.dek == "Now with timetables."
    update = published.corrections.get()
    assert (update.kind, update.text, update.by) == (
        Correction.Kind.UPDATE,
        "Adds the first sailing times.",
        editor,
    )
    assert ("success", "Readers now see it as updated: “Adds the first sailing times.”.") in (
        messages_of(response)
    )


def test_a_save_without_a_note_is_no_update(client, published, editor):
    client.force_login(editor)

    response = save_with_note(client, published, "", dek="A typo fixed.", _changes="publish")
    assert response.status_code == 302

    published.refresh_from_db()
    assert published.dek == "A typo fixed."
    assert not published.corrections.exists()


def test_only_published_stories_offer_the_update_note(client, make_story, published, editor):
    client.force_login(editor)
    draft = make_story("Not out yet")

    assert "update_note" in client.get(change_url(published)).context["adminform"].form.fields
    assert "update_note" not in client.get(change_url(draft)).context["adminform"].form.fields


def test_a_note_longer_than_a_line_is_refused_and_nothing_is_saved(client, published, editor):
    client.force_login(editor)

    response = save_with_note(client, published, "x" * 301, dek="Changed")

    assert response.status_code == 200
    assert "update_note" in response.context["adminform"].form.errors
    published.refresh_from_db()
    assert published.dek != "Changed"
    assert not published.corrections.exists()


def test_readers_see_the_newest_update_at_the_top_with_its_time(client, published, editor):
    Correction.objects.create(
        story=published, kind="update", text="First ferry sails.", by=editor, at=at(2)
    )
    newest = Correction.objects.create(
        story=published, kind="update", text="Second ferry added.", by=editor, at=at(1)
    )
    Correction.objects.create(
        story=published, kind="correction", text="Misnamed the harbour.", at=at(0.5)
    )

    header = get_page(client, published).one("header", **{"class": "story-header"})
    line = header.one("p", **{"class": "story-updated"})

    shown = date_format(timezone.localtime(newest.at), "H:i T, j F Y")
    assert line.text().startswith(f"Updated {shown}: Second ferry added.")
    assert line.one("time").attrs["datetime"] == machine_time(newest.at)
    assert line.one("a").attrs["href"] == "#corrections-heading"


def test_the_foot_logs_updates_and_corrections_in_time_order_with_who(client, published, editor):
    entries = [
        ("update", "First ferry sails.", editor, at(2)),
        ("correction", "Misnamed the harbour.", None, at(1.5)),
        ("update", "Second ferry added.", editor, at(1)),
    ]
    # Written out of order: the log is ordered by time, not by when rows were added.
    for kind, text, by, when in reversed(entries):
        Correction.objects.create(story=published, kind=kind, text=text, by=by, at=when)

    log = get_page(client, published).one("section", **{"class": "corrections"})
    items = [li for li in log.one("ol").children if getattr(li, "tag", None) == "li"]

    assert [next(li.all("p")).one("strong").text() for li in items] == [
        "Update",
        "Correction",
        "Update",
    ]
    for li, (_, text, by, when) in zip(items, entries, strict=True):
        assert text in li.text()
        assert li.one("time").attrs["datetime"] == machine_time(when)
        assert ("by Edna Editor" in li.text()) == (by is not None)


def test_a_story_with_no_update_has_no_updated_line(client, published):
    page = get_page(client, published)

    assert not list(page.all("p", **{"class": "story-updated"}))


def test_date_modified_follows_the_log_not_silent_saves(client, published, editor):
    assert news_article(client, published)["dateModified"] == machine_time(published.published_at)

    published.dek = "A typo fixed."
    published.save()
    assert news_article(client, published)["dateModified"] == machine_time(published.published_at)

    update = published.correct("Adds the timetable.", kind="update", by=editor)
    article = news_article(client, published)
    assert article["dateModified"] == machine_time(update.at)
    page = client.get(published.get_absolute_url()).content.decode()
    assert f'<meta property="article:modified_time" content="{machine_time(update.at)}">' in page


@pytest.mark.parametrize("fmt", ["feed-atom", "feed-rss"])
def test_feeds_carry_the_update_time_of_updated_entries(
    client, published, make_story, editor, fmt
):
    other = make_story("Tram tests", published=True, published_at=at(2))
    update = published.correct("Adds the timetable.", kind="update", by=editor)

    parsed = feedparser.parse(client.get(reverse(f"stories:{fmt}")).content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")

    updated = {
        entry.title: datetime(*entry.updated_parsed[:6], tzinfo=UTC) for entry in parsed.entries
    }
    assert abs(updated[published.headline] - update.at) < timedelta(seconds=1)
    assert abs(updated[other.headline] - other.published_at) < timedelta(seconds=1)
