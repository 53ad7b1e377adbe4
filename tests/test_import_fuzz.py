"""Importer fuzzing: whatever a file holds, the importer refuses it cleanly or imports it whole.

10,000 generated inputs at the parse level (fast, no database): random bytes,
well-formed files mangled byte by byte and line by line, hostile text in every part of
a well-formed file, and source lines assembled from their pieces. 800 more at the import
level, through `import_stories`: hostile but well-formed files, which must import and
export back byte for byte with their HTML sanitised; and mangled files, which must either
do the same or be refused naming the line, leaving no row behind.

The only exception allowed out of parsing is FormatError; nothing may crash.
"""

import io
import re
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from stories import richtext, textformat
from stories.models import Citation, Publisher, Source, Story
from stories.textformat import Document, FormatError, SourceLine
from tests.test_textformat import STORY, documents, expected_text

# Hostile content: markup that would run script if it reached a page unescaped, and the
# Unicode that trips up text handling (direction overrides, zero-width and combining
# marks, line and paragraph separators, astral characters, non-characters).
HOSTILE = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "<svg/onload=window.__xss=1>",
    '<a href="javascript:window.__xss=1">link</a>',
    '<a href="data:text/html,<script>window.__xss=1</script>">data</a>',
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "<scr<script>ipt>window.__xss=1</script>",
    "<!--<script>-->",
    "]]><![CDATA[",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "\u202eevil\u202c",
    "zero\u200bwidth\u200d",
    "e\u0301\u0301\u0301",
    "line\u2028separator\u2029",
    "astral \U0001f600 \U0010fffd",
    "non-character \ufdd0 \uffff",
    "%3Cscript%3E",
    "\\]\\\\]",
    "— , 2025-01-01",
]
LINE_CHARACTERS = st.characters(blacklist_categories=("Cc", "Cs"))


def fragments():
    return st.one_of(st.sampled_from(HOSTILE), st.text(LINE_CHARACTERS, max_size=12))


@st.composite
def hostile_line(draw, *, ending=""):
    """One line of hostile text, never blank, that the format keeps as written."""
    text = "".join(draw(st.lists(fragments(), min_size=1, max_size=4))).strip() or "x"
    text = text.replace("\n", " ")
    return text[:200] + ending


def is_marker(text):
    return " ".join(text.split()).casefold() in {"story summary", "full story", "source articles"}


@st.composite
def hostile_documents(draw):
    """Well-formed documents with hostile text in every part."""
    line = hostile_line().filter(lambda text: not is_marker(text))
    body = []
    for _ in range(draw(st.integers(1, 4))):
        text = draw(line)
        body.append(textformat.body_block(text))
    sources = [
        SourceLine(
            title=draw(line.filter(lambda title: not title.endswith("\\"))),
            url=draw(
                st.sampled_from(
                    [
                        "https://example.org/a?utm_source=x&id=1",
                        "http://EXAMPLE.com/path/(with)/parens",
                        "https://xn--bcher-kva.example/ä?q=<script>",
                        "https://example.net/%3Cscript%3E",
                        "https://example.org/a#frag",
                    ]
                )
            ),
            publisher=draw(
                st.one_of(
                    st.just(""),
                    line.filter(lambda p: not re.search(r", [0-9-]*[0-9][0-9-]*\Z", p)),
                )
            ),
            published_on=draw(st.one_of(st.none(), st.dates())),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    return Document(
        title=draw(line),
        headline=draw(line),
        dek=draw(line),
        story_line=draw(line),
        summary=draw(st.lists(line, min_size=1, max_size=3)),
        full_headline=draw(line),
        body=body,
        sources=sources,
    )


def writable(document):
    try:
        return textformat.format(document)
    except textformat.NotRepresentable:
        return None


@st.composite
def mangled_bytes(draw):
    """A well-formed file (or the sample story) with bytes flipped, cut, inserted, swapped."""
    base = draw(st.one_of(st.just(STORY), documents.map(textformat.format)))
    data = bytearray(base.encode())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate", "crlf", "bom"]))
        if action == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "insert":
            data[at:at] = draw(
                st.one_of(
                    st.binary(max_size=8),
                    st.sampled_from(
                        [
                            b"\n",
                            b"\n\n",
                            b"\x00",
                            b"\r",
                            b"\xff\xfe",
                            b"\xc3",
                            b"\xed\xa0\x80",
                            b"Story Summary",
                            b"Full Story",
                            b"Source Articles",
                            b"- [x](https://e.org/)",
                        ]
                    ),
                )
            )
        elif action == "truncate":
            del data[at:]
        elif action == "crlf":
            data = bytearray(bytes(data).replace(b"\n", b"\r\n", 1))
        elif action == "bom":
            data[0:0] = b"\xef\xbb\xbf"
    return bytes(data)


@st.composite
def mangled_lines(draw):
    """A well-formed file with whole lines moved, doubled, dropped or replaced."""
    lines = draw(st.one_of(st.just(STORY), documents.map(textformat.format))).split("\n")
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        action = draw(st.sampled_from(["move", "double", "drop", "replace", "hostile"]))
        if action == "move":
            lines.insert(draw(st.integers(0, len(lines))), lines.pop(at))
        elif action == "double":
            lines.insert(at, lines[at])
        elif action == "drop":
            del lines[at]
        elif action == "replace":
            lines[at] = draw(st.text(max_size=30))
        else:
            lines[at] = draw(hostile_line())
    return "\n".join(lines)


source_line_pieces = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "- [",
                "[",
                "]",
                "\\]",
                "](",
                "(",
                ")",
                " — ",
                "—",
                ", ",
                " ",
                "2025-01-31",
                "2025-02-30",
                "0000-00-00",
                "https://example.org/a",
                "http://",
                "javascript:alert(1)",
                "data:text/html,x",
                "ftp://e.org",
                "HTTPS://EXAMPLE.ORG",
                "//example.org",
                "mailto:a@example.org",
            ]
        ),
        fragments(),
    ),
    max_size=10,
).map("".join)


