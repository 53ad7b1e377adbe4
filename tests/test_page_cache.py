"""Reader pages are cached, and no cached page is ever stale or shows unpublished content."""

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from stories import page_cache
from stories.models import Story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def caching_on(settings):
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a change as if its transaction committed, as it does in production."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


@pytest.fixture
def editor_client(client, django_user_model):
    editor = django_user_model.objects.create_superuser("editor", password="pw-editor-1")
    client.force_login(editor)
    return client


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
    committed(make_story, "Scheduled story", published=True, published_at=due)
    assert "Scheduled story" not in client.get("/").text
    assert client.get("/")["X-Cache"] == "hit"

    later = due + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(page_cache.time, "time", lambda: later.timestamp())
    assert "Scheduled story" in client.get("/").text


def test_a_page_is_never_cached_past_the_next_scheduled_publication(client, make_story, committed):
    committed(
        make_story,
        "Due in a minute",
        published=True,
        published_at=timezone.now() + timedelta(seconds=90),
    )
    response = client.get("/")
    cache.clear()  # a revalidation that makes the page again answers 304
    revalidated = client.get("/", HTTP_IF_NONE_MATCH=response["ETag"])

    assert revalidated.status_code == 304
    for answer in (response, revalidated):
        s_maxage = int(answer["Cache-Control"].split("s-maxage=")[1].split(",")[0])
        assert 0 < s_maxage <= 90


def test_readers_get_cdn_headers_and_editors_get_private_no_store(
    client, editor_client, make_story
):
    story = make_story("Headers", published=True)
    from django.test import Client

    reader = Client()
    response = reader.get(story.get_absolute_url())
    assert "public" in response["Cache-Control"]
    assert "s-maxage=600" in response["Cache-Control"]
    assert response["ETag"]

    editor_view = editor_client.get(story.get_absolute_url())
    assert "no-store" in editor_view["Cache-Control"]
    assert "private" in editor_view["Cache-Control"]
    assert "X-Cache" not in editor_view
    admin_page = editor_client.get("/admin/stories/story/")
    assert "no-store" in admin_page["Cache-Control"]


def test_an_unchanged_page_answers_304_to_its_etag(client, make_story):
    story = make_story("Conditional", published=True)
    first = client.get(story.get_absolute_url())
    assert first["X-Cache"] == "miss"

    from_cache = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    cache.clear()  # and when the page has to be made again
    made_again = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])

    for again in (from_cache, made_again):
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        assert "s-maxage" in again["Cache-Control"]
    assert from_cache["X-Cache"] == "hit"
    changed = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH='"not-the-page"')
    assert changed.status_code == 200


def test_editors_never_fill_the_readers_cache(client, editor_client, make_story, committed):
    story = make_story("Draft seen by editor")
    editor_client.get("/")
    from django.test import Client

    assert Client().get("/")["X-Cache"] == "miss"
    assert "Draft seen by editor" not in Client().get("/").text
    assert story.pk


class PurgeRecorder(BaseHTTPRequestHandler):
    received = []

    def do_PURGE(self):
        PurgeRecorder.received.append(self.headers["Surrogate-Key"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_every_change_calls_the_cdn_purge_hook_with_surrogate_keys(
    settings, make_story, committed, run_tasks
):
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.NEWSROOM_PURGE_BACKEND = "stories.page_cache.HttpPurge"
        settings.NEWSROOM_PURGE_URL = f"http://127.0.0.1:{server.server_port}/"
        PurgeRecorder.received.clear()
        story = committed(make_story, "Purged", published=True)
        story.headline = "Purged again"
        committed(story.save)
        run_tasks()  # the purges are the task worker's
        deadline = time.monotonic() + 5
        while not PurgeRecorder.received and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        server.shutdown()
    assert any(f"story-{story.pk}" in keys.split() for keys in PurgeRecorder.received)
    assert all("listings" in keys.split() for keys in PurgeRecorder.received)


def test_every_change_leaves_a_stamp_never_seen_before(monkeypatch):
    # Other processes compare the stamp file's identity with the one their pages were
    # cached under: each change must give one they have not seen, the file starting
    # again when it is full included.
    monkeypatch.setattr(page_cache, "STAMP_LIMIT", 3)
    stamps = [page_cache.read_stamp()]
    for _ in range(10):
        time.sleep(0.01)  # more than a tick of the file system's clock
        page_cache.mark_stamp()
        stamps.append(page_cache.read_stamp())

    assert len(set(stamps)) == len(stamps)
