"""The mail outbox as a collection: every change of an email is one atomic document update."""

from datetime import datetime

from pymongo import ASCENDING, ReturnDocument

from adapters.mongo.documents import Document, Documents, id_of, object_id, utc, utc_or_none
from chatcore.mail.model import DeliveryState, OutgoingEmail, QueuedEmail

_DUE = [DeliveryState.PENDING.value, DeliveryState.SENDING.value]


class MongoMailQueue:
    def __init__(self, emails: Documents) -> None:
        self._emails = emails

    def create_indexes(self) -> None:
        # Only emails still to deliver, in the order senders claim them.
        self._emails.create_index(
            [("due_at", ASCENDING), ("_id", ASCENDING)],
            partialFilterExpression={"due": True},
        )

    def enqueue(self, email: QueuedEmail) -> None:
        self._emails.insert_one(
            {
                "_id": object_id(email.id),
                "to": email.email.to,
                "subject": email.email.subject,
                "body": email.email.body,
                "queued_at": email.queued_at,
                "due_at": email.due_at,
                "state": email.state.value,
                # A boolean for the partial index ($in is not allowed in its filter).
                "due": email.state.value in _DUE,
                "attempts": email.attempts,
                "owner": email.owner,
                "last_error": email.last_error,
                "finished_at": email.finished_at,
            }
        )

    def get(self, email_id: str) -> QueuedEmail | None:
        document = self._emails.find_one({"_id": object_id(email_id)})
        return None if document is None else _to_email(document)

    def depth(self) -> int:
        return self._emails.count_documents({"due": True})

    def claim_next(self, owner: str, at: datetime, until: datetime) -> QueuedEmail | None:
        # One find_one_and_update: the match and the change are one atomic step.
        document = self._emails.find_one_and_update(
            {"due": True, "due_at": {"$lte": at}},
            {
                "$set": {"state": DeliveryState.SENDING.value, "owner": owner, "due_at": until},
                "$inc": {"attempts": 1},
            },
            sort=[("due_at", ASCENDING), ("_id", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return None if document is None else _to_email(document)

    def mark_sent(self, email_id: str, owner: str, at: datetime) -> bool:
        return self._finish(
            email_id, owner, {"state": DeliveryState.SENT.value, "due": False, "finished_at": at}
        )

    def retry_later(self, email_id: str, owner: str, due_at: datetime, error: str) -> bool:
        return self._finish(
            email_id,
            owner,
            {"state": DeliveryState.PENDING.value, "due_at": due_at, "last_error": error},
        )

    def give_up(self, email_id: str, owner: str, at: datetime, error: str) -> bool:
        return self._finish(
            email_id,
            owner,
            {
                "state": DeliveryState.GIVEN_UP.value,
                "due": False,
                "finished_at": at,
                "last_error": error,
            },
        )

    def _finish(self, email_id: str, owner: str, changes: Document) -> bool:
        result = self._emails.update_one(
            {"_id": object_id(email_id), "state": DeliveryState.SENDING.value, "owner": owner},
            {"$set": {**changes, "owner": None}},
        )
        return result.modified_count == 1


def _to_email(document: Document) -> QueuedEmail:
    return QueuedEmail(
        id=id_of(document["_id"]),
        email=OutgoingEmail(to=document["to"], subject=document["subject"], body=document["body"]),
        queued_at=utc(document["queued_at"]),
        due_at=utc(document["due_at"]),
        state=DeliveryState(document["state"]),
        attempts=document["attempts"],
        owner=document["owner"],
        last_error=document["last_error"],
        finished_at=utc_or_none(document["finished_at"]),
    )
