from datetime import datetime

from pymongo.errors import DuplicateKeyError

from adapters.mongo.documents import Documents


class MongoPeriodicJobs:
    """One document per job, keyed by its name: {_id: name, owner, until}."""

    def __init__(self, jobs: Documents) -> None:
        self._jobs = jobs

    def create_indexes(self) -> None:
        """Nothing beyond _id: each claim finds its job by name."""

    def claim(self, name: str, owner: str, at: datetime, until: datetime) -> bool:
        # One conditional upsert: it updates a job whose claim has run out, or inserts the
        # first claim; while another claim holds, the filter misses and the insert of the
        # same _id fails, so of racing claimers exactly one wins.
        try:
            self._jobs.update_one(
                {"_id": name, "until": {"$lte": at}},
                {"$set": {"owner": owner, "until": until}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True
