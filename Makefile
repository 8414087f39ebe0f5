# SPIP Desktop — everyday commands. `make run` and `make test` create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-pg lint typecheck unit bench bench-quick bench-detail screenshots clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "SPIP Desktop demande Python 3.11 ou plus récent ($(PYTHON))." >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
		{ echo "Impossible de créer .venv : installez python3-venv (sudo apt install python3-venv)." >&2; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@# bytecode ahead of time, as an installed package has it (start-up time)
	$(BIN)/python -m compileall -q spip_desktop migrations > /dev/null
	@touch $(STAMP)

## Open the application on the demonstration database (filled on first run).
run: $(STAMP)
	$(BIN)/spip-desktop --demo

## Everything CI checks: lint, formatting, layer contracts, types, the whole test suite.
## The integration tests run on SQLite and on a throwaway PostgreSQL server (.ci/postgres
## starts one when PostgreSQL is installed; without it those variants are skipped).
test: $(STAMP) lint typecheck
	@bash .ci/postgres run $(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "Aucun test n'a été exécuté : échec." >&2; exit 1; fi; \
	exit $$status

## Only the tests that run on PostgreSQL, on a throwaway server.
test-pg: $(STAMP)
	bash .ci/postgres run $(BIN)/pytest -m postgresql -q

lint: $(STAMP)
	$(BIN)/ruff check spip_desktop tests migrations bench scripts
	$(BIN)/ruff format --check spip_desktop tests migrations bench scripts
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

## Benchmarks on generated data (see bench/README.md). `bench` is the release check:
## every target at 250,000 people, SQLite and PostgreSQL (under 15 minutes once the bases
## exist). `bench-quick` (20,000 people) fails only on a regression far beyond noise.
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/suite.py

bench-quick: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/suite.py --quick

## One area in depth (query plans, cancellation, backups, audit verification...).
bench-detail: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/trust.py
	$(BIN)/python bench/stages.py
	$(BIN)/python bench/rights.py
	$(BIN)/python bench/summary.py

## Screens rendered offscreen on demo data into docs/screenshots/.
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
