"""Detection finds known entities by name or alias, as whole words, longest match first."""

import pytest

from stories.detection import Gazetteer, detect, fold


def names(matches, text):
    return [text[m.start : m.end] for m in matches]


def test_whole_words_only():
    gazetteer = Gazetteer([("gaza", "Gaza"), ("ham", "Ham")])
    text = "Hamas said Gaza, Gazans and Hamburg"
    assert names(gazetteer.find(text), text) == ["Gaza"]


def test_longest_match_wins():
    gazetteer = Gazetteer([("gaza", "Gaza"), ("office", "Gaza Government Media Office")])
    text = "the Gaza Government Media Office said, and Gaza"
    found = gazetteer.find(text)
    assert [m.key for m in found] == ["office", "gaza"]
    assert names(found, text) == ["Gaza Government Media Office", "Gaza"]


@pytest.mark.parametrize(
    "text", ["Montréal", "Montreal", "MONTREAL", "Montréal's", "Montreal’s", "MONTRÉAL-based"]
)
def test_case_diacritics_and_possessives_are_folded(text):
    found = Gazetteer([("mtl", "Montréal")]).find(text)
    assert [(m.key, m.start) for m in found] == [("mtl", 0)]
    assert text[found[0].start : found[0].end].casefold().startswith("montr")


def test_a_capitalised_name_is_not_found_in_a_common_word_written_in_lower_case():
    gazetteer = Gazetteer([("port", "Port"), ("bath", "Bath"), ("ecom", "e-commerce")])
    text = "The port of Bath, the PORT OF BATH and e-commerce in the bath"
    assert names(gazetteer.find(text), text) == ["Bath", "PORT", "BATH", "e-commerce"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("The US said", ["US"]),
        ("He told us", []),
        ("Talks in the U.S. and the US", ["US"]),
        ("Readers at BAnQ, not at Banq or BANQ", ["BAnQ"]),
    ],
)
def test_acronyms_match_only_as_written(text, found):
    gazetteer = Gazetteer([("us", "US"), ("banq", "BAnQ")])
    assert names(gazetteer.find(text), text) == found


def test_positions_are_in_the_original_text_after_folded_characters():
    text = "Æsir ﬁles: Café Ümit in Montréal"
    found = Gazetteer([("mtl", "Montreal"), ("cafe", "Cafe Umit")]).find(text)
    assert names(found, text) == ["Café Ümit", "Montréal"]
    assert fold("ﬁ")[0] == "fi"


def test_aliases_lead_to_their_entity():
    gazetteer = Gazetteer([("us", "United States"), ("us", "US")])
    text = "The US and the United States"
    assert [m.key for m in gazetteer.find(text)] == ["us", "us"]


def test_detection_counts_mentions_and_scores_salience():
    gazetteer = Gazetteer([("hamas", "Hamas"), ("qatar", "Qatar"), ("egypt", "Egypt")])
    found = detect(
        gazetteer,
        headline="Hamas answers",
        texts=["Talks in Qatar.", "Hamas and Qatar met; Hamas left."],
    )
    by_key = {d.key: d for d in found}
    assert set(by_key) == {"hamas", "qatar"}
    assert (by_key["hamas"].count, by_key["hamas"].in_headline) == (3, True)
    assert (by_key["qatar"].count, by_key["qatar"].in_headline) == (2, False)
    assert by_key["hamas"].first_position == 0
    assert by_key["qatar"].first_position == len("Hamas answers") + 1 + len("Talks in ")
    assert [d.key for d in found] == ["hamas", "qatar"]
    assert 0 < by_key["qatar"].salience < by_key["hamas"].salience <= 1


def test_an_empty_gazetteer_finds_nothing():
    assert Gazetteer([]).find("Anything at all") == []


def test_the_detection_benchmark_reports_its_figures(tmp_path):
    import io
    import json

    from django.core.management import call_command

    output = tmp_path / "detection.json"
    out = io.StringIO()
    call_command(
        "bench_detection", "--entities=300", "--words=400", "--runs=3", f"--output={output}",
        stdout=out,
    )  # fmt: skip
    figures = json.loads(output.read_text())
    assert (figures["entities"], figures["runs"]) == (300, 3)
    assert figures["words"] >= 400
    assert figures["mentions_found"] > 0
    assert 0 < figures["median_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert f"p99 {figures['p99_ms']:.2f} ms" in out.getvalue()
