from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmark, data generation and load tooling: the project's, not the newsroom's."""

    name = "bench"
    verbose_name = "Benchmarks"
