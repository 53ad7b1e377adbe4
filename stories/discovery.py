"""Suggesting new entities: the people, organisations and places a story names that no
known entity has yet.

Rules rather than a statistical model (README, "Entity suggestions" says why). A name is
a run of capitalised words; the run is cut where a name ends: at a title ("Councillor
Tomás Ferreira" is Tomás Ferreira), at "of the" between a person and an organisation,
after a possessive. A single capitalised word is a name when it is a place, or when the
story writes it capitalised in mid-sentence and never in lower case. Each name's kind
comes from its own words ("Office", "Street"), from the place names of the world
(stories.places), then from what surrounds it ("said Katrin Leitner, who").
Nothing is created here; the editor decides.
"""

import bisect
import itertools
import re
from dataclasses import dataclass

from stories import places
from stories.detection import fold
from stories.name_words import (
    CONNECTORS,
    DEMONYM_ENDINGS,
    EVENT_WORDS,
    IRREGULAR_DEMONYMS,
    ORGANIZATION_WORDS,
    OTHER_WORDS,
    PERSON_PARTICLES,
    PLACE_WORDS,
    POSTNOMINALS,
    STOP_WORDS,
    TITLE_QUALIFIERS,
    TITLES,
)

_ACRONYM_CONNECTORS = CONNECTORS | {"and", "&", "on", "in"}
# Python's re has no \p{Lu}; Latin capitals cover the names of our stories.
_CAPITALS = re.escape("".join(c for c in map(chr, range(0x250)) if c.isupper()))
_WORD = rf"(?:(?:al-|el-)?[{_CAPITALS}][\w'’-]*)"
# Capitalised words joined by single spaces (never across punctuation or lines), with
# lower-case connectors inside, and a number closing a name: "Fit for 55".
_RUN_RE = re.compile(
    rf"(?<![\w'’-]){_WORD}(?: (?:for a |(?:{'|'.join(sorted(CONNECTORS))}) )*{_WORD})*"
    r"(?: (?:for|of) \d+\b)?"
)
_TOKEN_RE = re.compile(r"\S+")
_ACRONYM_RE = re.compile(rf" \(([{_CAPITALS}][\w&]*[{_CAPITALS}][\w&]*)\)")
_PLAIN_WORD_RE = re.compile(r"[\w'’&-]+")
_LOWER_WORD_RE = re.compile(r"(?<![\w'’-])[a-zà-ÿ][\w'’-]*")
_POSSESSIVE_RE = re.compile(r"['’]s?$")
_OWNER_RE = re.compile(r"['’]s\b")
_GEOGRAPHIC_AFTER_RE = re.compile(
    r" (?:valley|river|delta|basin|region|province|coast|estuary|plain|plains|mountains"
    r"|border|strait|peninsula|island|islands)\b"
)
_ROMAN_RE = re.compile(r"[IVX]+")
_COMPOUND_RE = re.compile(r"([^\W\d_][\w'’]+)-[a-z][\w-]*[.,;:!?]?$")
# Abbreviations whose full stop does not end a sentence: "Dr. Amira Haddad".
_ABBREVIATIONS_RE = re.compile(
    r"(?:^|\s)(?:[A-Z]|Dr|Mr|Mrs|Ms|Prof|St|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|Mt|Jr|Sr|Rev)\.$"
)
_THE_RE = re.compile(r"\b[Tt]he $")
_NAMED_RE = re.compile(r"\b(?:named|called|dubbed|christened|known as)(?: the)? $")
_LOCATIVE_RE = re.compile(
    # "Shares in Tesco": money in a company, not a place.
    r"(?<![Ss]hares )(?<![Ss]take )(?<![Ss]takes )(?<![Ii]nvested )(?<![Ii]nvestment )"
    r"(?<![Ii]nterest )"
    r"\b(?:(?:[Ii]n|[Nn]ear|[Aa]cross|[Oo]utside|[Tt]hroughout)(?: the)?|(?:canton|province"
    r"|state|region|city|town|village|county|district|island|kingdom|emirate|suburb"
    r"|municipality) of) $"
)
# "the National Commission for Museums and Monuments": "and" inside an organisation's
# name, after its "of" or "for".
_COMMON_AND_RE = re.compile(rf"(?<![\w'’-])({_WORD}) and $")
_AND_MORE_RE = re.compile(rf" and ({_WORD}(?: {_WORD})*)")
# "Aena, the state company that runs Spanish airports".
_ORGANIZATION_APPOSITIVE_RE = re.compile(
    r", (?:the|a|an) (?:[\w-]+ ){0,3}(?:company|firm|group|operator|agency|carrier|airline"
    r"|bank|maker|manufacturer|developer|union|party|charity|body|authority|regulator"
    r"|organi[sz]ation|network|broadcaster|retailer|chain|club|team|institute|university"
    r"|start-up|startup|militia|movement)\b"
    r"|, which\b"  # a person is "who"
)
# What an organisation, not a common word, does at the start of a sentence: "Nasa plans
# to send its own probe", "Arianespace said".
_SUBJECT_RE = re.compile(r"(?:[^.;]{0,40}\bits\b| (?:said|says|told)\b)")
# A word of a list takes the kind of its neighbours: "across Rajasthan, Haryana and".
_LISTED_BEFORE_RE = re.compile(r"([^\W\d_][\w'’.-]*)(?:,|,? and|,? or) $")
_LISTED_AFTER_RE = re.compile(r"(?:,|,? and|,? or) ([^\W\d_][\w'’-]*(?: [A-Z][\w'’-]*)*)")
# A journey's ends are places: "from Varnavas toward the suburbs", "from Gdańsk to".
_FROM_RE = re.compile(r"\b[Ff]rom $")
_TO_AFTER_RE = re.compile(rf" (?:towards? |(?:to|into) {_WORD})")
_FROM_BEFORE_RE = re.compile(r"\b[Ff]rom ([^\W\d_][\w'’-]*) to $")
# "the World Weather Attribution group": the name of a body.
_ORGANIZATION_NOUN_AFTER_RE = re.compile(
    r" (?:group|company|firm|union|party|agency|network|charity|organi[sz]ation|alliance"
    r"|coalition|movement|association|consortium|foundation)\b"
)
# A one-word name with nothing to say what it is: an organisation, unless its
# neighbours in a list say otherwise.
_UNSURE = "unsure"
# In a headline every word is capitalised: only places this large are trusted there
# ("Montréal", "Rotterdam"; not "Man", a town of Côte d'Ivoire, in "Unarmed Man").
_HEADLINE_PLACE = 250_000
# A word that starts a sentence, a name only if it stands in a list of names.
_LISTED = "listed"
# An organisation is "it", a person "he" or "she": "Kotug said it would publish".
_ORGANIZATION_AFTER_RE = re.compile(r"^(?:[^.;]{0,40}\b(?:it|its)\b|'s? (?:shares|members)\b)")


