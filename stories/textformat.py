"""The story text format (../shared/FORMAT.md): reading and writing it, losslessly.

`parse()` turns a file's text into a `Document`, or raises `FormatError` naming the line
and what was expected there; `format()` turns a `Document` back into text. For every
text that `parse()` accepts, `format(parse(text))` is that text again, ending with
exactly one newline.

Decisions the format leaves open, made here:

- Lines end with LF, or CRLF as files saved on Windows have them (read as LF, as is
  a UTF-8 byte order mark at the start: FORMAT.md says so). A CR on its own and any
  other control character except tab are malformed, as are lines of only spaces (they
  look blank but are not).
- Every block except the source lines is one line. Text is kept exactly as written,
  spaces at either end included.
- A body block is a subheading when it has at most 12 words and its last non-space
  character is none of `.` `!` `,` `;` `:` nor one of the closing quotation marks in
  `CLOSING_QUOTES` (`'` `"` `’` `”` `»` `›` `」` `』`); `?` may end a subheading.
- The summary and the body each have at least one block.
- A source line is `- [TITLE](URL)`, then optionally ` — PUBLISHER` (space, em dash,
  space), then optionally `, YYYY-MM-DD`; the date may come without a publisher. Only
  `\\]` is an escape in TITLE (other backslashes are kept), so a title cannot end with
  a backslash. URLs may contain parentheses but no spaces, and must be http(s). A
  publisher ending in `, ` and only digits and dashes is read as a date.
- Texts must fit the database columns they are stored in, so an import never fails
  half-way on a too-long value.
"""

import re
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache

from django.apps import apps
from django.core.exceptions import ValidationError

from stories.canonical import canonical_url
from stories.richtext import PARAGRAPH, SUBHEADING, Block

STORY_PREFIX = "Story: "
SUMMARY_MARKER = "Story Summary"
FULL_STORY_MARKER = "Full Story"
SOURCES_MARKER = "Source Articles"
PUBLISHER_SEPARATOR = " — "
SUBHEADING_MAX_WORDS = 12
CLOSING_QUOTES = "'\"’”»›」』"
SUBHEADING_FORBIDDEN_ENDINGS = ".!,;:" + CLOSING_QUOTES

# Unicode's control characters (category Cc) but for tab and line feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The URL has no spaces, so the first space after it (or the end) settles where it ends.
_URL_AND_REST = re.compile(r"(?P<url>[^ ]*)\)(?P<rest>| — .*|, .*)", re.DOTALL)
_TRAILING_DATE = re.compile(r"(?P<publisher>.*), (?P<date>[0-9-]*[0-9][0-9-]*)", re.DOTALL)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SOURCE_LINE_SHAPE = "- [TITLE](URL), optionally followed by ' — PUBLISHER' and ', YYYY-MM-DD'"


class FormatError(ValueError):
    """Malformed text: the 1-based line and what was expected there."""

    def __init__(self, line, message, *, name=None):
        super().__init__(line, message)
        self.line, self.message, self.name = line, message, name

    def __str__(self):
        where = f"{self.name}:{self.line}" if self.name else f"line {self.line}"
        return f"{where}: {self.message}"


class NotRepresentable(ValueError):
    """A document that the text format cannot hold so that it reads back the same."""


@dataclass
class SourceLine:
    title: str
    url: str
    publisher: str = ""
    published_on: date | None = None


@dataclass
class Document:
    title: str
    headline: str
    dek: str
    story_line: str
    summary: list[str]
    full_headline: str
    body: list[Block]
    sources: list[SourceLine] = field(default_factory=list)


def is_subheading(text):
    """Whether a body block with this text is a subheading (see the module's docstring)."""
    words = text.split()
    return 0 < len(words) <= SUBHEADING_MAX_WORDS and (
        text.rstrip()[-1] not in SUBHEADING_FORBIDDEN_ENDINGS
    )


def body_block(text):
    return Block(SUBHEADING if is_subheading(text) else PARAGRAPH, text)


