"""Caching reader pages so that they are fast and never stale or unpublished.

The pages live in CACHES["default"], which every worker on the machine shares: a
diskcache DjangoCache on local disk by default, Redis when REDIS_URL is set.

Each page records the surrogate keys of what it shows (`story-12`, `entity-4`,
`section-3-stories`: see `shows()`), sent in its Surrogate-Key header. A change readers
can see purges the keys of what it touches (ReaderVisible.purge_keys(), acted on by
stories/effects.py once its transaction commits): `drop()` marks each key with the
time of the purge, and a cached page made before any of its keys' marks is made
again. So a change drops exactly the pages that show what changed, in every process,
and the same keys go to the CDN (`purge_at_cdn()`).

Purges are numbered, and each is logged with its keys. A hit costs one read of the page
and of the latest purge's number; when something was purged since the page was made,
the process reads the purges it has not seen yet from the log, once for all its pages
(see Purges), and tells from them alone whether the page shows anything purged. Only
a page made before the process began following the log has its keys' marks read,
once per page and purge (which the process remembers, in memory).

Pages that list stories, and error pages, live no longer than the next scheduled
publication, so a scheduled story appears on them at its time with nothing running.

Only anonymous GET/HEAD requests outside the admin and previews are cached, and
they are recognised without touching the database: a request carrying a session
cookie belongs to someone logged in and is never cached, in either direction.
"""

import logging
import math
import secrets
import time
import urllib.request
from hashlib import sha256

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.module_loading import import_string
from django_tasks import task

logger = logging.getLogger(__name__)

CACHEABLE_STATUS = {200, 301, 404, 410}
PREFIX = "reader-pages"
LAST_PURGE = f"{PREFIX}:purges"  # the number of the latest purge: purges are counted
NEXT_DUE = f"{PREFIX}:next-due"  # (the purge it was read under, its time or None)
# Every page carries these: "site" is what every page shows (the sections in the
# navigation); "listings" is on a page that names nothing narrower, so that it is
# dropped by every change to what readers see.
SITE_KEY = "site"
LISTINGS_KEY = "listings"


# A process far behind the log starts following it again from the latest purge rather
# than read this many purges at once; and it forgets what it learnt from the log once it
# knows this many keys.
MOST_UNREAD_PURGES = 100
MOST_KNOWN_KEYS = 50_000


def purged_key(key):
    return f"{PREFIX}:purged:{key}"


def logged_key(number):
    return f"{PREFIX}:purge:{number}"


class Checked:
    """The pages this process found fresh by their marks since the latest purge (its
    number): those made before it followed the purge log (see Purges) are checked once
    per purge in each process, in memory, with no write to the shared cache.

    Shared by the process's threads: checked once per thread, a purge cost every page a
    round trip to the shared cache in each of them (a worker's four). The set is kept
    with the purge it was checked under, so a thread that read an older purge's number never
    vouches for a page under a newer one.
    """

    def __init__(self):
        self.state = (None, set())

    def has(self, last, page):
        checked_under, pages = self.state
        return last == checked_under and page in pages

    def add(self, last, page):
        checked_under, pages = self.state
        if last != checked_under:
            pages = set()
            self.state = (last, pages)
        pages.add(page)


checked = Checked()


class Purges:
    """What this process knows from the purge log: the newest purge of each key purged in
    (since, upto], the purges it has read. Shared by the process's threads.

    A page made under purge `made_under` (the latest when it was begun) with
    since <= made_under <= upto shows something purged since if and only if one of its
    keys was purged by a later purge: known here with no read of the cache.
    """

    def __init__(self):
        self.state = (None, None, {})

    def fresh(self, made_under, keys, last):
        """Whether a page made under `made_under` showing `keys` is fresh, the latest purge
        being `last`; None when this process cannot tell from the log."""
        since, upto, newest = self.follow(last)
        # (A page kept by an older release has a purge id, not a number.)
        if since is None or not isinstance(made_under, int) or not since <= made_under <= upto:
            return None
        return all(newest.get(key, since) <= made_under for key in keys)

    def follow(self, last):
        state = since, upto, newest = self.state
        if upto == last:
            return state
        if upto is None or not upto < last <= upto + MOST_UNREAD_PURGES:
            # The first look, a long absence, or the count begun again (a cache cleared):
            # nothing is known of the purges before `last`.
            state = (last, last, {})
        else:
            numbers = range(upto + 1, last + 1)
            found = cache.get_many([logged_key(number) for number in numbers])
            if len(found) < len(numbers) or len(newest) > MOST_KNOWN_KEYS:
                # A purge counted but not logged yet (its marks are written), or a log
                # entry lost: follow the log from here on.
                state = (last, last, {})
            else:
                newest = dict(newest)
                for number in numbers:
                    newest.update(dict.fromkeys(found[logged_key(number)], number))
                state = (since, last, newest)
        # Threads may replace each other's: each state is whole, and at worst the next
        # look reads a few purges again.
        self.state = state
        return state


