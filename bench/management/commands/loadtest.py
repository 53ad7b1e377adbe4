"""`make loadtest`: mixed reader pages at 64 concurrent connections for 30 s, with no error.

Generates a newsroom (bench_generate) into its own SQLite database under var/loadtest/,
serves it as `make serve` does (DEBUG off, collected static files, gunicorn with
newsroom/gunicorn.conf.py, the page cache on) on a free loopback port, checks that every
page of the mix answers 200, then loads the mix with wrk and loadtest.lua (fronts,
sections, stories, entities, tags, authors, feeds, search, sitemaps, a stylesheet).

It fails (exit status 1) on any error: an answer that is not 2xx or 3xx, a socket error
or timeout, a worker that died or timed out, or a page that no longer answers afterwards.
Every process it starts is stopped when it ends, however it ends; wrk stops by itself.
"""

import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError
from django.urls import reverse

from bench.harness import (
    die_with_parent,
    env_number,
    fetch,
    free_port,
    parse_wrk,
    remove_sqlite,
    server_environment,
    stop_process_group,
)

WORK_DIR = Path(settings.BASE_DIR) / "var" / "loadtest"
LUA_SCRIPT = Path(__file__).with_suffix(".lua")
# The harness decides these for the server; anything else in the environment passes on
# (WEB_CONCURRENCY and GUNICORN_THREADS size the server as for `make serve`).
OWN_SETTINGS = ("DJANGO_", "DATABASE_", "NEWSROOM_", "CACHE_KEY_PREFIX", "REDIS_URL",
                "GUNICORN_BIND", "GUNICORN_ACCESS_LOG", "PORT")  # fmt: skip


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0]

    def add_arguments(self, parser):
        parser.add_argument(
            "--seconds", type=int, default=env_number("LOADTEST_SECONDS", 30),
            help="How long wrk loads the site (LOADTEST_SECONDS, default 30).",
        )  # fmt: skip
        parser.add_argument(
            "--connections", type=int, default=env_number("LOADTEST_CONNECTIONS", 64),
            help="Concurrent connections (LOADTEST_CONNECTIONS, default 64).",
        )  # fmt: skip
        parser.add_argument(
            "--stories", type=int, default=env_number("LOADTEST_STORIES", 1000),
            help="Stories to generate (LOADTEST_STORIES, default 1000).",
        )  # fmt: skip
        parser.add_argument(
            "--print-paths", action="store_true",
            help="Only print the mix of paths for the current database (used by the harness).",
        )  # fmt: skip

    def handle(self, *, seconds, connections, stories, print_paths, **options):
        if print_paths:
            self.stdout.write("\n".join(reader_paths()))
            return
        for name, value in (("--seconds", seconds), ("--connections", connections),
                            ("--stories", stories)):  # fmt: skip
            if value < 1:
                raise CommandError(f"{name} must be at least 1.")
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError("wrk is not installed (apt-get install wrk).")
        harness = Harness(self, wrk=wrk, seconds=seconds, connections=connections)
        # A SIGTERM (CI timing out, Ctrl-C from make) still stops what was started.
        previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            result = harness.run(stories=stories)
        finally:
            harness.stop_server()
            signal.signal(signal.SIGTERM, previous)
        (WORK_DIR / "result.json").write_text(json.dumps(result, indent=2) + "\n")
        if result["problems"]:
            raise CommandError("Load test failed: " + "; ".join(result["problems"]))
        self.stdout.write(self.style.SUCCESS("Load test passed: no errors."))


