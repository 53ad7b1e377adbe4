"""Caching reader pages so that they are fast and never stale or unpublished.

Every cached page is stored under the current *content generation*. Any change a
reader could see (a story saved, published, corrected or withdrawn; a section,
entity or source edited) starts a new generation once its transaction commits, so
all cached pages are dropped at once: correctness over cleverness, which a
newsroom's publish rate affords. The generation also ends by itself when the next
scheduled story comes due, so a scheduled story appears on cached pages at its
time with nothing running.

Only anonymous GET/HEAD requests outside the admin and previews are cached, and
they are recognised without touching the database: a request carrying a session
cookie belongs to someone logged in and is never cached, in either direction.
"""

import logging
import os
import threading
import time
import urllib.request
import uuid
from hashlib import sha256
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.module_loading import import_string
from django_tasks import task

logger = logging.getLogger(__name__)

STATE_KEY = "reader-pages:state"
CACHEABLE_STATUS = {200, 301, 404, 410}


def content_changed(*, keys=()):
    """Drops every cached reader page once the current transaction commits.

    `keys` are the surrogate keys of what changed, passed to the CDN purge hook.
    """

    def drop():
        cache.delete(STATE_KEY)
        mark_stamp()
        if not isinstance(purger(), NoPurge):
            # By the task worker: a slow CDN never holds up the editor's save.
            purge_cdn.enqueue(sorted(set(keys)))

    transaction.on_commit(drop)


def current_state():
    """The content generation and when it ends (the next change that comes by itself)."""
    state = cache.get(STATE_KEY)
    stamp = read_stamp()
    if (
        state is None
        or state.get("stamp") != stamp
        or (state["ends"] is not None and time.time() >= state["ends"])
    ):
        next_due = next_scheduled_change()
        state = {
            "generation": uuid.uuid4().hex,
            "ends": next_due.timestamp() if next_due else None,
            "stamp": stamp,
        }
        cache.set(STATE_KEY, state, timeout=None)
    return state


def next_scheduled_change():
    """When what readers see next changes with nobody saving anything: a scheduled story
    comes due, or a front placement or the alert strip starts or ends. None if never."""
    from stories.models import Alert, Placement, Story

    next_due = Story.objects.filter(
        status=Story.Status.PUBLISHED, published_at__gt=timezone.now()
    ).aggregate(next_due=Min("published_at"))["next_due"]
    times = [next_due, Placement.objects.next_change(), Alert.objects.next_change()]
    times = [when for when in times if when is not None]
    return min(times) if times else None


# ---- Telling the other processes ------------------------------------------------
# With the local-memory cache (no REDIS_URL), each gunicorn worker keeps its own pages
# and its own generation: deleting STATE_KEY drops only the saving process's. So a
# change also grows the stamp file (NEWSROOM_PAGE_CACHE_STAMP) by a byte, and a
# process whose generation was made under another stamp starts a new one. One stat()
# a request; with Redis, shared by every process, there is no stamp.


STAMP_LIMIT = 1 << 20  # bytes; then the file starts again


def read_stamp():
    path = settings.NEWSROOM_PAGE_CACHE_STAMP
    if not path:
        return None
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    # Size and time tell changes apart; a new file may reuse an old one's inode, but
    # never at the same size and time: starting again takes a million changes.
    return (found.st_ino, found.st_size, found.st_mtime_ns)


def mark_stamp():
    """Marks a change: one byte appended (atomic, and cheaper than a new file)."""
    path = settings.NEWSROOM_PAGE_CACHE_STAMP
    if not path:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as stamp:
        stamp.write(b".")
        full = stamp.tell() >= STAMP_LIMIT
    if full:
        fresh = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
        fresh.write_bytes(b"")
        fresh.replace(path)


def surrogate_keys(*objects):
    """Surrogate keys ("story-12 section-3") naming what a page shows."""
    return [key for obj in objects for key in obj.surrogate_keys()]


