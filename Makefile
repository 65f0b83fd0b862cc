# drugref: `make run` serves the site, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Tests run with DEBUG off, as production does, with throwaway secrets.
test: export DJANGO_SECRET_KEY ?= test-only-secret-key
test: export DJANGO_ALLOWED_HOSTS ?= testserver,localhost,127.0.0.1

# The accessibility checkers the browser tests use (axe-core, the Nu HTML Checker) come from npm.
NPM := $(shell command -v npm 2>/dev/null)

.PHONY: run serve migrate test install lint bench bench-serve bench-load drill clean

install: $(VENV)/.installed $(if $(NPM),node_modules/.installed)

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

# An app server needs the runtime requirements only: no test tools.
$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# Development and tests add their tools to it.
$(VENV)/.installed: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Local development opts in to DEBUG through a .env of its own (never committed), which manage.py reads in any shell.
.env:
	@$(BIN)/python -c 'import secrets; print("# Local development only, written by make run: never use it in production.\nDJANGO_DEBUG=true\nDJANGO_SECRET_KEY=" + secrets.token_urlsafe(50))' > $@
	@echo "  Wrote .env for local development (DJANGO_DEBUG=true, a new secret key)."

run: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --base-url http://$(HOST):$(PORT) --demo-accounts
	@echo "  Sign in to the admin with a demo account above, or create your own: $(BIN)/python manage.py createsuperuser"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The production server on the configured database and cache (DATABASE_URL, CACHE_URL, ...; see .env.example).
serve: $(VENV)/.runtime
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py drugref.wsgi

# Once per release, from one machine, before the new app servers take traffic.
migrate: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Import and export of 100,000 answers on PostgreSQL, beside COPY (see bench/).
bench: install
	$(BIN)/python bench/import_export.py $(BENCH_ARGS)

# Page serving at 100,000 answers: gunicorn, Redis, Varnish and wrk, beside a floor view (see bench/).
bench-serve: install
	$(BIN)/python bench/serve.py $(BENCH_ARGS)

# Load at 64 connections for 60 s (answer page cold and warm, search), figures and p99 (see bench/).
bench-load: install
	$(BIN)/python bench/load.py $(BENCH_ARGS)

# PostgreSQL restarted and Redis stopped under load, on servers the drill starts itself (see bench/).
drill: install
	$(BIN)/python bench/drill.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