@dataclass(frozen=True)
class Candidate:
    name: str
    kind: str  # an Entity.Kind value
    count: int
    first_position: int
    aliases: tuple[str, ...] = ()


@dataclass
class _Name:
    name: str
    start: int
    end: int
    # At the start of a sentence any word is capitalised: "Officials said".
    sentence_initial: bool = False
    after_title: bool = False
    aliases: tuple[str, ...] = ()


def discover(text, *, known=None, headlines=()):
    """Likely new entity names in prose, most often named first, each with its kind.

    `text` is running text (dek, summary, body). `headlines`, where every word is
    capitalised, only add places and count names the text gives. `known` is a
    Gazetteer of names to leave out.
    """
    known_spans = _Spans(known.find(text) if known else ())
    lower_words = set(_LOWER_WORD_RE.findall(text))
    found = [n for n in _names(text, lower_words) if not known_spans.cover(n.start, n.end)]
    many = [n for n in found if " " in n.name]
    single = [n for n in found if " " not in n.name]

    candidates = {}  # folded name → [name, kind, count, first position, aliases]
    for occurrence in many:
        key = fold(occurrence.name)[0]
        if key not in candidates:
            kind = _kind_of_name(occurrence, text)
            if kind is None:
                continue
            candidates[key] = [occurrence.name, kind, 0, occurrence.start, ()]
        _count(candidates[key], occurrence)
    _merge_prefixes(candidates)

    surnames = {
        fold(entry[0].split()[-1])[0]: key
        for key, entry in candidates.items()
        if entry[1] == "person"
    }
    # An organisation's last word alone, when it is a word organisations end with and
    # only one of the story's organisations ends with it.
    ends = {}
    for key, entry in candidates.items():
        last = entry[0].split()[-1]
        if entry[1] == "organization" and last in ORGANIZATION_WORDS:
            ends.setdefault(fold(last)[0], []).append(key)
    heads = {word: keys[0] for word, keys in ends.items() if len(keys) == 1}
    by_word = {}
    for occurrence in single:
        by_word.setdefault(fold(occurrence.name)[0], []).append(occurrence)
    for key, occurrences in by_word.items():
        if key in candidates:
            for occurrence in occurrences:
                _count(candidates[key], occurrence)
            continue
        if key in heads:  # "the Parliament": the European Parliament again
            for occurrence in occurrences:
                _count(candidates[heads[key]], occurrence)
            continue
        if key in surnames:  # "Okafor said": Daniel Okafor again
            for occurrence in occurrences:
                _count(candidates[surnames[key]], occurrence)
            continue
        acronym_of = _alias_of(key, candidates) or _acronym_of(occurrences[0].name, candidates)
        if acronym_of:
            entry = candidates[acronym_of]
            entry[4] = (*entry[4], occurrences[0].name)  # "WHO" for "World Health Organization"
            for occurrence in occurrences:
                _count(entry, occurrence)
            continue
        kind = _kind_of_word(occurrences, text, lower_words)
        if kind is None:
            continue
        name = occurrences[0].name
        aliases = ()
        if name in places.ABBREVIATIONS:
            name, aliases = places.ABBREVIATIONS[name], (name,)
            long_key = fold(name)[0]
            if long_key in candidates:
                entry = candidates[long_key]
                entry[4] = (*entry[4], *aliases)
                for occurrence in occurrences:
                    _count(entry, occurrence)
                continue
        candidates[key] = [name, kind, 0, occurrences[0].start, aliases]
        for occurrence in occurrences:
            _count(candidates[key], occurrence)

    for entry in candidates.values():
        if entry[1] == _UNSURE:
            entry[1] = _kind_from_list(entry, text, candidates, by_word) or "organization"
    for key, entry in list(candidates.items()):
        if entry[1] == _LISTED:
            entry[1] = _kind_from_list(entry, text, candidates, by_word)
            if entry[1] is None:
                del candidates[key]
    _count_headlines(candidates, headlines, known)
    result = [
        Candidate(name, kind, count, first, tuple(dict.fromkeys(aliases)))
        for name, kind, count, first, aliases in candidates.values()
    ]
    return sorted(result, key=lambda c: (-c.count, c.first_position))