purges = Purges()


# ---- What pages show --------------------------------------------------------------


def shows(response, *keys):
    """Records that `response` shows what `keys` name (also its Surrogate-Key header)."""
    existing = response.get("Surrogate-Key", "").split()
    response["Surrogate-Key"] = " ".join(dict.fromkeys([*existing, *keys]))
    return response


def card_keys(stories):
    """The keys of a listing's cards: each story and its lead image."""
    keys = []
    for story in stories:
        keys.append(f"story-{story.pk}")
        if story.lead_image_id:
            keys.append(f"image-{story.lead_image_id}")
    return keys


def keys_of(response):
    return response.get("Surrogate-Key", "").split()


def lists_stories(keys, status):
    # Story pages (200) show their own story: a scheduled one has no page until its time,
    # and that page is an error page until then.
    return status != 200 or any(k == LISTINGS_KEY or k.endswith("-stories") for k in keys)


# ---- Purging ---------------------------------------------------------------------


def drop(keys):
    """Drops the cached pages that show any of `keys`, for every process sharing the cache.

    Each key is marked with the time of the purge, then the purge is counted (announced)
    and logged: a process that sees the count reads the marks, already written, or the
    log entry, or finds it missing and reads the marks.
    """
    keys = sorted(set(keys))
    now = time.time()
    # A page never lives longer than the page cache's lifetime: nor need its marks.
    lifetime = settings.NEWSROOM_PAGE_CACHE_SECONDS + 60
    cache.set_many({purged_key(key): now for key in keys}, timeout=lifetime)
    try:
        number = cache.incr(LAST_PURGE)
    except ValueError:  # never counted, or the count lost with the cache
        last_purge()
        number = cache.incr(LAST_PURGE)
    cache.set(logged_key(number), keys, timeout=lifetime)


def purge_at_cdn(keys):
    """Purges `keys` at the CDN (NEWSROOM_PURGE_BACKEND), by the task worker: a slow CDN
    never holds up the editor's save. Nothing is queued when no CDN is in front."""
    keys = sorted(set(keys))
    if keys and not isinstance(purger(), NoPurge):
        purge_cdn.enqueue(keys)


def latest_purge():
    """The number of the latest purge, or None: it grows with every purge, on any process."""
    return cache.get(LAST_PURGE)


def last_purge():
    """The number of the latest purge; the count is begun when there is none.

    Begun at random, far from any count before it: a count lost with the cache (Redis
    restarted, or the key evicted) never begins again at numbers pages were made under.
    """
    last = cache.get(LAST_PURGE)
    if last is None:
        cache.add(LAST_PURGE, secrets.randbits(60), timeout=None)
        last = cache.get(LAST_PURGE)
    return last


def next_due(last):
    """When what listings show next changes with nobody saving anything (a timestamp), or
    None: a scheduled story comes due, or a front placement or the alert strip starts or
    ends.

    Kept in the cache under the purge it was read under: any purge (scheduling a
    story, placing one) makes it read again.
    """
    found = cache.get(NEXT_DUE)
    if found is not None and found[0] == last and (found[1] is None or found[1] > time.time()):
        return found[1]
    from stories.models import Alert, Placement, Story

    times = [
        Story.objects.scheduled()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first(),
        Placement.objects.next_change(),
        Alert.objects.next_change(),
    ]
    times = [when for when in times if when is not None]
    due = min(times).timestamp() if times else None
    cache.set(NEXT_DUE, (last, due), timeout=None)
    return due


def fresh(entry, found, page):
    """Whether the cached `entry` of `page` shows nothing purged since it was made."""
    made_at, made_under, keys, expires, _ = entry
    if time.time() >= expires:
        # Kept by the cache a little longer than asked: Redis expires keys by its own
        # clock, in whole seconds.
        return False
    last = found.get(LAST_PURGE)
    if last is not None:
        # The log is followed from the first page this process serves.
        told = purges.fresh(made_under, keys, last)
        if told is not None:
            return told
        # Made before that: its marks are read once per purge. The entry's own time
        # with the page: a slow request may store an older page after this one was checked.
        if checked.has(last, (page, made_at)):
            return True
    marks = cache.get_many([purged_key(key) for key in keys])
    if any(mark >= made_at for mark in marks.values()):
        return False
    if last is not None:
        checked.add(last, (page, made_at))
    return True


