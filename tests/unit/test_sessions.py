"""Chat sessions and messages: ownership, counting and ordering, over in-memory adapters."""

from collections.abc import Callable
from datetime import timedelta

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from adapters.log_mail import LogMailer
from adapters.memory import (
    ManualClock,
)
from chatcore.accounts.model import User
from chatcore.chats.model import Message
from chatcore.core import ChatCore
from chatcore.shared.errors import InvalidInput, NotFound
from tests.unit.conftest import memory_core


def test_others_sessions_do_not_exist_for_you(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    owner, stranger = make_user(), make_user()
    session = core.sessions.create(owner, "private")
    message = core.sessions.send_message(owner, session.id, "hello")
    for attempt in (
        lambda: core.sessions.get(stranger, session.id),
        lambda: core.sessions.rename(stranger, session.id, "mine"),
        lambda: core.sessions.delete(stranger, session.id),
        lambda: core.sessions.send_message(stranger, session.id, "hi"),
        lambda: core.sessions.messages(stranger, session.id),
        lambda: core.sessions.delete_message(stranger, session.id, message.id),
    ):
        with pytest.raises(NotFound):
            attempt()


def test_malformed_ids_are_invalid_input(core: ChatCore, make_user: Callable[..., User]) -> None:
    user = make_user()
    with pytest.raises(InvalidInput, match="Invalid session ID"):
        core.sessions.get(user, "nope")
    session = core.sessions.create(user)
    with pytest.raises(InvalidInput, match="Invalid message ID"):
        core.sessions.messages(user, session.id, before="nope")


def test_a_message_of_another_session_is_not_found(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    user = make_user()
    first, second = core.sessions.create(user), core.sessions.create(user)
    message = core.sessions.send_message(user, first.id, "in the first")
    with pytest.raises(NotFound):
        core.sessions.delete_message(user, second.id, message.id)


class _Dependents:
    """A stand-in for artifacts: counts what a session delete disables."""

    def __init__(self, per_session: int) -> None:
        self.per_session = per_session
        self.disabled: list[str] = []

    def disable_for_sessions(self, session_ids: object, at: object) -> int:
        assert isinstance(session_ids, list)
        self.disabled.extend(session_ids)
        return self.per_session * len(session_ids)


def test_session_delete_cascades_to_its_dependents(
    core: ChatCore, make_user: Callable[..., User]
) -> None:
    dependents = _Dependents(per_session=2)
    sessions = attrs.evolve(core.sessions, session_dependents=[dependents])
    user = make_user()
    session = sessions.create(user)
    assert sessions.delete(user, session.id) == 2
    assert dependents.disabled == [session.id]


class MessageCounting(RuleBasedStateMachine):
    """Any sequence of sends and deletes keeps the session's count and times true."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.core = memory_core(self.clock, LogMailer())
        self.user = self.core.auth.create_user("owner", "owner@example.com", "Password1")
        self.session = self.core.sessions.create(self.user)
        self.live: list[Message] = []

    @rule(content=st.text(min_size=1, max_size=20).filter(str.strip))
    def send(self, content: str) -> None:
        self.clock.advance(timedelta(seconds=1))
        self.live.append(self.core.sessions.send_message(self.user, self.session.id, content))

    @precondition(lambda self: self.live)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        message = data.draw(st.sampled_from(self.live))
        self.core.sessions.delete_message(self.user, self.session.id, message.id)
        self.live.remove(message)

    @invariant()
    def count_and_times_are_true(self) -> None:
        session = self.core.sessions.get(self.user, self.session.id)
        assert session.message_count == len(self.live)
        assert session.last_message_at == (self.live[-1].created_at if self.live else None)
        listed = self.core.sessions.messages(self.user, self.session.id, limit=1000)
        assert [m.id for m in listed] == [m.id for m in self.live]


TestMessageCounting = MessageCounting.TestCase
TestMessageCounting.settings = settings(max_examples=50, stateful_step_count=30, deadline=None)
