# The README's two commands: `make run` and `make test`. Both set everything up on a fresh
# Debian machine (as root they install the system packages; otherwise they print the apt command).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-calendar setup system-packages db bench bench-setup bench-documents bench-load bench-scaleout bench-province bench-mobile bench-search screenshots audit clean

run: setup db
	@$(FLASK) demo --if-empty
	@echo "政务信息报送平台: http://$(HOST):$(PORT)/  演示账号 admin / editor / reporter / signer / leader，密码 baosong-demo"
	$(FLASK) run --host $(HOST) --port $(PORT)

# The suite runs on SQLite, then again on PostgreSQL when one answers at TEST_DATABASE_URL, then the
# date-sensitive tests (marked calendar) again on the days where calendars break. Every run lives at
# PORTAL_TEST_NOW when it is set (tests/conftest.py), e.g. PORTAL_TEST_NOW=2027-01-01T09:00+08:00 make test.
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST = $(BIN)/python -m pytest $(PYTEST_WORKERS)
# Two workers on two cores (pytest-xdist); PYTEST_WORKERS= runs in one process.
PYTEST_WORKERS ?= -n 2 --dist loadgroup
# 1 January 00:30 in Beijing (still 31 December in UTC), a quarter's last evening, the default
# period's last day and the day after, the year's last evening, a leap day.
CALENDAR_DAYS ?= 2027-01-01T00:30+08:00 2027-03-31T23:30+08:00 2026-11-30T12:00+08:00 \
	2026-12-01T09:00+08:00 2026-12-31T23:30+08:00 2028-02-29T10:00+08:00

test: setup
	@echo "== test suite on SQLite =="
	$(PYTEST) $(PYTEST_ARGS)
	@if $(BIN)/python deploy/db-reachable.py "$(TEST_DATABASE_URL)"; then \
		echo "== test suite on PostgreSQL ($(TEST_DATABASE_URL)) =="; \
		DATABASE_URL="$(TEST_DATABASE_URL)" $(PYTEST) $(PYTEST_ARGS); \
	else \
		echo "== PostgreSQL not reachable at $(TEST_DATABASE_URL): PostgreSQL run skipped =="; \
	fi
	@$(MAKE) --no-print-directory test-calendar

# The date-sensitive tests on each of CALENDAR_DAYS (SQLite). Each day's run is one process, two days at
# a time: a run is mostly its own start (collection, migrations, the demo office), which two workers of one
# run cannot share out, so two runs side by side keep both cores busy. A day's output is shown when it fails.
CALENDAR_JOBS ?= 2
test-calendar: setup
	@logs=$$(mktemp -d); printf '%s\n' $(CALENDAR_DAYS) | xargs -P $(CALENDAR_JOBS) -I{} bash -c '\
		if PORTAL_TEST_NOW={} $(BIN)/python -m pytest -p no:xdist -m calendar -q $(PYTEST_ARGS) > "'$$logs'/{}.log" 2>&1; \
		then echo "== date-sensitive tests as if it were {}: $$(tail -1 "'$$logs'/{}.log")"; \
		else cat "'$$logs'/{}.log"; echo "== date-sensitive tests FAILED as if it were {}"; exit 255; fi'

setup: system-packages $(VENV)/.installed

system-packages:
	@bash deploy/system-packages.sh

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# Benchmarks (figures in docs/performance.md); not part of the test suite: shared machines are noisy.
bench: bench-setup
	$(BIN)/python bench/score_city.py
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/load.py

bench-setup: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'

bench-documents: setup
	$(BIN)/python bench/documents.py

# The city under gunicorn, driven by locust on loopback (about three minutes).
bench-load: bench-setup
	$(BIN)/python bench/load.py

# Two gunicorn servers behind Debian's nginx, one PostgreSQL database of its own (made once, never the
# test database), a shared upload folder; one server killed mid-run (about two minutes):
# psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE bench_scaleout'
BENCH_SCALEOUT_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench_scaleout
bench-scaleout: bench-setup
	@command -v nginx >/dev/null || { test "$$(id -u)" = 0 && apt-get update -q && apt-get install -y -q nginx-light; } \
		|| { echo "nginx is missing: apt-get install nginx-light"; exit 1; }
	$(BIN)/python bench/scaleout.py --database "$(BENCH_SCALEOUT_URL)"

# The province (3,000 units × 3 years, 1.5 million items) in a PostgreSQL database of its own, made once:
# psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE bench_province'   (never the test database)
BENCH_PROVINCE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench_province
bench-province: setup
	$(BIN)/python bench/generate.py province --database "$(BENCH_PROVINCE_URL)" --if-empty
	$(BIN)/python bench/score_province.py --database "$(BENCH_PROVINCE_URL)"

# Page sizes and slow-link timings in Debian's Chromium; needs the chromium package.
bench-mobile: setup
	$(BIN)/python bench/mobile.py

# The phone screenshots in docs/user-guide.zh.md (docs/images/), over the demo office in Debian's Chromium.
screenshots: setup
	$(BIN)/python bench/screenshots.py

# Known vulnerabilities in the installed dependencies (pip-audit) and a static scan of portal/ (bandit).
# Fails only on findings; says so plainly when the vulnerability database cannot be reached.
audit: setup $(VENV)/.audit-installed
	$(BIN)/python deploy/audit.py

$(VENV)/.audit-installed: pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[audit]'
	@touch $@

# Needs bench/out/city.db: $(BIN)/python bench/generate.py city --database sqlite:///bench/out/city.db
bench-search: setup
	$(BIN)/python bench/search.py

db: setup
	$(FLASK) db upgrade

clean:
	rm -rf $(VENV) *.egg-info
