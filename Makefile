# SafeClass: the two commands a new machine needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := $(shell cat .python-version)
# pyenv installs keep python3.13 behind a shim; fall back to its versions folder.
PYTHON ?= $(shell command -v python$(PYTHON_VERSION) 2>/dev/null || ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$(PYTHON_VERSION)*/bin/python$(PYTHON_VERSION) 2>/dev/null | tail -1)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help venv run serve test lint typecheck pytest pytest-sqlite pytest-services lock messages clean

help:
	@echo "make run    set up everything and serve the demo school on http://127.0.0.1:8000"
	@echo "make test   lint, type check and the whole test suite"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python $(PYTHON_VERSION) not found: install it (pyenv install $(PYTHON_VERSION))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

messages: $(STAMP)
	cd src/safeclass && ../../$(BIN)/safeclass compilemessages --ignore '.venv' -v 0

run: messages
	$(BIN)/safeclass migrate --no-input -v 0
	$(BIN)/safeclass seed-demo
	$(BIN)/safeclass run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=scripts $(BIN)/lint-imports --config importlinter.ini

typecheck: $(STAMP)
	$(BIN)/mypy

# The suite runs twice: on the embedded default (SQLite, in-process cache), then
# against PostgreSQL and Redis (every test except the browser ones).
SERVICES_ENV := SAFECLASS_SERVICES_PROFILE=1 \
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeclass \
	REDIS_URL=redis://127.0.0.1:6379/0 \
	SAFECLASS_REDIS_PREFIX=safeclass-test

pytest: pytest-sqlite pytest-services

pytest-sqlite: messages
	env -u DATABASE_URL -u REDIS_URL -u SAFECLASS_SERVICES_PROFILE $(BIN)/python -m pytest

# Outside CI a machine without PostgreSQL/Redis skips this profile; CI=true requires it.
pytest-services: messages
	@if $(SERVICES_ENV) $(BIN)/python scripts/services_reachable.py; then \
		echo "$(SERVICES_ENV) $(BIN)/python -m pytest -m 'services or not browser'"; \
		$(SERVICES_ENV) $(BIN)/python -m pytest -m "services or not browser"; \
	elif [ "$(CI)" = true ]; then \
		echo "PostgreSQL/Redis not reachable: the services profile is required in CI"; \
		exit 1; \
	else \
		echo "PostgreSQL/Redis not reachable: skipping the services profile"; \
	fi

test: lint typecheck pytest

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version $(PYTHON_VERSION) -o requirements.lock

clean:
	rm -rf $(VENV) var/test-*