def fragment(name, keys, make, *, until=None):
    """What `make()` returns, kept until a change purges one of `keys` (or the page
    cache's lifetime passes): a part of a page that costs to make, such as a ranking.

    `name` must say everything the value depends on besides what `keys` name; `keys` may
    be a function of the value, for a value whose keys are known once it is made.
    `until`, for a value that changes by itself at a time, gives that time (or None)
    when the value is made. Off with NEWSROOM_FRAGMENT_CACHE (by default, as the page
    cache is).
    """
    if not settings.NEWSROOM_FRAGMENT_CACHE:
        return make()
    # Hashed as page addresses are: a name may hold any character, a cache key may not.
    key = f"{PREFIX}:fragment:{sha256(name.encode()).hexdigest()}"
    found = cache.get_many([key, LAST_PURGE])
    entry = found.get(key)
    if entry is not None and fresh(entry, found, key):
        return entry[-1]
    made_at, made_under = time.time(), found.get(LAST_PURGE) or last_purge()
    value = make()
    keys = keys(value) if callable(keys) else keys
    expires = made_at + settings.NEWSROOM_PAGE_CACHE_SECONDS
    changes = until() if until else None
    if changes is not None:
        expires = min(expires, changes.timestamp())
    if expires > made_at:
        entry = (made_at, made_under, [SITE_KEY, *keys], expires, value)
        cache.set(key, entry, math.ceil(expires - made_at))
    return value


# ---- The middleware --------------------------------------------------------------


class ReaderPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_reader_request(request):
            response = self.get_response(request)
            # Never cached anywhere: nothing for a CDN to purge.
            if "Surrogate-Key" in response:
                del response["Surrogate-Key"]
            if settings.SESSION_COOKIE_NAME in request.COOKIES or request.path.startswith(
                settings.NEWSROOM_UNCACHED_PREFIXES
            ):
                patch_cache_control(response, private=True, no_store=True)
            return response
        if not settings.NEWSROOM_PAGE_CACHE:
            response = self.get_response(request)
            if cacheable(response) or response.status_code == 304:
                self.label(response)
                self.patch_reader_headers(response, settings.NEWSROOM_PAGE_CACHE_SECONDS)
            return response

        page = page_key(request)
        found = cache.get_many([page, LAST_PURGE])
        entry = found.get(page)
        if entry is not None and fresh(entry, found, page):
            response = entry[-1]
            # ConditionalGetMiddleware sits below, for the pages this one makes.
            if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
                response = get_conditional_response(
                    request, etag=response.get("ETag"), response=response
                )
            response["X-Cache"] = "hit"
            return response

        # Taken before the view runs: a page made from content that changes meanwhile
        # is older than that change's purge, so never served after it.
        made_at, made_under = time.time(), last_purge()
        response = self.get_response(request)
        if response.status_code != 304 and not cacheable(response):
            return response
        keys = self.label(response)
        timeout = settings.NEWSROOM_PAGE_CACHE_SECONDS
        if lists_stories(keys, response.status_code):
            due = next_due(made_under)
            if due is not None:
                timeout = max(0, min(timeout, int(due - time.time())))
        # A 304 answered from the reader's own copy's ETag: the same headers (a CDN
        # keeps it no longer than the page), no page to keep.
        self.patch_reader_headers(response, timeout)
        if response.status_code == 304:
            return response
        if timeout > 0:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            # Stored as one piece with its ETag: a feed is written in a thousand small
            # chunks, each of which would otherwise be a write to the socket on every
            # hit, and the ETag would be hashed again on every hit.
            response.content = response.content
            if not response.has_header("ETag"):
                set_response_etag(response)
            expires = made_at + timeout
            cache.set(page, (made_at, made_under, keys, expires, response), timeout)
        response["X-Cache"] = "miss"
        return response

    @staticmethod
    def label(response):
        """The page's keys, completed: every page has the site's, and some of its own."""
        keys = keys_of(response)
        if not keys:
            keys = [LISTINGS_KEY]
        keys = [SITE_KEY, *(key for key in keys if key != SITE_KEY)]
        response["Surrogate-Key"] = " ".join(keys)
        return keys

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


def page_key(request):
    # The host as validated against ALLOWED_HOSTS: a forged Host header cannot put a
    # page under another host's key.
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    address = sha256(address.encode()).hexdigest()
    return f"{PREFIX}:page:{request.method}:{address}"


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
    """One purge of `keys` at the CDN, in the task worker."""
    purger().purge(keys)
