# JCM Registry — the everyday commands. `make help` lists them.
#
# `make run`  : a working, seeded registry on http://127.0.0.1:8000 (embedded PostgreSQL
#               under var/pgdata unless DATABASE_URL is set; Celery tasks run in-process
#               unless REDIS_URL is set).
# `make test` : the whole test suite against PostgreSQL (DATABASE_URL, else the embedded one).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The stamp records that the virtualenv holds what pyproject.toml asks for; editing
# pyproject.toml makes the next command reinstall.
STAMP := $(VENV)/.jcm-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run serve demo migrate messages test lint typecheck bench worker beat migrations-check clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	@echo "Installing the JCM Registry and its dependencies into $(VENV) ..."
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(STAMP) messages  ## create .venv and install the project with its test tools

# Compile translations with gettext's msgfmt when a .po file is newer than its .mo.
messages:
	@for po in $$(find . -path ./$(VENV) -prune -o -path ./var -prune -o -name '*.po' -print); do \
	  mo="$${po%.po}.mo"; \
	  if [ ! -f "$$mo" ] || [ "$$po" -nt "$$mo" ]; then \
	    if command -v msgfmt >/dev/null 2>&1; then msgfmt --check-format -o "$$mo" "$$po"; \
	    else echo "gettext's msgfmt is not installed: $$po not compiled (pages stay in English)"; fi; \
	  fi; \
	done

# The embedded database (no DATABASE_URL): migrations and the demo data run as the server's owner, the web
# server as the application's role, which create_app_role (re)makes with its grants (docs/security.md).
APP_DB_ROLE ?= jcm_app

migrate: install  ## apply database migrations (embedded database: then grant the application's role)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py create_app_role $(APP_DB_ROLE) --if-embedded --verbosity 0

demo: migrate  ## load the demo data (idempotent) and print the demo logins
	$(PY) manage.py seed_demo

run: demo serve  ## migrate, load the demo data once, and serve on http://127.0.0.1:8000

serve: install  ## serve without touching the data
	@echo "Serving the JCM Registry on http://$(HOST):$(PORT)/  (Ctrl-C stops it and the embedded database)"
	$(PY) manage.py create_app_role $(APP_DB_ROLE) --if-embedded --verbosity 0
	JCM_EMBEDDED_DB_ROLE=$(APP_DB_ROLE) $(PY) manage.py runserver $(HOST):$(PORT)

test: install  ## run the whole test suite
	$(BIN)/pytest

lint: install  ## ruff, the import contracts and the type checker
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

typecheck: install  ## mypy (django-stubs, djangorestframework-stubs) on the files pyproject.toml names
	$(BIN)/mypy

migrations-check: install  ## fail if a model change has no migration
	$(PY) manage.py makemigrations --check --dry-run

bench: install  ## run the benchmarks in bench/ (when there are any)
	@if find bench -name '*.py' ! -name '__init__.py' 2>/dev/null | grep -q .; then \
	  $(PY) -m bench; \
	else echo "No benchmarks exist yet (bench/ is empty)."; fi

# Celery processes need a broker: REDIS_URL in the environment or in .env.
define need_redis
	@if [ -z "$$REDIS_URL" ] && ! grep -qs '^REDIS_URL=.' .env; then \
	  echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run Celery outside the web process;"; \
	  echo "without it tasks already run in-process (eagerly)."; exit 1; fi
endef

worker: install  ## a Celery worker (needs REDIS_URL)
	$(need_redis)
	$(BIN)/celery -A jcm_registry worker --loglevel=INFO

beat: install  ## the Celery beat scheduler (needs REDIS_URL)
	$(need_redis)
	@mkdir -p var
	$(BIN)/celery -A jcm_registry beat --loglevel=INFO --schedule=var/celerybeat-schedule

clean:  ## remove the virtualenv and caches (keeps var/: the database and files)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache staticfiles
