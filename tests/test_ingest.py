"""`manage.py ingest_sources FEED...` reads RSS and Atom feeds into Sources, safely."""

import io
import re
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stories import ingest
from stories.canonical import canonical_url
from stories.models import Citation, Publisher, Source

pytestmark = pytest.mark.django_db

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Example Maritime News</title>
    <link>https://www.example.com/</link>
    <description>Shipping, ports and the sea.</description>
    <item>
      <title>Rotterdam trials hydrogen tugboat</title>
      <link>https://www.example.com/shipping/rotterdam-hydrogen-tug?utm_source=rss</link>
      <pubDate>Mon, 03 Nov 2025 08:00:00 GMT</pubDate>
      <guid isPermaLink="false">tug-1</guid>
    </item>
    <item>
      <title>Kotug &amp; port authority start fuel-cell tug pilot</title>
      <link>https://news.example.org/energy/kotug?ref=rss&amp;lang=en</link>
      <pubDate>Tue, 04 Nov 2025 09:30:00 GMT</pubDate>
    </item>
    <item>
      <title>A link that is a script</title>
      <link>javascript:alert(1)</link>
    </item>
    <item>
      <title>An item with no link at all</title>
      <description>Only words.</description>
    </item>
  </channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Example &lt;em&gt;Energy&lt;/em&gt; Daily</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2025-11-03T10:00:00Z</updated>
  <link href="https://energy.example.net/"/>
  <entry>
    <title>EU ports and the Fit for 55 targets</title>
    <link rel="alternate" href="https://example.net/eu/ports-fit-for-55"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <published>2025-11-01T09:00:00Z</published>
    <updated>2025-11-02T10:00:00Z</updated>
  </entry>
  <entry>
    <title type="html">Grande Biblioth&amp;egrave;que &lt;b&gt;reopens&lt;/b&gt;</title>
    <link href="https://example.ca/culture/grande-bibliotheque-rouvre#top"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6b</id>
    <updated>2025-10-18T12:00:00Z</updated>
  </entry>
