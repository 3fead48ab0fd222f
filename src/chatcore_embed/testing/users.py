"""The contract of `chatcore.ports.UserRepository`: what a user directory must keep."""

import attrs
import pytest

from chatcore.accounts.model import Role, Tier
from chatcore.accounts.ports import UserRepository
from chatcore.shared.errors import Conflict
from chatcore_embed.testing.builders import a_user, at


class UserRepositoryContract:
    """What every UserRepository promises; an adapter is done when this suite passes.

    Subclass it in a test module (`class Test…(UserRepositoryContract)`) and define the
    `users` fixture: an empty repository, fresh for each test.
    """

    @pytest.fixture
    def users(self) -> UserRepository:
        pytest.fail(f"{type(self).__name__} must define the `users` fixture", pytrace=False)

    def test_added_user_comes_back_whole(self, users: UserRepository) -> None:
        user = a_user(role=Role.ADMIN, tier=Tier.PREMIUM, verified=True, token_generation=3)
        users.add(user)
        assert users.get(user.id) == user

    def test_live_users_are_listed_in_id_order_page_by_page(self, users: UserRepository) -> None:
        added = [a_user() for _ in range(5)]
        for user in added:
            users.add(user)
        gone = attrs.evolve(added[2], deleted_at=added[2].created_at)
        users.save(gone)
        live = sorted((user for user in added if user.id != gone.id), key=lambda user: user.id)
        first = users.list_live(None, 3)
        assert first == live[:3]
        assert users.list_live(first[-1].id, 3) == live[3:]
        assert users.list_live(live[-1].id, 3) == []

    def test_unknown_id_is_none(self, users: UserRepository) -> None:
        assert users.get(a_user().id) is None

    def test_finds_live_user_by_email(self, users: UserRepository) -> None:
        user = a_user(email="john@example.com")
        users.add(user)
        assert users.get_by_email("john@example.com") == user
        assert users.get_by_email("jane@example.com") is None

    def test_duplicate_email_is_a_conflict(self, users: UserRepository) -> None:
        users.add(a_user(email="john@example.com"))
        with pytest.raises(Conflict):
            users.add(a_user(email="john@example.com"))

    def test_usernames_are_unique_whatever_their_case(self, users: UserRepository) -> None:
        users.add(a_user(username="JohnDoe"))
        with pytest.raises(Conflict):
            users.add(a_user(username="johndoe"))

    def test_saved_changes_are_kept(self, users: UserRepository) -> None:
        user = a_user()
        users.add(user)
        user = attrs.evolve(user, username="renamed", verified=True, updated_at=at(60))
        users.save(user)
        assert users.get(user.id) == user

    def test_a_pending_email_and_the_last_verification_are_kept(
        self, users: UserRepository
    ) -> None:
        user = a_user(email="now@example.com")
        users.add(user)
        user = attrs.evolve(user, pending_email="next@example.com", verification_sent_at=at(90))
        users.save(user)
        assert users.get(user.id) == user
        # A pending address is nobody's email yet: it finds no one, and holds nothing.
        assert users.get_by_email("next@example.com") is None
        users.add(a_user(email="next@example.com"))

    def test_saving_onto_a_taken_email_is_a_conflict_and_changes_nothing(
        self, users: UserRepository
    ) -> None:
        users.add(a_user(email="taken@example.com"))
        user = a_user(email="mine@example.com")
        users.add(user)
        with pytest.raises(Conflict):
            users.save(attrs.evolve(user, email="taken@example.com"))
        stored = users.get(user.id)
        assert stored is not None and stored.email == "mine@example.com"

    def test_a_deleted_user_frees_email_and_username(self, users: UserRepository) -> None:
        old = a_user(email="john@example.com", username="john")
        users.add(old)
        old = attrs.evolve(old, deleted_at=at(1))
        users.save(old)
        assert users.get_by_email("john@example.com") is None
        new = a_user(email="john@example.com", username="john")
        users.add(new)
        assert users.get_by_email("john@example.com") == new
        deleted = users.get(old.id)
        assert deleted is not None and deleted.deleted_at == at(1)

    def test_returned_users_are_copies(self, users: UserRepository) -> None:
        user = a_user()
        users.add(user)
        fetched = users.get(user.id)
        assert fetched is not None
        # Users are frozen: a change is a new value, kept only when saved.
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            fetched.username = "changed-not-saved"  # type: ignore[misc]
        attrs.evolve(fetched, username="changed-not-saved")
        stored = users.get(user.id)
        assert stored is not None and stored.username == user.username
