"""A minimal WebSocket client on asyncio protocols, light enough for 1,000 connections.

It does the opening handshake, sends masked text frames, answers the server's pings (a
server closes a connection that leaves them unanswered, with 1011, after its ping
timeout: uvicorn's is 20 s, shorter than a thousand clients take to join), and hands each
received text frame to a callback. Nothing more: it exists so that the load generator,
not the server, is never the bottleneck of the fan-out measurement.
"""

import asyncio
import base64
import os
import struct
from collections.abc import Callable


class WebSocketClient(asyncio.Protocol):
    def __init__(self, on_text: Callable[[bytes], None]) -> None:
        self._on_text = on_text
        self._buffer = bytearray()
        self._handshaken = asyncio.get_running_loop().create_future()
        self._transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None

    @classmethod
    async def connect(
        cls, host: str, port: int, path: str, on_text: Callable[[bytes], None]
    ) -> "WebSocketClient":
        loop = asyncio.get_running_loop()
        _, client = await loop.create_connection(lambda: cls(on_text), host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        assert client._transport is not None
        client._transport.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        await client._handshaken
        return client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._handshaken.done():
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self._buffer[: self._buffer.find(b"\r\n")])
            del self._buffer[: end + 4]
            if b" 101 " not in status:
                self._handshaken.set_exception(ConnectionError(status.decode()))
                return
            self._handshaken.set_result(None)
        self._read_frames()

    def _read_frames(self) -> None:
        buffer = self._buffer
        while len(buffer) >= 2:
            opcode, length = buffer[0] & 0x0F, buffer[1] & 0x7F
            offset = 2
            if length == 126:
                if len(buffer) < 4:
                    return
                (length,) = struct.unpack_from("!H", buffer, 2)
                offset = 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                (length,) = struct.unpack_from("!Q", buffer, 2)
                offset = 10
            if len(buffer) < offset + length:
                return
            payload = bytes(buffer[offset : offset + length])
            del buffer[: offset + length]
            if opcode == 0x1:
                self._on_text(payload)
            elif opcode == 0x9:
                self._frame(0x8A, payload)  # pong, with the ping's payload
            elif opcode == 0x8:
                self.close_code = struct.unpack("!H", payload[:2])[0] if payload else None
                if self._transport is not None:
                    self._transport.close()

    def send_text(self, text: str) -> None:
        self._frame(0x81, text.encode())

    def _frame(self, first_byte: int, payload: bytes) -> None:
        """Send one masked frame: FIN and opcode in `first_byte`."""
        mask = os.urandom(4)
        header = bytearray([first_byte])
        if len(payload) < 126:
            header.append(0x80 | len(payload))
        elif len(payload) < 65536:
            header.append(0x80 | 126)
            header += struct.pack("!H", len(payload))
        else:
            header.append(0x80 | 127)
            header += struct.pack("!Q", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert self._transport is not None
        self._transport.write(bytes(header) + mask + masked)

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._handshaken.done():
            self._handshaken.set_exception(exc or ConnectionError("closed during handshake"))
        if not self.closed.done():
            self.closed.set_result(None)


PING = b"\x89"


class CountingClient(WebSocketClient):
    """Counts the events it receives without parsing frames, for the many clients whose
    deliveries are counted but not timed: a thousand parsing clients would make the load
    generator, not the server, what the measurement sees.

    Server frames are not masked, so each event's JSON appears in the byte stream as is.
    """

    MESSAGE = b'"type": "message"'
    SYSTEM = b'"type": "system"'

    def __init__(self, counts: "EventCounts") -> None:
        super().__init__(lambda _: None)
        self._counts = counts
        self._tail = b""  # shorter than a marker: a marker split between two reads

    def _read_frames(self) -> None:
        data = self._tail + bytes(self._buffer)
        self._buffer.clear()
        self._counts.messages += data.count(self.MESSAGE)
        self._counts.system_events += data.count(self.SYSTEM)
        self._answer_pings(data, len(self._tail))
        self._tail = data[-(len(self.MESSAGE) - 1) :]

    def _answer_pings(self, data: bytes, seen: int) -> None:
        """Pong each ping that ends past `seen` (those before it were answered already).

        A server's ping is 0x89 and a length under 126, unmasked; 0x89 never occurs in the
        events' ASCII JSON.
        """
        at = data.find(PING)
        while 0 <= at < len(data) - 1:
            end = at + 2 + (data[at + 1] & 0x7F)
            if end > len(data):
                return  # the rest comes with the next read (kept in the tail)
            if end > seen:
                self._frame(0x8A, data[at + 2 : end])
            at = data.find(PING, end)


class EventCounts:
    def __init__(self) -> None:
        self.messages = 0
        self.system_events = 0
