# One entry point for everything a person or CI runs. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: install demo test screenshots bench lint format worker beat browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip > /dev/null 2>&1 || $(BIN)/pip install --upgrade pip

# Python packages pinned in pyproject.toml; front-end packages from package-lock.json. Quiet by
# default: pip's and npm's output goes to var/install.log and is shown only when they fail
# (VERBOSE=1 shows it as it comes).
INSTALL_LOG := var/install.log
install: $(BIN)/python
	@mkdir -p var
	@echo "Installing the Python and front-end packages (log: $(INSTALL_LOG))"
	@if [ -n "$(VERBOSE)" ]; then \
	  $(BIN)/pip install -e '.[dev]' && npm ci --no-audit --no-fund; \
	else \
	  { PIP_NO_WARN_SCRIPT_LOCATION=1 PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/pip install --quiet -e '.[dev]' \
	    && npm ci --no-audit --no-fund --loglevel=error; } > $(INSTALL_LOG) 2>&1 \
	  || { cat $(INSTALL_LOG); echo "make install failed: see $(INSTALL_LOG)"; exit 1; }; \
	fi

# Debian's Chromium for the browser tests (Playwright drives it; nothing is downloaded by Playwright).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The dashboard on the embedded default: SQLite in var/, tasks in-process, demo data.
# Quiet until the server starts: warnings only (DEMO_LOG_LEVEL=INFO for more), a progress bar for the first
# recompute, then the address and the logins. E-mailed links (saved reports) start with the
# address it serves, unless SITE_URL says otherwise.
DEMO_LOG_LEVEL ?= WARNING
DEMO_SITE_URL = $(or $(SITE_URL),http://127.0.0.1:$(PORT))
demo: install
	@LOG_LEVEL=$(DEMO_LOG_LEVEL) $(BIN)/python manage.py migrate --no-input -v 0
	@$(BIN)/python manage.py collectstatic --no-input -v 0
	@SITE_URL=$(DEMO_SITE_URL) LOG_LEVEL=$(DEMO_LOG_LEVEL) $(BIN)/python manage.py setup_demo --port $(PORT)
	SITE_URL=$(DEMO_SITE_URL) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite: lint, format check and tests (PostgreSQL and Redis; CI=true insists on them).
test: install browser
	bash scripts/run-tests

# The README's screenshots (docs/screenshots/), taken by the page tests in Chromium. A test run
# alone keeps its screenshots in test-artifacts/ and leaves the docs as they are.
screenshots: install browser
	SCREENSHOTS_DIR=docs/screenshots bash scripts/run-tests tests/test_pages_browser.py

# The benchmark (not part of test or CI): PostgreSQL only, in its own throw-away database.
# BENCH_INTERACTIONS (default 200000) sets the size. See README.md, "Benchmark", and
# docs/performance.md.
bench: install
	$(BIN)/python scripts/bench

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker:
	$(BIN)/celery -A config worker -l info

beat:
	$(BIN)/celery -A config beat -l info

clean:
	rm -rf $(VENV) node_modules staticfiles var
