"""The contract of `chatcore.ports.OneTimeTokenStore`."""

import threading

import pytest

from chatcore.accounts.ports import OneTimeTokenStore, Redemption
from chatcore.accounts.tokens import TokenKind
from chatcore.shared.ids import UserId
from chatcore_embed.testing.builders import claims, new_id


class OneTimeTokenStoreContract:
    """What every OneTimeTokenStore promises; an adapter is done when this suite passes.

    Subclass it in a test module (`class Test…(OneTimeTokenStoreContract)`) and define
    the `one_time_tokens` fixture: an empty store, fresh for each test.
    """

    @pytest.fixture
    def one_time_tokens(self) -> OneTimeTokenStore:
        pytest.fail(
            f"{type(self).__name__} must define the `one_time_tokens` fixture", pytrace=False
        )

    def test_a_token_redeems_once(self, one_time_tokens: OneTimeTokenStore) -> None:
        token = claims(new_id())
        one_time_tokens.add(token)
        assert one_time_tokens.redeem(token.token_id) is Redemption.REDEEMED
        assert one_time_tokens.redeem(token.token_id) is Redemption.ALREADY_USED

    def test_an_unknown_token_is_unknown(self, one_time_tokens: OneTimeTokenStore) -> None:
        assert one_time_tokens.redeem(new_id()) is Redemption.UNKNOWN

    def test_revoking_a_user_forgets_all_their_tokens(
        self, one_time_tokens: OneTimeTokenStore
    ) -> None:
        user_id, other_id = new_id(), new_id()
        mine = [claims(user_id, TokenKind.REFRESH), claims(user_id, TokenKind.VERIFY)]
        theirs = claims(other_id)
        for token in [*mine, theirs]:
            one_time_tokens.add(token)
        one_time_tokens.revoke(UserId(user_id))
        for token in mine:
            assert one_time_tokens.redeem(token.token_id) is Redemption.UNKNOWN
        assert one_time_tokens.redeem(theirs.token_id) is Redemption.REDEEMED

    def test_revoking_one_kind_keeps_the_others(self, one_time_tokens: OneTimeTokenStore) -> None:
        user_id = new_id()
        refresh, verify = claims(user_id, TokenKind.REFRESH), claims(user_id, TokenKind.VERIFY)
        one_time_tokens.add(refresh)
        one_time_tokens.add(verify)
        one_time_tokens.revoke(UserId(user_id), TokenKind.VERIFY)
        assert one_time_tokens.redeem(verify.token_id) is Redemption.UNKNOWN
        assert one_time_tokens.redeem(refresh.token_id) is Redemption.REDEEMED

    def test_undo_links_are_a_kind_of_their_own(self, one_time_tokens: OneTimeTokenStore) -> None:
        user_id = new_id()
        undo = claims(user_id, TokenKind.UNDO_EMAIL_CHANGE)
        reset = claims(user_id, TokenKind.RESET)
        one_time_tokens.add(undo)
        one_time_tokens.add(reset)
        one_time_tokens.revoke(UserId(user_id), TokenKind.RESET)
        assert one_time_tokens.redeem(undo.token_id) is Redemption.REDEEMED
        assert one_time_tokens.redeem(reset.token_id) is Redemption.UNKNOWN

    def test_concurrent_redemptions_succeed_once(self, one_time_tokens: OneTimeTokenStore) -> None:
        token = claims(new_id())
        one_time_tokens.add(token)
        results: list[Redemption] = []
        threads = [
            threading.Thread(target=lambda: results.append(one_time_tokens.redeem(token.token_id)))
            for _ in range(20)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results.count(Redemption.REDEEMED) == 1
