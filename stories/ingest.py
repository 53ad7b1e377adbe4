"""Reading RSS and Atom feeds (a file, or an http(s) URL fetched with care) into items.

Fetching never reaches the newsroom's own network by accident: the host's every
address must be public, checked when the name is resolved and again against the
address actually connected to (a name may resolve differently the second time), and
on every redirect. The answer must come within a timeout and fit a size limit.
Private, loopback and link-local addresses are allowed only when the setting
NEWSROOM_INGEST_ALLOW_PRIVATE says so (tests, an intranet).

Parsing is feedparser's; a feed it cannot read whole is refused with its reason,
never imported in part. What becomes of the items is Source.objects.add_new()'s
business.
"""

import functools
import html
import http.client
import io
import ipaddress
import re
import socket
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


def fetch(url, *, timeout, max_bytes, allow_private):
    """The body at http(s) `url`: public addresses only, unless `allow_private`."""
    try:
        host = urllib.parse.urlsplit(url).hostname
    except ValueError as exc:
        raise FeedError(f"is not a valid URL ({exc})") from None
    if not host:
        raise FeedError("has no host name")
    check_host(host, allow_private=allow_private)
    opener = urllib.request.OpenerDirector()
    for handler in (
        _GuardedHTTPHandler(allow_private=allow_private),
        _GuardedHTTPSHandler(allow_private=allow_private),
        _GuardedRedirectHandler(allow_private=allow_private),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise FeedError(f"is {int(length):,} bytes, over the limit of {max_bytes:,}")
            data = response.read(max_bytes + 1)
    except FeedError:
        raise
    except urllib.error.HTTPError as exc:
        raise FeedError(f"the server answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, FeedError):
            raise reason from None
        if isinstance(reason, TimeoutError | socket.timeout):
            raise FeedError(f"no answer within {timeout} seconds") from None
        raise FeedError(f"cannot be fetched ({reason})") from None
    except TimeoutError:
        raise FeedError(f"no answer within {timeout} seconds") from None
    except (OSError, http.client.HTTPException) as exc:
        raise FeedError(f"cannot be fetched ({exc})") from None
    if len(data) > max_bytes:
        raise FeedError(f"is larger than the limit of {max_bytes:,} bytes")
    return data


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
    """Checks the address actually connected to, whatever the name resolved to before."""

    def __init__(self, *args, allow_private, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private

    def connect(self):
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
    pass


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, *, allow_private):
        super().__init__()
        self.allow_private = allow_private

    def http_open(self, req):
        connection = functools.partial(_GuardedHTTPConnection, allow_private=self.allow_private)
        return self.do_open(connection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, *, allow_private):
        super().__init__()
        self.allow_private = allow_private

    def https_open(self, req):
        connection = functools.partial(_GuardedHTTPSConnection, allow_private=self.allow_private)
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
