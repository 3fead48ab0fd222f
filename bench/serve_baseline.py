"""Serve a reference app with the very uvicorn options `chatcore serve` uses.

python -m bench.serve_baseline PORT [baseline|limit|rooms]
"""

import importlib
import sys

import uvicorn

from entrypoints.server import UVICORN_OPTIONS

APPS = {"baseline": "bench.baseline", "limit": "bench.limit", "rooms": "bench.room_baseline"}

if __name__ == "__main__":
    name = sys.argv[2] if len(sys.argv) > 2 else "baseline"
    app = importlib.import_module(APPS[name]).app
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), **UVICORN_OPTIONS)
