"""Making a standalone MongoDB true again after a crash between two writes of a use case.

Without transactions (see unit_of_work.py) the writes of a use case land one by one, in
this order, so that a crash leaves only what this repair can see and finish:

- sending a message: the message, then its session's count (a message left uncounted);
- deleting a message: the mark, then the count (a deleted message still counted);
- deleting a session: the session, then its artifacts (live artifacts of a deleted session);
- deleting an account: the user, its one-time links, its sessions, their artifacts, the
  audit event (live sessions of a deleted user; its links and sign-ins are dead with it,
  a missing audit event stays missing).

`repair` finishes the cascades of deletions made since `since` and recounts
`message_count` and `last_message_at` of every session whose messages were added or
deleted since then, from its live messages. Counting takes no lock, so the new values are
written only where the session still holds the values read before counting, and only
messages created before `settled_before` are counted: a use case still between its writes
(in another process) then moves the count itself, once.
"""

from datetime import datetime

import attrs
from bson import ObjectId

from adapters.mongo.documents import LIVE, Document, Documents, deletion_fields


@attrs.frozen
class Repaired:
    """What one repair changed."""

    sessions_deleted: int = 0
    artifacts_disabled: int = 0
    sessions_recounted: int = 0


def repair(
    users: Documents,
    sessions: Documents,
    messages: Documents,
    artifacts: Documents,
    since: datetime,
    settled_before: datetime,
) -> Repaired:
    """Finish the deletions and fix the message counts that a crash since `since` left."""
    deleted_sessions = 0
    recently = {"deleted": True, "deleted_at": {"$gte": since}}
    for user in users.find(recently, {"deleted_at": 1}):
        deleted_sessions += sessions.update_many(
            {"user_id": user["_id"], **LIVE}, {"$set": deletion_fields(user["deleted_at"])}
        ).modified_count
    disabled = 0
    for session in sessions.find(recently, {"deleted_at": 1}):
        disabled += artifacts.update_many(
            {"session_id": session["_id"], **LIVE},
            {"$set": deletion_fields(session["deleted_at"])},
        ).modified_count
    touched = set(messages.distinct("session_id", {"_id": {"$gte": ObjectId.from_datetime(since)}}))
    touched.update(messages.distinct("session_id", recently))
    recounted = sum(_recount(sessions, messages, s, settled_before) for s in touched)
    return Repaired(deleted_sessions, disabled, recounted)


def _recount(
    sessions: Documents, messages: Documents, session_id: ObjectId, settled_before: datetime
) -> bool:
    session = sessions.find_one({"_id": session_id}, {"message_count": 1, "last_message_at": 1})
    later = {"session_id": session_id, "created_at": {"$gte": settled_before}}
    if session is None or messages.find_one(later, {"_id": 1}) is not None:
        return False  # gone, or still busy: its newest messages have moved the count
    # Live when it was settled: a deletion after that is in flight, and uncounts itself.
    counted: Document = {
        "session_id": session_id,
        "created_at": {"$lt": settled_before},
        "$or": [{"deleted": False}, {"deleted_at": {"$gte": settled_before}}],
    }
    count = messages.count_documents(counted)
    newest = messages.find_one(counted, {"created_at": 1}, sort=[("created_at", -1)])
    last = None if newest is None else newest["created_at"]
    if (session.get("message_count"), session.get("last_message_at")) == (count, last):
        return False
    result = sessions.update_one(
        {
            "_id": session_id,
            "message_count": session.get("message_count"),
            "last_message_at": session.get("last_message_at"),
        },
        {"$set": {"message_count": count, "last_message_at": last}},
    )
    return result.modified_count == 1
