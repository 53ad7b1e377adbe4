"""Readers while the newsroom works (issue 16): S, A and B, per database and page cache.

- S: one cached story page, req/s.
- A: random story pages and fronts, over 2,000 stories and over all of BENCH_STORIES,
  no edits, once every page has been asked for once (the working set in the cache).
- B: the same as A while another process saves a published story every 5 s.

Each is measured with the embedded default cache (a diskcache of its own, emptied
first) and with Redis (when REDIS_URL, or the local server, answers; a key prefix of
its own), against the targets A/S ≥ 0.6 and B/A ≥ 0.9. S, A and B are measured in
alternated rounds (BENCH_ROUNDS, 3) and each is the round of median req/s: on a
machine shared with others, a few seconds may run at a third of the usual rate.
"""

import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.harness import env_number

A_SHARE_OF_S = 0.6
B_SHARE_OF_A = 0.9
UNCACHED_STORY_SHARE = 0.15
SMALL_MIX = 2000
WRITE_EVERY = 5  # seconds between the saves of B
MIX_LUA = Path(__file__).with_name("mix.lua")
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def redis_url():
    """The Redis to measure (REDIS_URL, else the local server), or None if none answers."""
    url = os.environ.get("REDIS_URL") or LOCAL_REDIS
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=2).ping()
    except Exception:
        return None
    return url


def paths_phase(out, *, small=SMALL_MIX):
    """Writes the mix's paths: the fronts, then story pages (small: the first `small`)."""
    from django.urls import reverse

    from stories.models import Section, Story

    fronts = [reverse("stories:home")] + [s.get_absolute_url() for s in Section.objects.all()]
    stories = [
        reverse("stories:story", kwargs={"slug": slug})
        for slug in Story.objects.published().order_by("pk").values_list("slug", flat=True)
    ]
    out = Path(out)
    out.with_suffix(".small.txt").write_text("\n".join(fronts + stories[:small]) + "\n")
    out.with_suffix(".all.txt").write_text("\n".join(fronts + stories) + "\n")


def writer_phase(every=WRITE_EVERY):
    """Saves a random published story every `every` seconds, a change readers see, until
    stopped; prints a line a save."""
    from stories.models import Story

    ids = list(Story.objects.published().values_list("pk", flat=True))
    mark = " (updated)"
    # Loaded: B is measured from here, not while this process starts.
    print("ready", flush=True)
    while True:
        started = time.monotonic()
        story = Story.objects.get(pk=random.choice(ids))
        story.dek = story.dek.removesuffix(mark) if story.dek.endswith(mark) else story.dek + mark
        story.save()
        print(f"saved {story.pk} in {(time.monotonic() - started) * 1000:.0f} ms", flush=True)
        time.sleep(max(0.0, every - (time.monotonic() - started)))


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def warm(base, paths, *, threads=8):
    """Asks for every path once, `threads` at a time; (seconds, failures)."""
    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        statuses = list(pool.map(lambda path: status_of(base + path), paths))
    return round(time.monotonic() - started, 1), sum(s != 200 for s in statuses)


def load_mix(harness, name, url, *, story_path, new_port):
    """The S, A and B rows of database `name` (at `url`), for each page cache."""
    out = harness.bench_dir / f"mix-{name}"
    harness.manage("bench", "--phase", "paths", "--out", str(out), env=harness.environment(url))
    mixes = {
        f"{SMALL_MIX:,} stories": out.with_suffix(".small.txt"),
        f"{harness.stories:,} stories": out.with_suffix(".all.txt"),
    }
    if harness.stories <= SMALL_MIX:
        mixes = {f"{harness.stories:,} stories": out.with_suffix(".all.txt")}
    caches = {"embedded": None}
    if found := redis_url():
        caches["redis"] = found
    else:
        harness.say(f"{name}: Redis does not answer at {LOCAL_REDIS}: measured embedded only")
    results = {}
    for cache, redis in caches.items():
        env = harness.environment(url, cache=True, port=new_port())
        env.pop("REDIS_URL", None)
        if redis:
            env["REDIS_URL"] = redis
            env["CACHE_KEY_PREFIX"] = f"newsroom-bench-{uuid.uuid4().hex[:8]}"
        else:
            folder = harness.bench_dir / f"page-cache-{name}-mix"
            shutil.rmtree(folder, ignore_errors=True)
            env["NEWSROOM_CACHE_DIR"] = str(folder)
        harness.say(f"{name}: S, A and B with the {cache} cache")
        results[cache] = run_mix(harness, name, cache, env, story_path, mixes)
    return results