class _Spans:
    """The spans of known names in a text, to tell quickly whether one covers a name."""

    def __init__(self, matches):
        self.spans = sorted((m.start, m.end) for m in matches)
        self.starts = [start for start, _ in self.spans]
        # The furthest end of the spans starting at or before each one.
        self.reach = list(itertools.accumulate((end for _, end in self.spans), max))

    def cover(self, start, end):
        index = bisect.bisect_right(self.starts, start) - 1
        return index >= 0 and self.reach[index] >= end


def _alias_of(key, candidates):
    """The candidate that has `key` among its aliases: "BAnQ" after its full name."""
    for other_key, entry in candidates.items():
        if entry[4] and key in {fold(alias)[0] for alias in entry[4]}:
            return other_key
    return None


def _kind_from_list(entry, text, candidates, by_word):
    """The kind of the names listed with a one-word name: "Rajasthan, Haryana and Uttar
    Pradesh" are places."""
    for occurrence in by_word.get(fold(entry[0])[0], ()):
        preceding = text[max(0, occurrence.start - 40) : occurrence.start]
        if _FROM_RE.search(preceding) and _TO_AFTER_RE.match(text, occurrence.end):
            return "place"
        before = _LISTED_BEFORE_RE.search(preceding) or _FROM_BEFORE_RE.search(preceding)
        after = _LISTED_AFTER_RE.match(text, occurrence.end)
        for neighbour in (before, after):
            other = neighbour and candidates.get(fold(neighbour.group(1))[0])
            if other and other[1] not in (_UNSURE, _LISTED, "other"):
                return other[1]
    return None


