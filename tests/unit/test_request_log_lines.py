import asyncio
import io
import json

from hypothesis import given
from hypothesis import strategies as st

from entrypoints.http.request_log import BatchedLines, json_line


def test_lines_are_written_together_once_the_interval_is_over() -> None:
    stream = io.StringIO()

    async def scenario() -> None:
        lines = BatchedLines(stream, interval=0.02)
        lines("one")
        lines("two")
        assert stream.getvalue() == ""  # held back
        await asyncio.sleep(0.05)
        assert stream.getvalue() == "one\ntwo\n"
        lines("three")
        lines.flush()  # at shutdown, without waiting
        assert stream.getvalue() == "one\ntwo\nthree\n"
        await asyncio.sleep(0.05)  # the timer of "three" finds nothing left to write
        assert stream.getvalue() == "one\ntwo\nthree\n"

    asyncio.run(scenario())


@given(
    time_text=st.text(),
    method=st.text(),
    path=st.none() | st.text(),
    status=st.integers(0, 599),
    duration=st.floats(),
    request_id=st.text(),
)
def test_a_json_line_is_exactly_what_json_dumps_writes(
    time_text: str, method: str, path: str | None, status: int, duration: float, request_id: str
) -> None:
    # The line is assembled from parts encoded once per route; it must not differ by a byte.
    fields = {
        "time": time_text,
        "level": "info",
        "logger": "chatcore.access",
        "message": f"{method} {path or '-'} {status}",
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": duration,
        "request_id": request_id,
    }
    assert json_line(fields) == json.dumps(fields)
    assert json_line(fields) == json.dumps(fields)  # the second time from the cache
