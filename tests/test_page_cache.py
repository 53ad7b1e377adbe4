"""Reader pages are cached, and no cached page is ever stale or shows unpublished content.

Every test runs against the embedded default (a diskcache on local disk, shared by the
processes of one machine) and against Redis (skipped, saying why, when it does not
answer).
"""

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stories import page_cache
from stories.models import Alert, Entity, Mention, Presence, Section, Story
from tests.cache_backends import CACHE_BACKENDS, cache_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=CACHE_BACKENDS)
def caching_on(request, settings, tmp_path):
    with cache_settings(request.param, tmp_path) as (caches, forget):
        settings.CACHES = caches
        settings.NEWSROOM_PAGE_CACHE = True
        settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
        yield forget


@pytest.fixture
def forget_pages(caching_on):
    return caching_on


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a change as if its transaction committed, as it does in production."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("editor", password="pw-editor-1")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def s_maxage(response):
    return int(response["Cache-Control"].split("s-maxage=")[1].split(",")[0])


def test_a_second_visit_is_served_from_the_cache_without_queries(
    client, make_story, django_assert_num_queries
):
    make_story("Cached story", published=True)
    first = client.get("/")
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get("/")
    assert second["X-Cache"] == "hit"
    assert second.content == first.content


def test_a_cached_feed_is_sent_in_one_piece_with_its_etag(client, make_story):
    for n in range(3):
        make_story(f"Story {n}", published=True)
    # The feed generator writes a feed in many small pieces, each a write to the socket.
    first = client.get(reverse("stories:feed-rss"))
    second = client.get(reverse("stories:feed-rss"))

    assert second["X-Cache"] == "hit"
    assert list(first) == list(second) == [first.content]
    assert second["ETag"] == first["ETag"]


def test_publishing_shows_at_once_on_cached_pages(client, make_story, committed):
    make_story("Earlier story", published=True)
    client.get("/")
    draft = make_story("Fresh story")
    assert "Fresh story" not in client.get("/").text
    committed(draft.publish)
    assert "Fresh story" in client.get("/").text
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_an_update_shows_at_once(client, make_story, committed):
    story = make_story("Old headline", published=True)
    client.get("/"), client.get(story.get_absolute_url())
    story.headline = "New headline"
    committed(story.save)
    assert "New headline" in client.get("/").text
    assert "New headline" in client.get(story.get_absolute_url()).text


def test_a_withdrawn_story_leaves_cached_pages_at_once(client, make_story, committed):
    story = make_story("Soon withdrawn", published=True)
    assert client.get(story.get_absolute_url()).status_code == 200
    assert "Soon withdrawn" in client.get("/").text
    committed(story.change_status, Story.Status.WITHDRAWN)
    assert client.get(story.get_absolute_url()).status_code in (404, 410)
    assert "Soon withdrawn" not in client.get("/").text


def test_a_scheduled_story_appears_on_cached_pages_at_its_time(
    client, make_story, committed, monkeypatch
):
    due = timezone.now() + timedelta(hours=1)
    story = committed(make_story, "Scheduled story", published=True, published_at=due)
    assert "Scheduled story" not in client.get("/").text
    assert client.get("/")["X-Cache"] == "hit"
    assert client.get(story.get_absolute_url()).status_code == 404

    later = due + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(page_cache.time, "time", lambda: later.timestamp())
    assert "Scheduled story" in client.get("/").text
    assert client.get(story.get_absolute_url()).status_code == 200


def test_a_page_is_never_cached_past_the_next_scheduled_publication(
    client, make_story, committed, forget_pages
):
    committed(
        make_story,
        "Due in a minute",
        published=True,
        published_at=timezone.now() + timedelta(seconds=90),
    )
    response = client.get("/")
    forget_pages()  # a revalidation that makes the page again answers 304
    revalidated = client.get("/", HTTP_IF_NONE_MATCH=response["ETag"])

    assert revalidated.status_code == 304
    for answer in (response, revalidated):
        assert 0 < s_maxage(answer) <= 90


def test_a_story_page_lives_its_full_time_whatever_is_scheduled(client, make_story, committed):
    story = make_story("Published already", published=True)
    committed(
        make_story, "Due soon", published=True, published_at=timezone.now() + timedelta(seconds=90)
    )
    assert s_maxage(client.get(story.get_absolute_url())) == 600


