"""The room hub's delivery rules: a stuck client is let go, the others keep receiving."""

import asyncio
from typing import Any

import pytest
from starlette.websockets import WebSocketState

from adapters.memory_broker import MemoryRoomBroker
from entrypoints.http.room_hub import (
    POLICY_VIOLATION,
    SEND_QUEUE_LIMIT,
    Member,
    RoomHub,
    TooManySockets,
)
from entrypoints.http.room_sign_outs import BrokerSignOutNotices
from tests.builders import a_user


class FakeSocket:
    """Stands in for a Starlette WebSocket; `stuck` ones never finish a send."""

    def __init__(self, stuck: bool = False) -> None:
        self.stuck = stuck
        self.sent: list[str] = []
        self.closed_with: int | None = None
        self.client_state = WebSocketState.CONNECTED

    async def send_text(self, text: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()
        self.sent.append(text)

    async def close(self, code: int, reason: str = "") -> None:
        self.closed_with = code


@pytest.mark.anyio
async def test_a_stuck_client_is_disconnected_and_others_still_receive() -> None:
    hub = RoomHub(MemoryRoomBroker())
    await hub.start()
    healthy_socket, stuck_socket = FakeSocket(), FakeSocket(stuck=True)
    healthy = Member(healthy_socket, a_user(), "general")  # type: ignore[arg-type]
    stuck = Member(stuck_socket, a_user(), "general")  # type: ignore[arg-type]
    async with hub.membership(healthy), hub.membership(stuck):
        pumps = [asyncio.create_task(member.pump()) for member in (healthy, stuck)]
        for i in range(SEND_QUEUE_LIMIT + 10):
            await hub.publish("general", {"n": i})
            await asyncio.sleep(0)
        assert stuck.close_code == POLICY_VIOLATION
        await asyncio.sleep(0.01)
        assert len(healthy_socket.sent) == SEND_QUEUE_LIMIT + 10
        healthy.close(1000)
        await asyncio.wait_for(healthy.gone.wait(), 1)
        for pump in pumps:
            pump.cancel()
    await hub.close()


@pytest.mark.anyio
async def test_dismiss_closes_members_with_going_away() -> None:
    hub = RoomHub(MemoryRoomBroker())
    await hub.start()
    socket = FakeSocket()
    member = Member(socket, a_user(), "general")  # type: ignore[arg-type]
    async with hub.membership(member):
        pump = asyncio.create_task(member.pump())
        await hub.dismiss(timeout=1)
        assert socket.closed_with == 1001
        await pump


@pytest.fixture
def anyio_backend() -> Any:
    return "asyncio"


class SlowSocket(FakeSocket):
    """Each send waits for the test to let it through."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def send_text(self, text: str) -> None:
        await self.gate.wait()
        self.sent.append(text)


@pytest.mark.anyio
async def test_events_keep_their_order_when_a_send_has_to_wait() -> None:
    socket = SlowSocket()
    member = Member(socket, a_user(), "general")  # type: ignore[arg-type]
    pump = asyncio.create_task(member.pump())
    member.offer("1")  # has to wait: the writer finishes it
    member.offer("2")
    await asyncio.sleep(0)
    socket.gate.set()
    member.offer("3")  # while the writer may still be sending: it queues behind
    await asyncio.sleep(0.01)
    member.offer("4")  # the writer is idle again: sent at once
    assert socket.sent == ["1", "2", "3", "4"]
    member.close(1000)
    await asyncio.wait_for(pump, 1)
    assert socket.closed_with == 1000


@pytest.mark.anyio
async def test_a_send_that_needs_no_wait_goes_out_on_the_spot() -> None:
    socket = FakeSocket()
    member = Member(socket, a_user(), "general")  # type: ignore[arg-type]
    member.offer("now")  # no writer running, no event loop turn: sent all the same
    assert socket.sent == ["now"]


@pytest.mark.anyio
async def test_a_sign_out_closes_that_users_sockets_only_from_the_loop_or_a_thread() -> None:
    broker = MemoryRoomBroker()
    notices = BrokerSignOutNotices(broker)
    hub = RoomHub(broker, sign_outs=notices)
    await hub.start()
    leaving, staying = a_user(), a_user()
    members = [
        Member(FakeSocket(), user, room)  # type: ignore[arg-type]
        for user, room in [(leaving, "a"), (leaving, "b"), (staying, "a")]
    ]
    async with hub.membership(members[0]), hub.membership(members[1]), hub.membership(members[2]):
        await asyncio.to_thread(notices.signed_out, leaving.id)  # a use case in a thread
        await asyncio.sleep(0.05)
        assert [m.close_code for m in members] == [POLICY_VIOLATION, POLICY_VIOLATION, None]
        other = Member(FakeSocket(), staying, "c")  # type: ignore[arg-type]
        async with hub.membership(other):
            notices.signed_out(staying.id)  # a use case inline on the loop
            await asyncio.sleep(0.05)
            assert (members[2].close_code, other.close_code) == (POLICY_VIOLATION,) * 2
    await hub.close()
    notices.signed_out(leaving.id)  # unbound: nobody to tell, and no error


@pytest.mark.anyio
async def test_sockets_beyond_the_cap_per_user_are_refused_until_one_leaves() -> None:
    hub = RoomHub(MemoryRoomBroker())
    await hub.start()
    user = a_user()
    first, second, third = (
        Member(FakeSocket(), user, "general")  # type: ignore[arg-type]
        for _ in range(3)
    )
    async with hub.membership(first, max_per_user=2):
        async with hub.membership(second, max_per_user=2):
            with pytest.raises(TooManySockets):
                async with hub.membership(third, max_per_user=2):
                    pass
        async with hub.membership(third, max_per_user=2):
            pass
    await hub.close()