</feed>
"""

BROKEN = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Half a feed</title>
    <item><title>Cut off</item>
  </channel>
</rss>
"""


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def ingest_sources(*feeds):
    """(stdout, stderr, exit status) of the command."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest_sources", *feeds, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return out.getvalue(), err.getvalue(), exc.returncode
    return out.getvalue(), err.getvalue(), 0


def sources():
    return {s.url: s for s in Source.objects.select_related("publisher")}


def test_an_rss_file_becomes_sources_in_canonical_form(tmp_path):
    feed = write(tmp_path, "maritime.xml", RSS)
    out, err, status = ingest_sources(feed)
    assert status == 0
    assert out == f"{feed}: 2 new sources, 0 already known, 2 skipped\n"
    found = sources()
    assert set(found) == {
        "https://www.example.com/shipping/rotterdam-hydrogen-tug",
        "https://news.example.org/energy/kotug?lang=en",
    }
    tug = found["https://www.example.com/shipping/rotterdam-hydrogen-tug"]
    assert (tug.title, tug.published_on) == (
        "Rotterdam trials hydrogen tugboat",
        date(2025, 11, 3),
    )
    kotug = found["https://news.example.org/energy/kotug?lang=en"]
    assert kotug.title == "Kotug & port authority start fuel-cell tug pilot"
    # No publisher is known by these domains: the feed's own name is the publisher.
    assert {s.publisher.name for s in found.values()} == {"Example Maritime News"}
    # Entries that cannot be sources are named, with the reason.
    assert err.splitlines() == [
        f"{feed}: skipped entry 3 (“A link that is a script”): 'javascript:alert(1)' is "
        "'javascript:'; only absolute http:// or https:// URLs are accepted.",
        f"{feed}: skipped entry 4 (“An item with no link at all”): it has no link",
    ]


def test_an_atom_file_with_html_titles(tmp_path):
    feed = write(tmp_path, "energy.atom", ATOM)
    out, err, status = ingest_sources(feed)
    assert (status, err) == (0, "")
    assert out == f"{feed}: 2 new sources, 0 already known\n"
    found = sources()
    ports = found["https://example.net/eu/ports-fit-for-55"]
    assert (ports.title, ports.published_on) == (
        "EU ports and the Fit for 55 targets",
        date(2025, 11, 1),
    )
    library = found["https://example.ca/culture/grande-bibliotheque-rouvre"]
    assert (library.title, library.published_on) == (
        "Grande Bibliothèque reopens",
        date(2025, 10, 18),
    )
    assert library.publisher.name == "Example Energy Daily"


def test_a_publisher_known_by_the_domain_is_the_sources_publisher(tmp_path):
    energy = Publisher.objects.create(name="Example Energy Daily", domain="example.org")
    ingest_sources(write(tmp_path, "maritime.xml", RSS))
    kotug = sources()["https://news.example.org/energy/kotug?lang=en"]
    assert kotug.publisher == energy


def test_articles_already_known_are_skipped(tmp_path, make_story):
    story = make_story("Tugs")
    Citation.objects.create(
        story=story,
        title="Rotterdam's tug",
        url="https://WWW.example.com/shipping/rotterdam-hydrogen-tug#comments",
    )
    feed = write(tmp_path, "maritime.xml", RSS)
    out, _, _ = ingest_sources(feed)
    assert out.startswith(f"{feed}: 1 new source, 1 already known")
    out, _, _ = ingest_sources(feed)
    assert out.startswith(f"{feed}: 0 new sources, 2 already known")
    assert Source.objects.count() == 2
    # The cited source keeps what the story gave it.
    assert sources()["https://www.example.com/shipping/rotterdam-hydrogen-tug"].title == (
        "Rotterdam's tug"
    )


def test_a_broken_feed_is_reported_by_name_and_the_others_still_import(tmp_path):
    broken = write(tmp_path, "broken.xml", BROKEN)
    good = write(tmp_path, "energy.atom", ATOM)
    missing = str(tmp_path / "missing.xml")
    out, err, status = ingest_sources(broken, good, missing)
    assert status == 1
    assert out == f"{good}: 2 new sources, 0 already known\n"
    lines = err.splitlines()
    assert lines[0].startswith(f"{broken}: not a well-formed feed: ")
    assert "mismatched tag" in lines[0]  # the parser's own reason, with its place
    assert lines[1] == f"{missing}: no such file"
    assert lines[2] == "2 of 3 feeds could not be read."
    assert not Source.objects.filter(title="Cut off").exists()
    assert Source.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<html><head><title>Hi</title></head><body>No feed</body></html>", "not an RSS or Atom"),
        ("just some words", "not a well-formed feed: "),
        ("", "not an RSS or Atom feed"),
    ],
)
def test_what_is_not_a_feed_is_refused(tmp_path, text, reason):
    feed = write(tmp_path, "page.html", text)
    _, err, status = ingest_sources(feed)
    assert status == 1
    assert err.startswith(f"{feed}: {reason}")


def test_ingesting_costs_the_same_queries_for_two_articles_or_twenty(tmp_path):
    def feed(count, offset):
        items = "".join(
            f"<item><title>Story {n}</title><link>https://example.com/{n}</link></item>"
            for n in range(offset, offset + count)
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}'
            "</channel></rss>"
        )

    Publisher.objects.create(name="Wire")  # found by name: its queries are the same each time
    two = write(tmp_path, "two.xml", feed(2, 0))
    twenty = write(tmp_path, "twenty.xml", feed(20, 2))
    with CaptureQueriesContext(connection) as small:
        ingest_sources(two)
    with CaptureQueriesContext(connection) as large:
        ingest_sources(twenty)
    assert len(small) == len(large)
    assert Source.objects.count() == 22


# ---- Fetching over HTTP --------------------------------------------------------------


@pytest.fixture
def feed_server():
    """A local HTTP server: `routes` maps a path to (status, headers, body).

    The body's length is sent unless the headers say "Connection: close", when the
    body simply ends with the connection.
    """
    routes, requests, release = {}, [], threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append((self.path, self.headers.get("User-Agent")))
            if self.path == "/slow":
                release.wait(10)
                return
            status, headers, body = routes.get(self.path, (404, {}, b"no such feed"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if "Content-Length" not in headers and headers.get("Connection") != "close":
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(
        url=f"http://127.0.0.1:{server.server_port}", routes=routes, requests=requests
    )
    release.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def allow_private(settings):
    settings.NEWSROOM_INGEST_ALLOW_PRIVATE = True


def test_a_feed_served_over_http_is_fetched_and_read(feed_server, allow_private):
    feed_server.routes["/maritime.rss"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        RSS.encode(),
    )
    url = feed_server.url + "/maritime.rss"
    out, _, status = ingest_sources(url)
    assert (status, out) == (0, f"{url}: 2 new sources, 0 already known, 2 skipped\n")
    assert feed_server.requests == [("/maritime.rss", ingest.USER_AGENT)]
    assert canonical_url("https://www.example.com/shipping/rotterdam-hydrogen-tug") in sources()


def test_redirects_are_followed(feed_server, allow_private):
    feed_server.routes["/old"] = (301, {"Location": "/energy.atom"}, b"")
    feed_server.routes["/energy.atom"] = (200, {}, ATOM.encode())
    out, _, status = ingest_sources(feed_server.url + "/old")
    assert status == 0 and "2 new sources" in out


def test_a_redirect_away_from_http_is_refused(feed_server, allow_private):
    feed_server.routes["/feed"] = (302, {"Location": "file:///etc/passwd"}, b"")
    _, err, status = ingest_sources(feed_server.url + "/feed")
    assert status == 1
    assert "redirected to file:///etc/passwd, which is not an http(s) URL" in err


def test_an_http_error_is_reported(feed_server, allow_private):
    url = feed_server.url + "/gone"
    _, err, status = ingest_sources(url)
    assert status == 1
    assert err.splitlines()[0] == f"{url}: the server answered 404 Not Found"


def test_a_feed_larger_than_the_limit_is_refused(feed_server, allow_private, settings):
    settings.NEWSROOM_INGEST_MAX_BYTES = 2048
    body = RSS.replace("Shipping, ports and the sea.", "x" * 3000).encode()
    feed_server.routes["/declared"] = (200, {"Content-Length": str(len(body))}, body)
    feed_server.routes["/streamed"] = (200, {"Connection": "close"}, body)  # no length given
    _, err, status = ingest_sources(feed_server.url + "/declared", feed_server.url + "/streamed")
    assert status == 1
    declared, streamed = err.splitlines()[:2]
    assert declared.endswith(f"is {len(body):,} bytes, over the limit of 2,048")
    assert streamed.endswith("is larger than the limit of 2,048 bytes")
    assert not Source.objects.exists()


def test_a_server_that_does_not_answer_in_time(feed_server, allow_private, settings):
    settings.NEWSROOM_INGEST_TIMEOUT = 0.2
    url = feed_server.url + "/slow"
    _, err, status = ingest_sources(url)
    assert status == 1
    assert err.splitlines()[0] == f"{url}: no answer within 0.2 seconds"


@pytest.fixture
def dribbling_server():
    """A local HTTP server that sends its answer a few bytes at a time, for a minute.

    "/body" sends its headers at once and then dribbles the feed; "/headers" dribbles
    even the status line.
    """
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = RSS.encode()
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            if self.path == "/body":
                self.wfile.write(head)
                self.wfile.flush()
                head = b""
            dribbled = head + body
            pause = 60 / len(dribbled)
            for at in range(0, len(dribbled), 2):
                if stop.wait(pause):
                    return
                self.wfile.write(dribbled[at : at + 2])
                self.wfile.flush()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    stop.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize(
    ("path", "reported"),
    [
        (
            "/body",
            r"stopped after 1 seconds, the limit for the whole fetch, with \d+ bytes received",
        ),
        ("/headers", r"no answer within 1 seconds"),
    ],
)
def test_a_server_dribbling_its_answer_is_cut_off_at_the_deadline_for_the_whole_fetch(
    dribbling_server, allow_private, settings, path, reported
):
    """Each read comes well within the timeout; the whole answer would take a minute."""
    settings.NEWSROOM_INGEST_TIMEOUT = 1
    url = dribbling_server + path

    started = time.monotonic()
    _, err, status = ingest_sources(url)
    took = time.monotonic() - started

    assert status == 1
    assert re.fullmatch(f"{re.escape(url)}: {reported}", err.splitlines()[0]), err
    assert took < 10, f"ingest_sources took {took:.1f} s of the server's 60"
    assert not Source.objects.exists()


def test_the_local_server_is_refused_unless_the_setting_allows_it(feed_server, settings):
    settings.NEWSROOM_INGEST_ALLOW_PRIVATE = False
    feed_server.routes["/maritime.rss"] = (200, {}, RSS.encode())
    url = feed_server.url + "/maritime.rss"
    _, err, status = ingest_sources(url)
    assert status == 1
    assert err.splitlines()[0] == (
        f"{url}: refused: 127.0.0.1 is a loopback address; "
        "set NEWSROOM_INGEST_ALLOW_PRIVATE=1 to allow it"
    )
    assert feed_server.requests == []  # refused before connecting
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost/feed", "localhost (127.0.0.1) is a loopback address"),
        ("http://10.1.2.3/feed", "10.1.2.3 is a private address"),
        ("http://192.168.0.10:8080/feed", "192.168.0.10 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[::1]/feed", "::1 is a loopback address"),
        ("http://[fe80::1]/feed", "fe80::1 is a link-local address"),
        ("http://[::ffff:127.0.0.1]/feed", "::ffff:127.0.0.1 (127.0.0.1) is a loopback address"),
        ("http://0.0.0.0/feed", "0.0.0.0 is a private address"),
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(settings, url, reason):
    settings.NEWSROOM_INGEST_ALLOW_PRIVATE = False
    _, err, status = ingest_sources(url)
    assert status == 1
    assert (
        err.splitlines()[0]
        == f"{url}: refused: {reason}; set NEWSROOM_INGEST_ALLOW_PRIVATE=1 to allow it"
    )


def test_the_address_connected_to_is_checked_too(feed_server, settings, monkeypatch):
    # A name that resolved to a public address when checked, and to this machine
    # when connected to (DNS rebinding), is refused all the same.
    settings.NEWSROOM_INGEST_ALLOW_PRIVATE = False
    monkeypatch.setattr(ingest, "check_host", lambda host, *, allow_private: None)
    feed_server.routes["/maritime.rss"] = (200, {}, RSS.encode())
    _, err, status = ingest_sources(feed_server.url + "/maritime.rss")
    assert status == 1
    assert "refused: 127.0.0.1 is a loopback address" in err
    assert feed_server.requests == []


@pytest.mark.parametrize("feed", ["ftp://example.com/feed.xml", "file:///etc/passwd"])
def test_only_http_urls_and_file_paths_are_read(feed):
    _, err, status = ingest_sources(feed)
    assert status == 1
    scheme = feed.split(":")[0]
    assert err.splitlines()[0] == (
        f"{feed}: '{scheme}:' URLs are not read; give an http(s) URL or a file path"
    )
