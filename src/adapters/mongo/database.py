from typing import Self

from pymongo import MongoClient

from adapters.mongo.artifacts import MongoArtifactFileRepository, MongoArtifactRepository
from adapters.mongo.audit import MongoAuditLog
from adapters.mongo.documents import Document
from adapters.mongo.mail_queue import MongoMailQueue
from adapters.mongo.messages import MongoMessageRepository
from adapters.mongo.objects import GridFsObjectStore
from adapters.mongo.one_time_tokens import MongoOneTimeTokenStore
from adapters.mongo.periodic_jobs import MongoPeriodicJobs
from adapters.mongo.room_messages import MongoRoomMessageRepository
from adapters.mongo.search import MongoSearchIndex, MongoSearchSources
from adapters.mongo.sessions import MongoSessionRepository
from adapters.mongo.users import MongoUserRepository
from chatcore.shared.unit_of_work import SeparateWrites

DEFAULT_DATABASE = "chatcore"
# Fail a request (and ping) within seconds when the server is unreachable, not after 30.
SERVER_SELECTION_TIMEOUT_MS = 5000


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
        self.users = MongoUserRepository(database["users"])
        self.one_time_tokens = MongoOneTimeTokenStore(database["one_time_tokens"])
        self.sessions = MongoSessionRepository(database["chat_sessions"])
        self.messages = MongoMessageRepository(database["messages"])
        self.room_messages = MongoRoomMessageRepository(database["room_messages"])
        self.audit = MongoAuditLog(database["audit_events"])
        self.artifacts = MongoArtifactRepository(database["artifacts"])
        self.artifact_files = MongoArtifactFileRepository(database["artifact_files"])
        self.mail_queue = MongoMailQueue(database["mail_outbox"])
        # Multi-document transactions need a replica set: the use cases' order of writes
        # (the change first, its email last) is what holds here (see UnitOfWork).
        self.unit_of_work = SeparateWrites()
        self.periodic_jobs = MongoPeriodicJobs(database["periodic_jobs"])
        live = (database["chat_sessions"], database["messages"], database["artifacts"])
        self.search = MongoSearchIndex(database["search_texts"], database["search_progress"], *live)
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
            self.mail_queue,
            self.periodic_jobs,
            self.search,
        ):
            repository.create_indexes()

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
