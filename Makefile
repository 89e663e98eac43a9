# README's two commands: `make run` (set up + run the main job on SQLite) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $@ $(VENV)/.installed-run

## run: install, migrate the SQLite database and run the main job once
run: $(VENV)/.installed-run
	$(BIN)/regionwatch db upgrade
	$(BIN)/regionwatch sources validate
	$(BIN)/regionwatch sources list

## test: install with dev extras, then ruff, mypy (strict) and pytest
test: lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check monitor spiders tests migrations

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
