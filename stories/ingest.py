"""Reading RSS and Atom feeds (a file, or an http(s) URL fetched with care) into items.

Fetching never reaches the newsroom's own network by accident: the host's every
address must be public, checked when the name is resolved and again against the
address actually connected to (a name may resolve differently the second time), and
on every redirect. The whole fetch (connecting, redirects, headers and body) must end
within a wall-clock deadline, however slowly a server dribbles its bytes, and the
answer must fit a size limit.
Private, loopback and link-local addresses are allowed only when the setting
NEWSROOM_INGEST_ALLOW_PRIVATE says so (tests, an intranet).

Parsing is feedparser's; a feed it cannot read whole is refused with its reason,
never imported in part. What becomes of the items is Source.objects.add_new()'s
business.
"""

import contextlib
import functools
import html
import http.client
import io
import ipaddress
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import feedparser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags

from stories.canonical import canonical_url

USER_AGENT = "Newsroom feed reader"
MAX_REDIRECTS = 5
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


class FeedError(Exception):
    """A feed that could not be read; the message says why."""


@dataclass(frozen=True)
class FeedItem:
    url: str
    title: str
    published_on: date | None = None


@dataclass
class Feed:
    location: str
    title: str = ""
    items: list[FeedItem] = field(default_factory=list)
    # Entries left out, each with the reason: no link, or a link that is not http(s).
    skipped: list[str] = field(default_factory=list)


def read_feed(location, *, timeout=None, max_bytes=None, allow_private=None):
    """The Feed at `location`, a file path or an http(s) URL; FeedError if unreadable.

    Limits default to the NEWSROOM_INGEST_* settings.
    """
    timeout = settings.NEWSROOM_INGEST_TIMEOUT if timeout is None else timeout
    max_bytes = settings.NEWSROOM_INGEST_MAX_BYTES if max_bytes is None else max_bytes
    if allow_private is None:
        allow_private = settings.NEWSROOM_INGEST_ALLOW_PRIVATE
    scheme = _SCHEME.match(location)
    if scheme and len(scheme.group(1)) > 1:  # "C:" would be a drive, not a scheme
        if scheme.group(1).lower() not in ("http", "https"):
            raise FeedError(
                f"'{scheme.group(1)}:' URLs are not read; give an http(s) URL or a file path"
            )
        data = fetch(location, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private)
    else:
        data = read_file(location, max_bytes=max_bytes)
    return parse(data, location=location)


