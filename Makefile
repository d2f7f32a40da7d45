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

# Search speed on synthetic listings, for PostgreSQL; use a database of its own:
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/dir_bench make bench
# It loads postcodes into that database, times the searches at 1,000 and 10,000
# services and deletes the synthetic services again.
bench: install .env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_postcodes
	$(PY) manage.py bench_search

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
