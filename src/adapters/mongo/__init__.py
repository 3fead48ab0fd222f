"""MongoDB adapters (pymongo): every repository over one database."""

from adapters.mongo.database import MongoDatabase
from adapters.mongo.messages import MongoMessageRepository
from adapters.mongo.room_messages import MongoRoomMessageRepository

__all__ = ["MongoDatabase", "MongoMessageRepository", "MongoRoomMessageRepository"]
