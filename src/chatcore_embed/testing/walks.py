"""Walking a paged list to its end, as a client following `Link: rel="next"` does.

Shared by the suites of every port that pages: the walk reads a page, lets `meanwhile`
change the list (new items arrive), and carries on from where the page ended.
"""

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from chatcore.shared.paging import Position
from chatcore_embed.testing.builders import T0


class Placed(Protocol):
    @property
    def id(self) -> str: ...


P = TypeVar("P", bound=Placed)

WALKED = 1000  # items in the list before the walk
PAGE = 37  # a size that does not divide WALKED, nor the items sharing a millisecond


def shuffled_ids(count: int, seed: int) -> list[str]:
    """Ids that say nothing about time: as if made by many processes."""
    chooser = random.Random(seed)
    return [f"{chooser.getrandbits(96):024x}" for _ in range(count)]


def millisecond(n: int) -> datetime:
    """The n-th millisecond after T0; items made `n // k` share one with k - 1 others."""
    return T0 + timedelta(milliseconds=n)


def walk(
    page: Callable[[Position | None], Sequence[P]],
    resume_from: Callable[[Sequence[P]], Position],
    meanwhile: Callable[[int], None],
) -> list[Sequence[P]]:
    """Every page from the first on: `page(start)`, then `meanwhile(pages read so far)`."""
    pages: list[Sequence[P]] = []
    start: Position | None = None
    while True:
        found = page(start)
        meanwhile(len(pages))
        if not found:
            return pages
        pages.append(found)
        start = resume_from(found)
        assert len(pages) <= 2 * WALKED, "the walk does not end"


def visited_once(pages: list[Sequence[P]], expected: Sequence[P], changed: set[str]) -> None:
    """Each expected item was seen exactly once, unless it changed during the walk."""
    seen = [item.id for found in pages for item in found]
    counts: dict[str, int] = {}
    for item_id in seen:
        counts[item_id] = counts.get(item_id, 0) + 1
    missed = [item.id for item in expected if item.id not in changed and item.id not in counts]
    twice = [item_id for item_id, count in counts.items() if count > 1 and item_id not in changed]
    assert not missed, f"{len(missed)} items never visited, e.g. {missed[:3]}"
    assert not twice, f"{len(twice)} items visited more than once, e.g. {twice[:3]}"
