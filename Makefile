# ecoenforce — everyday commands.
#
#   make run     the demo: embedded PostgreSQL, tasks inline, seeded, on 127.0.0.1:8000
#   make test    the test suite, on the PostgreSQL and Redis at 127.0.0.1
#   make lint    ruff and the missing-migrations check
#   make worker  a Celery worker   (real deployment: CELERY_BROKER_URL, DATABASE_URL)
#   make beat    the Celery beat scheduler (same settings)

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 2024
PYTEST_ARGS ?=
# makemigrations --check only reads the migration history; any reachable
# PostgreSQL database will do, and an unreachable one is only a warning.
LINT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres

INSTALLED := $(VENV)/.installed

.PHONY: help install run migrate seed stop-db test lint check worker beat clean

help:
	@sed -n '2,8p' Makefile | sed 's/^# \{0,1\}//'

# The venv is refreshed from the lock files whenever they change. uv is quick;
# it trusts the system's certificate store (UV_NATIVE_TLS is its older name),
# and plain pip takes over should uv fail.
$(INSTALLED): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv
	UV_SYSTEM_CERTS=1 UV_NATIVE_TLS=1 $(VENV)/bin/uv pip install --quiet --python $(PY) \
		-r requirements.txt -r requirements-dev.txt \
		|| $(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	@touch $@

install: $(INSTALLED)

migrate: $(INSTALLED)
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --seed $(SEED)
	$(PY) manage.py seed_demo_records --seed $(SEED)

# With DEBUG on (the default) runserver serves the static files itself, so
# the demo needs no collectstatic; production collects them (see docker/).
run: seed
	@echo "演示系统：http://$(HOST):$(PORT)/admin/  接口文档：http://$(HOST):$(PORT)/api/docs/  （Ctrl-C 停止）"
	$(PY) manage.py runserver $(HOST):$(PORT)

# The embedded PostgreSQL outlives `make run` so the next start is quick;
# this stops it (fast shutdown of the postmaster recorded in var/pgdata).
stop-db:
	@if [ -f var/pgdata/postmaster.pid ]; then \
		pid=$$(head -n1 var/pgdata/postmaster.pid); \
		kill -INT "$$pid" 2>/dev/null || true; \
		for _ in $$(seq 1 30); do kill -0 "$$pid" 2>/dev/null || break; sleep 1; done; \
		echo "内置数据库已停止"; \
	else \
		echo "内置数据库未在运行"; \
	fi

# pytest's own exit status is kept: 5 (no tests collected) fails like any other.
test: $(INSTALLED)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DATABASE_URL="$${DATABASE_URL:-$(LINT_DATABASE_URL)}" $(PY) manage.py makemigrations --check --dry-run

check: lint test

define require_broker
	@test -n "$$CELERY_BROKER_URL" || { \
		echo "请先设置 CELERY_BROKER_URL（如 redis://127.0.0.1:6379/0），生产环境还须设置 DATABASE_URL 等，见 docs/deployment.md" >&2; \
		exit 1; }
endef

worker: $(INSTALLED)
	$(require_broker)
	$(VENV)/bin/celery -A ecoenforce worker --loglevel=INFO

beat: $(INSTALLED)
	$(require_broker)
	@mkdir -p var
	$(VENV)/bin/celery -A ecoenforce beat --loglevel=INFO --schedule var/celerybeat-schedule

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache
