"""`make bench` times the autosave request on the bench database, and leaves nothing kept."""

import io

from django.core.management import call_command
from django.test import Client

from bench.autosave import autosave_timing
from bench.management.commands.bench import autosave_line
from stories.models import Autosave


def test_the_bench_reports_the_median_and_p99_of_an_autosave(db, monkeypatch):
    call_command("bench_generate", stories=20, entities=30, seed=3, stdout=io.StringIO())
    monkeypatch.setenv("BENCH_AUTOSAVE_RUNS", "30")

    measured = autosave_timing(Client())

    assert measured["runs"] == 30, measured
    assert 0 < measured["median_ms"] <= measured["p99_ms"]
    assert not Autosave.objects.exists()
    line = autosave_line(measured)
    assert "ms median" in line and "ms p99 of 30" in line
    print(line)
