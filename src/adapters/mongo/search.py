"""The search index in MongoDB: each text's distinct terms in a multikey index.

Not a MongoDB text index: `$text` has no prefix search, ranks by a score of its own, and
does not run on mongomock (which raises NotImplementedError for it) — so this adapter would
neither give the results SQLite gives nor be testable here. An index on (owner, terms)
serves whole terms (`$all`) and prefixes (an anchored regex, a range on the index) alike,
on a real server and on mongomock; `SearchQuery.matches` then checks phrases and order on
the few candidates, exactly as FTS5 does.
"""

import re
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import BulkWriteError

from adapters.mongo.documents import LIVE, Document, Documents, id_of, object_id, utc
from chatcore.chats.model import Message, MessageRole
from chatcore.search.model import Candidate, Hit, HitKind, IndexedText
from chatcore.search.query import SearchQuery
from chatcore.search.ranking import rank
from chatcore.shared.ids import ArtifactId, MessageId, SessionId, UserId
from chatcore.shared.paging import Rank

_DUPLICATE_KEY = 11000


class MongoSearchIndex:
    def __init__(
        self,
        texts: Documents,
        progress: Documents,
        sessions: Documents,
        messages: Documents,
        artifacts: Documents,
    ) -> None:
        self._texts = texts
        self._progress = progress
        self._sessions = sessions
        self._messages = messages
        self._artifacts = artifacts

    def create_indexes(self) -> None:
        self._texts.create_index([("owner_id", ASCENDING), ("terms", ASCENDING)])
        self._texts.create_index([("item_id", ASCENDING)])
        self._texts.create_index([("session_id", ASCENDING)])

    def add(self, texts: Sequence[IndexedText]) -> None:
        if not texts:
            return
        # Keyed by the text's key: a text indexed twice (a retried batch) is kept once.
        try:
            self._texts.insert_many(
                [{"_id": object_id(text.candidate.key), **_document(text)} for text in texts],
                ordered=False,
            )
        except BulkWriteError as error:
            if any(failure["code"] != _DUPLICATE_KEY for failure in error.details["writeErrors"]):
                raise

    def ranked(
        self,
        owner_id: UserId,
        query: SearchQuery,
        session_id: SessionId | None,
        after: Rank | None,
        limit: int,
    ) -> list[Hit]:
        wanted: Document = {"owner_id": object_id(owner_id)}
        if session_id is not None:
            wanted["session_id"] = object_id(session_id)
        if query.words:
            wanted["terms"] = {"$all": sorted(query.words)}
        if query.prefixes:
            wanted["$and"] = [
                {"terms": {"$regex": f"^{re.escape(prefix)}"}} for prefix in sorted(query.prefixes)
            ]
        found = [
            _candidate(document)
            for document in self._texts.find(wanted, {"terms": 0, "text": 0})
            if query.matches(document["searchable"])
        ]
        return rank(query, self._live(found), after, limit)

    def settle(self) -> int:
        return 0  # nothing deferred: each insert is indexed as it is written

    def texts(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        documents = self._texts.find({"_id": {"$in": [object_id(k) for k in keys]}}, {"text": 1})
        return {id_of(document["_id"]): document["text"] for document in documents}

    def indexed(self, item_ids: Sequence[str]) -> set[str]:
        if not item_ids:
            return set()
        documents = self._texts.find(
            {"item_id": {"$in": [object_id(item) for item in item_ids]}}, {"item_id": 1}
        )
        return {id_of(document["item_id"]) for document in documents}

    def remove_items(self, item_ids: Sequence[str]) -> None:
        if item_ids:
            self._texts.delete_many({"item_id": {"$in": [object_id(i) for i in item_ids]}})

    def remove_for_sessions(self, session_ids: Sequence[SessionId]) -> None:
        if session_ids:
            self._texts.delete_many({"session_id": {"$in": [object_id(s) for s in session_ids]}})

    def progress(self, task: str) -> str | None:
        document = self._progress.find_one({"_id": task})
        return None if document is None else str(document["mark"])

    def record_progress(self, task: str, mark: str) -> None:
        self._progress.update_one({"_id": task}, {"$set": {"mark": mark}}, upsert=True)

    def _live(self, texts: list[Candidate]) -> list[Candidate]:
        """The texts whose session and message or artifact are live: three lookups by id."""
        if not texts:
            return []
        sessions = _live_ids(self._sessions, {text.session_id for text in texts})
        messages = _live_ids(
            self._messages, {t.item_id for t in texts if t.kind is HitKind.MESSAGE}
        )
        artifacts = _live_ids(
            self._artifacts, {t.item_id for t in texts if t.kind is HitKind.ARTIFACT}
        )
        return [
            text
            for text in texts
            if text.session_id in sessions
            and text.item_id in (messages if text.kind is HitKind.MESSAGE else artifacts)
        ]


class MongoSearchSources:
    def __init__(self, sessions: Documents, messages: Documents, artifacts: Documents) -> None:
        self._sessions = sessions
        self._messages = messages
        self._artifacts = artifacts

    def messages_after(
        self, after: str | None, limit: int
    ) -> tuple[list[tuple[UserId, Message]], str | None]:
        documents = _after(self._messages, after, limit)
        session_ids = {document["session_id"] for document in documents}
        owners = {
            session["_id"]: UserId(id_of(session["user_id"]))
            for session in self._sessions.find({"_id": {"$in": list(session_ids)}}, {"user_id": 1})
        }
        found = [
            (owners[document["session_id"]], _message(document))
            for document in documents
            if not document["deleted"] and document["session_id"] in owners
        ]
        return found, id_of(documents[-1]["_id"]) if documents else None

    def artifacts_after(self, after: str | None, limit: int) -> tuple[list[ArtifactId], str | None]:
        documents = _after(self._artifacts, after, limit, {"deleted": 1})
        found = [ArtifactId(id_of(d["_id"])) for d in documents if not d["deleted"]]
        return found, id_of(documents[-1]["_id"]) if documents else None


def _after(
    documents: Documents, after: str | None, limit: int, projection: Document | None = None
) -> list[Document]:
    wanted: Document = {} if after is None else {"_id": {"$gt": object_id(after)}}
    return list(documents.find(wanted, projection).sort("_id", ASCENDING).limit(limit))


def _live_ids(documents: Documents, ids: set[str]) -> set[str]:
    found = documents.find({"_id": {"$in": [object_id(i) for i in ids]}, **LIVE}, {"_id": 1})
    return {id_of(document["_id"]) for document in found}


def _document(text: IndexedText) -> Document:
    found = text.candidate
    return {
        "owner_id": object_id(text.owner_id),
        "session_id": object_id(found.session_id),
        "kind": found.kind.value,
        "item_id": object_id(found.item_id),
        "path": found.path,
        "created_at": found.created_at,
        "searchable": found.searchable,
        "terms": sorted(set(found.searchable.split())),
        "text": text.text,
    }


def _candidate(document: dict[str, Any]) -> Candidate:
    return Candidate(
        key=id_of(document["_id"]),
        session_id=SessionId(id_of(document["session_id"])),
        kind=HitKind(document["kind"]),
        item_id=id_of(document["item_id"]),
        path=document["path"],
        created_at=utc(document["created_at"]),
        searchable=document["searchable"],
    )


def _message(document: Document) -> Message:
    return Message(
        id=MessageId(id_of(document["_id"])),
        session_id=SessionId(id_of(document["session_id"])),
        author_id=UserId(id_of(document["user_id"])),
        content=document["content"],
        role=MessageRole(document["role"]),
        created_at=utc(document["created_at"]),
        updated_at=utc(document["updated_at"]),
    )
