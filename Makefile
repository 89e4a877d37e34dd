# Two commands for people: `make run` (demo at http://127.0.0.1:8000) and `make test` (the suite).
PYTHON ?= python3.11
UV_VERSION := 0.13.8
VENV := .venv
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
PY := $(VENV)/bin/python
# Debian packages: gettext (catalogues), Japanese fonts and HarfBuzz subsetting (PDF), Pango (weasyprint).
RUN_PACKAGES := gettext fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
# poppler-utils: pdftoppm turns PDF pages into images (the flyer's QR code is decoded from one).
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/renkei
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# pytest-xdist processes: each has its own database, Redis database and media folder
# (config/settings/test_workers.py). Much of the suite waits on browsers, workers and sockets.
PYTEST_WORKERS ?= 2

.PHONY: run test install lint pytest messages system-packages-run system-packages-test bench bench-reports bench-kpis

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.synced messages

messages: $(VENV)/.synced
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.venv-tools -v0

system-packages-run:
	@bin/debian-packages $(RUN_PACKAGES)

system-packages-test:
	@bin/debian-packages $(TEST_PACKAGES)

# The site is served once the association, its offices, people, events and latest filings
# exist (about 25 s); the older filing history fills in beside runserver, its progress in the
# same terminal, and stops with it (SQLite in WAL mode: readers are never blocked).
run: system-packages-run install
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo --defer-history
	@echo "Serving the demo association at http://127.0.0.1:8000/ (admin: /admin/, API: /api/docs/)"
	@$(PY) manage.py seed_demo --history-only & backfill=$$!; \
	trap 'kill $$backfill 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} DJANGO_SETTINGS_MODULE=config.settings.test \
		$(PY) manage.py makemigrations --check --dry-run

# pytest exits 5 when it collected nothing: here that is a broken suite, not a pass.
pytest: install
	@DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

test: system-packages-test lint pytest

# Page throughput (not a test): needs PostgreSQL, Redis and ApacheBench (Debian's apache2-utils).
# Figures go in the README.
bench: install
	@bin/debian-packages apache2-utils
	$(PY) bench/pages.py

# Building both monthly reports at 550 and 5,500 offices (not a test): needs PostgreSQL.
bench-reports: install
	$(PY) bench/monthly_reports.py

# The deadline burst (550 offices file through the API from 32 clients against gunicorn) and
# how the KPI dashboard's cost grows with offices (not tests): needs PostgreSQL and Redis.
bench-kpis: install
	$(PY) bench/deadline_burst.py
	$(PY) bench/kpi_growth.py
