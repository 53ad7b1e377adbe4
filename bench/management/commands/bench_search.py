"""Search latency over a generated newsroom, on SQLite FTS5 and on PostgreSQL.

For each database the command fills a database of its own (a SQLite file in var/bench/,
and the database `bench` on the local PostgreSQL server when it answers) with
--stories generated stories (bench_generate: 500 to 900 words each, entities, tags),
builds the search index with rebuild_search_index, and times a fixed, seeded set of
realistic reader searches: single words, several words, phrases, exclusions, a word
being typed, entity names, and searches within a section or a month.

Each search is timed twice: the search itself as the page makes it (count, the page of
ranked ids, the cards and the highlighted snippets: search.search(...).page(1)), and the
whole /search/ page rendered by the test client. Median and 99th percentile are printed
and written with the rest (90th percentile, and all three by kind of search) to
var/bench/search.json. A database that already holds the stories asked for is reused
(--fresh makes it again); either way it is migrated first.

--sqlite-path and --postgres-database measure a database made elsewhere instead (such
as a copy of a 100,000-story database): it is migrated, never generated nor dropped.

The measuring runs in a subprocess of this command (--measure), with the bench database
in DATABASE_URL, so the settings and connections are exactly those of a real process.
"""

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError

from bench.harness import postgres_problem, recreate_postgres, remove_sqlite, row_counts

BENCH_DIR = Path(settings.BASE_DIR) / "var" / "bench"
SQLITE_PATH = BENCH_DIR / "search-bench.sqlite3"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
POSTGRES_NAME = "bench"
TARGET_MEDIAN_MS = 30
# Settings the command decides for its subprocesses.
OWN_SETTINGS = ("DATABASE_URL", "DATABASE_REPLICA_URL", "DATABASE_TEST_NAME")


class Command(BaseCommand):
    help = (
        "Measures search latency (median and 99th percentile) over --stories generated "
        "stories (default 100000) on SQLite and on the local PostgreSQL, each in a "
        "database of its own; prints a table and writes var/bench/search.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stories", type=int, default=100_000, help="Default 100000.")
        parser.add_argument(
            "--queries", type=int, default=300, help="Searches timed per database (300)."
        )
        parser.add_argument(
            "--databases",
            default="sqlite,postgresql",
            help="Comma-separated: sqlite, postgresql (default both).",
        )
        parser.add_argument(
            "--fresh", action="store_true", help="Generate the stories even if present."
        )
        parser.add_argument(
            "--postgres-url",
            default=os.environ.get("BENCH_POSTGRES_URL", POSTGRES_SERVER),
            help=f"The PostgreSQL server (default {POSTGRES_SERVER}).",
        )
        parser.add_argument("--seed", type=int, default=6)
        parser.add_argument(
            "--sqlite-path",
            type=Path,
            help="Measure this SQLite database as it is (holding indexed stories).",
        )
        parser.add_argument(
            "--postgres-database",
            help="Measure this database of the PostgreSQL server as it is.",
        )
        # Run by the command itself, in a subprocess, on the bench database.
        parser.add_argument("--measure", metavar="JSON", help=argparse.SUPPRESS)

    def handle(self, *, measure, **options):
        if measure:
            result = measure_searches(queries=options["queries"], seed=options["seed"])
            Path(measure).write_text(json.dumps(result, indent=2))
            return
        if options["stories"] < 1 or options["queries"] < 10:
            raise CommandError("--stories must be at least 1 and --queries at least 10.")
        Harness(self, **options).run()


