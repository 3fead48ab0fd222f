"""Every log line goes through one escaping rule: outside text cannot forge or hide lines."""

import io
import logging
import subprocess
import sys

from adapters.log_mail import LogMailer
from chatcore.mail import OutgoingEmail
from entrypoints.log_lines import FORMAT, EscapingFormatter, escaped


def test_control_and_bidi_characters_are_written_as_escapes() -> None:
    assert escaped("plain text, café, 東京") == "plain text, café, 東京"
    assert escaped("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert escaped("a\x00b\x7f") == "a\\x00b\\x7f"
    assert (
        escaped("line\nforged INFO chatcore.audit: {}") == "line\\nforged INFO chatcore.audit: {}"
    )
    assert escaped("evil\u202etxt.exe") == "evil\\u202etxt.exe"
    assert escaped("\u2028\ufeff\u200b") == "\\u2028\\ufeff\\u200b"


def _one_record(emit: "logging.Logger") -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(EscapingFormatter(FORMAT))
    emit.addHandler(handler)
    emit.setLevel(logging.INFO)
    try:
        LogMailer().send(
            OutgoingEmail(to="a\x1b]0;pwned\x07@x.org", subject="Hi\r\nBcc: b", body="x\u202ey")
        )
    finally:
        emit.removeHandler(handler)
    return stream.getvalue()


def test_the_mail_log_is_one_escaped_line() -> None:
    line = _one_record(logging.getLogger("chatcore.mail"))
    assert (
        line
        == "INFO chatcore.mail: Email to a\\x1b]0;pwned\\x07@x.org: Hi\\r\\nBcc: b\\nx\\u202ey\n"
    )


def test_tracebacks_still_follow_the_message() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(EscapingFormatter(FORMAT))
    logger = logging.getLogger("tests.log_lines")
    logger.addHandler(handler)
    try:
        raise ValueError("boom")
    except ValueError:
        logger.error("failed for %s", "a\nb", exc_info=True)
    finally:
        logger.removeHandler(handler)
    first, *rest = stream.getvalue().splitlines()
    assert first == "ERROR tests.log_lines: failed for a\\nb"
    assert rest[0] == "Traceback (most recent call last):"


def test_the_logging_the_chatcore_command_sets_up_escapes() -> None:
    # A fresh interpreter: pytest's own handlers on the root logger would keep basicConfig
    # from installing anything here.
    script = (
        "import logging\n"
        "from entrypoints import cli\n"
        "cli.configure_logging()\n"
        "logging.getLogger('chatcore.http').warning('path %s', '/a\\x1b[2J\\u202e')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "WARNING chatcore.http: path /a\\x1b[2J\\u202e\n"
