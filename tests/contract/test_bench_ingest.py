"""A tiny run of bench.ingest, so the benchmark keeps working (it checks its own counts)."""

from bench.ingest import main


def test_the_ingest_benchmark_runs_on_a_small_repository() -> None:
    times = main(["--files", "30", "--runs", "1"])
    assert set(times) == {
        "dulwich fetch + read all",
        "git clone --depth 1",
        "git clone --depth 1 --no-checkout",
        "API: create → ready (SQLite, files)",
    }
    assert all(len(values) == 1 and values[0] > 0 for values in times.values())
