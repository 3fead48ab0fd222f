"""Writes take turns with reads on the event loop: at most so many start in one turn."""

import asyncio
from collections.abc import Callable

import pytest

from entrypoints.http.write_turns import WriteTurns


def turn_counter() -> tuple[Callable[[], int], Callable[[], None]]:
    """The number of the loop's current turn, counted by a callback that runs once a turn."""
    loop = asyncio.get_running_loop()
    turn = 0
    running = True

    def tick() -> None:
        nonlocal turn
        turn += 1
        if running:
            loop.call_soon(tick)

    def stop() -> None:
        nonlocal running
        running = False

    loop.call_soon(tick)
    return (lambda: turn), stop


@pytest.mark.anyio
async def test_at_most_so_many_writes_start_in_one_turn_and_in_order() -> None:
    turns = WriteTurns(per_turn=2)
    now, stop = turn_counter()
    started: list[tuple[int, int]] = []

    async def write(n: int) -> None:
        await turns.turn()
        started.append((n, now()))

    await asyncio.gather(*(write(n) for n in range(7)))
    stop()
    assert [n for n, _ in started] == list(range(7))
    per_turn: dict[int, int] = {}
    for _, turn in started:
        per_turn[turn] = per_turn.get(turn, 0) + 1
    assert max(per_turn.values()) == 2
    assert len(per_turn) == 4  # 2 + 2 + 2 + 1


@pytest.mark.anyio
async def test_reads_ready_in_a_turn_run_before_the_writes_waiting_for_later_ones() -> None:
    turns = WriteTurns(per_turn=1)
    order: list[str] = []

    async def write(n: int) -> None:
        await turns.turn()
        order.append(f"write {n}")

    async def read() -> None:
        order.append("read")

    writes = [asyncio.create_task(write(n)) for n in range(3)]
    await asyncio.sleep(0)  # the first write started at once; the others wait
    await asyncio.gather(read(), *writes)
    assert order == ["write 0", "read", "write 1", "write 2"]


@pytest.mark.anyio
async def test_a_write_cancelled_while_it_waits_gives_its_turn_to_the_next() -> None:
    turns = WriteTurns(per_turn=1)
    started: list[int] = []

    async def write(n: int) -> None:
        await turns.turn()
        started.append(n)

    tasks = [asyncio.create_task(write(n)) for n in range(3)]
    await asyncio.sleep(0)
    tasks[1].cancel()
    await asyncio.wait_for(asyncio.gather(tasks[0], tasks[2]), timeout=1)
    assert started == [0, 2]
    assert tasks[1].cancelled()
