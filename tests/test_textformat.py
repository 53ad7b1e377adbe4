"""The story text format: what a file reads as, what is malformed and why, and writing back."""

import dataclasses
import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from stories import textformat
from stories.canonical import canonical_url
from stories.models import Citation, Story
from stories.richtext import PARAGRAPH, SUBHEADING, Block
from stories.textformat import Document, FormatError, NotRepresentable, SourceLine

# A story written for these tests, using every feature of the format.
STORY = """\
Harbour Cranes Go Electric: Port Town Replaces Its Diesel Fleet

Port Town Replaces Its Diesel Cranes

The harbour's six cranes will run on electricity by spring, the port authority said.

Story: Port Town Electrifies Its Harbour Cranes

Story Summary

Port Town will replace its six diesel cranes with electric ones by spring.

Dock workers welcomed the plan, which also cuts noise on the quay at night.

Full Story

Port Town's Cranes Switch to Electric Power

The first of six electric cranes arrived by barge on Tuesday and will be assembled on the east quay.

Why It Matters

Cranes idle for hours between ships; diesel ones burn fuel all the while.

What Happens Next?

“We finish before summer,” said Ingrid Sæther. “Then we rest.”

Source Articles

- [Port orders electric cranes](https://News.Example.com/port/cranes?utm_source=rss&id=7) — Example Harbour News, 2025-03-01
- [Cranes and the [quay\\] plan](https://example.org/wiki/Quay_(plan))
- [A report dated but unsigned](https://example.net/report), 2025-02-28
"""  # noqa: E501


def line_of(text, line):
    """The 1-based number of the first line of `text` that is exactly `line`."""
    return text.split("\n").index(line) + 1


def without_block(text, line):
    """`text` without the block `line` and the empty line after it."""
    return text.replace(f"\n{line}\n\n", "\n", 1)


def error_for(text):
    with pytest.raises(FormatError) as caught:
        textformat.parse(text, name="story.txt")
    return caught.value