def _count(entry, occurrence):
    entry[2] += 1
    entry[3] = min(entry[3], occurrence.start)
    entry[4] = (*entry[4], *occurrence.aliases)


def _merge_prefixes(candidates):
    """ "Port of Rotterdam" and "Port of Rotterdam Authority" in one story are one body."""
    for key, entry in list(candidates.items()):
        for other_key, other in candidates.items():
            if other_key == key or not other_key.startswith(key + " "):
                continue
            rest = other[0][len(entry[0]) + 1 :].split()
            if other[1] == "organization" and all(w in ORGANIZATION_WORDS for w in rest):
                other[2] += entry[2]
                other[3] = min(other[3], entry[3])
                other[4] = (*other[4], entry[0], *entry[4])
                del candidates[key]
                break


def _acronym_of(word, candidates):
    """The candidate whose initials `word` spells: "WHO", "World Health Organization"."""
    if len(word) < 2 or sum(c.isupper() for c in word) < 2:
        return None
    for key, entry in candidates.items():
        words = entry[0].split()
        initials = "".join(w[0] for w in words if w not in _ACRONYM_CONNECTORS)
        if len(words) > 1 and initials == word:
            return key
    return None


def _names(text, lower_words):
    """Every name-like span of `text`, cut where names end."""
    names = [*_spelt_out_acronyms(text)]
    for match in _RUN_RE.finditer(text):
        names.extend(_pieces(text, match))
    for n in names:
        # "European Consumer Organisation (BEUC)": an acronym in brackets after a name is
        # its acronym, whatever its letters.
        after = _ACRONYM_RE.match(text, n.end)
        if after and " " in n.name and not n.aliases:
            n.aliases = (after.group(1),)
    for n in names:
        # "the Competition and Markets Authority": a common noun and an organisation.
        before = _COMMON_AND_RE.search(text, max(0, n.start - 30), n.start)
        if (
            before
            and before.group(1).casefold() in lower_words
            and set(n.name.split()) & ORGANIZATION_WORDS
        ):
            n.name, n.start = text[before.start(1) : n.end], before.start(1)
            n.sentence_initial = _starts_sentence(text, n.start)
    for n in names:
        words = n.name.split()
        of = next((i for i, w in enumerate(words) if w in ("of", "for")), None)
        more = of and set(words[:of]) & ORGANIZATION_WORDS and _AND_MORE_RE.match(text, n.end)
        # Not when either side is a name of its own: "Royal Bank of Canada and TD
        # Securities" are two banks.
        if (
            more
            and not places.is_place(words[-1])
            and not set(more.group(1).split()) & ORGANIZATION_WORDS
            and not _is_acronym(more.group(1).split()[0])
        ):
            n.name, n.end = text[n.start : more.end()], more.end()
    # "Later Steve Witkoff" is "Steve Witkoff" when the text names him so elsewhere;
    # "Mediators Egypt and Qatar" names Egypt, "Transport Canada" stays whole.
    whole = {n.name for n in names}
    for n in names:
        first, _, rest = n.name.partition(" ")
        if n.sentence_initial and (
            (" " in rest and rest in whole)
            or (
                places.is_place(rest)
                and not places.is_place(n.name)
                and (
                    {first.casefold(), first.casefold()[:-1]} & lower_words
                    # a plural before a country or a city: not "Nicholas Cullinan"
                    or (_is_plural(first) and places.is_place(rest, major=True))
                )
            )
        ):
            n.name, n.start, n.sentence_initial = rest, n.start + len(first) + 1, False
    # A name inside a longer one is part of it: "Bibliothèques et Archives" in
    # "Bibliothèques et Archives nationales du Québec (BAnQ)".
    names.sort(key=lambda n: (n.start, -(n.end - n.start)))
    kept, reach = [], -1
    for n in names:
        if n.end <= reach:
            continue
        reach = n.end
        kept.append(n)
    return kept


