# Parcours: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every check.
# Everything below installs what it needs on a fresh machine (Python >= 3.11 and make given).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PARCOURS_DATA_DIR ?= $(CURDIR)/var
TEST_ENV := PARCOURS_DATA_DIR=$(CURDIR)/var/test PARCOURS_DEMO=false
PYTEST_ARGS ?=

.PHONY: run test install lint format typecheck migrations-check catalogues catalogues-check \
        test-sqlite test-postgres test-deps system-deps clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Parcours needs Python 3.11 or newer")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

system-deps:
	@bash tools/ensure-system-deps.sh gettext

catalogues: install system-deps
	cd src/parcours && ../../$(BIN)/parcours compilemessages --ignore '.venv' -v0

run: catalogues
	$(BIN)/parcours migrate --noinput -v0
	$(BIN)/parcours collectstatic --noinput -v0
	PARCOURS_DEMO=true $(BIN)/parcours demo --if-empty
	PARCOURS_DEMO=true $(BIN)/parcours serve --host $(HOST) --port $(PORT) --worker

lint: install
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

format: install
	$(BIN)/ruff format src tests bench tools
	$(BIN)/ruff check --fix src tests bench tools

typecheck: install
	$(TEST_ENV) $(BIN)/mypy src

migrations-check: install
	$(TEST_ENV) $(BIN)/parcours makemigrations --check --dry-run

catalogues-check: catalogues
	$(BIN)/python tools/check_catalogues.py

test-deps:
	@bash tools/ensure-system-deps.sh chromium redis

test-sqlite: catalogues test-deps
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: catalogues test-deps
	$(TEST_ENV) bash tools/with-postgres.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck migrations-check catalogues-check test-sqlite test-postgres

clean:
	rm -rf $(VENV) var test-output
