"""The rules on a chat session itself, without any storage."""

import pytest

from chatcore.shared.errors import InvalidInput
from tests.builders import a_session, at, new_id


def test_a_rename_sets_the_title_and_counts_as_an_update() -> None:
    session = a_session(new_id(), updated_at=at(1))
    session.rename("Trip to Lisbon", at(5))
    assert (session.title, session.updated_at) == ("Trip to Lisbon", at(5))


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_a_bad_title_is_refused_and_changes_nothing(title: str) -> None:
    session = a_session(new_id(), updated_at=at(1))
    before = (session.title, session.updated_at)
    with pytest.raises(InvalidInput):
        session.rename(title, at(5))
    assert (session.title, session.updated_at) == before


def test_a_rename_leaves_the_counters_alone() -> None:
    session = a_session(new_id(), message_count=3, last_message_at=at(2))
    session.rename("Renamed", at(5))
    assert (session.message_count, session.last_message_at) == (3, at(2))
