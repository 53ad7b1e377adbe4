"""Search text: the little language readers search in, parsed into a Query, and the
plain texts a story is indexed by. Independent of any database."""

import re
import unicodedata
from dataclasses import dataclass
from html import escape

from django.utils.safestring import mark_safe

from stories import richtext

# A longer query is cut here; real searches are a few words.
MAX_QUERY_LENGTH = 500
# At most this many words, phrases and exclusions are searched; the rest are dropped.
MAX_TERMS = 16
# The last word typed counts as the start of a word from this many letters on: shorter
# prefixes match too much to be of use and are slow to expand.
MIN_PREFIX_LENGTH = 2
# In the order of the FTS5 columns; the PostgreSQL table has the same text columns.
COLUMNS = ("title", "headline", "dek", "summary", "body", "entities", "tags")
# The columns a snippet may come from, in order of preference.
SNIPPET_COLUMNS = ("summary", "body", "dek")

# Private-use characters mark the matches in snippets until the text has been escaped;
# they are removed from everything indexed, so no story text can fake a mark.
MARK_START, MARK_END = "\ue000", "\ue001"
_PRIVATE = re.compile("[\ue000-\ue003]")
# The combining marks that decomposed letters carry: the diacritics fold() removes.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

_TOKEN = re.compile(r"[^\W_]+")
# A search part: an optional minus, then a "quoted phrase" (its closing quote optional)
# or a run of anything up to a space or a quote.
_PART = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
# Control and format characters, surrogates and the private-use area: never meaningful
# in a search, and NUL or lone surrogates would upset the database drivers.
_UNWANTED = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
    "\ud800-\udfff\ue000-\uf8ff\ufff0-\uffff]"
)
_QUOTES = str.maketrans(dict.fromkeys("“”„‟«»″＂", '"'))


@dataclass(frozen=True)
class Query:
    """A search as parsed: what must match, what must not, and the word being typed."""

    text: str = ""
    words: tuple = ()  # single tokens, each of which must match (stemmed)
    phrases: tuple = ()  # tuples of tokens that must match in this order
    excluded: tuple = ()  # tuples of tokens (a word is a phrase of one) that must not match
    prefix: str = ""  # the last word, still being typed: matches words it begins
    shortened: bool = False  # whether part of the input was left out (too long)

    def __bool__(self):
        # Exclusions alone would mean "every story but these": not a search.
        return bool(self.words or self.phrases or self.prefix)


def clean_text(text):
    """`text` without the characters no search needs (control characters, NUL...)."""
    text = _UNWANTED.sub(" ", str(text or ""))
    return unicodedata.normalize("NFC", text)


def parse(text):
    """The Query a reader means by `text`; never fails, whatever `text` holds.

    Words must all match, "a phrase" must match as written (a missing closing quote
    ends it at the end of the text), -word and -"a phrase" must not match, and the last
    word, unless followed by a space, also matches the words it begins.
    """
    text = clean_text(text)
    shortened = len(text) > MAX_QUERY_LENGTH
    text = text[:MAX_QUERY_LENGTH].translate(_QUOTES)
    words, phrases, excluded = {}, {}, {}
    prefix = ""
    terms = 0
    parts = list(_PART.finditer(text))
    for index, part in enumerate(parts):
        minus, quoted, bare = part.groups()
        tokens = tuple(_TOKEN.findall(quoted if quoted is not None else bare))
        if not tokens:
            continue
        if terms == MAX_TERMS:
            shortened = True
            break
        terms += 1
        key = tuple(t.casefold() for t in tokens)
        if minus:
            excluded.setdefault(key, tokens)
        elif quoted is not None or len(tokens) > 1:
            if len(tokens) == 1:
                words.setdefault(key, tokens[0])
            else:
                phrases.setdefault(key, tokens)
        elif (
            index == len(parts) - 1
            and part.end() == len(text)
            and len(tokens[0]) >= MIN_PREFIX_LENGTH
        ):
            prefix = tokens[0]
        else:
            words.setdefault(key, tokens[0])
    if prefix and (prefix.casefold(),) in words:
        prefix = ""  # the same word is searched in full already
    return Query(
        text=text.strip(),
        words=tuple(words.values()),
        phrases=tuple(phrases.values()),
        excluded=tuple(excluded.values()),
        prefix=prefix,
        shortened=shortened,
    )


def fold(text):
    """`text` without diacritics: "Montréal" becomes "Montreal"."""
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def highlight(snippet):
    """A snippet with its match markers, as safe HTML: escaped text, <mark>ed matches."""
    html = escape(snippet, quote=False)
    return mark_safe(html.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def _indexable(text):
    return _PRIVATE.sub("", unicodedata.normalize("NFC", text or ""))


def document(story, *, entity_names=(), tag_names=()):
    """The texts indexed for `story`, by column: plain text, never HTML."""
    return {
        "title": _indexable(story.title),
        "headline": _indexable(story.headline),
        "dek": _indexable(story.dek),
        "summary": _indexable(richtext.html_to_text(story.summary)),
        "body": _indexable(richtext.html_to_text(story.body)),
        "entities": _indexable("\n".join(entity_names)),
        "tags": _indexable("\n".join(tag_names)),
    }
