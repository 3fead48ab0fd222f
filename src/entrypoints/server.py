"""How chatcore is served: uvicorn, with a goodbye to WebSocket clients on shutdown."""

from typing import Any

import uvicorn
from starlette.applications import Starlette

from entrypoints.http.room_hub import RoomHub

# Shared with the benchmark's baseline, so both are served alike. Uvicorn's access log is
# off: it costs a formatted log line per request on the event loop.
UVICORN_OPTIONS: dict[str, Any] = {
    "proxy_headers": False,
    "access_log": False,
    # Room frames carry at most 4,000 characters; a far larger frame is closed with 1009.
    # `chatcore serve` sets it from CHATCORE_MAX_WS_FRAME_BYTES.
    "ws_max_size": 64 * 1024,
    # Browsers offer permessage-deflate, and uvicorn accepts it by default: every event
    # would then be compressed once per member, with a zlib context (hundreds of KiB) per
    # connection, to save a few bytes on messages of a few hundred.
    "ws_per_message_deflate": False,
}


class GracefulServer(uvicorn.Server):
    """Closes room connections with 1001 (going away) before uvicorn stops.

    Left to itself, uvicorn would cut them with 1012 (service restart) at shutdown.
    """

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self._app = app

    async def shutdown(self, sockets: Any = None) -> None:
        hub: RoomHub = self._app.state.room_hub
        await hub.dismiss()
        await super().shutdown(sockets)