def _pieces(text, match):
    """The names in one run of capitalised words."""
    tokens = _tokens(match)
    initial = _starts_sentence(text, match.start())
    # Sentence-initial words and titles are not part of a name.
    after_title = False
    while tokens and _leads_no_name(tokens, after_title=after_title):
        word = _bare(tokens[0][1])
        after_title = word in TITLES or (after_title and word not in STOP_WORDS)
        tokens, initial = tokens[1:], False
    # "Readers of the Grande Bibliothèque": a sentence's first word joined to a name by
    # "of the" is a common word, unless it heads a name ("Bank of England").
    if (
        initial
        and len(tokens) > 2
        and tokens[1][1] in CONNECTORS
        and _bare(tokens[0][1]) not in ORGANIZATION_WORDS | PLACE_WORDS
    ):
        tokens, initial = tokens[1:], False
    # A title inside the run ends what came before and introduces a person:
    # "US Special Envoy Steve Witkoff", "Economy Minister Katherina Reiche".
    titled = [i for i, (_, word) in enumerate(tokens[:-1]) if _bare(word) in TITLES]
    if titled and _names_an_office(tokens[titled[-1] + 1 :]):
        titled = []  # "Minnesota Attorney General's Office" is one name
    if titled:
        cut = titled[-1] + 1
        head = tokens[: titled[0]]
        while head and _bare(head[-1][1]) in TITLE_QUALIFIERS | CONNECTORS:
            head = head[:-1]
        yield from _split(text, head, initial=initial, after_title=after_title)
        tokens, initial, after_title = tokens[cut:], False, True
    yield from _split(text, tokens, initial=initial, after_title=after_title)


def _names_an_office(tokens):
    """Whether what follows a title, up to an "of", ends in an organisation's word."""
    words = [_bare(word) for _, word in tokens]
    of = next((i for i, w in enumerate(words) if w in ("of", "for")), len(words))
    return bool(set(words[:of]) & ORGANIZATION_WORDS)


def _tokens(match):
    """The words of a run, each with its position in the text."""
    return [(m.start() + match.start(), m.group()) for m in _TOKEN_RE.finditer(match.group())]


def _leads_no_name(tokens, *, after_title):
    """Whether the run's first word is no part of a name: "The", "Mayor", "Special"."""
    word = _bare(tokens[0][1])
    if word in STOP_WORDS or word in TITLES or tokens[0][1] in CONNECTORS:
        return True
    if word in TITLE_QUALIFIERS:
        following = _bare(tokens[1][1]) if len(tokens) > 1 else ""
        return after_title or following in TITLES or following in TITLE_QUALIFIERS
    return False


def _split(text, tokens, *, initial, after_title):
    """Names out of tokens, split at "of" between two names and after a possessive."""
    while tokens and tokens[0][1] in CONNECTORS:
        tokens, initial = tokens[1:], False
    if not tokens:
        return
    for i, (_, word) in enumerate(tokens):
        if (
            _OWNER_RE.search(word)
            and word[-1] == "s"
            and i < len(tokens) - 1
            # "St Thomas' Hospital", "Attorney General's Office": the place's own name
            and not all(_bare(w) in ORGANIZATION_WORDS for _, w in tokens[i + 1 :])
        ):
            # "the European Union's Fit for 55 package": two names.
            yield from _split(text, tokens[: i + 1], initial=initial, after_title=after_title)
            yield from _split(text, tokens[i + 1 :], initial=False, after_title=False)
            return
        if word == "of" and 0 < i < len(tokens) - 1:
            left = tokens[:i]
            if _bare(left[-1][1]) not in ORGANIZATION_WORDS | PLACE_WORDS or len(left) > 3:
                # "Ismail al-Thawabta of the Gaza Government Media Office": two names.
                yield from _split(text, left, initial=initial, after_title=after_title)
                yield from _split(text, tokens[i + 1 :], initial=False, after_title=False)
                return
    while tokens and (tokens[-1][1] in CONNECTORS or _bare(tokens[-1][1]) in POSTNOMINALS):
        tokens = tokens[:-1]
    if not tokens:
        return
    # "Paris-based", "Kremlin-backed": the name is before the hyphen.
    compound = _COMPOUND_RE.match(tokens[-1][1])
    if compound:
        tokens = [*tokens[:-1], (tokens[-1][0], compound.group(1))]
    start = tokens[0][0]
    last_start, last = tokens[-1]
    end = last_start + len(last.rstrip(".'’").removesuffix("'s").removesuffix("’s"))
    name = text[start:end].rstrip("'’")
    if name:
        yield _Name(
            name, start, start + len(name), sentence_initial=initial, after_title=after_title
        )


