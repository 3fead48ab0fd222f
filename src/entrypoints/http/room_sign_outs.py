"""Sign-out notices over the room broker: every server process closes the user's sockets.

The domain tells of a sign-out from wherever the use case runs: on the event loop (the
embedded adapters run inline) or in a worker thread. The notice is a broker event on a
channel of its own, published from the loop the room hub runs on; each process's hub
closes that user's sockets when it hears it.
"""

import asyncio
import json
import logging
from collections.abc import Coroutine
from typing import Any

from chatcore.shared.ids import UserId
from entrypoints.http.ports import RoomBroker

logger = logging.getLogger("chatcore.rooms")

# A broker "room" that no room can be named ('!' is not allowed in room names).
SIGN_OUTS = "!sign-outs"


def sign_out_event(user_id: UserId) -> str:
    return json.dumps({"user_id": user_id})


def signed_out_user(event: str) -> UserId | None:
    """The user a sign-out event names; None for anything else."""
    try:
        body = json.loads(event)
    except json.JSONDecodeError:
        return None
    user_id = body.get("user_id") if isinstance(body, dict) else None
    return UserId(user_id) if isinstance(user_id, str) else None


class BrokerSignOutNotices:
    """SignOutNotices that publish on the room broker, once a room hub has bound its loop.

    Unbound (a CLI, a build whose app is not running), a notice has nobody to reach here;
    other processes' sockets are still refused their next frame by the domain's re-check.
    """

    def __init__(self, broker: RoomBroker) -> None:
        self._broker = broker
        self._loop: asyncio.AbstractEventLoop | None = None
        self._in_flight: set[asyncio.Task[None]] = set()

    @property
    def broker(self) -> RoomBroker:
        """The broker the notices go out on (the room hub listens on the same one)."""
        return self._broker

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Publish on `loop` from now on (the loop the broker was started on)."""
        self._loop = loop

    def unbind(self) -> None:
        self._loop = None

    def signed_out(self, user_id: UserId) -> None:
        """Tell every process to close the sockets of `user_id`; never waits."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        publish = self._publish(sign_out_event(user_id))
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            task = loop.create_task(publish)
            self._in_flight.add(task)  # the loop keeps only weak references to tasks
            task.add_done_callback(self._in_flight.discard)
        else:
            try:
                asyncio.run_coroutine_threadsafe(publish, loop)
            except RuntimeError:  # the loop closed in between: nothing left to close
                publish.close()

    def _publish(self, event: str) -> Coroutine[Any, Any, None]:
        async def publish() -> None:
            try:
                await self._broker.publish(SIGN_OUTS, event)
            except Exception:
                # The revocation itself stands; only the prompt close of sockets is lost.
                logger.exception("Publishing a sign-out failed")

        return publish()