def add_surrogate_keys(response, keys):
    existing = response.get("Surrogate-Key", "").split()
    response["Surrogate-Key"] = " ".join(dict.fromkeys([*existing, *keys]))
    return response


class ReaderPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_reader_request(request):
            response = self.get_response(request)
            if settings.SESSION_COOKIE_NAME in request.COOKIES or request.path.startswith(
                settings.NEWSROOM_UNCACHED_PREFIXES
            ):
                patch_cache_control(response, private=True, no_store=True)
            return response
        if not settings.NEWSROOM_PAGE_CACHE:
            response = self.get_response(request)
            if cacheable(response) or response.status_code == 304:
                self.patch_reader_headers(response, settings.NEWSROOM_PAGE_CACHE_SECONDS)
            return response

        # The key is fixed before the view runs: a page built from content that
        # changes meanwhile is stored under the old generation, which nobody reads.
        state = current_state()
        key = page_key(request, state["generation"])
        response = cache.get(key)
        if response is not None:
            # ConditionalGetMiddleware sits below, for the pages this one makes.
            if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
                etag = response.get("ETag")
                response = get_conditional_response(request, etag=etag, response=response)
            response["X-Cache"] = "hit"
            return response
        response = self.get_response(request)
        timeout = settings.NEWSROOM_PAGE_CACHE_SECONDS
        if state["ends"] is not None:
            timeout = max(0, min(timeout, int(state["ends"] - time.time())))
        if response.status_code == 304:
            # Answered from the reader's own copy's ETag: the same headers (a CDN keeps
            # it no longer than the page), no page to keep.
            self.patch_reader_headers(response, timeout)
        elif cacheable(response):
            self.patch_reader_headers(response, timeout)
            if timeout > 0:
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                # Stored as one piece with its ETag: a feed is written in a thousand
                # small chunks, each of which would otherwise be a write to the socket
                # on every hit, and the ETag would be hashed again on every hit.
                response.content = response.content
                if not response.has_header("ETag"):
                    set_response_etag(response)
                cache.set(key, response, timeout)
            response["X-Cache"] = "miss"
        return response

    @staticmethod
    def patch_reader_headers(response, timeout):
        # Browsers revalidate often (cheap with ETags); the CDN may keep a page up to
        # the page cache's own lifetime, and is purged on change.
        patch_cache_control(response, public=True, max_age=min(60, timeout), s_maxage=timeout)


def is_reader_request(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(settings.NEWSROOM_UNCACHED_PREFIXES)
    )


def cacheable(response):
    return (
        response.status_code in CACHEABLE_STATUS
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def page_key(request, generation):
    # The host as validated against ALLOWED_HOSTS: a forged Host header cannot put a
    # page under another host's key.
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    address = sha256(address.encode()).hexdigest()
    return f"reader-pages:{generation}:{request.method}:{address}"


# ---- CDN purging -------------------------------------------------------------


class NoPurge:
    """The default: no CDN in front, nothing to purge."""

    def purge(self, keys):
        pass


class HttpPurge:
    """A generic purge: one HTTP PURGE request naming the surrogate keys.

    Fastly, Varnish (with xkey) and most CDNs accept this shape; a failure is
    logged and does not fail the editor's save, as the CDN copy also expires.
    """

    def __init__(self, url=None, *, timeout=5):
        self.url = url or settings.NEWSROOM_PURGE_URL
        self.timeout = timeout

    def purge(self, keys):
        if not keys:
            return
        request = urllib.request.Request(
            self.url, method="PURGE", headers={"Surrogate-Key": " ".join(keys)}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout):
                pass
        except OSError as exc:
            logger.warning("CDN purge of %s failed: %s", keys, exc)


def purger():
    return import_string(settings.NEWSROOM_PURGE_BACKEND)()


@task()
def purge_cdn(keys):
    purger().purge(keys)