def test_readers_get_cdn_headers_and_editors_get_private_no_store(editor_client, make_story):
    story = make_story("Headers", published=True)

    response = Client().get(story.get_absolute_url())
    assert "public" in response["Cache-Control"]
    assert "s-maxage=600" in response["Cache-Control"]
    assert response["ETag"]

    editor_view = editor_client.get(story.get_absolute_url())
    assert "no-store" in editor_view["Cache-Control"]
    assert "private" in editor_view["Cache-Control"]
    assert "X-Cache" not in editor_view
    assert "Surrogate-Key" not in editor_view
    admin_page = editor_client.get("/admin/stories/story/")
    assert "no-store" in admin_page["Cache-Control"]


def test_an_unchanged_page_answers_304_to_its_etag(client, make_story, forget_pages):
    story = make_story("Conditional", published=True)
    first = client.get(story.get_absolute_url())
    assert first["X-Cache"] == "miss"

    from_cache = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    forget_pages()  # and when the page has to be made again
    made_again = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])

    for again in (from_cache, made_again):
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        assert "s-maxage" in again["Cache-Control"]
    assert from_cache["X-Cache"] == "hit"
    changed = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH='"not-the-page"')
    assert changed.status_code == 200


def test_editors_never_fill_the_readers_cache(editor_client, make_story):
    make_story("Draft seen by editor")
    editor_client.get("/")

    assert Client().get("/")["X-Cache"] == "miss"
    assert "Draft seen by editor" not in Client().get("/").text


# ---- Targeted invalidation --------------------------------------------------------


@pytest.fixture
def newsroom(make_story, committed):
    """Two published stories, each naming an entity of its own, and every page cached."""
    port, rail = (Entity.objects.create(name=name) for name in ("Port Authority", "Rail Board"))
    harbour = make_story("Harbour reopens", published=True)
    trains = make_story("Night trains return", published=True)
    committed(Mention.objects.create, story=harbour, entity=port)
    committed(Mention.objects.create, story=trains, entity=rail)
    pages = {
        "harbour": harbour.get_absolute_url(),
        "trains": trains.get_absolute_url(),
        "home": "/",
        "port": port.get_absolute_url(),
        "rail": rail.get_absolute_url(),
        "section": harbour.section.get_absolute_url(),
        "feed": reverse("stories:feed-rss"),
    }
    reader = Client()
    for url in pages.values():
        reader.get(url)
    assert all(reader.get(url)["X-Cache"] == "hit" for url in pages.values())
    return harbour, trains, pages


def cached(pages):
    """Which of `pages` a reader is served from the cache now."""
    reader = Client()
    return {name for name, url in pages.items() if reader.get(url)["X-Cache"] == "hit"}


def test_an_edit_drops_the_story_and_the_pages_listing_it_and_nothing_else(newsroom, committed):
    harbour, _, pages = newsroom

    harbour.headline = "Harbour reopens after storm"
    committed(harbour.save)

    assert cached(pages) == {"trains", "rail"}
    assert "Harbour reopens after storm" in Client().get(pages["port"]).text


def test_every_cacheable_response_names_what_it_shows(newsroom):
    harbour, trains, pages = newsroom
    [port] = harbour.entities.all()
    keys = {name: set(Client().get(url)["Surrogate-Key"].split()) for name, url in pages.items()}

    assert {f"story-{harbour.pk}", f"entity-{port.pk}", "site"} <= keys["harbour"]
    assert f"story-{trains.pk}" not in keys["harbour"]
    assert {f"entity-{port.pk}", f"entity-{port.pk}-stories", f"story-{harbour.pk}"} <= keys[
        "port"
    ]
    assert f"section-{harbour.section_id}-stories" in keys["section"]
    assert all("site" in found for found in keys.values())


def test_changes_readers_cannot_see_drop_nothing(newsroom, make_story, committed, editor):
    harbour, _, pages = newsroom

    draft = committed(make_story, "Unfinished")
    draft.body = "<p>More words.</p>"
    committed(draft.save)
    committed(draft.tags.add, "drafts")
    committed(harbour.open_for, editor)  # presence
    harbour.import_name = "harbour.txt"  # a field only the newsroom sees
    committed(harbour.save)
    committed(Presence.objects.all().delete)

    assert cached(pages) == set(pages)