@cache
def _limits():
    """The longest text each part may have: the smallest column it is stored in."""

    def max_length(model, *names):
        return min(apps.get_model("stories", model)._meta.get_field(n).max_length for n in names)

    return {
        "title": max_length("Story", "title"),
        "headline": max_length("Story", "headline"),
        "story line": max_length("Story", "story_line"),
        "full-story headline": max_length("Story", "full_headline"),
        "source title": min(max_length("Citation", "title"), max_length("Source", "title")),
        "URL": min(max_length("Citation", "url"), max_length("Source", "url")),
        "publisher": min(
            max_length("Citation", "publisher_name"), max_length("Publisher", "name")
        ),
    }


def _check_length(line, what, text):
    limit = _limits()[what]
    if len(text) > limit:
        raise FormatError(line, f"the {what} is {len(text)} characters long; at most {limit} fit")


def _shown(text, limit=60):
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# --- Reading ---------------------------------------------------------------------------


def decode(data):
    """The text of a file's bytes, which must be UTF-8 (any byte order mark kept, for
    the reader to drop)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FormatError(
            line,
            f"expected UTF-8 text, found the byte 0x{data[exc.start]:02X} "
            f"(byte {column} of the line), which is not valid UTF-8 there",
        ) from None


def parse(text, *, name=None):
    """The Document in `text` (str, or bytes that must be UTF-8); FormatError if malformed.

    `name` (usually the file's path) is given to the FormatError to say where it was.
    """
    try:
        if isinstance(text, bytes):
            text = decode(text)
        return _Reader(text).document()
    except FormatError as exc:
        exc.name = name
        raise


class _Reader:
    def __init__(self, text):
        # As saved on Windows: one mark at the start, CRLF line endings.
        text = text.removeprefix("\ufeff").replace("\r\n", "\n")
        if text.startswith("\ufeff"):
            # A title starting with one could not be written back: it would be dropped.
            raise FormatError(1, "found a second byte order mark (U+FEFF); remove it")
        if bad := _CONTROL.search(text):
            line = text.count("\n", 0, bad.start()) + 1
            if bad.group() == "\r":
                raise FormatError(
                    line, "found a carriage return (CR) without a line feed; use LF line endings"
                )
            raise FormatError(
                line, f"found the control character U+{ord(bad.group()):04X}; remove it"
            )
        self.lines = text.split("\n")
        if len(self.lines) > 1 and self.lines[-1] == "":
            self.lines.pop()  # the file's final newline
        self.at = 0  # index of the next line to read

    @property
    def number(self):
        return self.at + 1

    def at_end(self):
        return self.at >= len(self.lines)

    def fail(self, message, *, line=None):
        raise FormatError(line or min(self.number, len(self.lines)), message)

    def take(self, what):
        """The next line, which must be text (the only line of a block)."""
        if self.at_end():
            self.fail(f"expected {what}, found the end of the file")
        line = self.lines[self.at]
        if line == "":
            if len(self.lines) == 1:
                self.fail(f"expected {what}, found an empty file")
            if self.at == 0:
                self.fail(f"expected {what}, found an empty line")
            self.fail(
                f"expected {what}, found a second empty line "
                "(blocks are separated by exactly one empty line)"
            )
        if not line.strip():
            self.fail(f"expected {what}, found a line of only spaces")
        self.at += 1
        return line

    def end_block(self, what, *, one_line="it is one line"):
        """Past the empty line after a one-line block; True if the file ends instead."""
        if self.at_end():
            return True
        line = self.lines[self.at]
        if line and not line.strip():
            self.fail(
                f"expected an empty line after {what}, found a line of spaces "
                "(an empty line has nothing on it)"
            )
        if line:
            self.fail(f"expected an empty line after {what} ({one_line})")
        self.at += 1
        return False

    def marker(self, marker, *, after):
        line = self.take(f"the marker '{marker}'")
        self.refuse_misspelt(line, marker)
        if line != marker:
            self.fail(
                f"expected the marker '{marker}' after {after}, found {_shown(line)}",
                line=self.number - 1,
            )

    def refuse_misspelt(self, line, marker):
        """A line that is the marker but for case or spaces is malformed, not text."""
        if line != marker and " ".join(line.split()).casefold() == marker.casefold():
            self.fail(
                f"expected the marker '{marker}' written exactly so, found {_shown(line)}",
                line=self.number - 1,
            )

    def document(self):
        title = self.take("the title")
        _check_length(self.number - 1, "title", title)
        self.end_block("the title")
        headline = self.take("the headline")
        _check_length(self.number - 1, "headline", headline)
        self.end_block("the headline")
        dek_number = self.number
        dek = self.take("the dek")
        self.end_block("the dek")
        line = self.take(f"'{STORY_PREFIX}' and the story line")
        if not line.startswith(STORY_PREFIX):
            if line == SUMMARY_MARKER and dek.startswith(STORY_PREFIX):
                self.fail(
                    f"expected the dek before {_shown(dek)}, found the story line",
                    line=dek_number,
                )
            self.fail(
                f"expected '{STORY_PREFIX}' and the story line, found {_shown(line)}",
                line=self.number - 1,
            )
        story_line = line.removeprefix(STORY_PREFIX)
        if not story_line.strip():
            self.fail(f"expected the story line after '{STORY_PREFIX}'", line=self.number - 1)
        _check_length(self.number - 1, "story line", story_line)
        self.end_block("the story line")
        self.marker(SUMMARY_MARKER, after="the story line")
        self.end_block(f"'{SUMMARY_MARKER}'")
        summary = self.summary()
        self.end_block(f"'{FULL_STORY_MARKER}'")
        full_headline = self.take("the full-story headline")
        if full_headline == SOURCES_MARKER:
            self.fail(
                f"expected the full-story headline after '{FULL_STORY_MARKER}', "
                f"found '{SOURCES_MARKER}'",
                line=self.number - 1,
            )
        _check_length(self.number - 1, "full-story headline", full_headline)
        if self.end_block("the full-story headline"):
            self.fail(
                "expected the body of the full story after its headline, found the end of the file"
            )
        body = self.body()
        sources = self.sources()
        return Document(
            title=title,
            headline=headline,
            dek=dek,
            story_line=story_line,
            summary=summary,
            full_headline=full_headline,
            body=body,
            sources=sources,
        )

    def summary(self):
        """The summary's paragraphs, having read the 'Full Story' marker after them."""
        paragraphs = []
        while True:
            if self.at_end():
                self.fail(
                    f"expected the marker '{FULL_STORY_MARKER}' after the summary, "
                    "found the end of the file"
                )
            what = "a summary paragraph"
            line = self.take(f"{what} or '{FULL_STORY_MARKER}'" if paragraphs else what)
            self.refuse_misspelt(line, FULL_STORY_MARKER)
            if line == FULL_STORY_MARKER:
                if not paragraphs:
                    self.fail(
                        f"expected a summary paragraph before '{FULL_STORY_MARKER}' "
                        "(the summary is empty)",
                        line=self.number - 1,
                    )
                return paragraphs
            if line == SOURCES_MARKER:
                self.fail(
                    f"expected the marker '{FULL_STORY_MARKER}' and the full story "
                    f"before '{SOURCES_MARKER}'",
                    line=self.number - 1,
                )
            paragraphs.append(line)
            self.end_block("the paragraph", one_line="a paragraph is one line")

    def body(self):
        """The body's blocks, having read the 'Source Articles' marker after them."""
        blocks = []
        while True:
            if self.at_end():
                self.fail(
                    f"expected the marker '{SOURCES_MARKER}' after the full story, "
                    "found the end of the file"
                )
            line = self.take(
                f"a paragraph, a subheading or '{SOURCES_MARKER}'" if blocks else "the body"
            )
            self.refuse_misspelt(line, SOURCES_MARKER)
            if line == SOURCES_MARKER:
                if not blocks:
                    self.fail(
                        f"expected the body of the full story before '{SOURCES_MARKER}'",
                        line=self.number - 1,
                    )
                return blocks
            if _is_source_line(line):
                self.fail(
                    f"expected the marker '{SOURCES_MARKER}' and an empty line before "
                    "the source lines",
                    line=self.number - 1,
                )
            blocks.append(body_block(line))
            self.end_block(
                "the subheading" if blocks[-1].kind == SUBHEADING else "the paragraph",
                one_line="a paragraph or subheading is one line",
            )

    def sources(self):
        if self.end_block(f"'{SOURCES_MARKER}'"):
            return []
        if self.at_end():
            self.fail(
                f"expected a source line after the empty line after '{SOURCES_MARKER}', "
                "found the end of the file (remove the empty line at the end)",
                line=self.number - 1,
            )
        sources = []
        while not self.at_end():
            line = self.lines[self.at]
            if not line.strip():
                self.fail(
                    "expected a source line or the end of the file, found an empty line "
                    "(source lines are one a line with no empty lines between them, "
                    "and nothing comes after them)"
                    if sources
                    else "expected a source line, found "
                    + ("a second empty line" if not line else "a line of only spaces")
                )
            sources.append(parse_source_line(line, line_number=self.number))
            self.at += 1
        return sources


def parse_source_line(line, *, line_number=1):
    """The SourceLine in `- [TITLE](URL) — PUBLISHER, YYYY-MM-DD`; FormatError if not one."""

    def fail(message):
        raise FormatError(line_number, message)

    if not line.startswith("- ["):
        fail(f"expected a source line: {SOURCE_LINE_SHAPE}; found {_shown(line)}")
    title, at = [], 3
    while True:
        if at >= len(line):
            fail("expected ']' to close the source's title (a ']' in the title is written '\\]')")
        if line.startswith("\\]", at):
            title.append("]")
            at += 2
        elif line[at] == "]":
            break
        else:
            title.append(line[at])
            at += 1
    title = "".join(title)
    if not title.strip():
        fail("expected the source's title between '[' and ']'")
    _check_length(line_number, "source title", title)
    if not line.startswith("(", at + 1):
        fail("expected '(' and the source's URL right after the title's ']'")
    match = _URL_AND_REST.fullmatch(line, at + 2)
    if match is None:
        if ")" not in line[at + 2 :]:
            fail("expected ')' to close the source's URL")
        fail(
            f"expected the end of the line, '{PUBLISHER_SEPARATOR}PUBLISHER' (an em dash "
            "between spaces) or ', YYYY-MM-DD' after the URL's ')', and no spaces in the URL"
        )
    url = match["url"]
    _check_url(line_number, url)
    publisher, published_on = "", None
    rest = match["rest"]
    if rest.startswith(PUBLISHER_SEPARATOR):
        publisher = rest.removeprefix(PUBLISHER_SEPARATOR)
        if dated := _TRAILING_DATE.fullmatch(publisher):
            publisher = dated["publisher"]
            published_on = _parse_date(line_number, dated["date"])
        if not publisher.strip():
            fail(f"expected the publisher's name after '{PUBLISHER_SEPARATOR.strip()}'")
        _check_length(line_number, "publisher", publisher)
    elif rest:
        published_on = _parse_date(line_number, rest.removeprefix(", "))
    return SourceLine(title=title, url=url, publisher=publisher, published_on=published_on)


def _is_source_line(line):
    try:
        parse_source_line(line)
    except FormatError:
        return False
    return True


def _check_url(line_number, url):
    if not url:
        raise FormatError(line_number, "expected the source's URL between '(' and ')'")
    if space := next((c for c in url if c.isspace()), None):
        raise FormatError(
            line_number, f"expected a URL without spaces, found U+{ord(space):04X} in it"
        )
    try:
        canonical = canonical_url(url)
    except ValidationError as exc:
        raise FormatError(line_number, f"expected an http(s) URL: {exc.messages[0]}") from None
    _check_length(line_number, "URL", url)
    limit = _limits()["URL"]
    if len(canonical) > limit:
        raise FormatError(
            line_number,
            f"the URL's canonical form is {len(canonical)} characters long; at most {limit} fit",
        )


def _parse_date(line_number, text):
    if not _ISO_DATE.fullmatch(text):
        raise FormatError(line_number, f"expected the date as YYYY-MM-DD, found {_shown(text)}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FormatError(
            line_number, f"expected a real date as YYYY-MM-DD, found {_shown(text)}"
        ) from None


# --- Writing ---------------------------------------------------------------------------


def format(document):
    """The text of `document`, ending with one newline; NotRepresentable if it cannot be.

    A document that cannot be written so that it reads back the same (an empty dek, a
    short paragraph that would read back as a subheading...) raises NotRepresentable
    saying what is wrong, rather than giving a file that imports as something else.
    """
    _check_representable(document)
    blocks = [
        document.title,
        document.headline,
        document.dek,
        STORY_PREFIX + document.story_line,
        SUMMARY_MARKER,
        *document.summary,
        FULL_STORY_MARKER,
        document.full_headline,
        *(block.text for block in document.body),
        SOURCES_MARKER,
    ]
    if document.sources:
        blocks.append("\n".join(format_source_line(s) for s in document.sources))
    text = "\n\n".join(blocks) + "\n"
    # Whatever the checks above missed, never hand out text that reads back differently.
    try:
        again = parse(text)
    except FormatError as exc:
        raise NotRepresentable(f"{exc.message} (line {exc.line} of the text)") from None
    if again != document:
        changed = next(f.name for f in fields(Document) if _differs(again, document, f.name))
        raise NotRepresentable(f"the {changed.replace('_', ' ')} would not read back the same")
    return text


def _differs(a, b, name):
    return getattr(a, name) != getattr(b, name)


def format_source_line(source):
    title = source.title.replace("]", "\\]")
    line = f"- [{title}]({source.url})"
    if source.publisher:
        line += PUBLISHER_SEPARATOR + source.publisher
    if source.published_on:
        line += f", {source.published_on.isoformat()}"
    return line


def _check_representable(document):
    def one_line(what, text):
        if not text.strip():
            raise NotRepresentable(f"the {what} is empty")
        if "\n" in text or "\r" in text:
            raise NotRepresentable(f"the {what} has more than one line")
        if bad := _CONTROL.search(text):
            raise NotRepresentable(
                f"the {what} contains the control character U+{ord(bad.group()):04X}"
            )

    for what, text in [
        ("title", document.title),
        ("headline", document.headline),
        ("dek", document.dek),
        ("story line", document.story_line),
        ("full-story headline", document.full_headline),
    ]:
        one_line(what, text)
    if document.title.startswith("\ufeff"):
        # At the very start of a file it is taken for a byte order mark and dropped.
        raise NotRepresentable("the title starts with a byte order mark (U+FEFF)")
    if not document.summary:
        raise NotRepresentable("the summary is empty")
    for n, text in enumerate(document.summary, 1):
        one_line(f"summary paragraph {n}", text)
        if text in (FULL_STORY_MARKER, SOURCES_MARKER):
            raise NotRepresentable(f"summary paragraph {n} is the marker {text!r}")
    if not document.body:
        raise NotRepresentable("the body is empty")
    for n, block in enumerate(document.body, 1):
        one_line(f"body block {n}", block.text)
        if block.text == SOURCES_MARKER:
            raise NotRepresentable(f"body block {n} is the marker {block.text!r}")
        if block.kind != body_block(block.text).kind:
            reads_as = "subheading" if is_subheading(block.text) else "paragraph"
            raise NotRepresentable(
                f"body block {n} ({_shown(block.text)}) would read back as a {reads_as}: "
                f"a subheading is at most {SUBHEADING_MAX_WORDS} words and does not end in "
                f"any of {' '.join(SUBHEADING_FORBIDDEN_ENDINGS)}"
            )
    for n, source in enumerate(document.sources, 1):
        one_line(f"title of source {n}", source.title)
        if source.title.endswith("\\"):
            raise NotRepresentable(f"the title of source {n} ends with a backslash")
        if source.publisher:
            one_line(f"publisher of source {n}", source.publisher)
        try:
            again = parse_source_line(format_source_line(source))
        except FormatError as exc:
            raise NotRepresentable(f"source {n}: {exc.message}") from None
        if again != source:
            raise NotRepresentable(f"source {n} would not read back the same")
