"""Ids in the MongoDB ObjectId layout, made without a database.

4 bytes of seconds, 5 random bytes fixed per process, 3 bytes of a counter: ids made later
by one process sort after earlier ones, which lets repositories page by id.
"""

import itertools
import os
import threading
import time


class ObjectIdGenerator:
    def __init__(self) -> None:
        self._process = os.urandom(5).hex()
        self._counter = itertools.count(int.from_bytes(os.urandom(3), "big"))
        self._lock = threading.Lock()
        self._last = ""

    def new_id(self) -> str:
        with self._lock:
            candidate = (
                f"{int(time.time()):08x}{self._process}{next(self._counter) % 0x1000000:06x}"
            )
            # The counter wraps after 16 million ids; never hand out a smaller id than before.
            if candidate <= self._last:
                candidate = f"{int(self._last, 16) + 1:024x}"
            self._last = candidate
            return candidate
