"""How well new-name suggestions find what a desk editor would link.

Reads the gold lists of bench/entity_gold (README there says what counts), suggests new
names for each story as the story admin does, on an empty newsroom (no entity known, so
every name has to be found as new), and prints recall, precision and wrong suggestions
per story: for the shared samples and the demo stories together, and apart for each set
of stories kept there (held out, fresh). Nothing touches the database.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError

from stories import richtext, textformat
from stories.detection import Gazetteer, fold
from stories.models import Story

GOLD_DIR = Path(settings.BASE_DIR) / "bench" / "entity_gold"
TARGET_RECALL = 0.9
TARGET_WRONG_PER_STORY = 1.0


@dataclass
class Score:
    story: str
    gold: int = 0
    found: list = field(default_factory=list)
    missed: list = field(default_factory=list)
    wrong: list = field(default_factory=list)  # (name, kind, why)


def score(story, candidates, gold):
    """Compares suggested candidates with a story's gold entries."""
    result = Score(story, gold=sum(not g.get("optional") for g in gold))
    names = [{fold(n)[0] for n in [g["name"], *g.get("aliases", [])]} for g in gold]
    matched = set()
    for candidate in candidates:
        keys = {fold(n)[0] for n in [candidate.name, *candidate.aliases]}
        index = next((i for i, n in enumerate(names) if keys & n), None)
        if index is None:
            result.wrong.append((candidate.name, candidate.kind, "not a name to link"))
            continue
        entry = gold[index]
        if entry.get("optional"):
            continue
        if index in matched:
            result.wrong.append((candidate.name, candidate.kind, f"{entry['name']} again"))
        elif candidate.kind not in entry["kind"].split("|"):
            result.wrong.append(
                (candidate.name, candidate.kind, f"{entry['name']} is {entry['kind']}")
            )
        else:
            matched.add(index)
            result.found.append(entry["name"])
    result.missed = [
        (g["name"], g["kind"])
        for i, g in enumerate(gold)
        if i not in matched and not g.get("optional")
    ]
    return result


def suggest(path):
    """New names suggested for the story in `path`, with no entity known."""
    document = textformat.parse(path.read_bytes(), name=str(path))
    story = Story(
        title=document.title,
        headline=document.headline,
        dek=document.dek,
        story_line=document.story_line,
        summary=richtext.blocks_to_html(
            richtext.Block(richtext.PARAGRAPH, text) for text in document.summary
        ),
        full_headline=document.full_headline,
        body=richtext.blocks_to_html(document.body),
    )
    return story.new_entity_names(Gazetteer([]))


class Command(BaseCommand):
    help = (
        "Precision and recall of new-entity suggestions over the gold lists in "
        "bench/entity_gold, on an empty newsroom (target: recall at least "
        f"{TARGET_RECALL} and at most {TARGET_WRONG_PER_STORY:g} wrong suggestion per story)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--samples",
            default=str(Path(settings.BASE_DIR).parent / "shared" / "samples"),
            help="Where the shared sample stories are.",
        )
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "var" / "bench" / "entity_recall.json"),
            help="Where to write the figures as JSON.",
        )

    def handle(self, *, samples, output, **options):
        story_dirs = {
            "samples": Path(samples),
            "demo": Path(settings.BASE_DIR) / "stories" / "demo",
        }
        # Every other gold list is of stories kept beside it, in the folder of its name:
        # held_out/ (looked at while the rules were written) and fresh/ (written after).
        for path in sorted(GOLD_DIR.glob("*.json")):
            story_dirs.setdefault(path.stem, GOLD_DIR / path.stem)
        scores = {}
        for name, directory in story_dirs.items():
            gold_path = GOLD_DIR / f"{name}.json"
            try:
                gold = json.loads(gold_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read the gold list {gold_path}: {error}") from error
            scores[name] = []
            for story, entries in gold.items():
                path = directory / story
                if not path.exists():
                    self.stdout.write(f"  skipped {name}/{story}: no such file {path}")
                    continue
                scores[name].append(score(f"{name}/{story}", suggest(path), entries))

        self.stdout.write(f"{'story':48} {'gold':>5} {'found':>6} {'wrong':>6}")
        for story_scores in scores.values():
            for s in story_scores:
                self.stdout.write(f"{s.story:48} {s.gold:5} {len(s.found):6} {len(s.wrong):6}")
        figures = {"gold_lists": totals(scores["samples"] + scores["demo"])}
        self.stdout.write(summary("Samples and demo", figures["gold_lists"]))
        for name in list(story_dirs)[2:]:
            figures[name] = totals(scores[name])
            label = name.replace("_", "-").capitalize() + " stories"
            self.stdout.write(summary(label, figures[name]))
        for story_scores in scores.values():
            for s in story_scores:
                for name, kind in s.missed:
                    self.stdout.write(f"  missed in {s.story}: {name} ({kind})")
                for name, kind, why in s.wrong:
                    self.stdout.write(f"  wrong in {s.story}: {name} ({kind}): {why}")
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        self.stdout.write(f"Written to {path}")


def totals(scores):
    gold = sum(s.gold for s in scores)
    found = sum(len(s.found) for s in scores)
    wrong = sum(len(s.wrong) for s in scores)
    stories = len(scores)
    figures = {
        "stories": stories,
        "gold": gold,
        "found": found,
        "wrong": wrong,
        "recall": round(found / gold, 3) if gold else None,
        "precision": round(found / (found + wrong), 3) if found + wrong else None,
        "wrong_per_story": round(wrong / stories, 2) if stories else None,
    }
    figures["within_target"] = bool(
        stories
        and figures["recall"] is not None
        and figures["recall"] >= TARGET_RECALL
        and figures["wrong_per_story"] <= TARGET_WRONG_PER_STORY
    )
    return figures


def summary(label, figures):
    if not figures["stories"]:
        return f"{label}: no story to measure."
    return (
        f"{label} ({figures['stories']} stories): recall {figures['recall']:.2f} "
        f"({figures['found']} of {figures['gold']}), precision {figures['precision']:.2f}, "
        f"{figures['wrong_per_story']:.2f} wrong suggestions per story "
        f"(target: recall >= {TARGET_RECALL}, <= {TARGET_WRONG_PER_STORY:g} wrong per story: "
        f"{'met' if figures['within_target'] else 'MISSED'})"
    )