def parses_cleanly(text):
    """The Document in `text`, or None if refused with a line and message; never a crash."""
    try:
        document = textformat.parse(text)
    except FormatError as error:
        lines = text.count(b"\n" if isinstance(text, bytes) else "\n") + 1
        assert 1 <= error.line <= lines, (error.line, lines)
        assert error.message
        return None
    return document


def round_trips(text, document):
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    assert textformat.format(document) == expected_text(text)


# --- Parse level: 10,000 inputs, no database ------------------------------------------


@settings(max_examples=2500, deadline=None)
@given(st.one_of(st.binary(max_size=400), mangled_bytes()))
def test_any_bytes_are_refused_with_a_line_or_round_trip(data):
    document = parses_cleanly(data)
    event("refused" if document is None else "read")
    if document is not None:
        round_trips(data, document)


@settings(max_examples=2500, deadline=None)
@given(st.one_of(mangled_lines(), st.text(max_size=300)))
def test_any_text_is_refused_with_a_line_or_round_trips(text):
    document = parses_cleanly(text)
    event("refused" if document is None else "read")
    if document is not None:
        round_trips(text, document)


@settings(max_examples=2000, deadline=None)
@given(hostile_documents())
def test_hostile_text_in_every_part_is_kept_exactly(document):
    text = writable(document)
    assume(text is not None)
    assert textformat.parse(text) == document


@settings(max_examples=3000, deadline=None)
@given(source_line_pieces)
def test_any_source_line_is_refused_or_written_back_the_same(line):
    try:
        source = textformat.parse_source_line(line)
    except FormatError as error:
        assert error.line == 1 and error.message
        event("refused")
        return
    event("read")
    assert source.url.lower().startswith(("http://", "https://"))
    assert textformat.parse_source_line(textformat.format_source_line(source)) == source


# --- Import level: a few hundred files through import_stories ----------------------------

COUNTED = [Story, Source, Citation, Publisher]
ALLOWED_TAGS = {"p", "h2", "h3", "em", "strong", "a", "ul", "ol", "li", "blockquote", "br"}


def import_file(data):
    """(stdout, stderr, exit status) of import_stories on a file holding `data`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.txt"
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import_stories", str(path), stdout=out, stderr=err)
        except CommandError as error:
            return out.getvalue(), err.getvalue(), error.returncode
        return out.getvalue(), err.getvalue(), 0


def export(slug):
    out = io.StringIO()
    call_command("export_story", slug, stdout=out)
    return out.getvalue()


def assert_stored_html_is_clean(story):
    for html in (story.summary, story.body):
        assert richtext.sanitise(html) == html  # nothing left for the sanitiser to remove
        tags = {tag.lower() for tag in re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)", html)}
        assert tags <= ALLOWED_TAGS, tags
        for link in re.findall(r"""<a\s[^>]*href=["']?([^"' >]*)""", html, re.IGNORECASE):
            assert link.lower().startswith(("http://", "https://", "mailto:")), link


def rolled_back(check):
    """Runs `check` in a transaction that is rolled back: each example starts afresh."""
    with transaction.atomic():
        check()
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hostile_documents())
def test_hostile_files_import_sanitised_and_export_byte_for_byte(document):
    text = writable(document)
    assume(text is not None)

    def check():
        stdout, stderr, status = import_file(text.encode())
        assert (stderr, status) == ("", 0)
        slug = stdout.split("\t")[1].strip()
        story = Story.objects.get(slug=slug)
        assert_stored_html_is_clean(story)
        assert export(slug) == text

    rolled_back(check)


@pytest.mark.django_db
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(mangled_bytes(), mangled_lines().map(str.encode)))
def test_mangled_files_import_whole_or_leave_nothing_behind(data):
    def check():
        before = {model: model.objects.count() for model in COUNTED}
        stdout, stderr, status = import_file(data)
        event("refused" if status else "imported")
        if status:
            assert stdout == ""
            assert re.match(r".*fuzzed\.txt:\d+: \S", stderr), stderr
            assert {model: model.objects.count() for model in COUNTED} == before
            return
        slug = stdout.split("\t")[1].strip()
        assert_stored_html_is_clean(Story.objects.get(slug=slug))
        assert export(slug) == expected_text(data.decode("utf-8"))

    rolled_back(check)
