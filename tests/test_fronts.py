"""Curated fronts: editors choose the home page's lead and top stories, in order, and each
section front's lead, each for a time; with nothing placed, the newest lead. And the
site-wide alert strip, which ends by itself."""

import importlib
import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stories.models import Alert, Placement, Section, Story
from stories.views import LATEST_COUNT, TOP_COUNT
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db


def home(client):
    response = client.get(reverse("stories:home"))
    assert response.status_code == 200
    return parse_html(response.content.decode())


def headlines(element):
    return [h.text() for h in element.all() if "card-headline" in h.attrs.get("class", "")]


def lead_of(page):
    return headlines(page.one("article", **{"class": "story-card story-card-lead"}))[0]


def top_of(page):
    return headlines(page.one("section", **{"class": "top-stories"}))


def everything_on(page):
    return headlines(page.one("main"))


@pytest.fixture
def stories(make_story):
    """Twelve published stories, "Story 0" the newest."""
    now = timezone.now()
    return [
        make_story(f"Story {n}", published=True, published_at=now - timedelta(hours=n + 1))
        for n in range(12)
    ]


@pytest.fixture
def editor(django_user_model):
    importlib.import_module("stories.migrations.0004_workflow").create_groups(apps, None)
    importlib.import_module("stories.migrations.0013_fronts").grant_front_permissions(apps, None)
    user = django_user_model.objects.create_user("edna", first_name="Edna", is_staff=True)
    user.groups.add(apps.get_model("auth", "Group").objects.get(name="Editor"))
    return user


@pytest.fixture
def reporter(django_user_model, editor):
    user = django_user_model.objects.create_user("rita", first_name="Rita", is_staff=True)
    user.groups.add(apps.get_model("auth", "Group").objects.get(name="Reporter"))
    return user


def test_with_nothing_placed_the_newest_leads(client, stories):
    page = home(client)

    assert lead_of(page) == "Story 0"
    assert top_of(page) == [f"Story {n}" for n in range(1, TOP_COUNT + 1)]


def test_a_story_placed_as_lead_leads_and_is_shown_once(client, stories):
    Placement.objects.create(story=stories[7], slot=Placement.Slot.LEAD)

    page = home(client)

    assert lead_of(page) == "Story 7"
    assert everything_on(page).count("Story 7") == 1
    # The newest follow it as before.
    assert top_of(page) == [f"Story {n}" for n in range(TOP_COUNT)]


def test_top_stories_come_in_the_editors_order_and_the_newest_fill_the_rest(client, stories):
    Placement.objects.create(story=stories[9], slot=Placement.Slot.TOP, position=2)
    Placement.objects.create(story=stories[5], slot=Placement.Slot.TOP, position=1)

    page = home(client)

    assert lead_of(page) == "Story 0"
    assert top_of(page) == ["Story 5", "Story 9", "Story 1", "Story 2"][:TOP_COUNT]
    assert all(everything_on(page).count(f"Story {n}") == 1 for n in (5, 9))
    latest = headlines(page.one("section", **{"class": "latest"}))
    assert len(latest) == LATEST_COUNT
    assert "Story 5" not in latest


def test_a_placement_shows_only_between_its_start_and_its_end(client, stories):
    now = timezone.now()
    Placement.objects.create(story=stories[3], starts_at=now + timedelta(hours=1))
    Placement.objects.create(
        story=stories[4], starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1)
    )
    assert lead_of(home(client)) == "Story 0"

    ending = Placement.objects.create(story=stories[6], ends_at=now + timedelta(seconds=1))
    assert lead_of(home(client)) == "Story 6"
    Placement.objects.filter(pk=ending.pk).update(ends_at=now - timedelta(seconds=1))
    assert lead_of(home(client)) == "Story 0"


def test_of_two_leads_the_latest_placed_leads(client, stories):
    now = timezone.now()
    Placement.objects.create(story=stories[3], starts_at=now - timedelta(hours=2))
    Placement.objects.create(story=stories[8], starts_at=now - timedelta(minutes=5))

    assert lead_of(home(client)) == "Story 8"


