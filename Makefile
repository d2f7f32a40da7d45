# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SAMPLE := sample_data/bradford-district-and-craven.csv

.PHONY: install run setup test lint format migrations-check messages messages-check bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Local development settings (DEBUG on); production sets real environment variables.
.env:
	cp .env.example .env

setup: install .env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_postcodes
	$(PY) manage.py import_listings $(SAMPLE) --example

run: setup
	@echo "Open http://127.0.0.1:8000 (moderators: create a login with '$(PY) manage.py createsuperuser', then /admin/)"
	$(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check templates

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djhtml templates

migrations-check: install .env
	$(PY) manage.py makemigrations --check --dry-run

# Translation catalogues (locale/<language>/LC_MESSAGES/django.po and the compiled .mo,
# both committed): update them from the code with Babel; no GNU gettext needed.
messages: install .env
	$(PY) manage.py catalogues

messages-check: install .env
	$(PY) manage.py catalogues --check

test: install .env lint migrations-check messages-check
	$(PY) -m pytest

# Load benchmark (not a test; docs/performance.md): gunicorn with 2 sync workers and DEBUG
# off, 4 concurrent clients, every request type of issue 12 plus /healthz; prints
# p50/p95/p99, throughput, sizes and SQL queries, writes bench-results.json. Use a
# PostgreSQL database of its own (it adds synthetic services and leaves them there):
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/dir_bench make bench BENCH_SERVICES=10000
# A one-minute smoke run: make bench BENCH_SERVICES=1000 BENCH_REQUESTS=20
# `manage.py seed_synthetic --delete` removes the synthetic services again.
BENCH_SERVICES ?= 10000
BENCH_REQUESTS ?= 100
BENCH_JSON ?= bench-results.json
bench: install .env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_postcodes
	$(PY) manage.py seed_synthetic --services $(BENCH_SERVICES) --total
	$(PY) manage.py bench_load --requests $(BENCH_REQUESTS) --json $(BENCH_JSON)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
