"""Text gathered piece by piece up to a number of characters, then cut and marked so."""

from chatcore.artifacts.texts import DocumentText


class TextBuffer:
    """Keeps at most `max_chars` characters; what comes after is dropped and noted."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.length = 0
        self.truncated = False
        self._parts: list[str] = []

    @property
    def full(self) -> bool:
        return self.truncated or self.length >= self.max_chars

    def add(self, text: str) -> bool:
        """Keep `text`, or as much of it as fits; False once nothing more fits."""
        room = self.max_chars - self.length
        if len(text) > room:
            text = text[:room]
            self.truncated = True
        self._parts.append(text)
        self.length += len(text)
        return not self.truncated

    def has_words(self) -> bool:
        return any(part.strip() for part in self._parts)

    def result(self) -> DocumentText:
        return DocumentText.ready("".join(self._parts), self.truncated)