class Harness:
    def __init__(
        self,
        command,
        *,
        stories,
        queries,
        databases,
        fresh,
        postgres_url,
        seed,
        sqlite_path=None,
        postgres_database=None,
        **_,
    ):
        self.command = command
        self.stories, self.queries, self.fresh, self.seed = stories, queries, fresh, seed
        # Databases made elsewhere, measured as they are.
        self.given = {"sqlite": sqlite_path, "postgresql": postgres_database}
        self.databases = [d.strip() for d in databases.split(",") if d.strip()]
        unknown = set(self.databases) - {"sqlite", "postgresql"}
        if unknown:
            raise CommandError(f"Unknown database {', '.join(sorted(unknown))}.")
        self.postgres_url = postgres_url.rstrip("/")

    def say(self, message):
        self.command.stdout.write(message)
        self.command.stdout.flush()

    def run(self):
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        report = {
            "stories": self.stories,
            "queries": self.queries,
            "target_median_ms": TARGET_MEDIAN_MS,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "databases": {},
        }
        for name in self.databases:
            url, problem = self.database_url(name)
            if problem:
                self.say(f"{name}: skipped, {problem}")
                report["databases"][name] = {"skipped": problem}
                continue
            report["databases"][name] = self.run_database(name, url)
        out = BENCH_DIR / "search.json"
        out.write_text(json.dumps(report, indent=2))
        self.say(summary(report))
        self.say(f"Written to {out.relative_to(settings.BASE_DIR)}")

    def database_url(self, name):
        """(URL of the bench database, None), or (None, why there is none)."""
        if name == "sqlite":
            path = (self.given["sqlite"] or SQLITE_PATH).resolve()
            if self.given["sqlite"] and not path.exists():
                return None, f"there is no {path}"
            return f"sqlite:///{path}", None
        if problem := postgres_problem(self.postgres_url):
            return None, problem
        return f"{self.postgres_url}/{self.given['postgresql'] or POSTGRES_NAME}", None

    def environment(self, url):
        env = {k: v for k, v in os.environ.items() if k not in OWN_SETTINGS}
        env.update(DATABASE_URL=url, PYTHONUNBUFFERED="1")
        return env

    def manage(self, *args, env):
        started = time.monotonic()
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]
        result = subprocess.run(command, env=env, text=True, capture_output=True)
        if result.returncode:
            raise CommandError(
                f"manage.py {' '.join(args)} failed:\n{(result.stdout + result.stderr)[-3000:]}"
            )
        return time.monotonic() - started, result.stdout.strip()

    def run_database(self, name, url):
        env = self.environment(url)
        run = {"phases": {}}
        counts = None if self.fresh else row_counts(url, "stories_story", "stories_search")
        if self.given[name]:
            if not counts or not counts[0]:
                raise CommandError(f"{url} holds no stories to search.")
            self.say(f"{name}: measuring {url} ({counts[0]} stories, {counts[1]} indexed)")
            run["given"], run["stories"] = url, counts[0]
            self.manage("migrate", "--no-input", "--verbosity", "0", env=env)
        elif counts == (self.stories, self.stories):
            self.say(f"{name}: reusing the bench database ({self.stories} stories, indexed)")
            run.update(self.earlier_build(name))
            # Migrations added since it was made (search indexes) apply to it too.
            self.manage("migrate", "--no-input", "--verbosity", "0", env=env)
        else:
            self.fresh_database(name, url)
            self.say(f"{name}: migrating")
            self.manage("migrate", "--no-input", "--verbosity", "0", env=env)
            self.say(f"{name}: generating {self.stories} stories")
            seconds, _ = self.manage("bench_generate", "--stories", str(self.stories), env=env)
            run["phases"]["generate_s"] = round(seconds, 1)
            self.say(f"{name}: building the search index")
            seconds, output = self.manage("rebuild_search_index", env=env)
            run["phases"]["index_s"] = round(seconds, 1)
            run["index_rate_per_s"] = round(self.stories / seconds)
            run["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            self.say(f"{name}: {output}")
        self.say(f"{name}: timing {self.queries} searches")
        out = BENCH_DIR / f"search-{name}.json"
        seconds, _ = self.manage(
            "bench_search", "--measure", str(out), "--queries", str(self.queries),
            "--seed", str(self.seed), env=env,
        )  # fmt: skip
        run["phases"]["measure_s"] = round(seconds, 1)
        run.update(json.loads(out.read_text()))
        out.unlink()
        return run

    def earlier_build(self, name):
        """What the last report said about building this database, when it built it."""
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            earlier = json.loads((BENCH_DIR / "search.json").read_text())
            run = earlier["databases"][name]
            if earlier["stories"] == self.stories and "index_s" in run["phases"]:
                return {
                    "phases": {k: run["phases"][k] for k in ("generate_s", "index_s")},
                    "index_rate_per_s": run["index_rate_per_s"],
                    "built_at": run.get("built_at", earlier["at"]),
                }
        return {}

    def fresh_database(self, name, url):
        if self.given[name]:
            raise CommandError(f"{url} was given to be measured, never made again.")
        if name == "sqlite":
            remove_sqlite(SQLITE_PATH)
        else:
            recreate_postgres(self.postgres_url, POSTGRES_NAME)


# ---- The measuring, in the subprocess on the bench database -------------------------


def reader_searches(count, seed):
    """`count` (text, filters, kind) a reader might search for, from the newsroom's words."""
    from bench.management.commands import bench_generate as generated
    from stories.models import Entity, Section, Story

    rng = random.Random(seed)
    nouns, adjectives = generated.NOUNS, generated.ADJECTIVES
    entities = list(Entity.objects.values_list("name", flat=True))
    people = [name.split()[-1] for name in entities if len(name.split()) == 2]
    tags = list(Story.tags.through.tag_model().objects.values_list("name", flat=True))
    sections = list(Section.objects.filter(parent=None))
    newest = Story.objects.published().order_by("-published_at").first()
    latest = newest.published_at.date() if newest else datetime.now(UTC).date()

    def word():
        return rng.choice(nouns)

    def month():
        until = latest - timedelta(days=rng.randrange(0, 300))
        return {"since": until - timedelta(days=30), "until": until}

    kinds = {
        "one word": lambda: (word(), {}),
        "two words": lambda: (f"{rng.choice(adjectives)} {word()}", {}),
        "three words": lambda: (f"{word()} {word()} {word()}", {}),
        "phrase": lambda: (f'"{rng.choice(adjectives)} {word()}"', {}),
        "excluding": lambda: (f"{word()} -{word()}", {}),
        "typing": lambda: (word()[: rng.randint(3, 5)], {}),
        "entity": lambda: (rng.choice(entities), {}) if entities else (word(), {}),
        "person": lambda: (rng.choice(people), {}) if people else (word(), {}),
        "tag": lambda: (rng.choice(tags), {}) if tags else (word(), {}),
        "in a section": lambda: (
            (word(), {"section": rng.choice(sections)}) if sections else (word(), {})
        ),
        "in a month": lambda: (word(), month()),
        "nothing found": lambda: ("".join(rng.choice("qxzj") for _ in range(8)), {}),
    }
    names = list(kinds)
    return [(*kinds[names[n % len(names)]](), names[n % len(names)]) for n in range(count)]


def measure_searches(*, queries, seed):
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from stories import search
    from stories.models import Story

    searches = reader_searches(queries, seed)
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()

    def run_search(text, filters):
        page = search.search(text, **filters).page(1, stories=Story.objects.cards())
        return page.paginator.count

    def page_params(text, filters):
        params = {"q": text}
        if "section" in filters:
            params["section"] = filters["section"].path
        for name in ("since", "until"):
            if name in filters:
                params[name] = filters[name].isoformat()
        return params

    timings = {"search": [], "page": []}
    by_kind = {}
    found = []
    # No query log, no page cache, plain static files, no redirect to HTTPS (a proxy in
    # front does that): the page as a server renders it.
    with override_settings(
        DEBUG=False,
        NEWSROOM_PAGE_CACHE=False,
        STORAGES=plain_static,
        ALLOWED_HOSTS=["testserver"],
        SECURE_SSL_REDIRECT=False,
    ):
        for text, filters, _ in searches[:20]:  # warm the caches
            run_search(text, filters)
        for text, filters, kind in searches:
            started = time.perf_counter()
            total = run_search(text, filters)
            elapsed = (time.perf_counter() - started) * 1000
            timings["search"].append(elapsed)
            by_kind.setdefault(kind, []).append(elapsed)
            found.append(total)
        url = reverse("stories:search")
        for text, filters, _ in searches:
            started = time.perf_counter()
            response = client.get(url, page_params(text, filters))
            timings["page"].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise CommandError(f"/search/ answered {response.status_code} for {text!r}")
    return {
        "database": connection.vendor,
        "database_version": database_version(connection),
        "index_mb": index_size_mb(connection),
        "search_ms": stats(timings["search"]),
        "page_ms": stats(timings["page"]),
        "median_ms_by_kind": {k: round(statistics.median(v), 1) for k, v in by_kind.items()},
        "search_ms_by_kind": {k: stats(v) for k, v in by_kind.items()},
        "load_average": os.getloadavg(),
        "results_found": {
            "median": statistics.median(found),
            "max": max(found),
            "none": sum(1 for n in found if not n),
        },
        "examples": [
            {"q": text, "filters": sorted(filters), "kind": kind}
            for text, filters, kind in searches[:24]
        ],
    }


def stats(values):
    ordered = sorted(values)

    def percentile(p):
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return {
        "median": round(statistics.median(ordered), 1),
        "p90": round(percentile(90), 1),
        "p99": round(percentile(99), 1),
        "max": round(ordered[-1], 1),
        "mean": round(statistics.fmean(ordered), 1),
    }


def database_version(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def index_size_mb(connection):
    with contextlib.suppress(Exception), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'stories_search%' "
                "AND name <> 'stories_search_content'"
            )
        else:
            cursor.execute("SELECT pg_total_relation_size('stories_search')")
        size = cursor.fetchone()[0]
        return round(size / 2**20, 1) if size else None
    return None


def summary(report):
    lines = [
        f"Search over {report['stories']} stories, {report['queries']} searches "
        f"(target: median under {report['target_median_ms']} ms)",
        f"{'database':<12}{'search median':>15}{'p90':>9}{'p99':>9}{'page median':>13}"
        f"{'p99':>9}{'index build':>13}{'index MB':>10}",
    ]
    for name, run in report["databases"].items():
        if "skipped" in run:
            lines.append(f"{name:<12}skipped: {run['skipped']}")
            continue
        s, p = run["search_ms"], run["page_ms"]
        build = run["phases"].get("index_s")  # from the run that built the database
        lines.append(
            f"{name:<12}{s['median']:>12.1f} ms{s['p90']:>6.1f} ms{s['p99']:>6.1f} ms"
            f"{p['median']:>10.1f} ms{p['p99']:>6.1f} ms"
            f"{(f'{build:.0f} s' if build else '?'):>13}{run.get('index_mb') or '?':>10}"
        )
        verdict = "meets" if s["median"] < report["target_median_ms"] else "MISSES"
        load = ", ".join(f"{n:.2f}" for n in run.get("load_average", ()))
        lines.append(
            f"{'':<12}{verdict} the target"
            + (f" over {run['stories']} stories of {run['given']}" if "given" in run else "")
            + (f"; load average {load}" if load else "")
        )
        lines.append(f"{'':<12}by kind, search median / p90 / p99 ms:")
        for kind, k in run.get("search_ms_by_kind", {}).items():
            lines.append(f"{'':<14}{kind:<16}{k['median']:>7.1f}{k['p90']:>8.1f}{k['p99']:>8.1f}")
    return "\n".join(lines)
