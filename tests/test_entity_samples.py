"""On the real sample stories, detection finds what a careful reader would mark, and only that.

The gazetteer is written here: the entities of the three samples, and distractors that
a sloppy matcher would find inside other words, inside longer names, or in lower case.
"""

import pytest

from stories import richtext, textformat
from stories.detection import Gazetteer
from stories.discovery import discover
from stories.models import Entity, Story

pytestmark = pytest.mark.django_db

GAZETTEER = {
    # 000_79bd7eaeb828eaff.txt
    "United States": ["US", "United States of America"],
    "Israel": [],
    "Hamas": [],
    "Gaza": ["Gaza Strip"],
    "Doha": [],
    "Qatar": [],
    "Egypt": [],
    "X": ["Twitter"],
    "Steve Witkoff": ["Witkoff"],
    "US State Department": ["State Department"],
    "Ismail al-Thawabta": [],
    "Gaza Government Media Office": [],
    # harbor-hydrogen-tug.txt
    "Rotterdam": [],
    "Port of Rotterdam Authority": ["Port of Rotterdam"],
    "Kotug": [],
    "Antwerp": [],
    "Hamburg": [],
    "Europe": [],
    "Waterstof I": [],
    "Maasvlakte": [],
    "TNO": ["Netherlands Organisation for Applied Scientific Research"],
    "European Union": ["EU"],
    "Fit for 55": [],
    "Boudewijn Siemons": [],
    # library-reopens.txt
    "Grande Bibliothèque": [],
    "Montréal": ["Montreal"],
    "Québec": ["Quebec"],
    "Bibliothèques et Archives nationales du Québec": ["BAnQ"],
    "Boulevard De Maisonneuve": [],
    "Marie-Ève Tremblay": [],
    # Distractors: inside words (Hamas, Hamburg, Maisonneuve, Israeli), inside longer
    # names (US State Department, Gaza Government Media Office), common words in lower
    # case ("a temporary truce", "the trial ends", "a café"), or an acronym that is a
    # common word ("is").
    "Ham": [],
    "Mai": [],
    "Isra": [],
    "State": [],
    "Media": [],
    "Truce": [],
    "Trial": [],
    "Café": [],
    "IS": ["Islamic State"],
    "Arab League": [],
    "Wall Street": [],
    "Library": [],
}

# What a careful reader marks in each sample, in the order a reader meets them
# (headline, title, dek, story line, summary, full-story headline, body).
EXPECTED = {
    "000_79bd7eaeb828eaff.txt": [
        "United States",
        "Israel",
        "Hamas",
        "Gaza",
        "Doha",
        "Qatar",
        "X",
        "Steve Witkoff",
        "US State Department",
        "Egypt",
        "Ismail al-Thawabta",
        "Gaza Government Media Office",
    ],
    "harbor-hydrogen-tug.txt": [
        "Rotterdam",
        "Port of Rotterdam Authority",
        "Kotug",
        "Antwerp",
        "Hamburg",
        "Europe",
        "Waterstof I",
        "Maasvlakte",
        "TNO",
        "European Union",
        "Fit for 55",
        "Boudewijn Siemons",
    ],
    "library-reopens.txt": [
        "Grande Bibliothèque",
        "Montréal",
        "Québec",
        "Bibliothèques et Archives nationales du Québec",
        "Boulevard De Maisonneuve",
        "Marie-Ève Tremblay",
    ],
}


@pytest.fixture
def entities(db):
    return {
        name: Entity.objects.create(name=name, aliases=aliases)
        for name, aliases in GAZETTEER.items()
    }


@pytest.fixture
def imported(samples_dir, entities):
    """The samples imported once, with the test gazetteer built once for all of them."""
    gazetteer = Entity.objects.gazetteer()
    stories = {}
    for name in EXPECTED:
        path = samples_dir / name
        document = textformat.parse(path.read_bytes(), name=str(path))
        stories[name] = Story.objects.import_document(document, name=name, gazetteer=gazetteer)
    return stories


