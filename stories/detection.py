"""Finding the entities a story names: known ones by name or alias, and likely new ones.

Matching works on a folded copy of the text (case, diacritics and typographic
apostrophes folded) so that "Montreal" finds "Montréal" and "HAMAS" finds "Hamas",
while every match is reported at its position in the original text. An Aho-Corasick
automaton finds every name in one pass, so ten thousand known entities cost about
as much as ten.
"""

import functools
import unicodedata
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

import ahocorasick

from stories import richtext

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})


def fold(text):
    """The folded text and, for each of its characters, the index it came from."""
    text = text.translate(_APOSTROPHES)  # one character for one
    if text.isascii():
        # Most news text: no diacritics, and lower() is casefold() here.
        return text.lower(), range(len(text))
    parts = [_fold_char(char) for char in text]
    folded = "".join(parts)
    if len(folded) == len(text):
        return folded, range(len(text))
    origin = [index for index, part in enumerate(parts) for _ in part]
    return folded, origin


@functools.lru_cache(maxsize=8192)
def _fold_char(char):
    """One character without diacritics, case folded: "É" → "e", "ﬁ" → "fi", "ß" → "ss"."""
    return "".join(
        part.casefold()
        for part in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(part)
    )


def _is_word_char(char):
    return char.isalnum()


def _unmarked(text):
    """`text` without diacritics, with plain apostrophes; case is kept."""
    return "".join(
        part
        for char in text.translate(_APOSTROPHES)
        for part in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(part)
    )


def _is_exact_case(name):
    """Whether `name` is only itself in the case it is written: "US", "BAnQ", "TNO".

    A one-word name with capitals after its first letter is an acronym or a brand, and
    folded it would also be a common word ("US" and "us", "IS" and "is").
    """
    return " " not in name and any(char.isupper() for char in name[1:])


@dataclass(frozen=True)
class Match:
    key: object
    start: int  # in the original text
    end: int


class Gazetteer:
    """Known names, each leading to a key (an entity's id); finds them in text."""

    def __init__(self, names):
        """`names` is an iterable of (key, name) pairs; a name may lead to several keys."""
        self._automaton = ahocorasick.Automaton()
        keys_by_name = {}
        for key, name in names:
            name = name.strip()
            folded, _ = fold(name)
            if folded:
                # An acronym matches only as written; other names in any case but all
                # lower-case, where a name is usually a common word ("port", "bath").
                exact = _unmarked(name) if _is_exact_case(name) else None
                cased = name != name.lower()
                keys_by_name.setdefault(folded, {}).setdefault((key, exact, cased), None)
        for folded, keys in keys_by_name.items():
            self._automaton.add_word(folded, (len(folded), tuple(keys)))
        self.size = len(keys_by_name)
        if self.size:
            self._automaton.make_automaton()

    def __len__(self):
        return self.size

    def find(self, text):
        """Whole-word matches in `text`, longest first where they overlap, in text order."""
        if not self.size or not text:
            return []
        folded, origin = fold(text)
        candidates = []
        for last, (length, keys) in self._automaton.iter(folded):
            first = last - length + 1
            if first > 0 and _is_word_char(folded[first - 1]) and _is_word_char(folded[first]):
                continue
            if (
                last + 1 < len(folded)
                and _is_word_char(folded[last + 1])
                and _is_word_char(folded[last])
            ):
                continue
            start, stop = origin[first], origin[last] + 1
            written = text[start:stop]
            if written.islower():
                keys = tuple(k for k in keys if not k[2])
            if any(exact is not None for _, exact, _ in keys):
                written = _unmarked(written)
                keys = tuple(k for k in keys if k[1] is None or k[1] == written)
            if not keys:
                continue
            candidates.append((first, last + 1, start, stop, keys))
        # Leftmost, then longest: "Gaza Government Media Office" beats "Gaza".
        candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        matches, taken_until = [], 0
        for first, end, start, stop, keys in candidates:
            if first < taken_until:
                continue
            taken_until = end
            matches.extend(
                Match(key, start, stop) for key in dict.fromkeys(key for key, _, _ in keys)
            )
        return matches


@dataclass
class Detection:
    """How a story names one entity."""

    key: object
    count: int = 0
    first_position: int = 0
    in_headline: bool = False
    salience: float = 0.0
    surface: str = ""


def detect(gazetteer, *, headline, texts):
    """Entities of `gazetteer` named in a story, most salient first.

    `texts` are the story's other texts in reading order (title, dek, summary,
    body...); positions count characters from the start of the headline through
    them all, so that the first position says how early a reader meets the name.
    """
    found = {}
    offset = 0
    total = 0
    for part, is_headline in [(headline, True), *((t, False) for t in texts)]:
        for match in gazetteer.find(part):
            entry = found.get(match.key)
            if entry is None:
                entry = found[match.key] = Detection(
                    match.key,
                    first_position=offset + match.start,
                    surface=part[match.start : match.end],
                )
            entry.count += 1
            entry.in_headline = entry.in_headline or is_headline
        offset += len(part) + 1
        total = offset
    for entry in found.values():
        entry.salience = salience(
            count=entry.count,
            first_position=entry.first_position,
            length=total,
            in_headline=entry.in_headline,
        )
    return sorted(found.values(), key=lambda d: (-d.salience, d.first_position))


def salience(*, count, first_position, length, in_headline):
    """A 0..1 score: named in the headline, named early, named often."""
    earliness = 1 - min(first_position / length, 1) if length else 0
    frequency = min(count, 10) / 10
    return round(0.4 * in_headline + 0.3 * earliness + 0.3 * frequency, 4)


# ---- Linking the first mention of each entity in stored HTML -------------------

_NO_LINKS_INSIDE = frozenset({"a", "h1", "h2", "h3", "h4", "h5", "h6"})


def link_first_mentions(html, links):
    """Sanitised `html` with the first mention of each of `links` made a link.

    `links` are (href, names) pairs, one per entity. The HTML is parsed, and names
    are looked for in its text only, never inside a link or a heading; only the text
    is rewritten, escaped, and the whole is sanitised again.
    """
    if not html or not links:
        return html
    gazetteer = Gazetteer(
        (index, name) for index, (_, names) in enumerate(links) for name in names
    )
    linker = _FirstMentionLinker(gazetteer, [href for href, _ in links])
    linker.feed(html)
    linker.close()
    return richtext.sanitise("".join(linker.out))


class _FirstMentionLinker(HTMLParser):
    def __init__(self, gazetteer, hrefs):
        super().__init__(convert_charrefs=True)
        self.gazetteer = gazetteer
        self.hrefs = hrefs
        self.unlinked = set(range(len(hrefs)))
        self.out = []
        self.inside_no_links = 0

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag in _NO_LINKS_INSIDE:
            self.inside_no_links += 1

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if tag in _NO_LINKS_INSIDE and self.inside_no_links:
            self.inside_no_links -= 1

    def handle_data(self, data):
        if self.inside_no_links or not self.unlinked:
            self.out.append(escape(data, quote=False))
            return
        done = 0
        for match in self.gazetteer.find(data):
            if match.key not in self.unlinked or match.start < done:
                continue
            self.unlinked.discard(match.key)
            self.out.append(escape(data[done : match.start], quote=False))
            self.out.append(
                f'<a href="{escape(self.hrefs[match.key])}">'
                f"{escape(data[match.start : match.end], quote=False)}</a>"
            )
            done = match.end
        self.out.append(escape(data[done:], quote=False))
