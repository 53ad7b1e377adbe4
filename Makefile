# Newsroom: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3.11
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# Local development runs with DEBUG on unless the environment says otherwise.
export DJANGO_DEBUG ?= 1

.PHONY: install install-test run serve bench loadtest test lint format check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-installs only when pyproject.toml changes, so a second `make install` is instant.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
	$(BIN)/python manage.py migrate --no-input --verbosity 0

# axe-core and the Nu HTML Checker (run on the machine's Java) for the accessibility
# tests, from the npm registry; without npm those tests skip and say why.
var/node/.installed:
	@if command -v npm >/dev/null; then \
		npm install --silent --no-audit --no-fund --prefix var/node axe-core@4 vnu-jar@26 && touch $@; \
	else echo "npm not found: the accessibility checks will skip"; fi

# Lighthouse for tests/test_lighthouse.py (12.2: later ones want Node 22); it drives
# Debian's chromium. Without npm that test skips and says why.
var/node/.lighthouse: var/node/.installed
	@if command -v npm >/dev/null; then \
		npm install --silent --no-audit --no-fund --prefix var/node -E lighthouse@12.2.3 && touch $@; \
	else echo "npm not found: the Lighthouse check will skip"; fi

install-test: $(VENV)/.installed-test var/node/.installed var/node/.lighthouse

run: install
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py ensure_demo_admin --url http://127.0.0.1:$(PORT)
	@echo "Serving the demo site on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	export NEWSROOM_SITE_URL="$${NEWSROOM_SITE_URL:-http://127.0.0.1:$(PORT)}"; \
	$(BIN)/python manage.py run_worker --no-reload --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# `run` and `serve` start the background task worker beside the web server and stop it
# with it (see README, "Background tasks").
# Production settings on this machine: DEBUG off, collected static files served by
# whitenoise, gunicorn workers sized from the CPU count (newsroom/gunicorn.conf.py).
# A secret key is made once in var/ unless DJANGO_SECRET_KEY is set. Plain HTTP on
# loopback is not redirected to HTTPS here (behind a TLS proxy, set it to 1).
var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

serve: install var/secret_key
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat var/secret_key)}" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	DJANGO_SECURE_SSL_REDIRECT="$${DJANGO_SECURE_SSL_REDIRECT:-0}" \
	sh -c '$(BIN)/python manage.py collectstatic --no-input --verbosity 0 || exit; \
	$(BIN)/python manage.py run_worker --no-reload --verbosity 0 & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	PORT=$(PORT) $(BIN)/gunicorn --config newsroom/gunicorn.conf.py newsroom.wsgi'

# Generates BENCH_STORIES stories (default 10000) into its own SQLite database (and
# newsroom_bench on the local PostgreSQL when it answers), loads the reader pages with
# wrk and prints one table against the targets; JSON in var/bench/. Needs `wrk`.
bench: install
	$(BIN)/python manage.py bench

# Mixed reader pages from a generated newsroom, served as by `make serve` on loopback,
# loaded by wrk at 64 connections for 30 s: fails on any error. Then two processes save
# stories on SQLite at once for 30 s: fails on "database is locked" or a lost save.
# Needs `wrk`; LOADTEST_SECONDS / LOADTEST_CONNECTIONS / LOADTEST_STORIES change the run.
loadtest: install-test
	$(BIN)/python manage.py loadtest
	SQLITE_CONCURRENCY_SECONDS=$${LOADTEST_SECONDS:-30} $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_sqlite_concurrency.py

test: install-test
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install-test
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