def _is_acronym(word):
    return len(word) > 1 and word.isupper()


def _is_plural(word):
    """ "Mediators", not "Tennis" nor "Congress"."""
    return word.endswith("s") and not word.endswith(("ss", "is", "us"))


def _is_camel_case(word):
    """ "DeepMind", "OpenAI": a brand's capitals inside a word (not "McDonald", "O'Leary")."""
    inner = re.split(r"[-'’]", word.removeprefix("Mc").removeprefix("Mac"))
    return any(
        any(c.isupper() for c in part[1:]) and part[1:] != part[1:].upper() for part in inner
    )


def _bare(word):
    return _POSSESSIVE_RE.sub("", word.rstrip("."))


def _starts_sentence(text, index):
    before = text[max(0, index - 40) : index].rstrip(" “\"‘'(")
    if not before or before[-1] in "!?\n":
        return True
    return before[-1] == "." and not _ABBREVIATIONS_RE.search(before)


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
        words = list(_TOKEN_RE.finditer(text, max(line_start, match.start() - 300), match.start()))
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
        name = text[first.start() : match.start()]
        yield _Name(name, first.start(), match.start(), aliases=(acronym,))


def _kind_of_name(occurrence, text):
    """The kind of a name of two words or more, or None when it is no name to link."""
    name, words = occurrence.name, occurrence.name.split()
    before = text[: occurrence.start]
    if set(words) & ORGANIZATION_WORDS:
        return "organization"
    if set(words) & OTHER_WORDS:
        return "other"
    if set(words) & EVENT_WORDS:
        return "event"
    if places.is_place(name) or set(words) & PLACE_WORDS:
        return "place"
    if len(words) > 2 and words[1] in CONNECTORS and places.is_place(words[0], major=True):
        return "place"  # "Palma de Mallorca"
    if any(_is_camel_case(w) for w in words):
        return "organization"  # "Google DeepMind"
    if places.rank(words[-1]) >= places.COUNTRY:
        return "organization"  # "Tennis Australia", "Air Canada", "Amnesty International"
    if occurrence.aliases or any(len(w) > 1 and w.isupper() for w in (words[0], words[-1])):
        return "organization"  # "IG Metall", "BBC News", a name spelt out before its acronym
    if _ORGANIZATION_NOUN_AFTER_RE.match(text, occurrence.end):
        return "organization"  # "the World Weather Attribution group"
    if occurrence.after_title:
        # What follows "Director General of" names an office, not a person; only an
        # organisation there is worth proposing ("Special Envoy for Peace Missions" is a
        # job). After a plain title comes a person: "Councillor Tomás Ferreira".
        return "person" if _looks_like_a_person(words) and not _ends_in_of(before) else None
    if _NAMED_RE.search(before[-20:]):
        return "other"  # "The boat, named Stella": a vessel, a building, a programme
    # A person's name takes no article: "the Venezia Santa Lucia" is a thing or a place.
    if not _looks_like_a_person(words) or _THE_RE.search(before[-4:]):
        return "other"
    return "person"


def _ends_in_of(before):
    return before.rstrip().endswith((" of", " of the", " for"))


def _looks_like_a_person(words):
    if not 2 <= len(words) <= 4 or sum(w[0].isupper() for w in words) > 3:
        return False
    if _ROMAN_RE.fullmatch(words[-1]) or any(any(c.isdigit() for c in w) for w in words):
        return False  # "Waterstof I", "Fit for 55"
    return all(
        w[0].isupper() or w in PERSON_PARTICLES or w.startswith(("al-", "el-")) for w in words
    )


