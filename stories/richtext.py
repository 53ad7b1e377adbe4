"""Rich text: the sanitised HTML in which stories keep their summary and body.

Stored HTML is always passed through nh3 with a small allowlist, so whatever a
writer (or an imported file) puts in, only paragraphs, subheadings, emphasis,
lists, quotes and http/https/mailto links reach the database.
"""

import re
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "strong",
    "em",
    "b",
    "i",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "br",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

PARAGRAPH = "p"
SUBHEADING = "h2"
_BLOCK_TAGS = {"p", "h2", "h3", "li", "blockquote"}
_HEADING_TAGS = {"h2", "h3"}


@dataclass(frozen=True)
class Block:
    kind: str  # PARAGRAPH or SUBHEADING
    text: str


def sanitise(html, *, extra_tags=frozenset()):
    """`html` with only the allowed tags and links; `extra_tags` (attribute-free) as well."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS | set(extra_tags),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


# A link to another site as sanitise() writes it: href first, double-quoted.
_OUTBOUND_LINK = re.compile(r'<a href="(https?://[^"]*)"', re.IGNORECASE)


def for_readers(html):
    """Sanitised `html` for a public page: links to other sites tell them nothing.

    They carry rel="noopener noreferrer", so the page they open cannot reach back into
    ours, nor learn which of our pages the reader came from.
    """
    return _OUTBOUND_LINK.sub(r'<a href="\1" rel="noopener noreferrer"', sanitise(html))


def blocks_to_html(blocks):
    return "\n".join(f"<{b.kind}>{escape(b.text, quote=False)}</{b.kind}>" for b in blocks)


def html_to_blocks(html):
    """The text blocks of stored HTML, in order; inline markup is flattened to its text."""
    blocks = _sanitised_blocks(html)
    if blocks is None:
        parser = _BlockParser()
        parser.feed(html)
        parser.close()
        blocks = parser.blocks
    return blocks


# A tag as sanitise() writes it: lower-case name, attribute values in double quotes.
_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)(?:\s+[^\s"\'<>/=]+="[^"]*")*\s*/?>')


def _sanitised_blocks(html):
    """What _BlockParser reads from `html`, if it is as sanitise() writes it; else None.

    Stored text is read on every story page, export and index write: splitting it at
    its tags is several times quicker than HTMLParser, and gives the same blocks while
    the tags are the allowed ones and the text between them holds no "<" or ">"
    (sanitise() escapes them). Anything else (comments, unquoted attributes, markup
    not sanitised yet) is left to the parser.
    """
    blocks, kind, depth, text, at = [], None, 0, [], 0
    for tag in _TAG.finditer(html):
        data = html[at : tag.start()]
        at = tag.end()
        if "<" in data or ">" in data:
            return None
        if depth and data:
            text.append(unescape(data))
        closing, name = tag[1], tag[2]
        if name not in ALLOWED_TAGS:
            return None  # not sanitised; and the parser reads some tags' text raw
        if name in _BLOCK_TAGS:
            if not closing:
                if depth == 0:
                    kind, text = (SUBHEADING if name in _HEADING_TAGS else PARAGRAPH), []
                depth += 1
            elif depth:
                depth -= 1
                if depth == 0:
                    blocks.append(Block(kind, "".join(text)))
        elif name == "br" and not closing and depth:
            text.append(" ")
    rest = html[at:]
    if "<" in rest or ">" in rest:
        return None
    return blocks


def html_to_text(html):
    return "\n\n".join(block.text for block in html_to_blocks(html))


class _BlockParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self._kind = None
        self._depth = 0
        self._text = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            if self._depth == 0:
                self._kind = SUBHEADING if tag in _HEADING_TAGS else PARAGRAPH
                self._text = []
            self._depth += 1
        elif tag == "br" and self._depth:
            self._text.append(" ")

    def handle_endtag(self, tag):
        if tag in _BLOCK_TAGS and self._depth:
            self._depth -= 1
            if self._depth == 0:
                self.blocks.append(Block(self._kind, "".join(self._text)))

    def handle_data(self, data):
        if self._depth:
            self._text.append(data)
