from typing import Any

import pytest

from chatcore.errors import Conflict
from chatcore.users import Role, Tier
from tests.builders import a_user, at


def test_added_user_comes_back_whole(database: Any) -> None:
    user = a_user(role=Role.ADMIN, tier=Tier.PREMIUM, verified=True, token_generation=3)
    database.users.add(user)
    assert database.users.get(user.id) == user


def test_unknown_id_is_none(database: Any) -> None:
    assert database.users.get(a_user().id) is None


def test_finds_live_user_by_email(database: Any) -> None:
    user = a_user(email="john@example.com")
    database.users.add(user)
    assert database.users.get_by_email("john@example.com") == user
    assert database.users.get_by_email("jane@example.com") is None


def test_duplicate_email_is_a_conflict(database: Any) -> None:
    database.users.add(a_user(email="john@example.com"))
    with pytest.raises(Conflict):
        database.users.add(a_user(email="john@example.com"))


def test_usernames_are_unique_whatever_their_case(database: Any) -> None:
    database.users.add(a_user(username="JohnDoe"))
    with pytest.raises(Conflict):
        database.users.add(a_user(username="johndoe"))


def test_saved_changes_are_kept(database: Any) -> None:
    user = a_user()
    database.users.add(user)
    user.username = "renamed"
    user.verified = True
    user.updated_at = at(60)
    database.users.save(user)
    assert database.users.get(user.id) == user


def test_saving_onto_a_taken_email_is_a_conflict_and_changes_nothing(database: Any) -> None:
    database.users.add(a_user(email="taken@example.com"))
    user = a_user(email="mine@example.com")
    database.users.add(user)
    user.email = "taken@example.com"
    with pytest.raises(Conflict):
        database.users.save(user)
    stored = database.users.get(user.id)
    assert stored is not None and stored.email == "mine@example.com"


def test_a_deleted_user_frees_email_and_username(database: Any) -> None:
    old = a_user(email="john@example.com", username="john")
    database.users.add(old)
    old.deleted_at = at(1)
    database.users.save(old)
    assert database.users.get_by_email("john@example.com") is None
    new = a_user(email="john@example.com", username="john")
    database.users.add(new)
    assert database.users.get_by_email("john@example.com") == new
    deleted = database.users.get(old.id)
    assert deleted is not None and deleted.deleted_at == at(1)


def test_returned_users_are_copies(database: Any) -> None:
    user = a_user()
    database.users.add(user)
    fetched = database.users.get(user.id)
    fetched.username = "changed-not-saved"
    assert database.users.get(user.id).username == user.username
