"""`make bench`: how fast the newsroom is on this machine, against the targets of issue 8.

For each database (SQLite, and PostgreSQL when it answers) the harness generates a
newsroom into a database of its own, serves it with the production gunicorn
configuration on loopback and loads it with wrk, cache off and cache on, beside the
physical limit: the same story page's bytes served as a static file by the same
gunicorn and whitenoise. Queries per page, uncached latency and the admin story list
are measured in-process; the import rate on a fresh SQLite database. One table is
printed and everything is written as JSON to var/bench/.

The phases that need the bench database run as subprocesses of this command
(`--phase settle`, `--phase inproc`, `--phase import`), with the bench database in
DATABASE_URL.

Environment: BENCH_STORIES (10000), BENCH_SECONDS per wrk run (5), BENCH_CONNECTIONS
(16), BENCH_DATABASES (sqlite,postgresql), BENCH_POSTGRES_URL (postgres://postgres@
127.0.0.1:5432; the harness creates and drops its database newsroom_bench there),
BENCH_REUSE=1 (keep a bench database that has the stories asked for),
BENCH_WARMUP_SECONDS (1), BENCH_IMPORT_STORIES (500), BENCH_LATENCY_RUNS (15) and
BENCH_LATENCY_BUDGET_SECONDS (10) per page, BENCH_ADMIN_RUNS (7), BENCH_SEARCH_QUERY,
BENCH_SEARCH_QUERIES (120, for bench_search), BENCH_SKIP (bench_search,bench_detection),
BENCH_EXTERNAL_TIMEOUT (2400 s), BENCH_ROUNDS (3: runs of S, A and B, alternated, and of
the static file and the story page the cache misses, each figure its median run's).
WEB_CONCURRENCY, GUNICORN_THREADS, REDIS_URL and DATABASE_CONN_MAX_AGE reach the servers as
they would reach `make serve`.

Search is measured at its target's scale, BENCH_SEARCH_STORIES (100000): on the bench
databases when BENCH_STORIES is the same, otherwise on databases bench_search makes of
its own once and reuses, so that its first run takes several minutes per database.
"""

import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError, get_commands

from bench import mix
from bench.autosave import autosave_timing
from bench.harness import (
    die_with_parent,
    env_number,
    fetch,
    free_port,
    parse_wrk,
    postgres_problem,
    recreate_postgres,
    remove_sqlite,
    row_counts,
    server_environment,
    sqlite_path,
    stop_process_group,
)

BASE_DIR = Path(settings.BASE_DIR)
BENCH_DIR = BASE_DIR / "var" / "bench"
STATIC_ROOT = BENCH_DIR / "static"
STATIC_PAGE = "bench/story.html"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
POSTGRES_NAME = "newsroom_bench"
WRK = "wrk"

# Targets of issue 8, on a 2-core machine.
STORY_UNCACHED_SHARE = 0.25
STORY_CACHED_SHARE = 0.80
FRONT_MEDIAN_MS = 15
IMPORT_RATE = 300
ADMIN_LIST_MS = 150
TARGET_SCALE = 100_000

# Settings of the environment that the harness decides for the servers it starts.
OWN_SETTINGS = (
    "DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_STATIC_ROOT",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DATABASE_URL", "DATABASE_REPLICA_URL", "DATABASE_TEST_NAME", "NEWSROOM_PAGE_CACHE",
    "NEWSROOM_FRAGMENT_CACHE",
    "CACHE_KEY_PREFIX", "PORT", "GUNICORN_BIND", "GUNICORN_ACCESS_LOG", "NEWSROOM_CACHE_DIR",
)  # fmt: skip


class Command(BaseCommand):
    help = (
        "Benchmarks the newsroom (make bench): generates BENCH_STORIES stories (default "
        "10000) into its own SQLite and PostgreSQL databases, loads the reader pages with "
        "wrk, cache off and on, and prints one table against the targets; JSON goes to "
        "var/bench/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stories", type=int, help="Stories to generate (BENCH_STORIES, default 10000)."
        )
        parser.add_argument(
            "--seconds", type=float, help="Length of each wrk run (BENCH_SECONDS, default 5)."
        )
        parser.add_argument(
            "--connections", type=int, help="wrk connections (BENCH_CONNECTIONS, default 16)."
        )
        parser.add_argument(
            "--databases",
            help="Comma-separated: sqlite, postgresql (BENCH_DATABASES, default both).",
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Keep a bench database that already has this many stories (BENCH_REUSE=1).",
        )
        # Phases run by the harness itself in a subprocess on the bench database.
        parser.add_argument(
            "--phase", choices=["inproc", "import", "settle", "paths", "writer"], help="(internal)"
        )
        parser.add_argument("--out", help="(internal)")
        parser.add_argument("--dir", help="(internal)")
        parser.add_argument("--export", type=int, default=0, help="(internal)")

    def handle(self, *, phase, **options):
        if phase == "inproc":
            result = in_process_phase(export=options["export"], export_dir=options["dir"])
            Path(options["out"]).write_text(json.dumps(result, indent=2, default=str))
            return
        if phase == "import":
            result = import_phase(Path(options["dir"]))
            Path(options["out"]).write_text(json.dumps(result, indent=2))
            return
        if phase == "settle":
            settle_phase()
            return
        if phase == "paths":
            mix.paths_phase(options["out"])
            return
        if phase == "writer":
            mix.writer_phase()
            return
        Harness(self, **options).run()


# ---- The orchestrator --------------------------------------------------------


