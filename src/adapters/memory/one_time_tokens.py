import threading
from datetime import datetime

import attrs

from adapters.memory.journal import Journal
from chatcore.accounts.ports import Redemption
from chatcore.accounts.tokens import TokenClaims, TokenKind
from chatcore.shared.ids import UserId


@attrs.define
class _Entry:
    claims: TokenClaims
    used: bool = False


class MemoryOneTimeTokenStore:
    def __init__(self, journal: Journal | None = None) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._journal = journal or Journal()

    def add(self, claims: TokenClaims) -> None:
        with self._lock:
            self._journal.keep(self._entries, claims.token_id, self._lock)
            self._entries[claims.token_id] = _Entry(claims)

    def redeem(self, token_id: str) -> Redemption:
        with self._lock:
            entry = self._entries.get(token_id)
            if entry is None:
                return Redemption.UNKNOWN
            if entry.used:
                return Redemption.ALREADY_USED
            self._journal.keep(self._entries, token_id, self._lock)
            entry.used = True
            return Redemption.REDEEMED

    def remove_expired(self, before: datetime) -> int:
        with self._lock:
            kept = {
                token_id: entry
                for token_id, entry in self._entries.items()
                if entry.claims.expires_at >= before
            }
            removed = len(self._entries) - len(kept)
            self._replace(kept)
            return removed

    def revoke(self, user_id: UserId, kind: TokenKind | None = None) -> None:
        with self._lock:
            self._replace(
                {
                    token_id: entry
                    for token_id, entry in self._entries.items()
                    if not (entry.claims.user_id == user_id and kind in (None, entry.claims.kind))
                }
            )

    def _replace(self, entries: dict[str, _Entry]) -> None:
        before = self._entries

        def restore() -> None:
            with self._lock:
                self._entries = before

        self._journal.record(restore)
        self._entries = entries
