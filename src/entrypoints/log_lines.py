"""One rule for every log line: text from outside cannot write control characters into it.

Log messages carry text that callers chose (addresses, paths, repository answers, room
names). A raw ESC would drive the terminal that shows the log, a line break would forge a
line of its own, and U+202E would show the rest of a line backwards. Every character that
is not printable is written as its Python escape (`\\x1b`, `\\n`, `\\u202e`); printable
text, accents and all, stays as it is. JSON lines (the request log, the audit trail) are
written with `ensure_ascii` and so already hold nothing to escape.
"""

import logging

FORMAT = "%(levelname)s %(name)s: %(message)s"


def escaped(text: str) -> str:
    """`text` with every non-printable character written as its Python escape."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")


class EscapingFormatter(logging.Formatter):
    """Escapes the message of every record; a traceback after it is the server's own."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escaped(record.message)
        return super().formatMessage(record)


def configure_logging(level: int = logging.INFO) -> None:
    """Log to standard error through the escaping formatter, as `chatcore` does."""
    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
