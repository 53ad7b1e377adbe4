"""Finding the entities a story names: known ones by name or alias, and likely new ones.

Matching works on a folded copy of the text (case, diacritics and typographic
apostrophes folded) so that "Montreal" finds "Montréal" and "HAMAS" finds "Hamas",
while every match is reported at its position in the original text. An Aho-Corasick
automaton finds every name in one pass, so ten thousand known entities cost about
as much as ten.
"""

import functools
import re
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


# ---- Discovery of names that are not known yet -------------------------------

_PERSON_TITLES = (
    "Dr", "Dr.", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Prof", "Prof.", "Sir", "Dame",
    "President", "Prime Minister", "Minister", "Envoy", "Senator", "Governor", "Mayor",
    "Director General", "Director", "Chief Executive", "Secretary", "Ambassador", "General",
)  # fmt: skip
_ORGANIZATION_WORDS = frozenset(
    {"Office", "Ministry", "Department", "Agency", "Authority", "Association", "Council",
     "Trust", "Company", "Corporation", "Bank", "University", "Institute", "Commission",
     "Committee", "Party", "Union", "Organization", "Organisation", "Foundation", "Group",
     "Railways", "Court", "Parliament", "Police", "Army", "Service", "Services", "Archives",
     "Library", "Museum", "School", "Hospital", "Airlines", "Airways", "Inc", "Ltd"}
)  # fmt: skip
_PLACE_WORDS = frozenset(
    {"Boulevard", "Street", "Avenue", "Road", "Square", "Bridge", "River", "Lake", "Mount",
     "Island", "Islands", "Bay", "Port", "City", "County", "Province", "Region", "States",
     "Republic", "Kingdom", "Emirates", "Strait", "Sea", "Ocean", "Valley", "Harbour"}
)  # fmt: skip
# Capitalised words that start sentences or titles rather than names.
_STOP_WORDS = frozenset(
    {"The", "A", "An", "In", "On", "At", "As", "But", "And", "Or", "If", "It", "Its", "This",
     "That", "These", "Those", "He", "She", "They", "We", "His", "Her", "Their", "Our",
     "After", "Before", "Despite", "However", "Although", "While", "When", "Where", "Why",
     "What", "Who", "How", "Now", "Then", "Still", "More", "Most", "Some", "Many", "Each",
     "Every", "From", "For", "With", "By", "To", "Of", "Amid", "Also", "Background",
     "Context", "Key", "Current", "Status", "Story", "Summary", "Full", "Later",
     "Earlier", "Yesterday", "Today", "Tomorrow", "Meanwhile", "Instead", "Since", "Until",
     "During", "Under", "Over", "Against", "Between", "Among", "Without", "Unlike", "Only",
     "Even", "Yet", "So", "Both", "All", "Several", "Such", "There", "Here", "Last", "Next",
     "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)  # fmt: skip
_CONNECTORS = frozenset(
    {"of", "the", "for", "de", "del", "da", "du", "la", "le", "et", "van", "von", "bin", "ibn"}
)
# Inside a name spelt out before its acronym, these may be skipped as well.
_ACRONYM_CONNECTORS = _CONNECTORS | {"and", "&", "on", "in", "des", "of"}
# Python's re has no \p{Lu}; Latin capitals cover the names of our stories.
_CAPITALS = re.escape("".join(c for c in map(chr, range(0x250)) if c.isupper()))
_WORD = rf"(?:(?:al-|el-)?[{_CAPITALS}][\w'’-]*)"
# Capitalised words joined by single spaces (never across punctuation or lines),
# with lower-case connectors allowed inside: "Bibliothèques et Archives", "Port of Rotterdam".
_NAME_RE = re.compile(
    rf"(?<![\w'’-]){_WORD}(?: (?:(?:{'|'.join(sorted(_CONNECTORS))}) )*{_WORD})+"
)
# A name followed by its acronym: "Bibliothèques et Archives nationales du Québec (BAnQ)".
_ACRONYM_RE = re.compile(rf" \(([{_CAPITALS}][\w&]*[{_CAPITALS}][\w&]*)\)")
_NON_SPACE_RE = re.compile(r"\S+")
_PLAIN_WORD_RE = re.compile(r"[\w'’&-]+")
_TITLE_WORDS = frozenset(t.rstrip(".") for t in _PERSON_TITLES if " " not in t)
_TITLE_RE = re.compile(
    r"(?:" + "|".join(re.escape(t) for t in sorted(_PERSON_TITLES, key=len, reverse=True))
    + r")\s*$"
)  # fmt: skip
# What follows a person's name set off by a comma: "Boudewijn Siemons, chief executive of".
_PERSON_APPOSITIVE_RE = re.compile(
    r", (?:who|chief executive|director|president|minister|spokes(?:person|man|woman)|mayor"
    r"|head|founder|chair(?:man|woman)?|secretary|professor|envoy|ambassador)\b"
)


@dataclass(frozen=True)
class Candidate:
    name: str
    kind: str  # an Entity.Kind value
    count: int
    first_position: int
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Occurrence:
    start: int
    end: int
    name: str
    aliases: tuple[str, ...] = ()
    # At the start of a sentence, the first word may be any word: "Later Steve Witkoff".
    sentence_initial: bool = False

    def without_first_word(self):
        first = self.name.split(" ", 1)[0]
        return _Occurrence(self.start + len(first) + 1, self.end, self.name[len(first) + 1 :])


def discover(text, *, known=None):
    """Likely new entity names in prose: capitalised multi-word names, with a kind hint.

    Give it running text (dek, summary, body), not title-case headlines, where every
    word is capitalised. `known` is a Gazetteer of names to leave out. Nothing is
    created here; the editor decides.
    """
    known_spans = [(m.start, m.end) for m in known.find(text)] if known else []
    occurrences = [*_spelt_out_acronyms(text), *_capitalised_names(text)]
    # "Later Steve Witkoff" is "Steve Witkoff" when the text names him so elsewhere.
    names = {o.name for o in occurrences}
    occurrences = [
        o.without_first_word()
        if o.sentence_initial and o.without_first_word().name in names
        else o
        for o in occurrences
    ]
    # A name inside a longer one is part of it: "Bibliothèques et Archives" in
    # "Bibliothèques et Archives nationales du Québec (BAnQ)".
    occurrences.sort(key=lambda o: (o.start, -(o.end - o.start)))
    found, reach = {}, -1
    for occurrence in occurrences:
        if occurrence.end <= reach:
            continue
        reach = occurrence.end
        start, end, name = occurrence.start, occurrence.end, occurrence.name
        if any(s <= start and end <= e for s, e in known_spans):
            continue
        entry = found.get(name)
        if entry is None:
            kind = _kind_hint(name, before=text[:start], after=text[end:])
            found[name] = Candidate(name, kind, 1, start, occurrence.aliases)
        else:
            found[name] = Candidate(
                name,
                entry.kind,
                entry.count + 1,
                entry.first_position,
                tuple(dict.fromkeys(entry.aliases + occurrence.aliases)),
            )
    return sorted(found.values(), key=lambda c: (-c.count, c.first_position))


def _capitalised_names(text):
    for match in _NAME_RE.finditer(text):
        words = match.group().split()
        start = match.start()
        # Sentence-initial words and titles are not part of the name.
        initial = _starts_sentence(text, start)
        after_title = False
        while words and (
            words[0].rstrip(".") in _STOP_WORDS or _is_title(words[0]) or words[0] in _CONNECTORS
        ):
            after_title = _is_title(words[0]) or (after_title and words[0] in _CONNECTORS)
            start += len(words[0]) + 1
            words = words[1:]
            initial = False
        # "Readers of the Grande Bibliothèque": a sentence's first word joined to a name
        # by "of the" is a common word, unless what follows is a name too short to be
        # one by itself ("Bank of England", "Port of Rotterdam").
        if initial and len(words) > 1 and words[1] in _CONNECTORS:
            rest = words[1:]
            while rest and rest[0] in _CONNECTORS:
                rest = rest[1:]
            if len(rest) >= 2 and words[0] not in _ORGANIZATION_WORDS | _PLACE_WORDS:
                start += len(" ".join(words[: len(words) - len(rest)])) + 1
                words = rest
                initial = False
        # A title inside the run introduces a person: "US Special Envoy Steve Witkoff".
        titled = [i for i, word in enumerate(words[:-1]) if _is_title(word)]
        if titled:
            cut = titled[-1] + 1
            after_title = after_title or words[cut] in _CONNECTORS
            start += sum(len(w) + 1 for w in words[:cut])
            words = words[cut:]
            while words and words[0] in _CONNECTORS:
                start += len(words[0]) + 1
                words = words[1:]
        # What follows "Director General of" names an office, not a person; only an
        # organisation's name is worth proposing there ("Special Envoy for Peace
        # Missions" is a job, not an entity).
        if after_title and not _ORGANIZATION_WORDS & set(words):
            continue
        # A possessive ends the name: "the European Union's Fit for 55 package".
        for i, word in enumerate(words):
            if re.search(r"['’]s$", word):
                words = [*words[:i], word[:-2]]
                break
        while words and words[-1] in _CONNECTORS:
            words = words[:-1]
        name = " ".join(words).rstrip(".'’")
        if len(name.split()) < 2:
            continue
        yield _Occurrence(
            start, start + len(name), name, sentence_initial=initial and len(words) > 2
        )


def _starts_sentence(text, index):
    before = text[:index].rstrip(" “\"‘'(")
    return not before or before[-1] in ".!?\n"


def _spelt_out_acronyms(text):
    """Names given in full before their acronym, whose initials spell it.

    "Bibliothèques et Archives nationales du Québec (BAnQ)": B-A-n-Q, with "et" and
    "du" skipped. The words may be lower-case ("nationales"), which the capitalised
    names miss.
    """
    for match in _ACRONYM_RE.finditer(text):
        acronym = match.group(1)
        letters = [c for c in acronym if c.isalpha()]
        line_start = text.rfind("\n", 0, match.start()) + 1
        words = list(
            _NON_SPACE_RE.finditer(text, max(line_start, match.start() - 300), match.start())
        )
        i, j = len(letters) - 1, len(words) - 1
        while i >= 0 and j >= 0:
            word = words[j].group()
            if not _PLAIN_WORD_RE.fullmatch(word):
                break  # punctuation ends the name
            if word[0].casefold() == letters[i].casefold():
                i -= 1
            elif word not in _ACRONYM_CONNECTORS:
                break
            j -= 1
        if i >= 0 or j + 1 >= len(words) - 1:
            continue
        first = words[j + 1]
        if not first.group()[0].isupper():
            continue
        yield _Occurrence(
            first.start(), match.start(), text[first.start() : match.start()], (acronym,)
        )


def _is_title(word):
    return word.rstrip(".") in _TITLE_WORDS


def _kind_hint(name, *, before, after):
    words = set(name.split())
    if _ORGANIZATION_WORDS & words:
        return "organization"
    if _TITLE_RE.search(before.rstrip(", ")) or _PERSON_APPOSITIVE_RE.match(after):
        return "person"
    if before.endswith(", "):
        # "US Special Envoy for Peace Missions, Steve Witkoff": a title just before.
        clause = re.split(r"[.;:!?()\n]", before[:-2])[-1].split()[-6:]
        if any(_is_title(word) for word in clause):
            return "person"
    if _PLACE_WORDS & words:
        return "place"
    return "other"


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
