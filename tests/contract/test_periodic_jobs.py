"""The PeriodicJobs contract: one run per period among racing claimers, in every adapter."""

import threading
from datetime import timedelta
from typing import Any

from tests.builders import at

DAY = timedelta(days=1)


def test_the_first_claim_wins_and_holds_until_it_runs_out(database: Any) -> None:
    jobs = database.periodic_jobs
    assert jobs.claim("purge", "a", at(0), at(0) + DAY) is True
    assert jobs.claim("purge", "b", at(60), at(60) + DAY) is False
    assert jobs.claim("purge", "a", at(60), at(60) + DAY) is False
    # Another job is claimed on its own.
    assert jobs.claim("other", "b", at(60), at(60) + DAY) is True
    # The next day, the job is claimable again, once.
    assert jobs.claim("purge", "b", at(0) + DAY, at(0) + 2 * DAY) is True
    assert jobs.claim("purge", "a", at(1) + DAY, at(1) + 2 * DAY) is False


def test_one_winner_among_racing_claimers(database: Any) -> None:
    jobs = database.periodic_jobs
    jobs.claim("purge", "yesterday", at(0) - DAY, at(0))
    start = threading.Barrier(8)
    won: list[str] = []

    def claim(owner: str) -> None:
        start.wait()
        if jobs.claim("purge", owner, at(0), at(0) + DAY):
            won.append(owner)

    threads = [threading.Thread(target=claim, args=(f"p{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
