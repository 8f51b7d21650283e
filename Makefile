# The README's two commands: `make run` and `make test`. Both set everything up on a fresh
# Debian machine (as root they install the system packages; otherwise they print the apt command).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup system-packages db bench bench-documents bench-search clean

run: setup db
	@$(FLASK) demo --if-empty
	@echo "政务信息报送平台: http://$(HOST):$(PORT)/  演示账号 admin / editor / reporter / signer / leader，密码 baosong-demo"
	$(FLASK) run --host $(HOST) --port $(PORT)

# The suite runs on SQLite, then again on PostgreSQL when one answers at TEST_DATABASE_URL.
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

test: setup
	@echo "== test suite on SQLite =="
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@if $(BIN)/python deploy/db-reachable.py "$(TEST_DATABASE_URL)"; then \
		echo "== test suite on PostgreSQL ($(TEST_DATABASE_URL)) =="; \
		DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/python -m pytest $(PYTEST_ARGS); \
	else \
		echo "== PostgreSQL not reachable at $(TEST_DATABASE_URL): PostgreSQL run skipped =="; \
	fi

setup: system-packages $(VENV)/.installed

system-packages:
	@bash deploy/system-packages.sh

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# Benchmarks (figures in the README); not part of the test suite: shared machines are noisy.
bench: setup
	$(BIN)/python bench/score_city.py
	$(BIN)/python bench/documents.py

bench-documents: setup
	$(BIN)/python bench/documents.py

# Needs bench/out/city.db: $(BIN)/python bench/generate.py city --database sqlite:///bench/out/city.db
bench-search: setup
	$(BIN)/python bench/search.py

db: setup
	$(FLASK) db upgrade

clean:
	rm -rf $(VENV) *.egg-info
