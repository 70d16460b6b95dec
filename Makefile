# Criterion — common tasks. `make run` and `make test` work on a fresh machine with
# Python 3.12+; everything else is installed into .venv on first use.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test lint worker beat bench bench-quick security audit lock backup restore demo clean help

help:
	@echo "make run          set up, load the demo world and serve http://$(HOST):$(PORT) (SQLite)"
	@echo "make test         run the whole test suite (lint, migrations check, pytest)"
	@echo "make lint         ruff + makemigrations --check"
	@echo "make worker       start a Celery worker (needs REDIS_URL)"
	@echo "make beat         start Celery beat (needs REDIS_URL)"
	@echo "make bench        benchmark suite against gunicorn (bench/)"
	@echo "make bench-quick  a smaller, faster benchmark run"
	@echo "make security     bandit, dependency audit and a loopback scan"
	@echo "make audit        known vulnerabilities in requirements.lock"
	@echo "make lock         re-resolve pyproject.toml into requirements.lock"
	@echo "make backup / make restore   database + media round trip"

$(PY):
	@PYTHON=$$(scripts/find_python.sh) || exit 1; \
	echo "Creating $(VENV) with $$PYTHON"; \
	$$PYTHON -m venv $(VENV)

$(STAMP): pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check --no-compile -U pip
	$(PY) -m pip install -q --disable-pip-version-check --no-compile -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: $(STAMP)
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	CRITERION_TESTING=1 $(PY) manage.py makemigrations --check --dry-run

node_modules/axe-core/axe.min.js:
	@npm install --no-save --no-audit --no-fund --silent axe-core@4 >/dev/null 2>&1 || echo "axe-core not installed (npm unavailable): accessibility checks will be skipped"

test: $(STAMP) node_modules/axe-core/axe.min.js
	$(MAKE) --no-print-directory lint
	@mkdir -p staticfiles
	CRITERION_TESTING=1 $(VENV)/bin/pytest $(PYTEST_ARGS)

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2

beat: $(STAMP)
	$(VENV)/bin/celery -A config beat --loglevel=INFO

bench: $(STAMP)
	$(PY) -m bench.run

bench-quick: $(STAMP)
	$(PY) -m bench.run --quick

security: $(STAMP)
	bash scripts/security.sh

audit: $(STAMP)
	$(PY) scripts/audit_dependencies.py

# A fresh resolution of pyproject.toml (newest allowed versions) in a scratch venv.
lock:
	rm -rf .venv-lock
	PYTHON=$$(scripts/find_python.sh) && $$PYTHON -m venv .venv-lock
	.venv-lock/bin/pip install -q --disable-pip-version-check -e ".[dev]"
	{ sed -n '1,3p' requirements.lock; .venv-lock/bin/pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf .venv-lock

backup: $(STAMP)
	bash scripts/backup.sh

restore: $(STAMP)
	bash scripts/restore.sh $(FROM)

clean:
	rm -rf $(VENV) staticfiles *.egg-info
