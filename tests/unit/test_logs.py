"""The server's log lines: one shape for every writer, the request id, escaped text."""

import io
import json
import logging
import sys
import threading
import warnings
from collections.abc import Iterator

import pytest

from entrypoints import logs


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    hooks = (sys.excepthook, threading.excepthook)
    written = io.StringIO()
    logs.configure("info", "json", written)
    yield written
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)
    sys.excepthook, threading.excepthook = hooks


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_writer_gets_the_same_json_shape(stream: io.StringIO) -> None:
    logging.getLogger("chatcore.mail").info("sent %s", "x")
    logging.getLogger("uvicorn.error").info("Started server process [1]")
    warnings.warn("old API", DeprecationWarning, stacklevel=1)
    entries = lines(stream)
    assert [e["logger"] for e in entries] == ["chatcore.mail", "uvicorn.error", "py.warnings"]
    for entry in entries:
        assert {"time", "level", "logger", "message"} <= set(entry)
        assert str(entry["time"]).endswith("Z")


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_tokens_in_socket_urls_never_reach_the_log(log_format: str) -> None:
    written = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    hooks = (sys.excepthook, threading.excepthook)
    try:
        logs.configure("info", log_format, written)
        # What uvicorn writes when it accepts a room socket (the browser's way to sign in).
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket %s" [accepted]',
            "127.0.0.1:50000",
            "/ws/rooms/general?token=eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl&x=1",
        )
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.captureWarnings(False)
        sys.excepthook, threading.excepthook = hooks
    line = written.getvalue()
    assert "eyJhbGciOi" not in line
    assert "/ws/rooms/general?token=[redacted]&x=1" in line


def test_a_request_id_set_for_a_request_reaches_its_lines(stream: io.StringIO) -> None:
    token = logs.request_id.set("req-1")
    try:
        logging.getLogger("chatcore").warning("inside")
    finally:
        logs.request_id.reset(token)
    logging.getLogger("chatcore").warning("outside")
    inside, outside = lines(stream)
    assert inside["request_id"] == "req-1" and "request_id" not in outside


def test_tracebacks_stay_inside_their_line(stream: io.StringIO) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("chatcore").exception("failed")
    [entry] = lines(stream)
    assert "ValueError: boom" in str(entry["traceback"])


def test_structured_fields_join_the_object(stream: io.StringIO) -> None:
    logging.getLogger("chatcore.audit").info("audit", extra={"fields": {"audit": {"a": 1}}})
    [entry] = lines(stream)
    assert entry["audit"] == {"a": 1}


HOSTILE = "eve\x1b[31m\x00\u202egnp.exe\nforged line"


def test_control_characters_never_reach_a_json_line_raw(stream: io.StringIO) -> None:
    logging.getLogger("chatcore").info("email to %s", HOSTILE)
    written = stream.getvalue()
    assert written.count("\n") == 1
    assert not any(char in written for char in "\x1b\x00\u202e")
    assert lines(stream)[0]["message"] == f"email to {HOSTILE}"


def test_control_characters_are_escaped_in_text_lines() -> None:
    record = logging.LogRecord("chatcore", logging.INFO, __file__, 1, "to %s", (HOSTILE,), None)
    line = logs.TextLines().format(record)
    assert "\n" not in line and "\x1b" not in line and "\u202e" not in line
    assert "eve\\x1b[31m\\x00\\u202egnp.exe\\x0aforged line" in line


def test_timestamps_carry_milliseconds() -> None:
    assert logs.utc_timestamp(0.5) == "1970-01-01T00:00:00.500Z"
    assert logs.utc_timestamp(86_400.25) == "1970-01-02T00:00:00.250Z"
