import threading
from typing import Any

from chatcore.ports import Redemption
from chatcore.tokens import TokenKind
from tests.builders import claims, new_id


def test_a_token_redeems_once(database: Any) -> None:
    token = claims(new_id())
    database.one_time_tokens.add(token)
    assert database.one_time_tokens.redeem(token.token_id) is Redemption.REDEEMED
    assert database.one_time_tokens.redeem(token.token_id) is Redemption.ALREADY_USED


def test_an_unknown_token_is_unknown(database: Any) -> None:
    assert database.one_time_tokens.redeem(new_id()) is Redemption.UNKNOWN


def test_revoking_a_user_forgets_all_their_tokens(database: Any) -> None:
    user_id, other_id = new_id(), new_id()
    mine = [claims(user_id, TokenKind.REFRESH), claims(user_id, TokenKind.VERIFY)]
    theirs = claims(other_id)
    for token in [*mine, theirs]:
        database.one_time_tokens.add(token)
    database.one_time_tokens.revoke(user_id)
    for token in mine:
        assert database.one_time_tokens.redeem(token.token_id) is Redemption.UNKNOWN
    assert database.one_time_tokens.redeem(theirs.token_id) is Redemption.REDEEMED


def test_revoking_one_kind_keeps_the_others(database: Any) -> None:
    user_id = new_id()
    refresh, verify = claims(user_id, TokenKind.REFRESH), claims(user_id, TokenKind.VERIFY)
    database.one_time_tokens.add(refresh)
    database.one_time_tokens.add(verify)
    database.one_time_tokens.revoke(user_id, TokenKind.VERIFY)
    assert database.one_time_tokens.redeem(verify.token_id) is Redemption.UNKNOWN
    assert database.one_time_tokens.redeem(refresh.token_id) is Redemption.REDEEMED


def test_concurrent_redemptions_succeed_once(database: Any) -> None:
    token = claims(new_id())
    database.one_time_tokens.add(token)
    results: list[Redemption] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(database.one_time_tokens.redeem(token.token_id))
        )
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(Redemption.REDEEMED) == 1