def run_mix(harness, name, cache, env, story_path, mixes):
    port = env["PORT"]
    server = harness.start(env, log=harness.bench_dir / f"gunicorn-{name}-mix-{cache}.log")
    runs = {}
    try:
        base = f"http://127.0.0.1:{port}"
        harness.wait_until_up(server, base)
        warmed = {}
        for n in range(rounds()):
            harness.say(f"  {cache}: round {n + 1}")
            runs.setdefault("S", []).append(
                harness.wrk_row("story S", "on", base + story_path, server=server)
            )
            for label, paths_file in mixes.items():
                if label not in warmed:
                    paths = [p for p in paths_file.read_text().splitlines() if p]
                    seconds, failures = warm(base, paths)
                    harness.say(f"  {cache}: {len(paths)} pages asked for once in {seconds} s")
                    warmed[label] = dict(
                        warm_seconds=seconds, warm_failures=failures, pages=len(paths)
                    )
                script = (MIX_LUA, paths_file)
                a = harness.wrk_row(f"A {label}", "on", base + "/", server=server, script=script)
                runs.setdefault(f"A {label}", []).append({**a, **warmed[label]})
                runs.setdefault(f"B {label}", []).append(
                    while_saving(harness, env, f"B {label}", base, server, script)
                )
    finally:
        harness.stop(server)
    return {label: median_round(measured) for label, measured in runs.items()}


def while_saving(harness, env, label, base, server, script):
    """wrk's row for the mix while the writer saves a story every WRITE_EVERY seconds."""
    writer = subprocess.Popen(
        [sys.executable, str(harness.base_dir / "manage.py"), "bench", "--phase", "writer"],
        cwd=harness.base_dir, env=env, stdout=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    harness.processes.append(writer)
    try:
        writer.stdout.readline()  # "ready" (or nothing, if it failed: no saves are counted)
        row = harness.wrk_row(
            label,
            "on",
            base + "/",
            server=server,
            script=script,
            seconds=max(harness.seconds, 3 * WRITE_EVERY),
        )
    finally:
        harness.stop(writer)
    row["saves"] = sum(1 for line in writer.stdout or () if line.startswith("saved"))
    return row


def rounds():
    return env_number("BENCH_ROUNDS", 3)


def median_round(rows):
    """The row of the round of median req/s, with every round's req/s."""
    measured = [row for row in rows if row.get("requests_per_second")] or rows
    middle = statistics.median_low([row.get("requests_per_second", 0) for row in measured])
    row = next(row for row in measured if row.get("requests_per_second", 0) == middle)
    return {**row, "rounds": [row.get("requests_per_second") for row in rows]}


def mix_targets(mix, uncached_story_ratio):
    """(target, value, met) for each of issue 16's targets."""
    found = []
    for cache, rows in mix.items():
        s = rows.get("S", {}).get("requests_per_second")
        for label in [k[2:] for k in rows if k.startswith("A ")]:
            a = rows[f"A {label}"].get("requests_per_second")
            b = rows[f"B {label}"].get("requests_per_second")
            found.append(
                (f"{cache}, {label}: A/S ≥ {A_SHARE_OF_S}", ratio(a, s), met(a, s, A_SHARE_OF_S))
            )
            found.append(
                (f"{cache}, {label}: B/A ≥ {B_SHARE_OF_A}", ratio(b, a), met(b, a, B_SHARE_OF_A))
            )
    found.append(
        (
            f"story page missed by the page cache ≥ {UNCACHED_STORY_SHARE} of the static "
            "file's req/s",
            f"{uncached_story_ratio:.3f}" if uncached_story_ratio is not None else "n/a",
            uncached_story_ratio is not None and uncached_story_ratio >= UNCACHED_STORY_SHARE,
        )
    )
    return found


def ratio(part, whole):
    return f"{part / whole:.2f}" if part and whole else "n/a"


def met(part, whole, share):
    return bool(part and whole) and part / whole >= share
