"""The text of a legacy Word (.doc) file, through Debian's `catdoc`.

The Word 97-2003 binary format is not worth reading ourselves; catdoc reads it well and
is one `apt-get install` away (the Makefile's test target installs it). antiword, the
other candidate, refuses documents of less than a few hundred characters. Where catdoc
is missing the document is `unsupported`, with a reason that says so.
"""

import codecs
import shutil
import subprocess
from pathlib import Path

from chatcore.artifacts.texts import DocumentText

CATDOC = "catdoc"
READ_BYTES = 64 * 1024


def doc_text(path: Path, max_chars: int, catdoc: str = CATDOC) -> DocumentText:
    """The paragraphs of the .doc at `path`, a blank line apart."""
    program = shutil.which(catdoc)
    if program is None:
        return DocumentText.unsupported(
            "Legacy Word (.doc) files cannot be read on this server (catdoc is not"
            " installed); a .docx can"
        )
    # UTF-8 whatever the locale, and no wrapping: each paragraph is one line.
    command = [program, "-d", "utf-8", "-w", str(path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdout is not None and child.stderr is not None
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        parts: list[str] = []
        length = 0
        # Read no further than the limit allows (plus a little, to know there was more).
        while length <= max_chars and (chunk := child.stdout.read(READ_BYTES)):
            text = decoder.decode(chunk)
            parts.append(text)
            length += len(text)
        if length > max_chars:
            child.kill()
        complaint = child.stderr.read(4096).decode("utf-8", "replace").strip()
        code = child.wait()
    if length <= max_chars and code != 0:
        reason = complaint.splitlines()[0] if complaint else f"catdoc exited with {code}"
        if "encrypt" in reason.lower() or "password" in reason.lower():
            return DocumentText.unsupported("The document is encrypted: its text cannot be read")
        return DocumentText.failed(f"The .doc file could not be read: {reason}")
    lines = (line.strip() for line in "".join(parts).splitlines())
    text = "\n\n".join(line for line in lines if line)
    return DocumentText.ready(text[:max_chars], truncated=length > max_chars)
