"""Writes take turns with reads on the event loop.

On the embedded database the use cases run on the event loop: a write (an insert, its
index entries, a commit) costs about three reads, and every request that became ready
in the same turn of the loop waits for all of them. Sixteen connections posting at full
speed made eight readers' p99 several times what it was beside other readers. Here at
most `per_turn` writes (three) start in one turn of the loop; the others wait, in order,
for the next turns, while every read that is ready runs in each. Writes still run turn
after turn, so none waits for long, and alone they lose nothing but a callback a turn.
"""

import asyncio
from collections import deque

# Measured (bench.run --quick, "writes beside reads"): the p99 of 8 readers beside 16
# writers at full speed (their ratio to the p99 beside 16 readers), and the writers' rate.
# No turns: 16.7-30.4 ms (2.5-5.8x), 2,146-2,314 writes/s. One a turn: 0.64-0.72x,
# ~650/s. Two: 0.85-0.93x, ~1,100/s. Three: 5.2-5.6 ms (0.4-1.1x), 1,540-1,722/s. Four:
# 5.4-9.7 ms (0.5-1.7x), 1,361-2,148/s. Three keeps reads at their pace, with as many writes.
WRITES_PER_TURN = 3


class WriteTurns:
    def __init__(self, per_turn: int = WRITES_PER_TURN) -> None:
        self._per_turn = per_turn
        self._started = 0  # writes started in this turn
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._next_turn_due = False

    async def turn(self) -> None:
        """Return when this write may start: at once if the turn has room, else later."""
        if self._started < self._per_turn and not self._waiting:
            self._started += 1
            self._count_from_next_turn()
            return
        waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiting)
        self._count_from_next_turn()
        await waiting

    def _count_from_next_turn(self) -> None:
        if not self._next_turn_due:
            self._next_turn_due = True
            asyncio.get_running_loop().call_soon(self._new_turn)

    def _new_turn(self) -> None:
        self._next_turn_due = False
        self._started = 0
        while self._waiting and self._started < self._per_turn:
            waiting = self._waiting.popleft()
            if not waiting.done():  # a request cancelled while it waited is skipped
                waiting.set_result(None)
                self._started += 1
        if self._started:
            self._count_from_next_turn()
