from collections.abc import Iterable, Sequence
from datetime import datetime

from pymongo import ASCENDING

from adapters.mongo import purging
from adapters.mongo.documents import (
    LIVE,
    Document,
    Documents,
    deletion_fields,
    id_of,
    object_id,
    or_none,
    utc,
    utc_or_none,
)
from adapters.mongo.leases import Leases
from chatcore.artifacts.model import (
    Artifact,
    ArtifactFile,
    ArtifactStatus,
    ArtifactType,
    Claim,
    FilePage,
    Ingestion,
    StoredUpload,
)
from chatcore.artifacts.texts import TextState, TextStatus
from chatcore.shared.ids import ArtifactId, SessionId, UserId
from chatcore.shared.paging import Position


class MongoArtifactRepository:
    def __init__(self, artifacts: Documents) -> None:
        self._artifacts = artifacts

    def create_indexes(self) -> None:
        # Serves list_for_session and the session-delete cascade.
        self._artifacts.create_index(
            [("session_id", ASCENDING), ("deleted", ASCENDING), ("_id", ASCENDING)]
        )
        # Serves page_for_session: equality on session and liveness, then in listing order.
        self._artifacts.create_index(
            [
                ("session_id", ASCENDING),
                ("deleted", ASCENDING),
                ("created_at", ASCENDING),
                ("_id", ASCENDING),
            ]
        )
        INGESTION.create_index(self._artifacts)
        purging.index_deleted(self._artifacts)

    def add(self, artifact: Artifact) -> None:
        self._artifacts.insert_one(_to_document(artifact))

    def get(self, artifact_id: ArtifactId) -> Artifact | None:
        return or_none(self._artifacts.find_one(_by_id(artifact_id)), _from_document)

    def list_for_session(self, session_id: SessionId) -> list[Artifact]:
        cursor = self._artifacts.find({"session_id": object_id(session_id), **LIVE}).sort(
            "_id", ASCENDING
        )
        return [_from_document(document) for document in cursor]

    def page_for_session(
        self, session_id: SessionId, limit: int, after: Position | None = None
    ) -> list[Artifact]:
        if limit <= 0:  # pymongo reads a limit of 0 as "no limit"
            return []
        query: Document = {"session_id": object_id(session_id), **LIVE}
        if after is not None:
            query["$or"] = [
                {"created_at": {"$gt": after.at}},
                {"created_at": after.at, "_id": {"$gt": object_id(after.id)}},
            ]
        cursor = (
            self._artifacts.find(query)
            .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [_from_document(document) for document in cursor]

    def update(self, artifact: Artifact) -> bool:
        result = self._artifacts.update_one(
            {**_by_id(artifact.id), **LIVE},
            {"$set": {"name": artifact.name, "updated_at": artifact.updated_at}},
        )
        return result.matched_count == 1

    def count_unfinished(self) -> dict[ArtifactStatus, int]:
        counts = {ArtifactStatus.PENDING: 0, ArtifactStatus.INGESTING: 0}
        for status in counts:
            counts[status] = self._artifacts.count_documents(
                {"type": ArtifactType.REPOSITORY.value, "status": status.value, **LIVE}
            )
        return counts

    def add_unless_busy(self, artifact: Artifact, max_unfinished: int) -> bool:
        # MongoDB has no count-and-insert in one step without a transaction, so the new
        # job is inserted first as a reservation (`deleted`, so nothing lists or claims
        # it), then the owner's unfinished jobs are counted, reservations included, and it
        # is either made live or removed. Every adder counts after its own insert, so of
        # racing adders the last to count sees all the others: never more than the cap
        # (a race may refuse one that would have fitted, never admit one too many).
        document = {**_to_document(artifact), "deleted": True}
        self._artifacts.insert_one(document)
        busy = self._artifacts.count_documents(
            {
                "user_id": document["user_id"],
                "type": ArtifactType.REPOSITORY.value,
                "status": {"$in": _UNFINISHED},
                "deleted_at": None,
            }
        )
        if busy > max_unfinished:
            self._artifacts.delete_one({"_id": document["_id"]})
            return False
        self._artifacts.update_one({"_id": document["_id"]}, {"$set": {"deleted": False}})
        return True

    def claim_next(self, owner: str, at: datetime, until: datetime) -> Claim | None:
        claimed = INGESTION.claim_next(self._artifacts, owner, at, until)
        if claimed is None:
            return None
        document, attempt = claimed
        return Claim(_from_document(document), owner, until, attempt)

    def renew_claim(self, artifact_id: ArtifactId, owner: str, until: datetime) -> bool:
        return INGESTION.renew(self._artifacts, artifact_id, owner, until)

    def release_claim(self, artifact_id: ArtifactId, owner: str) -> bool:
        return INGESTION.release(self._artifacts, artifact_id, owner)

    def finish_claim(
        self, artifact_id: ArtifactId, owner: str, ingestion: Ingestion, at: datetime
    ) -> Artifact | None:
        fields = {**_ingestion_fields(ingestion), "updated_at": at}
        return or_none(
            INGESTION.finish(self._artifacts, artifact_id, owner, fields), _from_document
        )

    def mark_deleted(self, artifact_id: ArtifactId, at: datetime) -> bool:
        result = self._artifacts.update_one(
            {**_by_id(artifact_id), **LIVE}, {"$set": deletion_fields(at)}
        )
        return result.modified_count == 1

    def disable_for_sessions(self, session_ids: Sequence[SessionId], at: datetime) -> int:
        if not session_ids:
            return 0
        result = self._artifacts.update_many(
            {"session_id": {"$in": [object_id(s) for s in session_ids]}, **LIVE},
            {"$set": deletion_fields(at)},
        )
        return result.modified_count

    def deleted_before(self, cutoff: datetime, limit: int) -> list[Artifact]:
        documents = purging.deleted_before(self._artifacts, cutoff, limit)
        return [_from_document(document) for document in documents]

    def all_for_sessions(self, session_ids: Sequence[SessionId]) -> list[Artifact]:
        if not session_ids:
            return []
        cursor = self._artifacts.find(
            {"session_id": {"$in": [object_id(s) for s in session_ids]}}
        ).sort("_id", ASCENDING)
        return [_from_document(document) for document in cursor]

    def remove(self, artifact_ids: Sequence[ArtifactId]) -> None:
        purging.delete_ids(self._artifacts, artifact_ids)


class MongoArtifactFileRepository:
    def __init__(self, files: Documents) -> None:
        self._files = files

    def create_indexes(self) -> None:
        # Unique paths per artifact, and pages by path are a walk along this index.
        self._files.create_index([("artifact_id", ASCENDING), ("path", ASCENDING)], unique=True)

    def add_many(self, artifact_id: ArtifactId, files: Iterable[ArtifactFile]) -> None:
        owner = object_id(artifact_id)
        documents = [
            {"artifact_id": owner, "path": file.path, "size": file.size, "type": file.type}
            for file in files
        ]
        if documents:
            self._files.insert_many(documents, ordered=False)

    def page(self, artifact_id: ArtifactId, limit: int, offset: int) -> FilePage:
        owner = {"artifact_id": object_id(artifact_id)}
        cursor = (
            self._files.find(owner, {"_id": 0, "path": 1, "size": 1, "type": 1})
            .sort("path", ASCENDING)
            .skip(offset)
            .limit(limit)
        )
        files = [_to_file(document) for document in cursor]
        return FilePage(files=files, total=self._files.count_documents(owner))

    def get(self, artifact_id: ArtifactId, path: str) -> ArtifactFile | None:
        document = self._files.find_one({"artifact_id": object_id(artifact_id), "path": path})
        return or_none(document, _to_file)

    def remove_all(self, artifact_id: ArtifactId) -> None:
        self._files.delete_many({"artifact_id": object_id(artifact_id)})


_UNFINISHED = [ArtifactStatus.PENDING.value, ArtifactStatus.INGESTING.value]
# Repository ingestion's claims: the artifact's own status, lease and attempts.
INGESTION = Leases("status", ArtifactStatus.INGESTING.value, "lease", "attempts")


def _by_id(artifact_id: ArtifactId) -> Document:
    return {"_id": object_id(artifact_id)}


def _ingestion_fields(ingestion: Ingestion) -> Document:
    return {
        "status": ingestion.status.value,
        "files_count": ingestion.files_count,
        "commit": ingestion.commit,
        "error": ingestion.error,
    }


def _to_document(artifact: Artifact) -> Document:
    upload = artifact.upload
    return {
        "_id": object_id(artifact.id),
        "session_id": object_id(artifact.session_id),
        "user_id": object_id(artifact.owner_id),
        "type": artifact.type.value,
        "name": artifact.name,
        "source": artifact.source,
        "content": artifact.content,
        "size": artifact.size,
        "upload": None
        if upload is None
        else {
            "object_key": upload.object_key,
            "filename": upload.filename,
            "content_type": upload.content_type,
        },
        **_ingestion_fields(artifact.ingestion),
        "text": _text_fields(artifact.text),
        "created_at": artifact.created_at,
        "updated_at": artifact.updated_at,
        **deletion_fields(artifact.deleted_at),
    }


def _from_document(document: Document) -> Artifact:
    upload = document["upload"]
    return Artifact(
        id=ArtifactId(id_of(document["_id"])),
        session_id=SessionId(id_of(document["session_id"])),
        owner_id=UserId(id_of(document["user_id"])),
        type=ArtifactType(document["type"]),
        name=document["name"],
        source=document["source"],
        content=document["content"],
        size=document["size"],
        upload=None
        if upload is None
        else StoredUpload(upload["object_key"], upload["filename"], upload["content_type"]),
        ingestion=Ingestion(
            status=ArtifactStatus(document["status"]),
            files_count=document["files_count"],
            commit=document["commit"],
            error=document["error"],
        ),
        text=_text_of(document.get("text")),
        created_at=utc(document["created_at"]),
        updated_at=utc(document["updated_at"]),
        deleted_at=utc_or_none(document["deleted_at"]),
    )


def _text_fields(text: TextState | None) -> Document | None:
    if text is None:
        return None
    return {
        "status": text.status.value,
        "length": text.length,
        "truncated": text.truncated,
        "error": text.error,
    }


def _text_of(fields: Document | None) -> TextState | None:
    if fields is None:
        return None
    return TextState(
        status=TextStatus(fields["status"]),
        length=fields["length"],
        truncated=fields["truncated"],
        error=fields["error"],
    )


def _to_file(document: Document) -> ArtifactFile:
    return ArtifactFile(path=document["path"], size=document["size"], type=document["type"])