def _kind_of_word(occurrences, text, lower_words):
    """The kind of a one-word name, or None when it is no name to link."""
    word = occurrences[0].name
    if len(word) < 2 or word in STOP_WORDS or word in TITLES or _is_demonym(word):
        return None
    if word in places.ABBREVIATIONS:
        return "place"
    mid_sentence = [o for o in occurrences if not o.sentence_initial]
    if word.isupper() or (word[1:] != word[1:].lower()):  # an acronym or a brand: "TNO", "BAnQ"
        mid_sentence = [o for o in mid_sentence if not _after_number(text, o.start)]
        return "organization" if mid_sentence else None
    if word.casefold() in lower_words:
        return None  # a common word at the start of a sentence: "Bitterns are rarely seen"
    if any(_NAMED_RE.search(text[max(0, o.start - 20) : o.start]) for o in occurrences):
        return "other"
    if places.is_place(word, major=not mid_sentence):
        return "place"
    described = any(
        _ORGANIZATION_APPOSITIVE_RE.match(text, o.end)
        or _ORGANIZATION_NOUN_AFTER_RE.match(text, o.end)
        for o in occurrences
    ) or (
        word not in ORGANIZATION_WORDS
        and not _is_plural(word)
        and any(_SUBJECT_RE.match(text, o.end) for o in occurrences)
    )
    # Only a name is anyone's, or described, at the start of a sentence: "Infineon's
    # chief executive", "Aena, the state company that runs Spanish airports".
    if (
        not mid_sentence
        and not described
        and (_is_plural(word) or not any(_OWNER_RE.match(text, o.end) for o in occurrences))
    ):
        # Unless it stands in a list with other names: "Apple and Samsung will".
        return None if _is_plural(word) else _LISTED
    if described:
        return "organization"
    if any(_GEOGRAPHIC_AFTER_RE.match(text, o.end) for o in occurrences):
        return "place"  # "the Rhône valley"
    if any(
        _LOCATIVE_RE.search(text[max(0, o.start - 12) : o.start]) for o in occurrences
    ) and not any(_ORGANIZATION_AFTER_RE.match(text[o.end : o.end + 50]) for o in occurrences):
        return "place"  # "in the Maasvlakte", "In Saxony"
    return _UNSURE


def _after_number(text, index):
    """ "14,000 TEU": a unit, not a name."""
    before = text[max(0, index - 12) : index].rstrip()
    return bool(before) and before[-1].isdigit()


def _is_demonym(word):
    if word in IRREGULAR_DEMONYMS:
        return True
    for ending, place_ending in DEMONYM_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: len(word) - len(ending)] + place_ending
            if stem != word and places.rank(stem) >= places.MAJOR:
                return True
    return False


def _count_headlines(candidates, headlines, known):
    """Names in headlines: those the text gives are counted; places are added."""
    for headline in headlines:
        known_spans = [(m.start, m.end) for m in known.find(headline)] if known else []
        for match in _RUN_RE.finditer(headline):
            tokens = _tokens(match)
            i = 0
            while i < len(tokens):
                for size in (4, 3, 2, 1):
                    window = tokens[i : i + size]
                    if len(window) < size:
                        continue
                    start = window[0][0]
                    end = window[-1][0] + len(_bare(window[-1][1]))
                    name = headline[start:end]
                    key = fold(name)[0]
                    if any(s <= start and end <= e for s, e in known_spans):
                        continue
                    entry = candidates.get(key) or next(
                        (e for e in candidates.values() if key in {fold(a)[0] for a in e[4]}),
                        None,
                    )
                    if entry is None and places.rank(name) >= _HEADLINE_PLACE:
                        if _bare(window[0][1]) in STOP_WORDS or _is_demonym(name):
                            continue
                        if any(other.startswith(key + " ") for other in candidates):
                            # The text has it only at the head of a longer name ("Riverside
                            # Residents Association"): the headline means that one too.
                            continue
                        entry = candidates[key] = [name, "place", 0, 0, ()]
                    if entry is not None:
                        entry[2] += 1
                        i += size - 1
                        break
                i += 1
