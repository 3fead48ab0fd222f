"""Room events framed once and written straight to uvicorn's WebSocket connections."""

import asyncio
from typing import Any

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

from entrypoints.http.room_hub import DirectFrames, text_frame
from entrypoints.server import UVICORN_OPTIONS
from tests.processes import free_port


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65_535, 65_536])
def test_an_event_is_framed_as_websockets_frames_it(size: int) -> None:
    event = ("é" + "x" * size)[:size] if size else ""
    expected = Frame(Opcode.TEXT, event.encode()).serialize(mask=False, extensions=[])
    assert text_frame(event) == expected


async def framed_directly(scope: Scope, receive: Receive, send: Send) -> None:
    """Accepts, then writes what the test sends back through DirectFrames, as a room would."""
    assert scope["type"] == "websocket"
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    direct = DirectFrames.of(send)
    protocol: Any = getattr(send, "__self__", None)
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message["text"]
        if direct is None:
            await send({"type": "websocket.send", "text": "no direct path"})
        elif text == "paused":
            # A full send buffer pauses the connection: the frame must wait, not be written.
            protocol.pause_writing()
            refused = not direct.write(text_frame("written while paused"))
            protocol.resume_writing()
            await send({"type": "websocket.send", "text": f"refused: {refused}"})
        else:
            assert direct.write(text_frame(f"echo {text}"))


@pytest.mark.anyio
async def test_uvicorn_connections_take_frames_written_straight_to_them() -> None:
    port = free_port()
    config = uvicorn.Config(framed_directly, port=port, log_level="warning", **UVICORN_OPTIONS)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        async with connect(f"ws://127.0.0.1:{port}/") as client:
            for text in ("hello", "é" * 200):
                await client.send(text)
                assert await asyncio.wait_for(client.recv(), 5) == f"echo {text}"
            await client.send("paused")
            assert await asyncio.wait_for(client.recv(), 5) == "refused: True"
    finally:
        server.should_exit = True
        await serving


@pytest.fixture
def anyio_backend() -> Any:
    return "asyncio"
