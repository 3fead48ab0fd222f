import asyncio
import io

from entrypoints.http.request_log import BatchedLines


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
