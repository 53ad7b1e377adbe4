"""How fast detection is: thousands of known entities against a long story.

Generates the entities and the story (seeded, so every run measures the same work),
builds the Gazetteer once, then times detect() over the story again and again.
Nothing touches the database. Prints the figures and writes them as JSON.
"""

import gc
import json
import os
import platform
import random
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError

from stories import places
from stories.detection import Gazetteer, detect
from stories.discovery import discover

TARGET_MS = 50
SUGGEST_TARGET_MS = 200
SYLLABLES = [
    "ka", "ri", "mo", "ta", "len", "sa", "vo", "du", "bel", "gra", "an", "ost", "mer", "tin",
    "ha", "lo", "quen", "ze", "vik", "ur", "sel", "dor", "pa", "nik", "ru", "fa", "mon", "tes",
    "el", "cha", "bri", "go", "wal", "ter", "is", "um", "nor", "ve", "li", "ash",
]  # fmt: skip
PROSE = [
    "the", "of", "and", "to", "in", "a", "said", "that", "for", "on", "with", "as", "was",
    "by", "at", "from", "it", "an", "were", "which", "talks", "officials", "city", "port",
    "minister", "week", "report", "plan", "council", "workers", "late", "new", "after",
    "more", "than", "people", "year", "government", "local", "agreed", "would", "could",
    "service", "trial", "money", "early",
]  # fmt: skip


