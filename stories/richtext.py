"""Rich text: the sanitised HTML in which stories keep their summary and body.

Stored HTML is always passed through nh3 with a small allowlist, so whatever a
writer (or an imported file) puts in, only paragraphs, subheadings, emphasis,
lists, quotes and http/https links reach the database.
"""

import re
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser

import nh3

# The rich-text editor's schema: each of its elements (django-prose-editor's Tiptap
# extensions) with the tags that stand for it. The sanitiser keeps exactly
# these tags, so the editor shows what is stored and stores what it shows; the admin's
# editor is configured from this table (stories/editor.py), and tests check both ends.
EDITOR_SCHEMA = {
    "Paragraph": ("p",),
    "Heading": ("h2", "h3"),
    "Bold": ("strong", "b"),
    "Italic": ("em", "i"),
    "Link": ("a",),
    "BulletList": ("ul",),
    "OrderedList": ("ol",),
    "ListItem": ("li",),
    "Blockquote": ("blockquote",),
    "HardBreak": ("br",),
}
ALLOWED_TAGS = {tag for tags in EDITOR_SCHEMA.values() for tag in tags}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
# Links are citations: to web pages only.
ALLOWED_URL_SCHEMES = {"http", "https"}

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


def removed_markup(html):
    """What sanitise() takes out of `html`, in words for its writer; [] when nothing.

    The admin's editor can only make what is kept, so this speaks to whatever else
    sends HTML: an API client, a browser without the editor, a hand-made form post.
    """
    finder = _RemovedMarkup()
    finder.feed(html or "")
    finder.close()
    found = []
    if finder.code:
        found.append(
            f"{_tag_list(finder.code)} with everything in {_it_or_them(finder.code)} "
            "(code and styling are never kept)"
        )
    if finder.tags:
        found.append(
            f"{_tag_list(finder.tags)}, keeping {_its_or_their(finder.tags)} text (only "
            "paragraphs, subheadings, bold, italic, links, lists and quotes are kept)"
        )
    if finder.links:
        found.append(
            ("the link to " if len(finder.links) == 1 else "the links to ")
            + ", ".join(f"“{href[:60]}”" for href in finder.links)
            + f", keeping {'its' if len(finder.links) == 1 else 'their'} text (links go to "
            "web pages: http:// or https:// only)"
        )  # fmt: skip
    if finder.attributes:
        names = ", ".join(sorted(finder.attributes))
        what = "attribute" if len(finder.attributes) == 1 else "attributes"
        found.append(f"the {what} {names} (the site sets layout and styling itself)")
    return found


def _tag_list(tags):
    return ", ".join(f"<{tag}>" for tag in sorted(tags))


def _it_or_them(tags):
    return "it" if len(tags) == 1 else "them"


def _its_or_their(tags):
    return "its" if len(tags) == 1 else "their"


class _RemovedMarkup(HTMLParser):
    """The tags, attributes and links of some HTML that the sanitiser does not keep."""

    CODE = {"script", "style"}
    # A table is one thing to its writer, whatever rows and cells it has.
    TABLE_PARTS = {"caption", "col", "colgroup", "tbody", "td", "tfoot", "th", "thead", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.code, self.tags, self.attributes, self.links = set(), set(), set(), []

    def handle_starttag(self, tag, attrs):
        if tag in self.CODE:
            self.code.add(tag)
            return
        if tag not in ALLOWED_TAGS:
            self.tags.add("table" if tag in self.TABLE_PARTS else tag)
            return
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.attributes.add(name)
            elif name == "href" and not _kept_link(value or ""):
                self.links.append((value or "").strip())

    handle_startendtag = handle_starttag


def _kept_link(href):
    scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):", href)
    return scheme is None or scheme[1].lower() in ALLOWED_URL_SCHEMES


def same_content(stored, submitted):
    """Whether `submitted` rich text says what `stored` does, as readers would see it.

    Editors write the same content in different bytes: CRLF line ends from a browser's
    form, no line break between blocks, <strong> where the import wrote <b>. A save that
    changes none of it keeps the stored text as it is.
    """
    return _comparable(stored) == _comparable(submitted)


_BETWEEN_BLOCKS = re.compile(r"\s*(</?(?:p|h2|h3|ul|ol|li|blockquote|br)>)\s*")
_SYNONYMS = {"<b>": "<strong>", "</b>": "</strong>", "<i>": "<em>", "</i>": "</em>"}


def _comparable(html):
    html = sanitise((html or "").replace("\r\n", "\n").replace("\r", "\n"))
    html = _BETWEEN_BLOCKS.sub(r"\1", html)
    return re.sub(r"</?[bi]>", lambda tag: _SYNONYMS[tag[0]], html).strip()


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
