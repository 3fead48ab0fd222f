# Everything runs from the project's own virtualenv, made on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint clean bench bench-quick

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/chatcore serve

# The Redis broker's contract suite runs against a real redis-server; Debian has it.
REDIS := $(shell command -v redis-server 2>/dev/null)
# The /docs page is tried in headless Chromium, driven over its DevTools protocol.
CHROMIUM := $(shell command -v chromium 2>/dev/null)

test: $(STAMP) lint
	@test -n "$(REDIS)" || (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null)
	@test -n "$(CHROMIUM)" || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# wrk drives the load; Debian has it.
WRK := $(shell command -v wrk 2>/dev/null)

bench: $(STAMP)
	@test -n "$(WRK)" || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run

bench-quick: $(STAMP)
	@test -n "$(WRK)" || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run --quick
