# Everything runs from the project's own virtualenv, made on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every tool and library of the dev install, pinned: a new ruff or mypy release changes
# nothing here until `make lock` is run and its result committed.
CONSTRAINTS := constraints/dev.txt

.PHONY: run test lint lock clean bench bench-search bench-quick bench-fanout bench-upload bench-embedding bench-ingest bench-workers bench-text

$(STAMP): pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	touch $(STAMP)

# Re-resolves the dev install from pyproject.toml to the newest allowed releases.
# chatcore itself (its dev extra names its other extras) is left out: it is the project.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --upgrade --extra dev --strip-extras --annotation-style line \
		--no-emit-index-url --no-emit-find-links --unsafe-package chatcore \
		--unsafe-package pip --unsafe-package setuptools --output-file $(CONSTRAINTS) pyproject.toml

run: $(STAMP)
	$(BIN)/chatcore serve

# The Redis broker's contract suite runs against a real redis-server, the repository
# fetcher's against `git http-backend`; Debian has both.
REDIS := $(shell command -v redis-server 2>/dev/null)
GIT := $(shell command -v git 2>/dev/null)
# The /docs page is tried in headless Chromium, driven over its DevTools protocol.
CHROMIUM := $(shell command -v chromium 2>/dev/null)
# Legacy .doc uploads are read by catdoc; the tests write one with LibreOffice and PDFs
# with a DejaVu font (Greek and Cyrillic).
CATDOC := $(shell command -v catdoc 2>/dev/null)
SOFFICE := $(shell command -v soffice 2>/dev/null)
DEJAVU := $(wildcard /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf)

test: $(STAMP) lint
	@test -n "$(REDIS)" || (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null)
	@test -n "$(GIT)" || (apt-get update -qq && apt-get install -y -qq git >/dev/null)
	@test -n "$(CHROMIUM)" || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null)
	@test -n "$(CATDOC)" -a -n "$(SOFFICE)" -a -n "$(DEJAVU)" || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		catdoc libreoffice-writer-nogui fonts-dejavu-core >/dev/null)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench docs/examples
	$(BIN)/ruff format --check src tests bench docs/examples
	$(BIN)/mypy
	$(BIN)/mypy docs/examples

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# wrk drives the load; Debian has it.
WRK := $(shell command -v wrk 2>/dev/null)

# Every path beside the encoding baseline and the constant-JSON limit, search, and the room
# fan-out beside a bare Starlette broadcaster.
bench: $(STAMP)
	@test -n "$(WRK)" || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.fanout

# Search alone: 100,000 messages and a 5,000-file repository (also part of `make bench`).
bench-search: $(STAMP)
	@test -n "$(WRK)" || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.search

bench-quick: $(STAMP)
	@test -n "$(WRK)" || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run --quick

# 1,000 WebSocket clients in one room, one sender at 50 messages a second, for 20 s;
# then a bare Starlette broadcaster alike, for its CPU per delivery beside chatcore's.
bench-fanout: $(STAMP)
	$(BIN)/python -m bench.fanout

# The server's peak memory while it receives a 45 MiB upload.
bench-upload: $(STAMP)
	$(BIN)/python -m bench.upload_memory

# chatcore as an in-memory library: builds per second, and one account's round trip.
bench-embedding: $(STAMP)
	$(BIN)/python -m bench.embedding

# The dulwich repository fetcher against `git clone --depth 1`, 5,000 files on loopback.
bench-ingest: $(STAMP)
	@test -n "$(GIT)" || (apt-get update -qq && apt-get install -y -qq git >/dev/null)
	$(BIN)/python -m bench.ingest

# Extracting the text of a 300-page PDF and of a 50 MiB one: time and peak memory.
bench-text: $(STAMP)
	$(BIN)/python -m bench.text_extract

# `chatcore serve --workers 2` against one worker, GET /users/me, with a Redis broker.
bench-workers: $(STAMP)
	@test -n "$(WRK)" || (apt-get update -qq && apt-get install -y -qq wrk)
	@test -n "$(REDIS)" || (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null)
	$(BIN)/python -m bench.workers
