"""The text of documents: what an upload's words are, where they stand, and their limits.

Every pdf, doc and txt upload has its text extracted in the background (pending, then
ready, failed or unsupported); a text artifact made through JSON has its content as its
text at once. Archives and repositories have no text of their own: theirs is per file.
"""

from datetime import datetime
from enum import StrEnum

import attrs

MIB = 1024 * 1024


class TextStatus(StrEnum):
    """Where an artifact's text stands. `extracting` is a worker's claim on a pending one:
    the API still says "pending" (the claim is the workers' business, not the reader's)."""

    PENDING = "pending"
    EXTRACTING = "extracting"
    READY = "ready"
    FAILED = "failed"
    UNSUPPORTED = "unsupported"

    @property
    def public(self) -> "TextStatus":
        """The status as readers see it."""
        return TextStatus.PENDING if self is TextStatus.EXTRACTING else self


class DocumentFormat(StrEnum):
    """The formats text is extracted from, named by the upload's extension."""

    PDF = "pdf"
    DOCX = "docx"
    DOC = "doc"
    TXT = "txt"

    @classmethod
    def of(cls, filename: str) -> "DocumentFormat | None":
        """The format an uploaded file's name says; None for one text is not read from."""
        _, dot, extension = filename.rpartition(".")
        try:
            return cls(extension.lower()) if dot else None
        except ValueError:
            return None


@attrs.frozen
class TextLimits:
    """What extracting one document may take (CHATCORE_TEXT_*); past the size the text is
    cut (and says so), past the time or memory the extraction fails."""

    max_chars: int = attrs.field(default=5_000_000, validator=attrs.validators.gt(0))
    timeout_seconds: float = attrs.field(default=60.0, validator=attrs.validators.gt(0))
    # The extracting process's address space: a hostile document fails rather than taking
    # the machine's memory.
    max_memory_bytes: int = attrs.field(default=1024 * MIB, validator=attrs.validators.gt(0))


@attrs.frozen
class DocumentText:
    """What an extractor made of one document: its text (cut at the limit, and then
    `truncated`), or the reason it has none (`failed` or `unsupported`)."""

    status: TextStatus
    text: str = ""
    truncated: bool = False
    reason: str | None = None

    @classmethod
    def ready(cls, text: str, truncated: bool = False) -> "DocumentText":
        return cls(TextStatus.READY, text, truncated)

    @classmethod
    def unsupported(cls, reason: str) -> "DocumentText":
        """A document whose text cannot be had here (encrypted, scanned, no tool for it)."""
        return cls(TextStatus.UNSUPPORTED, reason=reason)

    @classmethod
    def failed(cls, reason: str) -> "DocumentText":
        """A document that could not be read (malformed, over the time or memory limit)."""
        return cls(TextStatus.FAILED, reason=reason)


@attrs.frozen
class TextState:
    """An artifact's text as its metadata tells it: status, its length in characters,
    whether it was cut at the limit, and the reason when there is none."""

    status: TextStatus = TextStatus.PENDING
    length: int = 0
    truncated: bool = False
    error: str | None = None

    @classmethod
    def of_inline(cls, content: str) -> "TextState":
        """A text artifact's content is its text at once."""
        return cls(TextStatus.READY, length=len(content))

    @classmethod
    def of(cls, document: DocumentText, length: int) -> "TextState":
        """The state an extraction's outcome leaves (`length` of the stored text)."""
        return cls(document.status, length, document.truncated, document.reason)


def text_claimable(status: TextStatus, lease_expires_at: datetime | None, now: datetime) -> bool:
    """Whether a worker may claim a text: pending, or held by a lease that has expired."""
    if status is TextStatus.PENDING:
        return True
    return (
        status is TextStatus.EXTRACTING and lease_expires_at is not None and lease_expires_at <= now
    )
