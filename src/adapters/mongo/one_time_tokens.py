from datetime import UTC, datetime, timedelta

from pymongo import ASCENDING

from adapters.mongo.documents import Document, Documents, object_id
from chatcore.accounts.ports import Redemption
from chatcore.accounts.tokens import TokenClaims, TokenKind
from chatcore.shared.ids import UserId

# How long a row outlives its token, so a replayed token still reads as ALREADY_USED
# (reuse detection) rather than UNKNOWN for a while after it expires.
RETENTION = timedelta(days=1)


class MongoOneTimeTokenStore:
    def __init__(self, tokens: Documents) -> None:
        self._tokens = tokens

    def create_indexes(self) -> None:
        self._tokens.create_index([("user_id", ASCENDING)])
        # The server's TTL monitor removes each row once its purge_at has passed.
        self._tokens.create_index([("purge_at", ASCENDING)], expireAfterSeconds=0)

    def add(self, claims: TokenClaims) -> None:
        self._tokens.insert_one(_to_document(claims))

    def redeem(self, token_id: str) -> Redemption:
        # One conditional write: of two concurrent redemptions only one can flip `used`.
        flipped = self._tokens.update_one(
            {"_id": token_id, "used": False}, {"$set": {"used": True}}
        )
        if flipped.modified_count == 1:
            return Redemption.REDEEMED
        if self._tokens.find_one({"_id": token_id}, {"_id": 1}) is not None:
            return Redemption.ALREADY_USED
        return Redemption.UNKNOWN

    def remove_expired(self, before: datetime) -> int:
        # The TTL monitor removes them too, a day late and at its own pace; this is now.
        return self._tokens.delete_many({"expires_at": {"$lt": before}}).deleted_count

    def revoke(self, user_id: UserId, kind: TokenKind | None = None) -> None:
        query: Document = {"user_id": object_id(user_id)}
        if kind is not None:
            query["kind"] = kind.value
        self._tokens.delete_many(query)


def _to_document(claims: TokenClaims) -> Document:
    # Purging counts from the later of expiry and storage: a token stored already expired
    # is still kept for RETENTION, not dropped on the monitor's next pass. Judging expiry
    # stays with the caller; this only bounds how long the row is kept.
    kept_from = max(claims.expires_at, datetime.now(UTC))
    return {
        "_id": claims.token_id,
        "user_id": object_id(claims.user_id),
        "kind": claims.kind.value,
        "expires_at": claims.expires_at,
        "purge_at": kept_from + RETENTION,
        "used": False,
    }
