# casetracker: `make run` starts the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/casetracker
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install run serve demo test lint test-sqlite test-postgres worker beat messages bench browser clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Debian's Chromium for the browser tests (Playwright's own download cannot work here).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium gettext >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' (browser tests will skip)"; fi; }

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_ports
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py seed_referrals --if-empty
	$(PY) manage.py seed_evidence --if-empty
	$(PY) manage.py seed_forensics --if-empty
	$(PY) manage.py ladder_rebuild

run: demo
	$(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

test-sqlite: install browser
	$(VENV)/bin/pytest -n 2 -m "not postgres"

# Runs when CI=true, or when a PostgreSQL server answers on 127.0.0.1:5432.
test-postgres: install
	@if [ "$$CI" = "true" ] || $(PY) -c "import psycopg; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0] + '/postgres', connect_timeout=2).close()" 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) TEST_CELERY_BROKER_URL=$(REDIS_URL) $(VENV)/bin/pytest -n 2 -m "not browser and not sqlite"; \
	else echo "PostgreSQL not reachable on 127.0.0.1:5432: skipping the PostgreSQL pass"; fi

test: lint test-sqlite test-postgres

worker: install
	$(VENV)/bin/celery -A casetracker worker --loglevel=INFO --concurrency=2

beat: install
	$(VENV)/bin/celery -A casetracker beat --loglevel=INFO

# One catalogue per language in ./locale (LOCALE_PATHS); strings are gathered from the whole
# project except what users never see. References name files, not lines, so that editing code
# does not rewrite the catalogues. compilemessages would otherwise walk into .venv and
# recompile every installed package's catalogues.
MESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=bench --ignore=tests --ignore=fixtures
messages: install
	$(PY) manage.py makemessages -l fr -l es --no-obsolete --add-location=file $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages -l fr -l es --ignore=.venv

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var
