# README's two commands: `make run` (set up + run the main job on SQLite) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint typecheck pytest bench clean test-assets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $@ $(VENV)/.installed-run

## run: install, migrate the SQLite database and start the daemon (Ctrl-C stops it)
run: $(VENV)/.installed-run
	$(BIN)/regionwatch db upgrade
	$(BIN)/regionwatch sources validate
	$(BIN)/regionwatch run

## demo: install and replay real events offline, end to end (no network, no configuration)
demo: $(VENV)/.installed-run
	$(BIN)/regionwatch demo

## test: install with dev extras, then ruff (lint and format check), mypy (strict) and pytest
test: lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check monitor spiders tests migrations bench
	$(BIN)/ruff format --check monitor spiders tests migrations bench

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# pytest-xdist: one worker per core (2 here: 10:03 serial, 6:06 with -n auto, both on PostgreSQL too)
PYTEST_ARGS ?= -n auto
pytest: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

## bench: regionwatch vs urlwatch 2.29 (N=1000, 3 rounds), as-of latency, change -> Slack latency, news reading per language
## (BENCH_ARGS="--pages 1000 --pages 10000" for the large run; ASOF_ARGS="--rows 1000000" for the full as-of)
BENCH_ARGS ?= --pages 1000 --rounds 3
ASOF_ARGS ?= --quick
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/compare.py $(BENCH_ARGS)
	$(BIN)/python bench/asof_bench.py $(ASOF_ARGS)
	$(BIN)/python bench/slack_latency.py
	$(BIN)/python bench/signals.py
	$(BIN)/python bench/index_startup.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

## test-assets: axe-core for the web view's accessibility test, fetched once from npm into .cache/ (git-ignored);
## without it that test is skipped
AXE_VERSION ?= 4.14.1
test-assets: .cache/axe-core/package/axe.min.js
.cache/axe-core/package/axe.min.js:
	mkdir -p .cache/axe-core
	cd .cache/axe-core && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && tar xzf axe-core-$(AXE_VERSION).tgz package/axe.min.js package/LICENSE
