"""How fast chatcore is as an in-memory library: builds per second, and one account's
round trip (build → register → verify → login → open a session → send a message) in microseconds.

Argon2 dominates the round trip by design (it hashes at registration and checks at
login), so the round trip is timed twice: with the default hasher, and with the cheap
one a test suite may pass (`hasher=Argon2Hasher(time_cost=1, memory_cost=64)`).

    .venv/bin/python -m bench.embedding [--seconds N]
"""

import argparse
import time
from collections.abc import Callable

from adapters.argon2_hasher import Argon2Hasher
from chatcore.accounts.ports import PasswordHasher
from chatcore_embed import MemoryOutbox, build

PASSWORD = "a long password"


def per_call(function: Callable[[], object], seconds: float) -> float:
    """Call `function` for about `seconds`; the microseconds per call."""
    function()  # the first call pays for lazy imports and caches
    calls, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        function()
        calls += 1
    return elapsed / calls * 1e6


def round_trip(hasher: PasswordHasher | None) -> Callable[[], object]:
    """One test's worth of work: a fresh build, then one account from sign-up to message.

    Fresh each time, as a test suite would: the in-memory user repository checks
    uniqueness by scanning, so piling every trip's user into one build measures the scan.
    """
    extra = {} if hasher is None else {"hasher": hasher}

    def once() -> object:
        outbox = MemoryOutbox()
        core = build(database_url="memory://", mailer=outbox, **extra).core
        email = "jane@example.com"
        core.auth.register("jane", email, PASSWORD)
        core.auth.verify_email(outbox.token(email, "Verify"))
        user = core.auth.login(email, PASSWORD).user
        session = core.sessions.create(user, "Bench")
        return core.sessions.send_message(user, session.id, "Hello")

    return once


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent on each figure")
    seconds = parser.parse_args().seconds

    build_us = per_call(lambda: build(database_url="memory://"), seconds)
    print(f"build(memory://)             {1e6 / build_us:>10,.0f} builds/s  ({build_us:.1f} µs)")
    for label, hasher in [
        ("round trip, cheap hasher", Argon2Hasher(time_cost=1, memory_cost=64)),
        ("round trip, argon2 default", None),
    ]:
        trip_us = per_call(round_trip(hasher), seconds)
        print(f"{label:<28} {trip_us:>10,.0f} µs")


if __name__ == "__main__":
    main()
