from datetime import datetime, timedelta

from adapters.sqlite.connection import Connections
from adapters.sqlite.timestamps import to_ms
from chatcore.accounts.ports import Redemption
from chatcore.accounts.tokens import TokenClaims, TokenKind
from chatcore.shared.ids import UserId

# Long enough past expiry that nobody still holds the token believing it may work.
_KEEP_EXPIRED = timedelta(days=1)


class SqliteOneTimeTokenStore:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    def add(self, claims: TokenClaims) -> None:
        # The adapter has no clock; a token is stored as it is issued, so its issue time is now.
        stale_before = to_ms(claims.issued_at - _KEEP_EXPIRED)
        with self._connections.transaction() as connection:
            # Pruning here, on an indexed range, keeps the table from growing forever.
            connection.execute("DELETE FROM one_time_tokens WHERE expires_at < ?", (stale_before,))
            connection.execute(
                "INSERT INTO one_time_tokens (token_id, user_id, kind, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (claims.token_id, claims.user_id, claims.kind.value, to_ms(claims.expires_at)),
            )

    def redeem(self, token_id: str) -> Redemption:
        connection = self._connections.get()
        # One conditional UPDATE is atomic: of concurrent redemptions only one changes the row.
        cursor = connection.execute(
            "UPDATE one_time_tokens SET used = 1 WHERE token_id = ? AND used = 0", (token_id,)
        )
        if cursor.rowcount == 1:
            return Redemption.REDEEMED
        known = connection.execute(
            "SELECT 1 FROM one_time_tokens WHERE token_id = ?", (token_id,)
        ).fetchone()
        return Redemption.ALREADY_USED if known is not None else Redemption.UNKNOWN

    def remove_expired(self, before: datetime) -> int:
        cursor = self._connections.get().execute(
            "DELETE FROM one_time_tokens WHERE expires_at < ?", (to_ms(before),)
        )
        return cursor.rowcount

    def revoke(self, user_id: UserId, kind: TokenKind | None = None) -> None:
        if kind is None:
            self._connections.get().execute(
                "DELETE FROM one_time_tokens WHERE user_id = ?", (user_id,)
            )
        else:
            self._connections.get().execute(
                "DELETE FROM one_time_tokens WHERE user_id = ? AND kind = ?",
                (user_id, kind.value),
            )
