"""How `chatcore serve` and the CLI write their log: one JSON object per line, or text.

Every record, whoever writes it (chatcore's loggers, uvicorn's, Python's warnings, an
uncaught traceback), goes through the root logger's one handler, so every line has the
same shape: `{"time", "level", "logger", "message", "request_id"?, "traceback"?}`, plus
what a writer attaches as `extra={"fields": {...}}` (the audit trail attaches its event). The
request id is a context variable set by the request log for each HTTP request (and each
WebSocket); it travels with the request into worker threads, so a line written on its
behalf anywhere carries it.

Untrusted text (an email address, a room name, a file name) reaches lines as data: the
JSON encoding escapes every control character and, with `ensure_ascii`, every non-ASCII
one (no raw ESC, NUL or U+202E reaches a terminal); the text format escapes them too.
"""

import contextvars
import json
import logging
import re
import sys
import threading
import time
from typing import Any, TextIO

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "chatcore_request_id", default=None
)

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
          "error": logging.ERROR}  # fmt: skip
FORMATS = ("json", "text")

# Uvicorn's loggers carry their own handlers (and "uvicorn.access" does not propagate);
# they are made to propagate to the root's one handler instead.
_UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


# Room sockets carry the access token in their query string (browsers cannot set headers
# on a WebSocket), and uvicorn logs a socket's whole URL when it is accepted or refused:
# whoever reads the log must not be able to sign in with what it says.
_TOKEN_IN_URL = re.compile(r"([?&](?:access_)?token=)[^&\s\"']+")


def without_tokens(message: str) -> str:
    """`message` with the values of `token=` query parameters replaced by `[redacted]`."""
    if "token=" not in message:
        return message
    return _TOKEN_IN_URL.sub(r"\1[redacted]", message)


_second: list[Any] = [-1, ""]  # the last whole second formatted, and its text


def utc_timestamp(at: float) -> str:
    """`at` (seconds since the epoch) as ISO 8601 in UTC with milliseconds and a Z."""
    seconds = int(at)
    # One access line per request: the second's text is formatted once, not per line.
    last, text = _second
    if seconds != last:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _second[:] = [seconds, text]
    return f"{text}.{int((at - seconds) * 1000):03d}Z"


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """What one log line says, as a JSON object."""
    fields: dict[str, Any] = {
        "time": utc_timestamp(record.created),
        "level": record.levelname.lower(),
        "logger": record.name,
        "message": without_tokens(record.getMessage()),
    }
    current = request_id.get()
    if current is not None:
        fields["request_id"] = current
    # Structured data a writer attaches with `extra={"fields": {...}}` (the audit event).
    extra = getattr(record, "fields", None)
    if isinstance(extra, dict):
        fields.update({key: value for key, value in extra.items() if key not in fields})
    if record.exc_info:
        fields["traceback"] = logging.Formatter().formatException(record.exc_info)
    elif record.stack_info:
        fields["traceback"] = record.stack_info
    return fields


class JsonLines(logging.Formatter):
    """A record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(record_fields(record), ensure_ascii=True)


class TextLines(logging.Formatter):
    """A record as a readable line for a terminal; control characters escaped."""

    def format(self, record: logging.LogRecord) -> str:
        fields = record_fields(record)
        line = f"{fields['time']} {fields['level'].upper():7} {fields['logger']}: "
        line += escape(fields["message"])
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict) and extra:
            line += " " + json.dumps(extra, ensure_ascii=True, sort_keys=True)
        if "request_id" in fields:
            line += f" [request {fields['request_id']}]"
        if "traceback" in fields:
            # A traceback keeps its line breaks: it is ours, not the caller's text.
            line += "\n" + fields["traceback"]
        return line


def escape(text: str) -> str:
    """`text` with control characters (line breaks included) and bidi overrides escaped."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def _escaped(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def writes_info(level: str) -> bool:
    """Whether the `CHATCORE_LOG_LEVEL` named `level` lets info records through."""
    return LEVELS[level] <= logging.INFO


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for `CHATCORE_LOG_FORMAT`."""
    return TextLines() if log_format == "text" else JsonLines()


def configure(level: str = "info", log_format: str = "json", stream: TextIO | None = None) -> None:
    """Send every log record of this process to `stream` (stderr), in one format."""
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(LEVELS[level])
    for name in _UVICORN:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        # A dictConfig run before (uvicorn's own, a host's) may have silenced it.
        logger.disabled = False
        logger.setLevel(logging.NOTSET)
    # Warnings (deprecations in a dependency, say) become records like any other.
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(kind: type[BaseException], error: BaseException, traceback: Any) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    logging.getLogger("chatcore").critical("uncaught exception", exc_info=(kind, error, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or isinstance(args.exc_value, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("chatcore").critical(
        "uncaught exception in thread %s",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