def linked(story):
    return [
        m.entity.name for m in story.mentions.select_related("entity").order_by("first_position")
    ]


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_import_links_what_a_careful_reader_would_mark(imported, sample):
    assert linked(imported[sample]) == EXPECTED[sample]


def test_no_distractor_is_found_in_any_sample(imported):
    found = {name for story in imported.values() for name in linked(story)}
    every_expected = {name for names in EXPECTED.values() for name in names}
    assert found == every_expected
    assert not found & {"Ham", "Mai", "Isra", "State", "Media", "Truce", "Trial", "Café", "IS"}


def test_each_mention_is_counted_by_its_names_and_aliases(imported):
    def count(sample, name):
        return imported[sample].mentions.get(entity__name=name).count

    # "Steve Witkoff" and later "Witkoff’s remarks".
    assert count("000_79bd7eaeb828eaff.txt", "Steve Witkoff") == 2
    # The full name, then "(BAnQ)" and "at BAnQ".
    assert count("library-reopens.txt", "Bibliothèques et Archives nationales du Québec") == 3
    # "Quebec's largest public library"; "du Québec" belongs to the longer name.
    assert count("library-reopens.txt", "Québec") == 1
    # "Europe's First ..." and "across Europe", never "European".
    assert count("harbor-hydrogen-tug.txt", "Europe") == 2


def test_named_in_the_headline_is_most_salient(imported):
    story = imported["library-reopens.txt"]
    first = story.mentions.order_by("-salience").first()
    assert (first.entity.name, first.in_headline) == ("Grande Bibliothèque", True)
    assert not story.mentions.filter(entity__name="Marie-Ève Tremblay", in_headline=True)


# Discovery: what the samples propose as new when only the places are known.
KNOWN_PLACES = ["Gaza", "Israel", "Qatar", "Doha", "Egypt", "Rotterdam", "Montréal", "Québec"]
PROPOSED = {
    "000_79bd7eaeb828eaff.txt": [
        ("Hamas", "organization"),
        ("United States", "place"),
        ("Steve Witkoff", "person"),
        ("US State Department", "organization"),
        ("Ismail al-Thawabta", "person"),
        ("Gaza Government Media Office", "organization"),
    ],
    "harbor-hydrogen-tug.txt": [
        ("Port of Rotterdam Authority", "organization"),
        ("Kotug", "organization"),
        ("Antwerp", "place"),
        ("Hamburg", "place"),
        ("Waterstof I", "other"),
        ("Maasvlakte", "place"),
        ("TNO", "organization"),
        ("Europe", "place"),
        ("European Union", "organization"),
        ("Fit for 55", "other"),
        ("Boudewijn Siemons", "person"),
    ],
    "library-reopens.txt": [
        ("Bibliothèques et Archives nationales du Québec", "organization"),
        ("Grande Bibliothèque", "organization"),
        ("Boulevard De Maisonneuve", "place"),
        ("Marie-Ève Tremblay", "person"),
    ],
}


@pytest.mark.parametrize("sample", sorted(PROPOSED))
def test_discovery_proposes_the_new_names_with_their_kinds(samples_dir, sample):
    path = samples_dir / sample
    document = textformat.parse(path.read_bytes(), name=str(path))
    story = Story(
        dek=document.dek,
        summary=richtext.blocks_to_html(richtext.Block("p", text) for text in document.summary),
        body=richtext.blocks_to_html(document.body),
    )
    known = Gazetteer(enumerate(KNOWN_PLACES))
    proposed = discover(story.running_text(), known=known)
    assert [(c.name, c.kind) for c in proposed] == PROPOSED[sample]


def test_discovery_offers_the_acronym_as_an_alias(samples_dir):
    path = samples_dir / "library-reopens.txt"
    document = textformat.parse(path.read_bytes(), name=str(path))
    proposed = {c.name: c for c in discover(" ".join(document.summary))}
    assert proposed["Bibliothèques et Archives nationales du Québec"].aliases == ("BAnQ",)


def test_once_they_are_known_nothing_is_proposed_again(imported):
    gazetteer = Entity.objects.gazetteer()
    for story in imported.values():
        assert discover(story.running_text(), known=gazetteer) == []
