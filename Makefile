# Two entry points: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install dev clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

run: install
	LIAISON_DEMO=true $(BIN)/liaison migrate
	LIAISON_DEMO=true $(BIN)/liaison demo
	LIAISON_DEMO=true $(BIN)/liaison serve --host $(HOST) --port $(PORT)

test: dev
	$(BIN)/pytest

lint: dev
	$(BIN)/ruff check app tests migrations bench
	$(BIN)/ruff format --check app tests migrations bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
