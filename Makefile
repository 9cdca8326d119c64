# Mingle developer tasks. Every tool runs from .venv/bin, so nothing needs activating.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi

.DEFAULT_GOAL := help
.PHONY: help venv run test lint format bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml is newer than the last successful install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(STAMP) ## Create .venv and install Mingle with its dev tools

run: venv ## Migrate the local database and serve the app on http://127.0.0.1:5000
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

test: venv ## Lint, check formatting, then run the test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: venv ## Lint and check formatting without changing files
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv ## Apply safe lint fixes and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: venv ## Run the solver benchmarks
	$(BIN)/python -m bench

clean: ## Remove caches and test output (keeps .venv and instance/, the local database)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis test-artifacts *.egg-info
