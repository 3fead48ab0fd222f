from datetime import UTC, datetime, timedelta
from typing import Self

from pymongo import MongoClient

from adapters.mongo.artifacts import MongoArtifactFileRepository, MongoArtifactRepository
from adapters.mongo.audit import MongoAuditLog
from adapters.mongo.documents import Document, Documents
from adapters.mongo.mail_queue import MongoMailQueue
from adapters.mongo.messages import MongoMessageRepository
from adapters.mongo.objects import GridFsObjectStore
from adapters.mongo.one_time_tokens import MongoOneTimeTokenStore
from adapters.mongo.periodic_jobs import MongoPeriodicJobs
from adapters.mongo.repair import Repaired, repair
from adapters.mongo.room_messages import MongoRoomMessageRepository
from adapters.mongo.search import MongoSearchIndex, MongoSearchSources
from adapters.mongo.sessions import MongoSessionRepository
from adapters.mongo.text_jobs import MongoTextJobs
from adapters.mongo.unit_of_work import (
    MongoUnitOfWork,
    joining_transactions,
    supports_transactions,
)
from adapters.mongo.users import MongoUserRepository
from chatcore.shared.unit_of_work import SeparateWrites, UnitOfWork

DEFAULT_DATABASE = "chatcore"
# Fail a request (and ping) within seconds when the server is unreachable, not after 30.
SERVER_SELECTION_TIMEOUT_MS = 5000
# Without transactions, opening repairs what a crash left in the sessions touched this long
# ago at most (repair.py): a crash is followed by a restart well within it.
REPAIR_WINDOW = timedelta(days=1)


class MongoDatabase:
    """Every Mongo repository over one database of `client`; indexes are made on opening."""

    # Every call is a network round trip.
    in_process = False

    def __init__(
        self, client: MongoClient[Document], name: str, *, drop_on_close: bool = False
    ) -> None:
        self._client = client
        self._name = name
        self._drop_on_close = drop_on_close
        database = client[name]
        # Multi-document transactions need a replica set; without one the use cases' order
        # of writes (the change first, its email last) and `repair` are what holds.
        self.transactional = supports_transactions(client)

        def collection(name: str) -> Documents:
            documents = database[name]
            return joining_transactions(documents) if self.transactional else documents

        self.users = MongoUserRepository(collection("users"))
        self.one_time_tokens = MongoOneTimeTokenStore(collection("one_time_tokens"))
        self.sessions = MongoSessionRepository(collection("chat_sessions"))
        self.messages = MongoMessageRepository(collection("messages"))
        self.room_messages = MongoRoomMessageRepository(collection("room_messages"))
        self.audit = MongoAuditLog(collection("audit_events"))
        self.artifacts = MongoArtifactRepository(collection("artifacts"))
        self.artifact_files = MongoArtifactFileRepository(collection("artifact_files"))
        self.text_jobs = MongoTextJobs(collection("artifacts"))
        self.mail_queue = MongoMailQueue(collection("mail_outbox"))
        self.unit_of_work: UnitOfWork = (
            MongoUnitOfWork(client) if self.transactional else SeparateWrites()
        )
        self.periodic_jobs = MongoPeriodicJobs(collection("periodic_jobs"))
        live = (collection("chat_sessions"), collection("messages"), collection("artifacts"))
        self.search = MongoSearchIndex(
            collection("search_texts"), collection("search_progress"), *live
        )
        self.search_sources = MongoSearchSources(*live)
        for repository in (
            self.users,
            self.one_time_tokens,
            self.sessions,
            self.messages,
            self.room_messages,
            self.audit,
            self.artifacts,
            self.artifact_files,
            self.text_jobs,
            self.mail_queue,
            self.periodic_jobs,
            self.search,
        ):
            repository.create_indexes()
        if not self.transactional:
            now = datetime.now(UTC)
            # Nothing of this process is between two writes yet.
            self.repair(since=now - REPAIR_WINDOW, settled_before=now)

    def repair(self, since: datetime, settled_before: datetime) -> Repaired:
        """Finish what a crash between two writes since `since` left half done (repair.py)."""
        database = self._client[self._name]
        return repair(
            database["users"],
            database["chat_sessions"],
            database["messages"],
            database["artifacts"],
            since,
            settled_before,
        )

    @classmethod
    def from_url(cls, url: str) -> Self:
        """Open a mongodb:// or mongodb+srv:// URL; its path names the database."""
        client: MongoClient[Document] = MongoClient(
            url, serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS, tz_aware=True
        )
        try:
            return cls(client, client.get_default_database(default=DEFAULT_DATABASE).name)
        except BaseException:
            # Creating the indexes is the first round trip: do not leak the client's threads.
            client.close()
            raise

    def object_store(self) -> GridFsObjectStore:
        """Object storage in this database's GridFS, shared by every server process."""
        return GridFsObjectStore(self._client[self._name])

    def ping(self) -> None:
        """Raise unless the server answers."""
        self._client[self._name].command("ping")

    def close(self) -> None:
        if self._drop_on_close:
            self._client.drop_database(self._name)
        self._client.close()