@pytest.mark.parametrize("state", ["draft", "scheduled", "withdrawn"])
def test_a_placed_story_readers_may_not_see_is_not_shown(client, stories, make_story, state):
    story = make_story("Not for readers")
    if state == "scheduled":
        story.publish(when=timezone.now() + timedelta(hours=1))
    elif state == "withdrawn":
        story.publish()
        story.change_status(Story.Status.WITHDRAWN)
    Placement.objects.create(story=story, slot=Placement.Slot.LEAD)
    Placement.objects.create(story=story, slot=Placement.Slot.TOP)

    page = home(client)

    assert "Not for readers" not in page.text()
    assert lead_of(page) == "Story 0"


def test_a_section_front_leads_with_its_placed_story_then_the_rest(client, stories, world):
    sport = Section.objects.create(name="Sport", slug="sport")
    for story in stories[:4]:
        story.section = sport
        story.save()
    Placement.objects.create(story=stories[2], section=sport)
    # The home page's lead is not the section's.
    Placement.objects.create(story=stories[3])

    page = parse_html(client.get(sport.get_absolute_url()).content.decode())

    assert lead_of(page) == "Story 2"
    assert everything_on(page) == ["Story 2", "Story 0", "Story 1", "Story 3"]
    assert lead_of(home(client)) == "Story 3"


def test_section_fronts_take_a_lead_only_and_an_end_comes_after_the_start(stories, world):
    with pytest.raises(ValidationError, match="top stories are for the home page"):
        Placement(story=stories[0], section=world, slot=Placement.Slot.TOP).full_clean()
    now = timezone.now()
    with pytest.raises(ValidationError, match="end must come after the start"):
        Placement(story=stories[0], starts_at=now, ends_at=now).full_clean()
    with pytest.raises(ValidationError, match="end must come after the start"):
        Alert(text="Storm", starts_at=now, ends_at=now - timedelta(hours=1)).full_clean()