def percentile(values, share):
    """The value below which `share` of `values` fall (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


class Command(BaseCommand):
    help = (
        "Times entity detection: N generated entities (names and aliases) against a "
        f"generated story of W words; reports median and p99 (target: under {TARGET_MS} ms "
        "for 10,000 entities and 5,000 words), then the same for new-name suggestions "
        f"(target: under {SUGGEST_TARGET_MS} ms), and writes var/bench/detection.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("--entities", type=int, default=10_000)
        parser.add_argument("--words", type=int, default=5_000)
        parser.add_argument("--runs", type=int, default=200, help="Timed detections.")
        parser.add_argument("--seed", type=int, default=5)
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "var" / "bench" / "detection.json"),
            help="Where to write the JSON figures.",
        )

    def handle(self, *, entities, words, runs, seed, output, **options):
        for name, value in [("--entities", entities), ("--words", words), ("--runs", runs)]:
            if value < 1:
                raise CommandError(f"{name} must be at least 1, not {value}.")
        rng = random.Random(seed)
        names = generate_names(rng, entities)
        headline, body = generate_story(rng, words, [name for _, name in names])

        started = time.perf_counter()
        gazetteer = Gazetteer(names)
        build_ms = (time.perf_counter() - started) * 1000

        timings, cpu_timings, found = [], [], []
        # As timeit does: the collector's pauses belong to no one detection.
        gc.collect()
        gc.disable()
        try:
            for _ in range(runs):
                started, cpu_started = time.perf_counter(), time.thread_time()
                found = detect(gazetteer, headline=headline, texts=[body])
                timings.append((time.perf_counter() - started) * 1000)
                cpu_timings.append((time.thread_time() - cpu_started) * 1000)
        finally:
            gc.enable()

        # New-name suggestions for the same story, as the story admin makes them. The
        # place names are read once per process, before the first suggestion: timed apart.
        started = time.perf_counter()
        places.rank("")
        places_ms = (time.perf_counter() - started) * 1000
        suggest_timings, suggest_cpu, candidates = [], [], []
        gc.collect()
        gc.disable()
        try:
            for _ in range(runs):
                started, cpu_started = time.perf_counter(), time.thread_time()
                candidates = discover(body, known=gazetteer, headlines=[headline])
                suggest_timings.append((time.perf_counter() - started) * 1000)
                suggest_cpu.append((time.thread_time() - cpu_started) * 1000)
        finally:
            gc.enable()
        suggest_p99 = percentile(suggest_timings, 0.99)

        figures = {
            "entities": entities,
            "names": len(names),
            "words": len(body.split()) + len(headline.split()),
            "runs": runs,
            "seed": seed,
            "build_ms": round(build_ms, 2),
            "median_ms": round(statistics.median(timings), 3),
            "p99_ms": round(percentile(timings, 0.99), 3),
            "min_ms": round(min(timings), 3),
            "max_ms": round(max(timings), 3),
            # CPU time of this thread alone: what the wall time is on an idle machine.
            "cpu_median_ms": round(statistics.median(cpu_timings), 3),
            "cpu_p99_ms": round(percentile(cpu_timings, 0.99), 3),
            "load_average": list(os.getloadavg()),
            "entities_found": len(found),
            "mentions_found": sum(d.count for d in found),
            "places_load_ms": round(places_ms, 1),
            "discover_ms": round(statistics.median(suggest_timings), 2),
            "discover_p99_ms": round(suggest_p99, 2),
            "discover_cpu_median_ms": round(statistics.median(suggest_cpu), 2),
            "discover_cpu_p99_ms": round(percentile(suggest_cpu, 0.99), 2),
            "discover_target_ms": SUGGEST_TARGET_MS,
            "discover_within_target": suggest_p99 < SUGGEST_TARGET_MS,
            "candidates": len(candidates),
            "target_ms": TARGET_MS,
            "within_target": percentile(timings, 0.99) < TARGET_MS,
            "python": platform.python_version(),
            "machine": platform.machine(),
        }
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")

        self.stdout.write(
            f"{entities:,} entities ({len(names):,} names) against a {figures['words']:,}-word "
            f"story, {runs} runs:"
        )
        self.stdout.write(f"  gazetteer built once in {build_ms:.1f} ms")
        self.stdout.write(
            f"  detect: median {figures['median_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms "
            f"(target < {TARGET_MS} ms: {'met' if figures['within_target'] else 'MISSED'}); "
            f"{figures['entities_found']} entities, {figures['mentions_found']} mentions found"
        )
        self.stdout.write(
            f"  detect CPU time: median {figures['cpu_median_ms']:.2f} ms, "
            f"p99 {figures['cpu_p99_ms']:.2f} ms (load average {os.getloadavg()[0]:.1f})"
        )
        self.stdout.write(
            f"  new-name suggestions: median {figures['discover_ms']:.1f} ms, p99 "
            f"{suggest_p99:.1f} ms (target < {SUGGEST_TARGET_MS} ms: "
            f"{'met' if figures['discover_within_target'] else 'MISSED'}); "
            f"{len(candidates)} new names proposed"
        )
        self.stdout.write(
            f"  new-name suggestions CPU time: median {figures['discover_cpu_median_ms']:.1f} "
            f"ms, p99 {figures['discover_cpu_p99_ms']:.1f} ms; place names read once in "
            f"{places_ms:.0f} ms"
        )
        self.stdout.write(f"  written to {path}")


def generate_names(rng, count):
    """(key, name) pairs: `count` entities of one to four capitalised words, a third
    with an alias (an acronym or a shorter form), all distinct."""

    def word():
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    names, taken = [], set()
    while len(taken) < count:
        name = " ".join(word() for _ in range(rng.choice((1, 2, 2, 3, 4))))
        if name.casefold() in taken:
            continue
        taken.add(name.casefold())
        key = len(taken)
        names.append((key, name))
        if rng.random() < 1 / 3:
            parts = name.split()
            alias = "".join(p[0] for p in parts).upper() if len(parts) > 2 else parts[-1]
            names.append((key, alias))
    return names


def generate_story(rng, words, names):
    """A headline and a body of about `words` words: prose, with known names (about one
    word in twenty-five) and capitalised words that are no one's names."""
    body, sentence = [], []
    while len(body) < words:
        roll = rng.random()
        if roll < 0.04:
            piece = rng.choice(names)
        elif roll < 0.08:
            piece = rng.choice(SYLLABLES).capitalize() + rng.choice(SYLLABLES)
        else:
            piece = rng.choice(PROSE)
        sentence.append(piece)
        if len(sentence) >= rng.randint(8, 20):
            text = " ".join(sentence)
            body.extend((text[0].upper() + text[1:] + ".").split())
            sentence = []
        paragraph_break = len(body) % 120 == 0
        if paragraph_break and body:
            body[-1] += "\n\n"
    headline = f"{rng.choice(names)} and {rng.choice(names)} agree"
    return headline, " ".join(body[:words]).replace("\n\n ", "\n\n")