class Harness:
    def __init__(self, command, *, wrk, seconds, connections):
        self.command = command
        self.wrk = wrk
        self.seconds = seconds
        self.connections = connections
        self.server = None
        self.database = WORK_DIR / "loadtest.sqlite3"
        self.env = self.environment()

    def say(self, text):
        self.command.stdout.write(text)
        self.command.stdout.flush()

    def environment(self):
        return server_environment(
            f"sqlite:///{self.database}",
            drop=OWN_SETTINGS,
            secret_key=secrets.token_urlsafe(50),
            static_root=WORK_DIR / "static",
            page_cache=True,
            key_prefix="newsroom-loadtest",
        )

    def manage(self, *args, timeout=600):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise CommandError(
                f"manage.py {' '.join(args)} failed:\n{result.stderr or result.stdout}"
            )
        return result.stdout

    def run(self, *, stories):
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        remove_sqlite(self.database)
        self.say(f"Generating {stories} stories into {self.database} ...")
        started = time.monotonic()
        self.manage("migrate", "--no-input", "-v0")
        self.manage("bench_generate", "--stories", str(stories),
                    "--entities", str(max(10, stories // 4)))  # fmt: skip
        self.manage("rebuild_search_index")
        self.manage("collectstatic", "--no-input", "-v0")
        paths = self.manage("loadtest", "--print-paths").split()
        paths_file = WORK_DIR / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        self.say(f"  ready in {time.monotonic() - started:.0f} s: {len(paths)} paths in the mix")

        base = self.start_server()
        problems = []
        unique = sorted(set(paths))
        self.say(f"Checking that each of the {len(unique)} pages answers 200 ...")
        problems += self.check_pages(base, unique)
        if problems:
            return {"problems": problems}

        threads = max(1, min(os.cpu_count() or 1, 4, self.connections))
        self.say(f"wrk: {self.connections} connections, {threads} threads, {self.seconds} s ...")
        completed = subprocess.run(
            [self.wrk, "-t", str(threads), "-c", str(self.connections),
             "-d", f"{self.seconds}s", "--timeout", "10s", "--latency",
             "-s", str(LUA_SCRIPT), base, "--", str(paths_file)],
            capture_output=True, text=True, timeout=self.seconds + 120,
        )  # fmt: skip
        (WORK_DIR / "wrk.txt").write_text(completed.stdout + completed.stderr)
        if completed.returncode:
            return {"problems": [f"wrk failed: {completed.stderr.strip() or completed.stdout}"]}
        figures = {"requests": 0, "requests_per_second": 0.0, **parse_wrk(completed.stdout)}
        figures["error_statuses"] = error_statuses(completed.stdout)
        self.say(
            f"  {figures['requests']} requests, {figures['requests_per_second']:.0f} req/s, "
            f"p50 {figures['latency_ms'].get('p50', 0):.1f} ms, "
            f"p99 {figures['latency_ms'].get('p99', 0):.1f} ms"
        )
        if figures["requests"] == 0:
            problems.append("no request completed")
        if figures["error_statuses"]:
            problems.append(
                f"answers that are not 2xx/3xx, by status: {figures['error_statuses']}"
            )
        if figures["non_2xx_3xx"]:
            problems.append(f"{figures['non_2xx_3xx']} answers that are not 2xx/3xx")
        if any(figures["socket_errors"].values()):
            problems.append(f"socket errors: {figures['socket_errors']}")
        problems += self.server_problems()
        # Still serving afterwards.
        problems += self.check_pages(base, random.Random(1).sample(unique, min(20, len(unique))))
        for problem in problems:
            self.say(f"  ERROR {problem}")
        return {
            "connections": self.connections,
            "seconds": self.seconds,
            "threads": threads,
            "stories": stories,
            "paths": len(paths),
            **figures,
            "problems": problems,
        }

    def start_server(self):
        port = free_port()
        log = open(WORK_DIR / "gunicorn.log", "w")  # noqa: SIM115 - closed with the server
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "newsroom/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "newsroom.wsgi"],
            cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=die_with_parent,
        )  # fmt: skip
        self.server.log = log
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise CommandError(f"gunicorn exited; see {WORK_DIR / 'gunicorn.log'}")
            if fetch(base + "/healthz", timeout=30)[0] == 200:
                self.say(f"Serving on {base} (gunicorn, DEBUG off)")
                return base
            time.sleep(0.2)
        raise CommandError(f"gunicorn did not answer within 60 s; see {WORK_DIR / 'gunicorn.log'}")

    def stop_server(self):
        if self.server is None:
            return
        server, self.server = self.server, None
        stop_process_group(server)
        server.log.close()

    def check_pages(self, base, paths):
        statuses = [(path, fetch(base + path, timeout=30)[0]) for path in paths]
        failing = [(path, status) for path, status in statuses if status != 200]
        return [f"{path} answered {status}" for path, status in failing[:10]] + (
            [f"... and {len(failing) - 10} more"] if len(failing) > 10 else []
        )

    def server_problems(self):
        self.server.log.flush()
        log = (WORK_DIR / "gunicorn.log").read_text()
        problems = []
        if "WORKER TIMEOUT" in log:
            problems.append("a gunicorn worker timed out (see var/loadtest/gunicorn.log)")
        if "Traceback" in log:
            problems.append("the server logged an exception (see var/loadtest/gunicorn.log)")
        workers = len(re.findall(r"Booting worker", log))
        expected = int(self.env.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) * 2 + 1)
        if workers > expected:
            problems.append(f"{workers - expected} gunicorn workers died and were restarted")
        return problems


def reader_paths():
    """The mix: each kind of reader page about as often as readers ask for it."""
    from django.contrib.auth import get_user_model
    from taggit.models import Tag

    from stories.models import Entity, Section, Story
    from stories.views import author_url

    rng = random.Random(9)
    published = Story.objects.published()
    stories = list(published.order_by("-published_at").values_list("slug", flat=True)[:600])
    picked_stories = stories[:150] + rng.sample(stories[150:], min(150, len(stories[150:])))
    sections = list(Section.objects.all())
    entities = list(Entity.objects.filter(mentions__story__in=published).distinct()[:60])
    tags = list(Tag.objects.filter(story__in=published).distinct()[:40])
    authors = list(get_user_model().objects.filter(authored_stories__in=published).distinct()[:20])
    paths = ["/"] * 40
    paths += [reverse("stories:story", kwargs={"slug": slug}) for slug in picked_stories]
    paths += [section.get_absolute_url() for section in sections]
    paths += [entity.get_absolute_url() for entity in entities]
    paths += [reverse("stories:tag", kwargs={"slug": tag.slug}) for tag in tags]
    paths += [author_url(author) for author in authors]
    paths += [reverse("stories:feed-rss"), reverse("stories:feed-atom")] * 5
    paths += [reverse("stories:section-feed-rss", kwargs={"path": s.path}) for s in sections[:5]]
    paths += [reverse("stories:entity-feed-rss", kwargs={"slug": e.slug}) for e in entities[:5]]
    paths += [
        f"{reverse('stories:search')}?q={entity.name.split()[0]}" for entity in entities[:10]
    ]
    paths += ["/sitemap.xml", "/sitemap-news.xml", "/robots.txt"]
    paths += [settings.STATIC_URL + "css/site.css"] * 5
    rng.shuffle(paths)
    return paths


def error_statuses(output):
    """Answers that were not 2xx or 3xx, by status, as loadtest.lua reports them."""
    statuses = {}
    for status, count in re.findall(r"^LOADTEST status (\d+) (\d+)$", output, re.M):
        statuses[status] = statuses.get(status, 0) + int(count)
    return statuses