class PurgeRecorder(BaseHTTPRequestHandler):
    received = []

    def do_PURGE(self):
        PurgeRecorder.received.append(set(self.headers["Surrogate-Key"].split()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def cdn(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.NEWSROOM_PURGE_BACKEND = "stories.page_cache.HttpPurge"
    settings.NEWSROOM_PURGE_URL = f"http://127.0.0.1:{server.server_port}/"
    PurgeRecorder.received.clear()
    yield PurgeRecorder.received
    server.shutdown()


def test_the_cdn_purge_carries_exactly_the_keys_the_dropped_pages_carry(
    newsroom, committed, cdn, run_tasks
):
    harbour, trains, pages = newsroom
    shown = {name: set(Client().get(url)["Surrogate-Key"].split()) for name, url in pages.items()}

    harbour.headline = "Harbour reopens after storm"
    committed(harbour.save)
    run_tasks()  # the purges are the task worker's
    deadline = time.monotonic() + 5
    while not cdn and time.monotonic() < deadline:
        time.sleep(0.01)

    [purged] = cdn
    dropped = {name for name, keys in shown.items() if keys & purged}
    assert dropped == set(pages) - {"trains", "rail"}
    assert dropped == set(pages) - cached(pages)
    assert f"story-{harbour.pk}" in purged
    assert f"story-{trains.pk}" not in purged


def test_a_story_pages_parts_are_kept_until_what_they_show_changes(
    client, make_story, settings, django_assert_num_queries, committed
):
    settings.NEWSROOM_PAGE_CACHE = False  # every request makes the page
    settings.NEWSROOM_FRAGMENT_CACHE = True
    story = make_story("Rail strike ends", published=True)
    story.tags.add("rail")
    make_story("Rail fares rise", published=True).tags.add("rail")
    # Everything made: the story with its lists, the related stories ranked and their
    # cards, the sections for the navigation, the alert strip and when it next changes.
    with django_assert_num_queries(1 + 6 + 2 + 3):
        assert "Rail fares rise" in client.get(story.get_absolute_url()).text
    with django_assert_num_queries(0):  # every part is kept
        assert "Rail fares rise" in client.get(story.get_absolute_url()).text

    newer = make_story("Night trains return", published=True)
    newer.tags.add("rail")  # joins the list the related stories are ranked from
    with django_assert_num_queries(2):  # ranked again, their cards; the article kept
        assert "Night trains return" in client.get(story.get_absolute_url()).text

    story.refresh_from_db()
    story.dek = "Drivers go back to work on Monday."
    committed(story.save)
    # Both made again: the article shows the story, and its save purged the lists the
    # related stories are ranked from (it is on them).
    with django_assert_num_queries(1 + 6 + 2):
        assert "Drivers go back to work on Monday." in client.get(story.get_absolute_url()).text


@pytest.fixture
def fragments_only(settings):
    """Pages made at every request, from the parts the page cache keeps."""
    settings.NEWSROOM_PAGE_CACHE = False
    settings.NEWSROOM_FRAGMENT_CACHE = True


def test_the_alert_strip_kept_as_a_fragment_still_ends_by_itself(
    client, make_story, fragments_only
):
    story = make_story("Harbour reopens", published=True)
    ends = timezone.now() + timedelta(seconds=1)
    Alert.objects.create(text="Storm warning for the coast", ends_at=ends)
    assert "Storm warning" in client.get(story.get_absolute_url()).text
    assert "Storm warning" in client.get(story.get_absolute_url()).text  # kept

    time.sleep(max(0, (ends - timezone.now()).total_seconds()) + 0.1)
    assert "Storm warning" not in client.get(story.get_absolute_url()).text


def test_a_renamed_section_shows_at_once_in_the_kept_navigation(
    client, make_story, fragments_only, committed
):
    desk = Section.objects.create(name="Waterways", slug="waterways")
    story = make_story("Harbour reopens", section=desk, published=True)
    assert ">Waterways</a>" in client.get(story.get_absolute_url()).text

    desk.name = "Rivers and canals"
    committed(desk.save)
    page = client.get(story.get_absolute_url()).text
    assert ">Rivers and canals</a>" in page
    assert ">Waterways</a>" not in page


def test_kept_story_parts_carry_the_address_of_the_host_asked(
    client, make_story, settings, fragments_only
):
    settings.ALLOWED_HOSTS = ["testserver", "news.example"]
    story = make_story("Harbour reopens", published=True)
    path = story.get_absolute_url()
    assert f'content="http://testserver{path}"' in client.get(path).text
    assert (
        f'content="http://news.example{path}"' in client.get(path, HTTP_HOST="news.example").text
    )
    assert f'content="http://testserver{path}"' in client.get(path).text


def test_a_page_checked_under_an_older_purge_is_never_taken_as_checked_under_a_newer():
    # Threads share the set of checked pages; one may still hold the previous purge's id.
    checked = page_cache.Checked()
    checked.add("purge-2", "page-a")
    checked.add("purge-1", "page-b")
    assert not checked.has("purge-2", "page-b")
    assert not checked.has("purge-2", "page-a")  # checked again: costs a read, never staleness
    checked.add("purge-2", "page-a")
    assert checked.has("purge-2", "page-a")


class ReadsRecorded:
    """The page cache's cache, recording the keys each read asks for."""

    def __init__(self, cache):
        self.cache, self.keys = cache, []

    def get(self, key, *args, **kwargs):
        self.keys.append(key)
        return self.cache.get(key, *args, **kwargs)

    def get_many(self, keys, *args, **kwargs):
        self.keys += keys
        return self.cache.get_many(keys, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.cache, name)


def test_after_a_purge_a_process_reads_the_log_once_and_no_pages_marks(
    newsroom, committed, monkeypatch
):
    _, trains, pages = newsroom
    trains.headline = "Night trains return for the summer"
    committed(trains.save)
    reads = ReadsRecorded(page_cache.cache)
    monkeypatch.setattr(page_cache, "cache", reads)

    assert cached(pages) == {"harbour", "port"}
    logged = [key for key in reads.keys if key.startswith(page_cache.logged_key(""))]
    marks = [key for key in reads.keys if key.startswith(page_cache.purged_key(""))]
    assert logged == [page_cache.logged_key(page_cache.latest_purge())]
    assert marks == []


def test_a_purge_counted_before_it_is_logged_is_told_by_its_marks(client, make_story):
    story = make_story("Harbour reopens", published=True)
    client.get(story.get_absolute_url())
    assert client.get(story.get_absolute_url())["X-Cache"] == "hit"  # the log followed

    # A purge caught between its count and its log entry (drop() in another process).
    cache = page_cache.cache
    cache.set(page_cache.purged_key(f"story-{story.pk}"), time.time())
    cache.incr(page_cache.LAST_PURGE)
    assert client.get(story.get_absolute_url())["X-Cache"] == "miss"


def test_a_count_begun_again_never_vouches_for_pages_made_under_the_old_one(
    client, make_story, forget_pages
):
    story = make_story("Harbour reopens", published=True)
    client.get(story.get_absolute_url())
    made_under = page_cache.latest_purge()
    forget_pages()  # the count is lost with the cache (Redis restarted)

    begun = page_cache.last_purge()
    assert begun != made_under
    assert page_cache.purges.fresh(made_under, [f"story-{story.pk}"], begun) is None


def test_kept_parts_never_show_a_story_readers_may_no_longer_see(
    client, make_story, fragments_only, committed
):
    withdrawn = make_story("Soon withdrawn", published=True)
    moved = make_story("Soon put off", published=True)
    for story in (withdrawn, moved):
        assert story.headline in client.get(story.get_absolute_url()).text  # parts kept

    committed(withdrawn.change_status, Story.Status.WITHDRAWN)
    moved.refresh_from_db()
    moved.published_at = timezone.now() + timedelta(hours=2)
    committed(moved.save)
    assert client.get(withdrawn.get_absolute_url()).status_code == 410
    assert client.get(moved.get_absolute_url()).status_code == 404


def test_a_scheduled_story_has_no_kept_parts_before_its_time(client, make_story, fragments_only):
    due = timezone.now() + timedelta(seconds=1)
    story = make_story("Harbour reopens at noon", published=True, published_at=due)
    assert client.get(story.get_absolute_url()).status_code == 404  # nothing kept

    time.sleep(max(0, (due - timezone.now()).total_seconds()) + 0.1)
    assert "Harbour reopens at noon" in client.get(story.get_absolute_url()).text


def test_a_fronts_kept_cards_show_a_change_to_their_story_at_once(
    client, make_story, fragments_only, committed
):
    harbour = make_story("Harbour reopens", published=True)
    make_story("Night trains return", published=True)
    assert "Harbour reopens" in client.get("/").text  # the cards kept

    harbour.refresh_from_db()
    harbour.headline = "Harbour reopens at dawn"
    committed(harbour.save)
    page = client.get("/").text
    assert "Harbour reopens at dawn" in page
    assert "Night trains return" in page
    assert page == client.get("/").text
