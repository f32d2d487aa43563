# Two commands: `make run` sets up and starts the bot; `make test` sets up and runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed

.PHONY: run test test-fast lint e2e manifest previews playground clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(INSTALLED)
	$(PY) app.py

# The bot and Microsoft's Agents Playground (a local Teams client) on loopback: playground/README.md.
# Node.js is checked first: without it, npm ci below would fail without saying what to install.
playground: $(INSTALLED)
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "make playground needs \
	Node.js 20 and npm (Debian, Ubuntu: sudo apt-get install nodejs npm)" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(NODE_INSTALLED)
	$(PY) playground/run.py

test: $(INSTALLED) $(NODE_INSTALLED)
	$(PY) -m pytest -q

# The inner loop: unit and HTTP tests, without Chromium, PostgreSQL, the Playground or slow runs.
test-fast: $(INSTALLED)
	$(PY) -m pytest -q -m "not e2e and not browser and not pg and not slow"

e2e: $(INSTALLED) $(NODE_INSTALLED)
	$(PY) -m pytest -q tests/e2e

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The card and email previews in docs/ (English Teams cards, a few Japanese ones, both emails).
# Japanese needs a CJK font: installed here with apt when the machine has none.
previews: $(INSTALLED) $(NODE_INSTALLED)
	fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; }
	$(PY) -m cards preview docs/cards --host teams --locale en
	$(PY) -m cards preview docs/cards --host teams --locale ja --kind claim --kind access \
	  --sample contoso --sample not_recognised --sample approved
	PYTHONPATH=. $(PY) docs/email/make_preview.py
	PYTHONPATH=. $(PY) docs/web/make_screenshots.py

manifest: $(INSTALLED)
	$(VENV)/bin/cpor-bot manifest

clean:
	rm -rf $(VENV) node_modules build .pytest_cache .mypy_cache .ruff_cache