def read_file(path, *, max_bytes):
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise FeedError("no such file") from None
    except IsADirectoryError:
        raise FeedError("is a directory, not a feed file") from None
    except OSError as exc:
        raise FeedError(f"cannot be read ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise FeedError(f"is larger than the limit of {max_bytes:,} bytes")
    return data


class _Deadline:
    """The wall-clock end of one fetch: when it comes, every socket of the fetch is shut.

    A socket's timeout bounds each read, not their sum: a server sending a byte a
    second would never trip it. Shutting the sockets from a timer thread ends whatever
    read is waiting, in the headers or the body, on any redirect.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.passed = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._end = time.monotonic() + self.seconds
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        self._timer.cancel()

    def remaining(self):
        """Seconds left, as a socket timeout (which must not be 0: that means no waiting)."""
        return max(self._end - time.monotonic(), 0.001)

    def watch(self, sock):
        with self._lock:
            self._sockets.append(sock)
            passed = self.passed
        if passed:
            _shut(sock)

    def _expire(self):
        with self._lock:
            self.passed = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock):
    # The plain socket's shutdown, also for TLS: no TLS goodbye from this thread. A
    # socket already closed (or detached by wrapping it in TLS) has nothing to shut.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def fetch(url, *, timeout, max_bytes, allow_private):
    """The body at http(s) `url`: public addresses only, unless `allow_private`.

    The whole fetch takes at most `timeout` seconds (name lookups aside: they are the
    resolver's to time out); FeedError says so when the deadline cuts it short.
    """
    try:
        host = urllib.parse.urlsplit(url).hostname
    except ValueError as exc:
        raise FeedError(f"is not a valid URL ({exc})") from None
    if not host:
        raise FeedError("has no host name")
    with _Deadline(timeout) as deadline:
        check_host(host, allow_private=allow_private)
        opener = urllib.request.OpenerDirector()
        for handler in (
            _GuardedHTTPHandler(allow_private=allow_private, deadline=deadline),
            _GuardedHTTPSHandler(allow_private=allow_private, deadline=deadline),
            _GuardedRedirectHandler(allow_private=allow_private),
            urllib.request.HTTPDefaultErrorHandler(),
            urllib.request.HTTPErrorProcessor(),
            urllib.request.UnknownHandler(),
        ):
            opener.add_handler(handler)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        chunks = []
        try:
            with opener.open(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise FeedError(f"is {int(length):,} bytes, over the limit of {max_bytes:,}")
                while (left := max_bytes + 1 - sum(map(len, chunks))) > 0:
                    if not (chunk := response.read1(left)):
                        break
                    chunks.append(chunk)
        except FeedError:
            raise
        except Exception as exc:
            if not deadline.passed:
                raise FeedError(_failure(exc, timeout=timeout)) from None
        # Whatever ended the fetch once the deadline had passed (an error, or a body
        # that simply stopped), the deadline is the reason.
        if deadline.passed:
            received = sum(map(len, chunks))
            if not received:
                raise FeedError(f"no answer within {timeout} seconds")
            raise FeedError(
                f"stopped after {timeout} seconds, the limit for the whole fetch, "
                f"with {received:,} bytes received"
            )
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise FeedError(f"is larger than the limit of {max_bytes:,} bytes")
    return data


def _failure(exc, *, timeout):
    """What went wrong in a fetch, in words for the person running it."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"the server answered {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, FeedError):
            return str(reason)
        if isinstance(reason, TimeoutError | socket.timeout):
            return f"no answer within {timeout} seconds"
        return f"cannot be fetched ({reason})"
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout} seconds"
    if isinstance(exc, OSError | http.client.HTTPException):
        return f"cannot be fetched ({exc})"
    raise exc


def check_host(host, *, allow_private):
    """Refuses `host` unless every address it resolves to may be fetched."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FeedError(f"the host {host} cannot be resolved ({exc})") from None
    for info in infos:
        check_address(info[4][0], host=host, allow_private=allow_private)


def check_address(address, *, host, allow_private):
    address = ipaddress.ip_address(address.split("%", 1)[0])  # no IPv6 zone
    if allow_private:
        return
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_global:
        return
    if address.is_loopback:
        what = "a loopback address"
    elif address.is_link_local:
        what = "a link-local address"
    elif address.is_private:
        what = "a private address"
    else:
        what = "not a public address"
    shown = host if host == str(address) else f"{host} ({address})"
    raise FeedError(f"refused: {shown} is {what}; set NEWSROOM_INGEST_ALLOW_PRIVATE=1 to allow it")


class _GuardedConnectionMixin:
    """Checks the address actually connected to, whatever the name resolved to before;
    puts the connection's sockets under the fetch's deadline."""

    def __init__(self, *args, allow_private, deadline, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private
        self.deadline = deadline
        create_connection = self._create_connection

        def create_watched_connection(*args, **kwargs):
            sock = create_connection(*args, **kwargs)
            deadline.watch(sock)
            return sock

        self._create_connection = create_watched_connection

    def connect(self):
        self.timeout = min(self.timeout, self.deadline.remaining())
        super().connect()
        try:
            check_address(
                self.sock.getpeername()[0], host=self.host, allow_private=self.allow_private
            )
        except FeedError:
            self.close()
            raise


class _GuardedHTTPConnection(_GuardedConnectionMixin, http.client.HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, http.client.HTTPSConnection):
    def __init__(self, *args, deadline, **kwargs):
        super().__init__(*args, deadline=deadline, **kwargs)
        self._context = _WatchedTLSContext(self._context, deadline)


class _WatchedTLSContext:
    """An SSLContext whose sockets are under the deadline from before their handshake.

    Wrapping detaches the plain socket, so the TLS socket is the one to shut; a server
    could otherwise stretch the handshake out byte by byte.
    """

    def __init__(self, context, deadline):
        self._context = context
        self._deadline = deadline

    def __getattr__(self, name):
        return getattr(self._context, name)

    def wrap_socket(self, sock, **kwargs):
        tls = self._context.wrap_socket(sock, do_handshake_on_connect=False, **kwargs)
        self._deadline.watch(tls)
        tls.do_handshake()
        return tls


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, *, allow_private, deadline):
        super().__init__()
        self.allow_private = allow_private
        self.deadline = deadline

    def http_open(self, req):
        connection = functools.partial(
            _GuardedHTTPConnection, allow_private=self.allow_private, deadline=self.deadline
        )
        return self.do_open(connection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, *, allow_private, deadline):
        super().__init__()
        self.allow_private = allow_private
        self.deadline = deadline

    def https_open(self, req):
        connection = functools.partial(
            _GuardedHTTPSConnection, allow_private=self.allow_private, deadline=self.deadline
        )
        return self.do_open(connection, req, context=self._context)


class _GuardedRedirectHandler(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def __init__(self, *, allow_private):
        super().__init__()
        self.allow_private = allow_private

    def http_error_302(self, req, fp, code, msg, headers):
        # Said here, before urllib refuses it in words of its own.
        location = headers.get("Location") or headers.get("URI")
        if location:
            newurl = urllib.parse.urljoin(req.full_url, location)
            if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
                raise FeedError(f"redirected to {newurl}, which is not an http(s) URL")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_host(urllib.parse.urlsplit(newurl).hostname or "", allow_private=self.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def parse(data, *, location):
    """The Feed in `data` (bytes); FeedError with the parser's reason if it is broken."""
    # A file object, so that feedparser reads these bytes and never treats them as a
    # URL or a file name to open.
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=True)
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(problem, feedparser.CharacterEncodingOverride):
        raise FeedError(f"not a well-formed feed: {_reason(problem)}")
    if not parsed.get("version"):
        raise FeedError("not an RSS or Atom feed")
    feed = Feed(location=location, title=_text(parsed.feed, "title"))
    for number, entry in enumerate(parsed.entries, start=1):
        link = (entry.get("link") or "").strip()
        title = _text(entry, "title")
        label = f"entry {number}" + (f" (“{title[:60]}”)" if title else "")
        if not link:
            feed.skipped.append(f"{label}: it has no link")
            continue
        try:
            canonical_url(link)
        except ValidationError as exc:
            feed.skipped.append(f"{label}: {' '.join(exc.messages)}")
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        feed.items.append(
            FeedItem(url=link, title=title or link, published_on=date(*when[:3]) if when else None)
        )
    return feed


def _text(node, key):
    """A title as plain text, whether the feed gave it as text or HTML."""
    value = node.get(key) or ""
    detail = node.get(f"{key}_detail") or {}
    if "html" in (detail.get("type") or ""):
        value = html.unescape(strip_tags(value))
    return " ".join(value.split())


def _reason(problem):
    text = str(problem) or type(problem).__name__
    return text[:300]
