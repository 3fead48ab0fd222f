"""Which texts of a message or an artifact are searchable, and keeping the index up to date."""

from collections.abc import Callable, Iterator

import attrs

from chatcore.artifacts.model import Artifact, ArtifactStatus, ArtifactType, file_key
from chatcore.artifacts.ports import ArtifactFileRepository, ArtifactRepository, ObjectStore
from chatcore.artifacts.stored_text import StoredTexts
from chatcore.artifacts.texts import TextStatus
from chatcore.chats.model import Message
from chatcore.search.model import HitKind, IndexedText
from chatcore.search.ports import SearchIndex, SearchSources
from chatcore.search.text import SEARCHABLE_CHARS
from chatcore.shared.ids import UserId

# Bigger files of archives and repositories are data (dumps, bundles), not prose or code
# anyone searches; reading them would cost more than they give.
FILE_MAX_BYTES = 1024 * 1024
# Texts written to the index at once: a repository's files go in batches, not one by one.
BATCH = 500


def message_text(owner_id: UserId, message: Message) -> IndexedText:
    """The searchable text of a message of `owner_id`'s session."""
    return IndexedText.of(
        owner_id,
        message.session_id,
        HitKind.MESSAGE,
        message.id,
        message.created_at,
        message.content,
    )


def artifact_text(artifact: Artifact, text: str) -> IndexedText:
    """The searchable text of a single-text artifact (a `text` artifact, a document)."""
    return IndexedText.of(
        artifact.owner_id,
        artifact.session_id,
        HitKind.ARTIFACT,
        artifact.id,
        artifact.created_at,
        text,
    )


def file_texts(
    artifact: Artifact, files: ArtifactFileRepository, objects: ObjectStore
) -> Iterator[IndexedText]:
    """The searchable texts of an archive's or repository's files: those that are UTF-8
    text (no NUL) of at most FILE_MAX_BYTES, read one at a time."""
    offset = 0
    while True:
        page = files.page(artifact.id, 1000, offset)
        for file in page.files:
            if file.size > FILE_MAX_BYTES:
                continue
            stream = objects.open(file_key(artifact.id, file.path))
            if stream is None:
                continue  # an index entry whose bytes are gone: nothing to read
            with stream:
                data = stream.read(FILE_MAX_BYTES + 1)
            text = _text_of(data)
            if text is not None:
                yield IndexedText.of(
                    artifact.owner_id,
                    artifact.session_id,
                    HitKind.ARTIFACT,
                    artifact.id,
                    artifact.created_at,
                    text,
                    path=file.path,
                )
        offset += len(page.files)
        if not page.files or offset >= page.total:
            return


def _text_of(data: bytes) -> str | None:
    if len(data) > FILE_MAX_BYTES or b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


@attrs.frozen
class IndexingProgress:
    """How far the first indexing of old data has gone: items read and texts indexed."""

    source: str
    items: int
    texts: int
    done: bool


@attrs.define
class SearchBackfill:
    """Indexes, once, what existed before the index did: resumable, batch by batch.

    Each batch records how far it got, so that a restart carries on from there; items
    already indexed (by the live path, or by a batch whose mark was lost) are skipped.
    """

    sources: SearchSources
    index: SearchIndex
    artifacts: ArtifactRepository
    files: ArtifactFileRepository
    objects: ObjectStore
    report: Callable[[IndexingProgress], None] = lambda progress: None
    batch: int = BATCH

    TASK_MESSAGES = "backfill/messages"
    TASK_ARTIFACTS = "backfill/artifacts"
    DONE = "done"

    def run(self, stop: Callable[[], bool] = lambda: False) -> bool:
        """Index the old messages, then the old artifacts; True once both are done."""
        return self._catch_up(self.TASK_MESSAGES, "messages", self._messages, stop) and (
            self._catch_up(self.TASK_ARTIFACTS, "artifacts", self._artifacts, stop)
        )

    def restart(self) -> None:
        """Start over at the next run (what was written meanwhile went unindexed): items
        already indexed are skipped, so only the reading is done again."""
        for task in (self.TASK_MESSAGES, self.TASK_ARTIFACTS):
            self.index.record_progress(task, "")

    def _catch_up(
        self,
        task: str,
        source: str,
        index_after: Callable[[str | None], tuple[int, int, str | None]],
        stop: Callable[[], bool],
    ) -> bool:
        """Run `index_after` from where `task` stands until nothing is left, recording
        the place after each batch; False if `stop` said so first."""
        mark = self.index.progress(task) or None
        items = texts = 0
        while mark != self.DONE:
            if stop():
                return False
            read, indexed, last = index_after(mark)
            items, texts, mark = items + read, texts + indexed, last or self.DONE
            self.index.record_progress(task, mark)
            self.report(IndexingProgress(source, items, texts, mark == self.DONE))
        return True

    def _messages(self, after: str | None) -> tuple[int, int, str | None]:
        batch, last = self.sources.messages_after(after, self.batch)
        known = self.index.indexed([message.id for _, message in batch])
        new = [message_text(owner, m) for owner, m in batch if m.id not in known]
        self.index.add(new)
        return len(batch), len(new), last

    def _artifacts(self, after: str | None) -> tuple[int, int, str | None]:
        batch, last = self.sources.artifacts_after(after, self.batch)
        known = self.index.indexed(batch)
        texts = 0
        for artifact_id in batch:
            artifact = self.artifacts.get(artifact_id)
            if artifact_id not in known and artifact is not None:
                texts += self.index_artifact(artifact)
        return len(batch), texts, last

    def index_artifact(self, artifact: Artifact) -> int:
        """Index an artifact's searchable texts as it stands; how many texts."""
        return index_artifact(self.index, self.files, self.objects, artifact, self.batch)


def texts_of(
    artifact: Artifact, files: ArtifactFileRepository, objects: ObjectStore
) -> Iterator[IndexedText]:
    """An artifact's searchable texts: a text artifact's content, an archive's or a ready
    repository's text files (read back from storage, one at a time), a document's text."""
    if artifact.type is ArtifactType.TEXT and artifact.content:
        yield artifact_text(artifact, artifact.content)
    elif artifact.has_file_index and artifact.ingestion.status is ArtifactStatus.READY:
        yield from file_texts(artifact, files, objects)
    elif artifact.text is not None and artifact.text.status is TextStatus.READY:
        # An uploaded document's extracted text, read piece by piece as far as is searched.
        pieces = StoredTexts(objects).pieces(
            artifact.id, min(artifact.text.length, SEARCHABLE_CHARS)
        )
        yield artifact_text(artifact, "".join(pieces))


def index_artifact(
    index: SearchIndex,
    files: ArtifactFileRepository,
    objects: ObjectStore,
    artifact: Artifact,
    batch: int = BATCH,
) -> int:
    """Index an artifact's searchable texts, `batch` at a time; how many texts."""
    count = 0
    for texts in batches(texts_of(artifact, files, objects), batch):
        index.add(texts)
        count += len(texts)
    return count


def batches(texts: Iterator[IndexedText], size: int = BATCH) -> Iterator[list[IndexedText]]:
    """The texts in lists of `size`: how they are written to the index."""
    batch: list[IndexedText] = []
    for text in texts:
        batch.append(text)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
