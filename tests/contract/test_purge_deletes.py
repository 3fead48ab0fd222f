"""The hard deletes a purge relies on, against every database adapter.

Each finds what was soft-deleted before a cutoff, or removes for good; everything else
(live things, things deleted later, other users' and other sessions') stays as it was.
"""

from datetime import timedelta
from typing import Any

import attrs

from chatcore.accounts.tokens import TokenKind
from chatcore.shared.ids import ArtifactId, SessionId, UserId
from tests.builders import (
    a_message,
    a_room_message,
    a_session,
    a_user,
    an_artifact,
    at,
    claims,
    new_id,
)


def test_users_deleted_before_the_cutoff_are_found_and_removed(database: Any) -> None:
    early = a_user(deleted_at=at(10))
    late = a_user(deleted_at=at(30))
    live = a_user()
    for user in (early, late, live):
        database.users.add(user)
    assert database.users.deleted_before(at(20), 10) == [early.id]
    assert database.users.deleted_before(at(31), 10) == [early.id, late.id]
    assert database.users.deleted_before(at(31), 1) == [early.id]
    database.users.remove([early.id, UserId(new_id())])
    assert database.users.get(early.id) is None
    assert database.users.get(late.id) == late
    assert database.users.get(live.id) == live
    assert database.users.deleted_before(at(31), 10) == [late.id]


def test_a_purged_users_email_and_username_can_be_registered_again(database: Any) -> None:
    gone = a_user(deleted_at=at(1))
    database.users.add(gone)
    database.users.remove([gone.id])
    again = a_user(email=gone.email, username=gone.username)
    database.users.add(again)
    assert database.users.get_by_email(gone.email) == again


def test_sessions_deleted_before_the_cutoff_are_found_and_removed(database: Any) -> None:
    owner = UserId(new_id())
    early, late, live = a_session(owner), a_session(owner), a_session(owner)
    for session in (early, late, live):
        database.sessions.add(session)
    database.sessions.mark_deleted(early.id, at(10))
    database.sessions.mark_deleted(late.id, at(30))
    assert database.sessions.deleted_before(at(20), 10) == [early.id]
    assert database.sessions.deleted_before(at(31), 10) == [early.id, late.id]
    database.sessions.remove([early.id])
    assert database.sessions.get(early.id) is None
    assert database.sessions.get(late.id) is not None
    assert [s.id for s in database.sessions.list_for_user(owner, 10)] == [live.id]


def test_a_sessions_messages_go_with_it_deleted_or_not(database: Any) -> None:
    author = new_id()
    purged, kept = SessionId(new_id()), SessionId(new_id())
    live = a_message(purged, author)
    deleted = a_message(purged, author)
    other = a_message(kept, author)
    for message in (live, deleted, other):
        database.messages.add(message)
    database.messages.mark_deleted(deleted.id, at(5))
    assert database.messages.remove_for_sessions([purged]) == 2
    assert database.messages.get(live.id) is None
    assert database.messages.get(deleted.id) is None
    assert database.messages.get(other.id) == other
    assert database.messages.remove_for_sessions([]) == 0


def test_messages_deleted_before_the_cutoff_are_removed(database: Any) -> None:
    session, author = new_id(), new_id()
    early, late, live = (a_message(session, author) for _ in range(3))
    for message in (early, late, live):
        database.messages.add(message)
    database.messages.mark_deleted(early.id, at(10))
    database.messages.mark_deleted(late.id, at(30))
    assert database.messages.remove_deleted_before(at(20)) == 1
    assert database.messages.get(early.id) is None
    assert database.messages.get(late.id) is not None
    assert [m.id for m in database.messages.latest(session, 10)] == [live.id]


def test_room_messages_deleted_before_the_cutoff_are_removed(database: Any) -> None:
    early, late, live = (a_room_message("general") for _ in range(3))
    for message in (early, late, live):
        database.room_messages.add(message)
    database.room_messages.mark_deleted(early.id, at(10))
    database.room_messages.mark_deleted(late.id, at(30))
    assert database.room_messages.remove_deleted_before(at(20)) == 1
    assert database.room_messages.get(early.id) is None
    assert database.room_messages.get(late.id) is not None
    assert [m.id for m in database.room_messages.latest("general", 10)] == [live.id]


def test_artifacts_deleted_before_the_cutoff_are_found_and_removed(database: Any) -> None:
    session, owner = new_id(), new_id()
    early, late, live = (an_artifact(session, owner) for _ in range(3))
    for artifact in (early, late, live):
        database.artifacts.add(artifact)
    database.artifacts.mark_deleted(early.id, at(10))
    database.artifacts.mark_deleted(late.id, at(30))
    assert database.artifacts.deleted_before(at(20), 10) == [attrs.evolve(early, deleted_at=at(10))]
    assert [a.id for a in database.artifacts.deleted_before(at(31), 10)] == [early.id, late.id]
    assert [a.id for a in database.artifacts.deleted_before(at(31), 1)] == [early.id]
    database.artifacts.remove([early.id, ArtifactId(new_id())])
    assert database.artifacts.get(early.id) is None
    assert database.artifacts.get(late.id) is not None
    assert database.artifacts.list_for_session(session) == [live]


def test_every_artifact_of_the_sessions_is_found_deleted_or_not(database: Any) -> None:
    owner = new_id()
    first, second, other = new_id(), new_id(), new_id()
    live = an_artifact(first, owner)
    deleted = an_artifact(second, owner)
    elsewhere = an_artifact(other, owner)
    for artifact in (live, deleted, elsewhere):
        database.artifacts.add(artifact)
    database.artifacts.mark_deleted(deleted.id, at(1))
    found = database.artifacts.all_for_sessions([first, second])
    assert sorted(a.id for a in found) == sorted([live.id, deleted.id])
    assert database.artifacts.all_for_sessions([]) == []


def test_expired_one_time_tokens_are_removed(database: Any) -> None:
    user = new_id()
    expiring = claims(user)  # expires a day after T0
    lasting = attrs.evolve(claims(user, TokenKind.RESET), expires_at=at(0) + timedelta(days=3))
    database.one_time_tokens.add(expiring)
    database.one_time_tokens.add(lasting)
    assert database.one_time_tokens.remove_expired(at(0) + timedelta(days=2)) == 1
    assert database.one_time_tokens.redeem(expiring.token_id).value == "unknown"
    assert database.one_time_tokens.redeem(lasting.token_id).value == "redeemed"
