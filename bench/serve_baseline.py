"""Serve the baseline app with the very uvicorn options `chatcore serve` uses."""

import sys

import uvicorn

from bench.baseline import app
from entrypoints.server import UVICORN_OPTIONS

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), **UVICORN_OPTIONS)