class Harness:
    def __init__(self, command, *, stories, seconds, connections, databases, reuse, **options):
        self.command = command
        self.stories = stories or env_number("BENCH_STORIES", 10000)
        self.seconds = seconds or env_number("BENCH_SECONDS", 5.0, float)
        self.connections = connections or env_number("BENCH_CONNECTIONS", 16)
        self.warmup = env_number("BENCH_WARMUP_SECONDS", 1.0, float)
        self.import_count = env_number("BENCH_IMPORT_STORIES", 500)
        self.reuse = reuse or os.environ.get("BENCH_REUSE", "") in ("1", "true", "yes")
        wanted = databases or os.environ.get("BENCH_DATABASES") or "sqlite,postgresql"
        self.databases = [name.strip() for name in wanted.split(",") if name.strip()]
        unknown = set(self.databases) - {"sqlite", "postgresql"}
        if unknown:
            raise CommandError(
                f"Unknown database {', '.join(sorted(unknown))}; use sqlite and/or postgresql."
            )
        self.postgres_server = os.environ.get("BENCH_POSTGRES_URL", POSTGRES_SERVER).rstrip("/")
        self.secret_key = secrets.token_urlsafe(50)
        self.started = time.monotonic()
        self.processes = []  # started and not stopped yet: stopped on every way out
        self.urls = {}
        self.bench_dir, self.base_dir = BENCH_DIR, BASE_DIR

    def say(self, message):
        minutes, seconds = divmod(int(time.monotonic() - self.started), 60)
        self.command.stdout.write(f"[{minutes:02}:{seconds:02}] {message}")
        self.command.stdout.flush()

    def run(self):
        if shutil.which(WRK) is None:
            raise CommandError(
                "wrk is not installed; install it with: sudo apt-get install wrk", returncode=2
            )
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        # A TERM or HUP (a closed terminal, a CI timeout) unwinds like Ctrl-C does, so the
        # servers below are always stopped.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self.interrupted)
        try:
            self.run_all()
        except KeyboardInterrupt:
            raise CommandError("Interrupted.", returncode=130) from None
        finally:
            for process in list(self.processes):
                self.stop(process)

    @staticmethod
    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def run_all(self):
        began = datetime.now(UTC)
        machine = machine_info()
        self.say(
            f"{machine['cpus']} CPUs ({machine['cpu_model']}), {machine['memory_gb']} GB; "
            f"load average {fmt_load(machine['load_average_before'])}; {self.stories} stories, "
            f"{self.seconds:g} s per run, {self.connections} connections"
        )
        self.collect_static()
        runs, skipped, failed = {}, {}, {}
        for name in self.databases:
            url, problem = self.prepare_database_server(name)
            if problem:
                skipped[name] = problem
                self.say(f"{name}: skipped, {problem}")
                continue
            self.urls[name] = url
            try:
                runs[name] = self.run_database(name, url, export=not runs)
            except (CommandError, subprocess.SubprocessError, OSError) as exc:
                # The other database may still be measured; the command fails at the end.
                failed[name] = str(exc)
                self.say(f"{name}: FAILED: {exc}")
        if not runs:
            raise CommandError(
                "No database was benchmarked: "
                + "; ".join(f"{k}: {v}" for k, v in {**skipped, **failed}.items())
            )
        extra = {
            "import": self.guarded(self.measure_import),
            "detection": self.guarded(self.measure_detection, self.urls[next(iter(runs))]),
            "search": self.external(
                "bench_search",
                self.environment(self.urls[next(iter(runs))]),
                issue=6,
                options=self.search_options(runs),
            ),
        }
        machine["load_average_after"] = os.getloadavg()
        report = {
            "machine": machine,
            "started": began.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "total_seconds": round(time.monotonic() - self.started, 1),
            "stories": self.stories,
            "seconds_per_run": self.seconds,
            "connections": self.connections,
            "settings": {
                "cache": "Redis (REDIS_URL)"
                if os.environ.get("REDIS_URL")
                else "embedded (diskcache)",
                "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE") or "60",
                "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY")
                or f"{(os.cpu_count() or 1) * 2 + 1} (2 × CPUs + 1)",
                "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS") or "4",
            },
            "git": git_version(),
            "skipped_databases": skipped,
            "failed_databases": failed,
            **extra,
            "runs": runs,
        }
        for name, run in runs.items():
            run["targets"] = targets(run, extra, stories=self.stories)
            single = {**report, "runs": {name: run}}
            (BENCH_DIR / f"results-{name}.json").write_text(json.dumps(single, indent=2))
        (BENCH_DIR / "latest.json").write_text(json.dumps(report, indent=2))
        self.command.stdout.write(render_report(report))
        self.say(f"done; JSON in {BENCH_DIR.relative_to(BASE_DIR)}/latest.json")
        if failed:
            raise CommandError(f"The benchmark failed on {', '.join(failed)}.")

    def guarded(self, measure, *args):
        try:
            return measure(*args)
        except (CommandError, subprocess.SubprocessError, OSError, ValueError) as exc:
            self.say(f"FAILED: {exc}")
            return {"error": str(exc)}

    # ---- subprocesses ------------------------------------------------------

    def environment(self, database_url, *, cache=False, port=None):
        env = server_environment(
            database_url,
            drop=OWN_SETTINGS,
            secret_key=self.secret_key,
            static_root=STATIC_ROOT,
            page_cache=cache,
            key_prefix="newsroom-bench",
            # testserver: the in-process phase's test client.
            allowed_hosts="127.0.0.1,localhost,testserver",
        )
        if port:
            env["PORT"] = str(port)
        return env

    def manage(self, *args, env, timeout=None, quiet=False):
        """Runs manage.py with `args`; its output goes to the terminal unless `quiet`.

        The command runs in a session of its own, so that on a timeout or an interrupt
        it is stopped with everything it started.
        """
        command = [sys.executable, str(BASE_DIR / "manage.py"), *args]
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            text=True,
            stdout=subprocess.PIPE if quiet else None,
            stderr=subprocess.STDOUT if quiet else None,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        self.processes.append(process)
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CommandError(f"manage.py {' '.join(args)} took over {timeout} s") from None
        finally:
            self.stop(process)
        if process.returncode:
            shown = f"\n{output[-3000:]}" if quiet and output else ""
            raise CommandError(f"manage.py {' '.join(args)} failed ({process.returncode}){shown}")
        return time.monotonic() - started, output

    def collect_static(self):
        if STATIC_ROOT.exists():
            shutil.rmtree(STATIC_ROOT)
        url = f"sqlite:///{BENCH_DIR / 'collectstatic.sqlite3'}"
        seconds, _ = self.manage(
            "collectstatic", "--no-input", "--verbosity", "0", env=self.environment(url)
        )
        self.say(
            f"collected static files into {STATIC_ROOT.relative_to(BASE_DIR)} ({seconds:.1f} s)"
        )

    # ---- databases ---------------------------------------------------------

    def prepare_database_server(self, name):
        """(the bench database's URL, None), or (None, why it cannot be used)."""
        if name == "sqlite":
            return f"sqlite:///{BENCH_DIR / 'newsroom-bench.sqlite3'}", None
        if problem := postgres_problem(self.postgres_server):
            return None, problem
        return f"{self.postgres_server}/{POSTGRES_NAME}", None

    def story_count(self, url):
        """Stories in an existing bench database, or None if it has none or is not there."""
        counts = row_counts(url, "stories_story")
        return counts and counts[0]

    def fresh_database(self, name, url):
        if name == "sqlite":
            remove_sqlite(sqlite_path(url))
        else:
            recreate_postgres(self.postgres_server, POSTGRES_NAME)

    def run_database(self, name, url, *, export):
        run = {"database": name, "phases": {}}
        phases = run["phases"]
        env = self.environment(url)
        reusing = self.reuse and self.story_count(url) == self.stories
        if reusing:
            self.say(f"{name}: reusing the bench database with {self.stories} stories")
        else:
            self.fresh_database(name, url)
        self.say(f"{name}: migrating")
        phases["migrate"], _ = self.manage("migrate", "--no-input", "--verbosity", "0", env=env)
        if not reusing:
            self.say(f"{name}: generating {self.stories} stories")
            phases["generate"], _ = self.manage(
                "bench_generate", "--stories", str(self.stories), env=env
            )
            run["generation_rate"] = round(self.stories / phases["generate"])
            if "rebuild_search_index" in get_commands():
                self.say(f"{name}: rebuilding the search index")
                phases["search_index"], _ = self.manage("rebuild_search_index", env=env)
            else:
                run["notes"] = ["no rebuild_search_index command; search index not rebuilt"]
        self.say(f"{name}: gathering the planner's statistics, as autovacuum would")
        phases["settle"], _ = self.manage("bench", "--phase", "settle", env=env)
        run["database_version"] = database_version(name, url)

        self.say(f"{name}: measuring queries, uncached latency and the admin list in-process")
        out = BENCH_DIR / f"inproc-{name}.json"
        args = ["bench", "--phase", "inproc", "--out", str(out)]
        if export:
            args += ["--export", str(self.import_count), "--dir", str(BENCH_DIR / "import")]
        phases["in_process"], _ = self.manage(*args, env=env)
        inproc = json.loads(out.read_text())
        run.update(inproc)

        self.say(f"{name}: loading pages with wrk")
        started = time.monotonic()
        run["load"], run["memory"] = self.load(name, url, inproc["pages"])
        phases["load"] = time.monotonic() - started
        story = next((p["url"] for p in inproc["pages"] if p["page"] == "story"), None)
        if story:
            started = time.monotonic()
            run["mix"] = mix.load_mix(self, name, url, story_path=story, new_port=free_port)
            phases["mix"] = time.monotonic() - started
        run["phases"] = {k: round(v, 1) for k, v in phases.items()}
        return run

    # ---- serving and loading -----------------------------------------------

    def load(self, name, url, pages):
        """wrk's rows for `pages`: cache off (made from scratch), "miss" (the story page
        missed by the page cache, its parts kept: what a page purged or expired costs)
        and on."""
        rows, memory = [], {}
        for label in ("off", "miss", "on"):
            cache = label == "on"
            port = free_port()
            env = self.environment(url, cache=cache, port=port)
            env["NEWSROOM_FRAGMENT_CACHE"] = "0" if label == "off" else "1"
            # A cache of its own, empty: no page of another run or database is served.
            folder = BENCH_DIR / f"page-cache-{name}"
            shutil.rmtree(folder, ignore_errors=True)
            env["NEWSROOM_CACHE_DIR"] = str(folder)
            env["CACHE_KEY_PREFIX"] = f"newsroom-bench-{secrets.token_hex(4)}"
            server = self.start(env, log=BENCH_DIR / f"gunicorn-{name}-cache-{int(cache)}.log")
            try:
                base = f"http://127.0.0.1:{port}"
                self.wait_until_up(server, base)
                if label == "off":
                    static = f"{base}/static/{STATIC_PAGE}"
                    rows.append(self.median_run("static file", "-", static, server=server))
                for page in pages:
                    if label == "miss" and page["page"] != "story":
                        continue
                    if page.get("url") is None:
                        rows.append(
                            {"page": page["page"], "cache": label, "skipped": page["note"]}
                        )
                        continue
                    # The two figures of a ratio target: each the median of a few runs.
                    measure = self.median_run if label == "miss" else self.wrk_row
                    rows.append(measure(page["page"], label, base + page["url"], server=server))
                memory[f"cache_{label}"] = worker_memory(server.pid)
            finally:
                self.stop(server)
        static = next(r for r in rows if r["page"] == "static file")
        for row in rows:
            if static.get("requests_per_second") and row.get("requests_per_second") is not None:
                row["ratio_to_static"] = round(
                    row["requests_per_second"] / static["requests_per_second"], 3
                )
            # The same ratio from the server's CPU time per request: what it would be on
            # an idle machine, where the other work on this one does not blur it.
            if static.get("cpu_ms_per_request") and row.get("cpu_ms_per_request"):
                row["cpu_ratio_to_static"] = round(
                    static["cpu_ms_per_request"] / row["cpu_ms_per_request"], 3
                )
        return rows, memory

    def start(self, env, *, log):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn) if gunicorn.exists() else "gunicorn",
            "--config", str(BASE_DIR / "newsroom" / "gunicorn.conf.py"), "newsroom.wsgi",
        ]  # fmt: skip
        with open(log, "w") as output:
            # A session of its own: the whole process group is stopped at the end.
            server = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        server.log = log
        self.processes.append(server)
        return server

    def wait_until_up(self, server, base, *, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited with {server.returncode}; see {server.log}")
            if fetch(f"{base}/healthz", timeout=2)[0] == 200:
                return
            time.sleep(0.2)
        raise CommandError(
            f"gunicorn did not answer /healthz within {timeout} s; see {server.log}"
        )

    def stop(self, process):
        """Stops `process` and its process group: TERM, then KILL if it lingers."""
        if process in self.processes:
            self.processes.remove(process)
        stop_process_group(process)

    def wrk_row(self, page, cache, url, *, server, script=None, seconds=None):
        """wrk's figures for `url`; with `script` (a Lua file and its paths file), for the
        paths the script picks on that server instead."""
        seconds = seconds or self.seconds
        row = {"page": page, "cache": cache, "url": "/" + url.split("/", 3)[-1]}
        status, _ = fetch(url)
        row["status"] = status
        if status != 200:
            # A redirect or an error page would be measured instead of the page itself.
            row["error"] = f"GET answered {status}" if status else "GET failed"
            self.say(f"  {page:<18} cache {cache:<3} {row['error']}; not loaded")
            return row
        if cache == "on":
            row["warm_up_gets"], row["cached"] = warm_cache(url)
        threads = str(min(os.cpu_count() or 1, self.connections))
        base = [WRK, "-t", threads, "-c", str(self.connections), "--latency", "--timeout", "30s"]
        target = [url]
        if script:
            lua, paths = script
            base += ["-s", str(lua)]
            target = [url, "--", str(paths)]
        if self.warmup:
            subprocess.run(
                [*base, "-d", f"{self.warmup:g}s", *target], capture_output=True, timeout=120
            )
            settle(server.pid)
        cpu_before = group_cpu_seconds(server.pid)
        result = subprocess.run(
            [*base, "-d", f"{seconds:g}s", *target],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        cpu = group_cpu_seconds(server.pid) - cpu_before
        # Requests still in flight when wrk stopped would slow the next page's run.
        row["settle_seconds"] = settle(server.pid)
        if result.returncode:
            row["error"] = f"wrk failed: {result.stderr.strip() or result.stdout.strip()}"
            return row
        row.update(parse_wrk(result.stdout))
        if row.get("requests"):
            row["cpu_ms_per_request"] = round(cpu * 1000 / row["requests"], 3)
        problems = []
        if not row.get("requests"):
            row["latency_ms"] = {}
            problems.append(f"no response came within the {seconds:g} s run")
        if row.get("cached") is False:
            problems.append("never served from the cache")
        if row.get("non_2xx_3xx"):
            problems.append(f"{row['non_2xx_3xx']} non-2xx/3xx responses")
        if any(row.get("socket_errors", {}).values()):
            problems.append(f"socket errors {row['socket_errors']}")
        if problems:
            row["error"] = "; ".join(problems)
        self.say(
            f"  {page:<18} cache {cache:<3} {row.get('requests_per_second', 0):>8.0f} req/s  "
            f"p50 {row.get('latency_ms', {}).get('p50', 0):7.2f} ms  "
            f"p99 {row.get('latency_ms', {}).get('p99', 0):7.2f} ms"
            + (f"  ({row['error']})" if row.get("error") else "")
        )
        return row

    def median_run(self, *args, **kwargs):
        """wrk_row()'s row of median req/s among mix.rounds() runs, with every run's."""
        return mix.median_round([self.wrk_row(*args, **kwargs) for _ in range(mix.rounds())])

    # ---- the other figures -------------------------------------------------

    def measure_import(self):
        exported = BENCH_DIR / "import"
        files = sorted(exported.glob("*.txt")) if exported.is_dir() else []
        if not files:
            return {"error": "no stories were exported"}
        database = BENCH_DIR / "import.sqlite3"
        remove_sqlite(database)
        env = self.environment(f"sqlite:///{database}")
        self.say(f"import: {len(files)} exported stories into a fresh SQLite database")
        self.manage("migrate", "--no-input", "--verbosity", "0", env=env)
        out = BENCH_DIR / "import.json"
        self.manage(
            "bench", "--phase", "import", "--dir", str(exported), "--out", str(out), env=env
        )
        result = json.loads(out.read_text())
        self.say(
            f"import: {result['stories']} stories in {result['seconds']:.2f} s "
            f"({result['stories_per_second']:.0f} stories/s)"
        )
        return result

    def measure_detection(self, database_url):
        return {
            "bench_detection": self.external(
                "bench_detection", self.environment(database_url), issue=5
            )
        }

    def search_options(self, runs):
        search_stories = env_number("BENCH_SEARCH_STORIES", 100_000)
        options = {
            "--stories": search_stories,
            "--databases": ",".join(runs),
            "--queries": env_number("BENCH_SEARCH_QUERIES", 120),
        }
        if search_stories == self.stories:
            # The bench databases hold as many stories as search is measured on:
            # measured there, rather than generating the same newsroom again.
            if "sqlite" in runs:
                options["--sqlite-path"] = self.urls["sqlite"].removeprefix("sqlite:///")
            if "postgresql" in runs:
                options["--postgres-database"] = POSTGRES_NAME
        return options

    def external(self, name, env, *, issue, options=None):
        """Runs another issue's bench_* command if it exists, with its output and JSON.

        Of `options`, only those the command has are passed. BENCH_SKIP=bench_search
        (comma-separated names) skips them.
        """
        if name in os.environ.get("BENCH_SKIP", "").replace(" ", "").split(","):
            return {"missing": True, "note": f"{name} skipped (BENCH_SKIP)"}
        if name not in get_commands():
            return {"missing": True, "note": f"{name} (issue {issue}) is not in this tree yet"}
        known = command_options(name)
        args = [str(part) for k, v in (options or {}).items() if k in known for part in (k, v)]
        self.say(f"running {name} {' '.join(args)}".strip())
        before = {p: p.stat().st_mtime for p in BENCH_DIR.glob("*.json")}
        timeout = env_number("BENCH_EXTERNAL_TIMEOUT", 2400)
        try:
            seconds, output = self.manage(name, *args, env=env, timeout=timeout, quiet=True)
        except CommandError as exc:
            self.say(f"{name} failed: {str(exc)[:300]}")
            return {"error": str(exc)[-2000:]}
        written = {}
        for path in BENCH_DIR.glob("*.json"):
            if before.get(path) != path.stat().st_mtime and not path.name.startswith(
                ("results-", "latest", "inproc-", "import")
            ):
                with contextlib.suppress(ValueError):
                    written[path.name] = json.loads(path.read_text())
        self.say(f"{name} done in {seconds:.0f} s")
        return {
            "command": " ".join([name, *args]),
            "seconds": round(seconds, 1),
            "output": output.strip()[-4000:],
            "json": written,
        }


def command_options(name):
    """The option strings (--stories...) that management command `name` accepts."""
    from django.core.management import load_command_class

    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("manage.py", name)
    return {option for action in parser._actions for option in action.option_strings}


# ---- In-process measurements (run on the bench database) ---------------------


def in_process_phase(*, export, export_dir):
    """Pages to load, queries per page, uncached latency, admin list: in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from stories.models import Story

    pages = choose_pages()
    client = Client()
    result = {"pages": []}
    runs = env_number("BENCH_LATENCY_RUNS", 15)
    with override_settings(NEWSROOM_PAGE_CACHE=False):
        for page in pages:
            if page["url"] is None:
                result["pages"].append(page)
                continue
            try:
                measured = measure_page(client, page["url"], runs=runs)
                if page["pair"] and measured["status"] == 200:
                    measured["pair_queries"] = []
                    for address in page["pair"]:
                        with CaptureQueriesContext(connection) as queries:
                            response = client.get(address)
                        if response.status_code != 200:
                            raise ValueError(f"GET {address} answered {response.status_code}")
                        measured["pair_queries"].append(len(queries))
            except Exception as exc:
                measured = {"error": f"{exc.__class__.__name__}: {exc}"}
            result["pages"].append({**page, **measured})
        story = next(p for p in pages if p["page"] == "story")
        content = client.get(story["url"]).content
    static_page = STATIC_ROOT / STATIC_PAGE
    static_page.parent.mkdir(parents=True, exist_ok=True)
    static_page.write_bytes(content)
    result["static_page_bytes"] = len(content)
    result["admin_list"] = admin_list_timing(client)
    result["autosave"] = autosave_timing(client)
    result["counts"] = {
        "stories": Story.objects.count(),
        "published": Story.objects.published().count(),
    }
    if export:
        result["exported"] = export_stories(export, Path(export_dir))
    return result


def measure_page(client, url, *, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    measured = {"status": response.status_code, "bytes": len(response.content)}
    measured["queries"] = len(queries)
    if response.status_code != 200:
        measured["error"] = f"GET answered {response.status_code}"
        return measured
    client.get(url)
    times, cpu_times = [], []
    # A page that takes seconds is timed fewer times: the harness must end.
    budget = time.monotonic() + env_number("BENCH_LATENCY_BUDGET_SECONDS", 10.0, float)
    while len(times) < runs and (len(times) < 3 or time.monotonic() < budget):
        started, cpu_started = time.perf_counter(), time.thread_time()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.thread_time() - cpu_started) * 1000)
    measured["uncached_ms"] = {
        "median": round(statistics.median(times), 2),
        "min": round(min(times), 2),
        "max": round(max(times), 2),
        # This process's CPU time alone: about the wall time on an idle machine with
        # SQLite; PostgreSQL's own work is not in it.
        "cpu_median": round(statistics.median(cpu_times), 2),
        "runs": len(times),
    }
    return measured


def choose_pages():
    """The pages to load: the home page, the biggest front, a rich story, the most named
    entity, a search for it, the site feed and the sitemaps.

    A page may also name a pair of addresses of its own kind, one showing far more than
    the other (a story with five sources and one with one, the busiest and the quietest
    section at the same depth, the most and least named entity), whose queries must be
    equal: a page's queries do not grow with what it shows.
    """
    from urllib.parse import quote_plus

    from django.db.models import Count, Q
    from django.urls import NoReverseMatch, reverse

    from stories.models import Entity, Section, Story

    def url(name, **kwargs):
        try:
            return reverse(name, kwargs=kwargs or None)
        except NoReverseMatch:
            return None

    published = Story.objects.published()
    counted = published.annotate(
        n_citations=Count("citations", distinct=True), n_mentions=Count("mentions", distinct=True)
    )
    rich = (
        counted.filter(n_citations__gte=3, n_mentions__gte=3).order_by("-published_at").first()
        or published.order_by("-published_at").first()
    )
    # In the same section: a deeper section has a longer breadcrumb, one query more.
    plain = (
        counted.filter(section=rich.section).order_by("n_citations", "n_mentions").first()
        if rich.section
        else counted.order_by("n_citations", "n_mentions").first()
    )
    sizes = {s: published.in_section(s).count() for s in Section.objects.filter(parent=None)}
    front = max(sizes, key=sizes.get)
    leaves = (
        Section.objects.filter(children__isnull=True)
        .annotate(n=Count("stories", filter=Q(stories__in=published)))
        .filter(n__gt=0)
        .order_by("n")
    )
    by_depth = {}
    for leaf in leaves:
        by_depth.setdefault(leaf.path.count("/"), []).append(leaf)
    same_depth = max(by_depth.values(), key=len, default=[])
    named = Entity.objects.annotate(n=Count("mentions", filter=Q(mentions__story__in=published)))
    top = named.order_by("-n", "pk").first()
    rare = named.filter(n__gt=0).order_by("n", "pk").first()
    query = os.environ.get("BENCH_SEARCH_QUERY") or top.name
    search = url("stories:search")
    feed = url("stories:feed-rss")
    sitemap = url("sitemap-index")
    sitemap_stories = url("sitemap-section", section="stories")

    def page(name, address, pair=None, note=""):
        if pair and None in pair:
            pair = None
        return {"page": name, "url": address, "pair": pair, "note": note}

    def searching(text):
        return search and f"{search}?q={quote_plus(text)}"

    return [
        page("home", url("stories:home")),
        page(
            "section front",
            front.get_absolute_url(),
            (same_depth[-1].get_absolute_url(), same_depth[0].get_absolute_url())
            if len(same_depth) > 1
            else None,
        ),
        page(
            "story", rich.get_absolute_url(), (rich.get_absolute_url(), plain.get_absolute_url())
        ),
        page("entity", top.get_absolute_url(), (top.get_absolute_url(), rare.get_absolute_url())),
        page(
            "search",
            searching(query),
            (searching(top.name), searching(rare.name)),
            "" if search else "no search route (issue 6) in this tree",
        ),
        page(
            "feed",
            feed,
            (
                url("stories:entity-feed-rss", slug=top.slug),
                url("stories:entity-feed-rss", slug=rare.slug),
            ),
            "" if feed else "no feed route (issue 4) in this tree",
        ),
        page("sitemap index", sitemap, note="" if sitemap else "no sitemap in this tree"),
        page(
            "sitemap stories",
            sitemap_stories,
            note="" if sitemap_stories else "no stories sitemap in this tree",
        ),
    ]


def autosave_line(autosave):
    if "median_ms" not in autosave:
        return f"autosave request: failed: {autosave.get('error', 'not measured')}"
    return (
        f"autosave request (server time, {autosave['body_bytes']:,}-byte body): "
        f"{autosave['median_ms']:.1f} ms median, {autosave['p99_ms']:.1f} ms p99 "
        f"of {autosave['runs']}"
    )


def admin_list_timing(client):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    User = get_user_model()
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", "bench-admin@newsroom.example", secrets.token_urlsafe(20)
    )
    client.force_login(admin)
    url = reverse("admin:stories_story_changelist")
    try:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        # Counted now: the next request clears the connection's query log.
        query_count = len(queries)
        if response.status_code != 200:
            return {"error": f"GET {url} answered {response.status_code}"}
        times = []
        for _ in range(env_number("BENCH_ADMIN_RUNS", 7)):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
    except Exception as exc:
        return {"error": f"{exc.__class__.__name__}: {exc}"}
    finally:
        client.logout()
    return {
        "url": url,
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "runs": len(times),
        "queries": query_count,
    }


def export_stories(count, folder):
    """`count` published stories written as text files in `folder`, to import elsewhere."""
    from stories import textformat
    from stories.models import Story

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    stories = Story.objects.published().prefetch_related("citations").order_by("pk")[:count]
    written = 0
    for story in stories:
        (folder / f"{story.slug}.txt").write_text(
            textformat.format(story.to_document()), encoding="utf-8"
        )
        written += 1
    return written


def settle_phase():
    """The database as it is after autovacuum, not straight after bulk writes.

    The planner's statistics (which SQLite never gathers by itself) and, on
    PostgreSQL, the visibility map that lets counts read indexes alone: generating
    and indexing 100,000 stories just rewrote every row.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def import_phase(folder):
    """Times import_stories over `folder` on this (fresh) database."""
    from django.core.management import call_command

    from stories.models import Story

    files = len(list(folder.glob("*.txt")))
    with open(os.devnull, "w") as quiet:
        started = time.perf_counter()
        call_command("import_stories", str(folder), stdout=quiet)
        seconds = time.perf_counter() - started
    imported = Story.objects.count()
    if imported != files:
        raise CommandError(f"{files} files exported but {imported} stories imported")
    return {
        "stories": imported,
        "seconds": round(seconds, 3),
        "stories_per_second": round(imported / seconds, 1),
    }


# ---- Helpers -----------------------------------------------------------------


def warm_cache(url, *, in_a_row=20, most=300):
    """GETs `url` until `in_a_row` answers in a row come from the cache.

    Each gunicorn worker has a cache of its own (unless REDIS_URL is set), and a
    connection reaches any of them, so enough hits in a row mean all of them hold the
    page: the load that follows measures cached pages, not a stampede of misses.
    Returns (GETs made, whether the page was seen cached at all).
    """
    hits = seen = 0
    for gets in range(1, most + 1):
        _, cached = fetch(url)
        hits = hits + 1 if cached == "hit" else 0
        seen += cached == "hit"
        if hits >= in_a_row:
            return gets, True
    return most, bool(seen)


def settle(group, *, quiet_share=0.1, most=120):
    """Waits until the process group is all but idle; returns how long that took."""
    started = time.monotonic()
    before = group_cpu_seconds(group)
    while time.monotonic() - started < most:
        time.sleep(0.5)
        now = group_cpu_seconds(group)
        if now - before < 0.5 * quiet_share:
            break
        before = now
    return round(time.monotonic() - started, 1)


def group_cpu_seconds(group):
    """CPU time (user and system) used so far by the processes of a process group."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # Fields after the parenthesised command name: state, ppid, pgrp... utime
            # and stime are the 12th and 13th of them.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def worker_memory(master):
    """RSS (and PSS, which counts pages shared after preload once) of gunicorn's workers."""

    def read(pid):
        memory = {}
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    memory["rss_mb"] = round(int(line.split()[1]) / 1024, 1)
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    memory["pss_mb"] = round(int(line.split()[1]) / 1024, 1)
        return memory

    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The parent pid is the second field after the parenthesised command name.
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                workers.append(read(stat.parent.name))
    rss = [w["rss_mb"] for w in workers if "rss_mb" in w]
    pss = [w["pss_mb"] for w in workers if "pss_mb" in w]
    return {
        "workers": len(workers),
        "worker_rss_mb": rss,
        "worker_rss_median_mb": statistics.median(rss) if rss else None,
        "total_rss_mb": round(sum(rss) + read(master).get("rss_mb", 0), 1),
        "total_pss_mb": round(sum(pss) + read(master).get("pss_mb", 0), 1) if pss else None,
        "master_rss_mb": read(master).get("rss_mb"),
    }


def machine_info():
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                model = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor() or platform.machine(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average_before": os.getloadavg(),
    }


def database_version(name, url):
    if name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as db:
            return "PostgreSQL " + db.execute("SHOW server_version").fetchone()[0]
    return "PostgreSQL"


def git_version():
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return None
    return f"{commit}{' (with uncommitted changes)' if dirty else ''}" if commit else None


# ---- Targets and the report --------------------------------------------------


def targets(run, extra, *, stories):
    """Each target of issue 8 with the measured figure and whether it is met."""
    rows = {(r["page"], r["cache"]): r for r in run["load"]}
    pages = {p["page"]: p for p in run["pages"]}
    at_scale = "" if stories >= TARGET_SCALE else f"(measured at {stories:,} stories)"
    found = []

    def add(name, value, met, note=""):
        found.append({"target": name, "value": value, "met": met, "note": note})

    for cache, share in (("off", STORY_UNCACHED_SHARE), ("on", STORY_CACHED_SHARE)):
        row = rows.get(("story", cache), {})
        ratio, by_cpu = row.get("ratio_to_static"), row.get("cpu_ratio_to_static")
        add(
            f"story page, cache {cache}: ≥ {share:.0%} of the static file's req/s",
            f"{ratio:.1%}" if ratio is not None else "n/a",
            ratio is not None and ratio >= share,
            f"(by server CPU time per request: {by_cpu:.1%})" if by_cpu else "",
        )
    for name in ("home", "section front"):
        alone = pages.get(name, {}).get("uncached_ms", {})
        median, cpu = alone.get("median"), alone.get("cpu_median")
        add(
            f"{name}: median uncached < {FRONT_MEDIAN_MS} ms at {TARGET_SCALE:,} stories",
            f"{median:.1f} ms" if median is not None else "n/a",
            median is not None and median < FRONT_MEDIAN_MS,
            " ".join(filter(None, [f"(CPU {cpu:.1f} ms)" if cpu is not None else "", at_scale])),
        )
    compared = [(p["page"], *p["pair_queries"]) for p in run["pages"] if p.get("pair_queries")]
    add(
        "queries constant in the number of items shown (story, listings)",
        ", ".join(f"{page} {big}/{small}" for page, big, small in compared) or "n/a",
        bool(compared) and all(big == small for _, big, small in compared),
        "rich/sparse: a page showing much against one of its kind showing little",
    )
    rate = extra["import"].get("stories_per_second")
    add(
        f"import: ≥ {IMPORT_RATE} stories/s",
        f"{rate:.0f}/s" if rate else "n/a",
        bool(rate) and rate >= IMPORT_RATE,
    )
    static = rows.get(("static file", "-"), {}).get("requests_per_second")
    # Issue 16's "uncached" story page is one the page cache missed.
    story = rows.get(("story", "miss"), {}).get("requests_per_second")
    by_cpu = rows.get(("story", "miss"), {}).get("cpu_ratio_to_static")
    for target, value, met in mix.mix_targets(
        run.get("mix", {}), story / static if story and static else None
    ):
        note = "issue 16"
        if target.startswith("story page missed") and by_cpu:
            note = f"(by server CPU time per request: {by_cpu:.3f}) {note}"
        add(target, value, met, note)
    admin = run.get("admin_list", {}).get("median_ms")
    add(
        f"admin story list < {ADMIN_LIST_MS} ms at {TARGET_SCALE:,} stories",
        f"{admin:.0f} ms" if admin is not None else "n/a",
        admin is not None and admin < ADMIN_LIST_MS,
        at_scale,
    )
    return found


def render_report(report):
    machine, chosen = report["machine"], report["settings"]
    runs_each = report["seconds_per_run"]
    lines = [
        "",
        f"Newsroom benchmark: {report['stories']:,} stories; wrk {runs_each:g} s per run, "
        f"{report['connections']} connections; git {report['git']}",
        f"Machine: {machine['cpus']} CPUs, {machine['cpu_model']}, {machine['memory_gb']} GB "
        f"RAM, Linux {machine['kernel']}, Python {machine['python']}; load average before "
        f"{fmt_load(machine['load_average_before'])}, after "
        f"{fmt_load(machine['load_average_after'])} (other work on the machine shows here)",
        f"Served as by make serve: gunicorn, {chosen['WEB_CONCURRENCY']} workers × "
        f"{chosen['GUNICORN_THREADS']} threads, DEBUG off, "
        f"{chosen['cache']} cache, DATABASE_CONN_MAX_AGE={chosen['DATABASE_CONN_MAX_AGE']}",
    ]
    for run in report["runs"].values():
        lines += render_run(run)
    imported = report["import"]
    lines += [
        "",
        "import: "
        + (
            f"{imported['stories_per_second']:.0f} stories/s ({imported['stories']} exported "
            f"stories imported with import_stories in {imported['seconds']:.2f} s into a fresh "
            "SQLite database)"
            if "stories_per_second" in imported
            else f"failed: {imported.get('error')}"
        ),
        f"entity detection: {detection_summary(report['detection'])}",
        f"search (bench_search, issue 6): {external_summary(report['search'])}",
    ]
    for name, problem in report["skipped_databases"].items():
        lines.append(f"{name}: skipped: {problem}")
    for name, problem in report["failed_databases"].items():
        lines.append(f"{name}: FAILED: {problem}")
    lines.append(f"total time: {report['total_seconds'] / 60:.1f} min")
    return "\n".join(lines) + "\n"


def render_run(run):
    pages = {p["page"]: p for p in run["pages"]}
    lines = [
        "",
        f"== {run['database_version']}: {run['counts']['stories']:,} stories, "
        f"{run['counts']['published']:,} published",
        f"{'page':<17}{'cache':<6}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'static':>8}"
        f"{'cpu ms':>8}{'queries':>8}{'alone ms':>10}  notes",
    ]
    for row in run["load"]:
        page = pages.get(row["page"], {})
        latency = row.get("latency_ms", {})
        off = row["cache"] == "off"
        queries = page.get("queries") if off else None
        alone = page.get("uncached_ms", {}).get("median") if off else None
        ratio = row.get("ratio_to_static")
        lines.append(
            f"{row['page']:<17}{row['cache']:<6}"
            f"{num(row.get('requests_per_second'), 0):>8}"
            f"{num(latency.get('p50'), 2):>9}{num(latency.get('p99'), 2):>9}"
            f"{(f'{ratio:.1%}' if ratio is not None else ''):>8}"
            f"{num(row.get('cpu_ms_per_request'), 2):>8}"
            f"{(str(queries) if queries is not None else ''):>8}"
            f"{num(alone, 1):>10}"
            + "  "
            + "; ".join(
                filter(
                    None,
                    [row.get("error") or row.get("skipped") or page.get("error"), ran_rounds(row)],
                )
            )
        )
    for cache, mixed in run.get("mix", {}).items():
        lines.append(f"readers while the newsroom works, {cache} cache (issue 16):")
        for label, row in mixed.items():
            latency = row.get("latency_ms", {})
            extra = []
            if "pages" in row:
                extra.append(f"{row['pages']} pages, warmed in {row.get('warm_seconds')} s")
            if "saves" in row:
                extra.append(f"{row['saves']} saves during the run")
            extra.append(ran_rounds(row))
            lines.append(
                f"  {label:<22}{num(row.get('requests_per_second'), 0):>8} req/s"
                f"{num(latency.get('p50'), 2):>9}{num(latency.get('p99'), 2):>9} ms  "
                + "; ".join(filter(None, [*extra, row.get("error")]))
            )
    admin = run.get("admin_list", {})
    memory = run["memory"].get("cache_on") or {}
    lines += [
        "static: req/s as a share of the story page's bytes served as a file by the same "
        "gunicorn and whitenoise; cpu ms: gunicorn's CPU time per request (not the "
        "database server's); queries and alone: cache off, one request at a time in-process "
        f"(median of {runs_alone(run)} requests)",
        "",
        "admin story list: "
        + (
            f"{admin['median_ms']:.0f} ms median of {admin['runs']} ({admin['queries']} queries)"
            if "median_ms" in admin
            else f"failed: {admin.get('error')}"
        ),
        autosave_line(run.get("autosave", {})),
        f"workers: {memory.get('workers')} × {memory.get('worker_rss_median_mb')} MB RSS "
        f"(median) after the cached run; all of gunicorn {memory.get('total_rss_mb')} MB RSS, "
        f"{memory.get('total_pss_mb')} MB PSS (shared pages counted once)",
        f"generation: {run.get('generation_rate', 'reused')} stories/s; phases (s): "
        + ", ".join(f"{k} {v}" for k, v in run["phases"].items()),
        "",
        "Targets:",
    ]
    for target in run["targets"]:
        verdict = "PASS" if target["met"] else "FAIL"
        lines.append(
            f"  [{verdict}] {target['target']}: {target['value']}"
            + (f"  {target['note']}" if target["note"] else "")
        )
    return lines


def runs_alone(run):
    runs = [p["uncached_ms"]["runs"] for p in run["pages"] if "uncached_ms" in p]
    return "?" if not runs else runs[0] if min(runs) == max(runs) else f"{min(runs)}-{max(runs)}"


def detection_summary(detection):
    external = detection.get("bench_detection", {})
    for figures in external.get("json", {}).values():
        if {"median_ms", "p99_ms"} <= figures.keys():
            suggestions = (
                f"; new-name suggestions {figures['discover_ms']:.1f} ms median, "
                f"{figures['discover_p99_ms']:.1f} ms p99"
                if "discover_p99_ms" in figures
                else ""
            )
            return (
                f"{figures['median_ms']:.1f} ms median, {figures['p99_ms']:.1f} ms p99 to "
                f"detect {figures.get('entities', '?'):,} entities in "
                f"{figures.get('words', '?'):,} words (bench_detection, issue 5; CPU time "
                f"median {figures.get('cpu_median_ms', '?')} ms){suggestions}"
            )
    if external:
        return external_summary(external)
    return f"failed: {detection.get('error')}"


def external_summary(result):
    if result.get("missing"):
        return f"missing: {result['note']}"
    if result.get("error"):
        return f"failed: {result['error'][-300:]}"
    # The command's summary at the end of its output, without its rows by kind of
    # search (in its JSON), so that every database's line shows.
    lines = [
        line
        for line in result.get("output", "").splitlines()
        if not line.startswith(" " * 14) and "by kind" not in line
    ]
    shown = "".join(f"\n    {line}" for line in lines[-14:])
    return f"`{result.get('command')}` in {result.get('seconds')} s:{shown}"


def num(value, digits):
    return "" if value is None else f"{value:.{digits}f}"


def ran_rounds(row):
    """ "median of" every run's req/s, for a figure measured more than once."""
    runs = row.get("rounds", ())
    return "median of " + ", ".join(num(r, 0) for r in runs) if len(runs) > 1 else ""


def fmt_load(load):
    return "/".join(f"{x:.1f}" for x in load) if load else "?"