def expected_text(text):
    """What export writes for an imported `text`: LF line endings, no byte order mark,
    exactly one final newline."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    return text if text.endswith("\n") else text + "\n"


# --- Reading ---------------------------------------------------------------------------


def test_a_story_reads_as_its_blocks_in_order():
    document = textformat.parse(STORY)
    lines = STORY.split("\n")
    assert document.title == lines[0]
    assert document.headline == lines[2]
    assert document.dek == lines[4]
    assert document.story_line == lines[6].removeprefix("Story: ")
    assert document.summary == [lines[10], lines[12]]
    assert document.full_headline == lines[16]
    assert document.body == [
        Block(PARAGRAPH, lines[18]),
        Block(SUBHEADING, lines[20]),
        Block(PARAGRAPH, lines[22]),
        Block(SUBHEADING, lines[24]),
        # Short, but ending with a closing quotation mark: a paragraph.
        Block(PARAGRAPH, lines[26]),
    ]


def test_source_lines_keep_the_title_url_publisher_and_date_as_cited():
    first, bracketed, dated = textformat.parse(STORY).sources
    assert first == SourceLine(
        "Port orders electric cranes",
        "https://News.Example.com/port/cranes?utm_source=rss&id=7",
        "Example Harbour News",
        date(2025, 3, 1),
    )
    assert bracketed == SourceLine(
        "Cranes and the [quay] plan", "https://example.org/wiki/Quay_(plan)", "", None
    )
    assert dated == SourceLine(
        "A report dated but unsigned", "https://example.net/report", "", date(2025, 2, 28)
    )


def test_the_file_may_end_with_or_without_a_newline():
    assert textformat.parse(STORY.rstrip("\n")) == textformat.parse(STORY)


def test_a_story_may_have_no_sources():
    text = STORY[: STORY.index("Source Articles")] + "Source Articles"
    assert textformat.parse(text).sources == []
    assert textformat.parse(text + "\n").sources == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("What Happens Next?", SUBHEADING),
        ("Background and context", SUBHEADING),
        ("The Numbers (So Far)", SUBHEADING),
        (" ".join(["word"] * textformat.SUBHEADING_MAX_WORDS), SUBHEADING),
        (" ".join(["word"] * (textformat.SUBHEADING_MAX_WORDS + 1)), PARAGRAPH),
        *[(f"It ends{end}", PARAGRAPH) for end in textformat.SUBHEADING_FORBIDDEN_ENDINGS],
        ("It ends with a full stop and spaces.  ", PARAGRAPH),
    ],
)
def test_a_short_body_line_without_closing_punctuation_is_a_subheading(text, kind):
    assert textformat.body_block(text).kind == kind


def test_the_samples_read_back_byte_for_byte(sample_files):
    assert sample_files
    for path in sample_files:
        data = path.read_bytes()
        document = textformat.parse(data, name=path.name)
        assert textformat.format(document).encode() == expected_text(data.decode()).encode()
        for block in document.body:
            if block.text.rstrip().endswith("?") and len(block.text.split()) <= 12:
                assert block.kind == SUBHEADING, block.text


# --- Malformed text --------------------------------------------------------------------


def _malformed_cases():
    title, headline = STORY.split("\n")[0], STORY.split("\n")[2]
    first_source = next(line for line in STORY.split("\n") if line.startswith("- ["))
    before_sources = STORY[: STORY.index("\n\nSource Articles")]
    return [
        # (case, malformed text, the line to report, what the message says)
        (
            "missing Story Summary",
            without_block(STORY, "Story Summary"),
            line_of(STORY, "Story Summary"),
            "expected the marker 'Story Summary'",
        ),
        (
            "missing Full Story",
            without_block(STORY, "Full Story"),
            line_of(STORY, "Source Articles") - 2,
            "expected the marker 'Full Story'",
        ),
        (
            "missing Source Articles",
            without_block(STORY, "Source Articles"),
            line_of(STORY, first_source) - 2,
            "expected the marker 'Source Articles'",
        ),
        (
            "missing Source Articles at the end",
            before_sources,
            before_sources.count("\n") + 1,
            "expected the marker 'Source Articles' after the full story, found the end",
        ),
        ("empty title", "\n" + STORY, 1, "expected the title, found an empty line"),
        ("title of spaces", STORY.replace(title, "  \t", 1), 1, "expected the title"),
        (
            "empty headline",
            STORY.replace(f"\n{headline}\n", "\n\n", 1),
            3,
            "expected the headline, found a second empty line",
        ),
        (
            "no 'Story: '",
            STORY.replace("Story: ", "Story line: ", 1),
            line_of(STORY, "Story Summary") - 2,
            "expected 'Story: ' and the story line",
        ),
        (
            "no dek",
            STORY.replace(f"\n{STORY.split(chr(10))[4]}\n\n", "\n", 1),
            5,
            "expected the dek",
        ),
        (
            "empty summary",
            STORY.replace("\n".join(STORY.split("\n")[10:14]) + "\n", "", 1),
            line_of(STORY, "Story Summary") + 2,
            "expected a summary paragraph before 'Full Story'",
        ),
        (
            "marker with a trailing space",
            STORY.replace("\nFull Story\n", "\nFull Story \n", 1),
            line_of(STORY, "Full Story"),
            "'Full Story'",
        ),
        (
            "two empty lines between paragraphs",
            STORY.replace("\n\nWhy It Matters", "\n\n\nWhy It Matters", 1),
            line_of(STORY, "Why It Matters"),
            "found a second empty line (blocks are separated by exactly one empty line)",
        ),
        (
            "a paragraph of two lines",
            STORY.replace("\n\nWhy It Matters", "\nWhy It Matters", 1),
            line_of(STORY, "Why It Matters") - 1,
            "expected an empty line after the paragraph (a paragraph or subheading is one line)",
        ),
        (
            "a source line without brackets",
            STORY.replace(first_source, "- Port orders cranes (https://example.com/a)"),
            line_of(STORY, first_source),
            "expected a source line: - [TITLE](URL)",
        ),
        (
            "a source title left open",
            STORY.replace(first_source, "- [Port orders cranes (https://example.com/a)"),
            line_of(STORY, first_source),
            "expected ']' to close the source's title",
        ),
        (
            "a source title ending with a backslash",
            STORY.replace(first_source, "- [Backslash\\](https://example.com/a)"),
            line_of(STORY, first_source),
            "expected ']' to close the source's title",
        ),
        (
            "an empty source title",
            STORY.replace(first_source, "- [](https://example.com/a)"),
            line_of(STORY, first_source),
            "expected the source's title",
        ),
        (
            "a hyphen instead of an em dash",
            STORY.replace(first_source, "- [Cranes](https://example.com/a) - Example News"),
            line_of(STORY, first_source),
            "' — PUBLISHER' (an em dash between spaces)",
        ),
        (
            "an impossible date",
            STORY.replace("2025-03-01", "2025-02-30"),
            line_of(STORY, first_source),
            "expected a real date as YYYY-MM-DD, found '2025-02-30'",
        ),
        (
            "a date in another layout",
            STORY.replace("2025-03-01", "2025-3-1"),
            line_of(STORY, first_source),
            "expected the date as YYYY-MM-DD",
        ),
        (
            "an empty line between source lines",
            STORY.replace(f"{first_source}\n", f"{first_source}\n\n"),
            line_of(STORY, first_source) + 1,
            "expected a source line or the end of the file, found an empty line",
        ),
        (
            "an empty line at the end",
            STORY + "\n",
            STORY.count("\n") + 1,
            "found an empty line",
        ),
        (
            "a source line right after the marker",
            STORY.replace("Source Articles\n\n", "Source Articles\n"),
            line_of(STORY, "Source Articles") + 1,
            "expected an empty line after 'Source Articles'",
        ),
        (
            "a carriage return on its own",
            STORY.replace("Why It Matters", "Why It\rMatters"),
            line_of(STORY, "Why It Matters"),
            "found a carriage return (CR) without a line feed; use LF line endings",
        ),
        (
            "a control character",
            STORY.replace("Why It Matters", "Why It\x07Matters"),
            line_of(STORY, "Why It Matters"),
            "found the control character U+0007",
        ),
        ("an empty file", "", 1, "expected the title, found an empty file"),
        (
            "a title too long for the database",
            STORY.replace(title, "x" * (Story._meta.get_field("title").max_length + 1), 1),
            1,
            f"the title is {Story._meta.get_field('title').max_length + 1} characters long",
        ),
        (
            "a source title too long for the database",
            STORY.replace(
                "Port orders electric cranes",
                "x" * (Citation._meta.get_field("title").max_length + 1),
            ),
            line_of(STORY, first_source),
            "the source title is",
        ),
        (
            "a publisher too long for the database",
            STORY.replace(
                "Example Harbour News",
                "x" * (Citation._meta.get_field("publisher_name").max_length + 1),
            ),
            line_of(STORY, first_source),
            "the publisher is",
        ),
    ]


MALFORMED = _malformed_cases()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_text_names_the_line_and_what_was_expected(text, line, message):
    error = error_for(text)
    assert (error.line, error.name) == (line, "story.txt")
    assert message in error.message
    assert str(error) == f"story.txt:{line}: {error.message}"


@pytest.mark.parametrize(
    "url", ["ftp://example.com/a", "/relative/path", "https://user:secret@example.com/a"]
)
def test_a_source_url_must_be_http_and_the_reason_is_given(url):
    with pytest.raises(ValidationError) as refused:
        canonical_url(url)
    first_source = next(line for line in STORY.split("\n") if line.startswith("- ["))
    error = error_for(STORY.replace(first_source, f"- [A title]({url})"))
    assert error.line == line_of(STORY, first_source)
    assert refused.value.messages[0] in error.message


def test_text_that_is_not_utf8_is_malformed_at_the_line_of_the_first_bad_byte():
    data = STORY.encode().replace(b"Why It Matters", b"Why It Matt\xe9rs")
    error = error_for(data)
    assert error.line == line_of(STORY, "Why It Matters")
    assert "not valid UTF-8" in error.message


@pytest.mark.parametrize(
    "saved",
    [
        STORY.replace("\n", "\r\n").encode(),
        b"\xef\xbb\xbf" + STORY.encode(),
        b"\xef\xbb\xbf" + STORY.replace("\n", "\r\n").encode(),
        "\ufeff" + STORY.replace("\n", "\r\n"),
    ],
    ids=["CRLF", "BOM", "CRLF and BOM", "CRLF and BOM, decoded"],
)
def test_a_file_saved_on_windows_reads_as_its_lf_text(saved):
    assert textformat.parse(saved) == textformat.parse(STORY)
    assert textformat.format(textformat.parse(saved)) == expected_text(STORY)


def test_a_title_starting_with_a_byte_order_mark_cannot_be_written():
    document = textformat.parse(STORY)
    document = dataclasses.replace(document, title="\ufeff" + document.title)
    with pytest.raises(NotRepresentable, match="byte order mark"):
        textformat.format(document)


# --- Writing ---------------------------------------------------------------------------


def test_writing_gives_back_the_text_with_one_final_newline():
    assert textformat.format(textformat.parse(STORY)) == STORY
    assert textformat.format(textformat.parse(STORY.rstrip("\n"))) == STORY


def _document(**changes):
    document = textformat.parse(STORY)
    for name, value in changes.items():
        setattr(document, name, value)
    return document


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_document(dek=""), "the dek is empty"),
        (_document(title="Two\nlines"), "the title has more than one line"),
        (_document(summary=[]), "the summary is empty"),
        (_document(summary=["Full Story"]), "summary paragraph 1 is the marker"),
        (_document(body=[Block(PARAGRAPH, "More to follow")]), "would read back as a subheading"),
        (_document(body=[Block(SUBHEADING, "A sentence.")]), "would read back as a paragraph"),
        (
            _document(sources=[SourceLine("Ends with \\", "https://example.com/")]),
            "ends with a backslash",
        ),
        (_document(sources=[SourceLine("FTP", "ftp://example.com/")]), "source 1: expected"),
        (
            _document(sources=[SourceLine("Spaced", "https://example.com/a b")]),
            "source 1",
        ),
    ],
)
def test_a_document_the_format_cannot_hold_is_refused_with_the_reason(document, message):
    with pytest.raises(NotRepresentable, match=re.escape(message)):
        textformat.format(document)


# --- Properties ------------------------------------------------------------------------

MARKERS = ["Story Summary", "Full Story", "Source Articles"]
MARKERS_FOLDED = {marker.casefold() for marker in MARKERS}
# Any character a line may hold: no control characters, no surrogates (not UTF-8).
LINE_CHARACTERS = st.characters(blacklist_categories=("Cc", "Cs"))
WORD_CHARACTERS = st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp"))


def lines(max_size=40):
    return st.text(LINE_CHARACTERS, min_size=1, max_size=max_size).filter(
        lambda text: (
            text.strip()
            and not text.startswith("\ufeff")
            and " ".join(text.split()).casefold() not in MARKERS_FOLDED
        )
    )


subheadings = (
    st.lists(st.text(WORD_CHARACTERS, min_size=1, max_size=8), min_size=1, max_size=12)
    .map(" ".join)
    .filter(lambda text: text[-1] not in textformat.SUBHEADING_FORBIDDEN_ENDINGS)
    .map(lambda text: Block(SUBHEADING, text))
)
paragraphs = st.one_of(
    lines().map(lambda text: text + "."),
    lines(120).filter(lambda text: not textformat.is_subheading(text)),
).map(lambda text: Block(PARAGRAPH, text))
urls = st.builds(
    "{}://{}{}{}".format,
    st.sampled_from(["http", "https", "HTTPS"]),
    st.from_regex(r"[a-zA-Z0-9]{1,10}(\.[a-z0-9]{1,8}){0,2}\.(com|org|net)", fullmatch=True),
    st.text("abcXYZ019-_.~()!,;=:@/%é", max_size=30).map(lambda path: "/" + path),
    st.sampled_from(["", "?ref=rss", "?id=1&utm_source=x&lang=en", "?q=(a),b"]),
)
source_lines = st.builds(
    SourceLine,
    title=lines(60).filter(lambda title: not title.endswith("\\")),
    url=urls,
    publisher=st.one_of(
        st.just(""),
        lines(30).filter(lambda name: not re.fullmatch(r"(?s).*, [0-9-]*[0-9][0-9-]*", name)),
    ),
    published_on=st.one_of(st.none(), st.dates()),
)
documents = st.builds(
    Document,
    title=lines(),
    headline=lines(),
    dek=lines(120),
    story_line=lines(),
    summary=st.lists(lines(120), min_size=1, max_size=3),
    full_headline=lines(),
    body=st.lists(st.one_of(paragraphs, subheadings), min_size=1, max_size=6),
    sources=st.lists(source_lines, max_size=4),
)


@settings(max_examples=200, deadline=None)
@given(documents)
def test_any_well_formed_document_is_written_and_read_back_the_same(document):
    text = textformat.format(document)
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert textformat.parse(text) == document


SOME_LINES = [
    "",
    "",
    " ",
    *MARKERS,
    "Story: A story line",
    "A Heading",
    "A sentence.",
    "- [A source](https://example.com/a) — A Publisher, 2025-01-31",
    "- [A source](https://example.com/(a)), 2025-01-31",
    "- [A \\] source](https://example.com/a) — A, 2025-1-1",
    "- [A source\\](https://example.com/a)",
]


@st.composite
def texts(draw):
    """Text near the format: well-formed texts, mangled ones, and lines of the format."""
    base = draw(st.one_of(documents.map(textformat.format), st.just(STORY)))
    lines_ = base.split("\n")
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(lines_)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        new = draw(st.one_of(st.sampled_from(SOME_LINES), st.text(max_size=10)))
        if action == "insert":
            lines_.insert(at, new)
        elif at < len(lines_):
            lines_[at : at + 1] = [] if action == "delete" else [new]
    text = "\n".join(lines_)
    return text.rstrip("\n") if draw(st.booleans()) else text


@settings(max_examples=200, deadline=None)
@given(st.one_of(texts(), st.text(), st.lists(st.sampled_from(SOME_LINES)).map("\n".join)))
def test_any_text_is_either_refused_with_a_line_or_written_back_the_same(text):
    try:
        document = textformat.parse(text)
    except FormatError as error:
        assert 1 <= error.line <= text.count("\n") + 1
        assert error.message
    else:
        assert textformat.format(document) == expected_text(text)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(), texts().map(str.encode)))
def test_any_bytes_are_either_refused_with_a_line_or_read_as_utf8(data):
    try:
        document = textformat.parse(data)
    except FormatError as error:
        assert 1 <= error.line <= data.count(b"\n") + 1
    else:
        assert textformat.format(document).encode() == expected_text(data.decode()).encode()
