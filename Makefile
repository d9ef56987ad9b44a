# Toasty's commands. Every target creates the virtual environment it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BASE   ?=

.PHONY: install test lint typecheck pytest bench grade serve clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Toasty needs Python >= 3.11 (set PYTHON=python3.11)"; exit 2; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[app,test]'
	@touch $(STAMP)

## Lint, type-check and run the whole suite.
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check bot action tests benchmarks
	$(BIN)/ruff format --check bot action tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

## Benchmarks: print ratios measured side by side in one run.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## Run the GitHub App on SQLite (./toasty.db); the first run writes a .env with a random webhook secret.
serve: $(STAMP) .env
	$(BIN)/toasty serve

.env:
	@printf 'GITHUB_WEBHOOK_SECRET=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_hex(32))')" > .env
	@echo "Wrote .env with a random GITHUB_WEBHOOK_SECRET: enter the same secret in your GitHub App's settings,"
	@echo "and add GITHUB_APP_ID and GITHUB_PRIVATE_KEY_PATH there to let Toasty act on pull requests."

## Grade this repository's change against its main branch (or BASE=<rev>).
grade: $(STAMP)
	$(BIN)/toasty grade --diff $(BASE)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build *.egg-info