def test_placing_a_story_drops_the_cached_home_page(
    client, stories, settings, django_capture_on_commit_callbacks
):
    settings.NEWSROOM_PAGE_CACHE = True
    assert lead_of(home(client)) == "Story 0"
    assert client.get(reverse("stories:home"))["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        placement = Placement.objects.create(story=stories[5])
    assert lead_of(home(client)) == "Story 5"

    with django_capture_on_commit_callbacks(execute=True):
        placement.delete()
    assert lead_of(home(client)) == "Story 0"


def test_the_home_pages_query_count_does_not_grow_with_placements(
    client, stories, django_assert_num_queries
):
    Placement.objects.create(story=stories[1])
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n, story in enumerate(stories[2:8]):
        Placement.objects.create(story=story, slot=Placement.Slot.TOP, position=n)

    with django_assert_num_queries(len(few)):
        client.get("/")


def test_the_alert_strip_is_on_every_reader_page_until_it_ends(client, stories, world):
    now = timezone.now()
    alert = Alert.objects.create(
        text="Storm closes the harbour", story=stories[4], ends_at=now + timedelta(hours=1)
    )
    Alert.objects.create(text="Old news", ends_at=now - timedelta(minutes=1))

    for url in [reverse("stories:home"), world.get_absolute_url(), stories[0].get_absolute_url()]:
        strip = parse_html(client.get(url).content.decode()).one(
            "aside", **{"class": "site-alert"}
        )
        assert strip.text() == "Breaking Storm closes the harbour", url
        assert strip.one("a").attrs["href"] == stories[4].get_absolute_url()
    assert "Old news" not in client.get("/").content.decode()

    Alert.objects.filter(pk=alert.pk).update(ends_at=now - timedelta(seconds=1))
    assert 'class="site-alert"' not in client.get("/").content.decode()


def test_an_alert_links_only_to_a_story_readers_may_see(client, make_story):
    draft = make_story("Not yet")
    Alert.objects.create(text="Coming up", story=draft, ends_at=timezone.now() + timedelta(1))

    strip = parse_html(client.get("/").content.decode()).one("aside", **{"class": "site-alert"})

    assert "Coming up" in strip.text()
    assert not list(strip.all("a"))


def place_lead_in_admin(client, story, *, shown_from):
    """Posts the admin's form placing `story` as the home page's lead, its start as the
    form shows it (the local time, to the second)."""
    return client.post(
        reverse("admin:stories_placement_add"),
        {
            "story": story.pk,
            "section": "",
            "slot": "lead",
            "position": "0",
            "starts_at_0": shown_from.strftime("%Y-%m-%d"),
            "starts_at_1": shown_from.strftime("%H:%M:%S"),
        },
    )


def test_editors_place_stories_and_reporters_may_not(client, stories, editor, reporter):
    client.force_login(editor)
    response = place_lead_in_admin(client, stories[6], shown_from=timezone.localtime())
    assert response.status_code == 302, response.content.decode()[:3000]
    placement = Placement.objects.get()
    assert placement.placed_by == editor
    client.logout()
    assert lead_of(home(client)) == "Story 6"

    client.force_login(reporter)
    assert client.get(reverse("admin:stories_placement_add")).status_code == 403
    assert client.get(reverse("admin:stories_placement_changelist")).status_code == 200


def test_a_lead_placed_in_the_admin_leads_over_one_placed_while_its_form_was_open(
    client, stories, editor
):
    opened = timezone.localtime()
    Placement.objects.create(story=stories[3])  # by another editor, a moment later
    client.force_login(editor)
    response = place_lead_in_admin(client, stories[6], shown_from=opened)
    assert response.status_code == 302, response.content.decode()[:3000]
    placed = Placement.objects.get(story=stories[6])
    assert placed.starts_at >= Placement.objects.get(story=stories[3]).starts_at
    client.logout()
    assert lead_of(home(client)) == "Story 6"


def test_editors_reorder_top_stories_by_number_in_the_list(client, stories, editor):
    first = Placement.objects.create(story=stories[8], slot=Placement.Slot.TOP, position=1)
    second = Placement.objects.create(story=stories[9], slot=Placement.Slot.TOP, position=2)
    assert top_of(home(client))[:2] == ["Story 8", "Story 9"]
    client.force_login(editor)
    url = reverse("admin:stories_placement_changelist")
    listed = [first, second]  # the list's order: by front, slot and position

    response = client.post(
        url,
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            **{f"form-{n}-id": str(p.pk) for n, p in enumerate(listed)},
            "form-0-position": "3",
            "form-1-position": "1",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.position == 3
    client.logout()
    assert top_of(home(client))[:2] == ["Story 9", "Story 8"]


def test_cached_pages_last_only_until_the_next_placement_or_alert_starts_or_ends(stories):
    from stories import page_cache

    now = timezone.now()
    later = now + timedelta(minutes=30)
    Placement.objects.create(story=stories[3], ends_at=now + timedelta(hours=2))
    Alert.objects.create(text="Storm", starts_at=later, ends_at=later + timedelta(hours=1))
    Placement.objects.create(story=stories[4], starts_at=now + timedelta(hours=3))

    # Read afresh (not as kept under the latest purge's id) each time.
    assert page_cache.next_due(uuid.uuid4().hex) == later.timestamp()
    Alert.objects.all().delete()
    assert page_cache.next_due(uuid.uuid4().hex) == (now + timedelta(hours=2)).timestamp()


def test_the_placement_list_says_which_of_two_leads_leads(client, stories, editor, world):
    now = timezone.now()
    older = Placement.objects.create(story=stories[3], starts_at=now - timedelta(hours=2))
    newer = Placement.objects.create(story=stories[8], starts_at=now - timedelta(minutes=5))
    section_lead = Placement.objects.create(story=stories[4], section=world)
    client.force_login(editor)

    response = client.get(reverse("admin:stories_placement_changelist"))

    shown = {row.pk: response.context["cl"].model_admin.showing(row)
             for row in response.context["cl"].result_list}  # fmt: skip
    assert shown == {older.pk: False, newer.pk: True, section_lead.pk: True}
