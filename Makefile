# Civic site: `make run` sets up everything and serves the demo on port 8000
# (`make run PORT=8080` on another port: every link the sites write follows it);
# `make test` runs the whole suite. `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The demo's port: load_demo puts the Sites on it (DEMO_PORT), so canonical and
# hreflang links, the sitemap, feeds, calendar files and emails all carry it.
PORT ?= 8000
# `make run` answers on this machine only; `make run HOST=0.0.0.0` on every address.
HOST ?= 127.0.0.1
# manage.py defaults to config.settings.dev and pytest to config.settings.test.

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'
	@echo "  Variables: PORT=8000 (make run PORT=8080: the demo and all its links on 8080), HOST=127.0.0.1"

$(BIN)/activate:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate requirements.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

.PHONY: install
install: $(VENV)/.installed ## Create the virtual environment and install the pinned requirements

.PHONY: messages
messages: install ## Compile the interface translations (.po -> .mo)
	$(PY) manage.py compile_translations -v0

.PHONY: setup
setup: install messages ## Install, migrate, collect static files and load the demo content (on PORT=)
	@[[ "$(PORT)" =~ ^[0-9]+$$ ]] && (( $(PORT) > 0 && $(PORT) < 65536 )) || { echo "PORT must be a port number (1-65535), not '$(PORT)'"; exit 1; }
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	DEMO_PORT=$(PORT) $(PY) manage.py load_demo
	@# Pages saved before the search index knew Albanian stems get them (home/search.py).
	$(PY) manage.py update_index -v0

.PHONY: run
run: setup ## Set up and serve the demo sites with gunicorn on 127.0.0.1:8000 (PORT=8080 for another port, HOST=)
	@echo ""
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl+C stops it)"
	@echo "  http://voltkosova.localhost:$(PORT)/  http://kosovowewant.localhost:$(PORT)/  http://myvotecounts.localhost:$(PORT)/"
	@echo "  Admin: http://127.0.0.1:$(PORT)/admin/  login: see the 'Admin:' line above (password also in $${VAR_DIR:-var}/demo-admin-password)"
	@if [ -n "$${EMAIL_HOST:-}" ]; then echo "  Confirmation emails: sent through $${EMAIL_HOST} (EMAIL_HOST)"; \
	else echo "  Confirmation emails: printed in this terminal by the email worker (console email backend; set EMAIL_HOST to send them by SMTP)"; fi
	@echo "  Demo staff: see the 'Demo staff:' lines above (passwords in $${VAR_DIR:-var}/demo-staff-passwords.txt)"
	@# Tasks go to the database and three workers run them beside gunicorn, as in
	@# production: one for emails, one for exports, one for messages to supporters
	@# (so no email waits behind an export or a message). They stop with the server.
	export DJANGO_DEBUG=0 TASKS_BACKEND=$${TASKS_BACKEND:-django_tasks_db.DatabaseBackend} \
		WAGTAILADMIN_BASE_URL=$${WAGTAILADMIN_BASE_URL:-http://127.0.0.1:$(PORT)}; \
	$(PY) manage.py db_worker --queue-name default & emails=$$!; \
	$(PY) manage.py db_worker --queue-name exports & exports=$$!; \
	$(PY) manage.py db_worker --queue-name mailings & mailings=$$!; \
	trap 'kill $$emails $$exports $$mailings 2>/dev/null; wait $$emails $$exports $$mailings 2>/dev/null' EXIT INT TERM; \
	GUNICORN_BIND=$(HOST):$(PORT) WEB_CONCURRENCY=$${WEB_CONCURRENCY:-2} \
		$(BIN)/gunicorn -c site/gunicorn.conf.py config.wsgi

.PHONY: test
test: install messages ## Run the whole test suite (SQLite unless DATABASE_URL is set)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(PYTEST_ARGS)

.PHONY: lint
lint: install ## ruff, Django's checks and a check for missing migrations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

.PHONY: bench
bench: install messages ## Load-test the production setup and print figures (BENCH_MAILINGS=10000: messages to supporters, "0" leaves out)
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || { apt-get update -qq && apt-get install -y -qq wrk; } || echo "Could not install wrk with apt-get"
	$(PY) tests/load/bench.py
	@if [ "$${BENCH_MAILINGS:-10000}" != 0 ]; then $(PY) tests/load/bench_mailings.py; fi

.PHONY: lighthouse
lighthouse: install ## Lighthouse (mobile) scores of every page type, against a running `make run` (same PORT=)
	@command -v npx >/dev/null || [ "$$(id -u)" != 0 ] || { apt-get update -qq && apt-get install -y -qq nodejs npm; } || echo "Could not install Node.js and npm with apt-get"
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(PY) tests/browser/lighthouse.py

.PHONY: browser
browser: ## Install Debian's Chromium for the browser tests (needs root)
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

.PHONY: clean
clean: ## Remove the virtual environment and local data (database, media, static)
	rm -rf $(VENV) var
