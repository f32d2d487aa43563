# Two commands: `make run` sets up and starts the bot; `make test` sets up and runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed

.PHONY: run test lint e2e manifest clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(INSTALLED)
	$(PY) app.py

test: $(INSTALLED) $(NODE_INSTALLED)
	$(PY) -m pytest -q

e2e: $(INSTALLED) $(NODE_INSTALLED)
	$(PY) -m pytest -q tests/e2e

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

manifest: $(INSTALLED)
	$(VENV)/bin/cpor-bot manifest

clean:
	rm -rf $(VENV) node_modules build .pytest_cache .mypy_cache .ruff_cache
