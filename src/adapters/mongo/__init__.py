"""MongoDB adapters (pymongo): every repository over one database."""

from adapters.mongo.database import MongoDatabase

__all__ = ["MongoDatabase"]
