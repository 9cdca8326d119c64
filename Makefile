# Mingle developer tasks. Every tool runs from .venv/bin, so nothing needs activating.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi
# The browser tests drive Debian's chromium; Playwright's own browser downloads are not used.
CHROMIUM := /usr/bin/chromium
# The PDF tests read QR codes the way a phone does: poppler rasterises, zbar decodes.
PDF_TOOLS := /usr/bin/pdftoppm /usr/bin/pdftotext /usr/bin/zbarimg

.DEFAULT_GOAL := help
.PHONY: help venv vendor browser tools run test lint format bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml is newer than the last successful install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(STAMP) ## Create .venv and install Mingle with its dev tools

# Front-end libraries are static files from the npm registry, pinned (with their integrity)
# in static/npm/package-lock.json; no build step. `npm ci` installs them in a temporary folder,
# which checks the integrity, and the browser builds and their licences are copied to static/vendor/
# (generated, not committed). Again only when static/npm/package-lock.json is newer than the copy.
VENDOR := static/vendor
JSQR := $(VENDOR)/jsqr/jsQR.js

$(JSQR): static/npm/package.json static/npm/package-lock.json
	@command -v npm >/dev/null || { echo "make vendor: npm is missing (apt-get install npm)" >&2; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp static/npm/package.json static/npm/package-lock.json "$$tmp"/ && \
	npm ci --prefix "$$tmp" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null && \
	rm -rf $(VENDOR)/jsqr && mkdir -p $(VENDOR)/jsqr && \
	cp "$$tmp"/node_modules/jsqr/dist/jsQR.js "$$tmp"/node_modules/jsqr/LICENSE $(VENDOR)/jsqr/ && \
	echo "static/vendor: jsqr $$(node -p 'require(process.argv[1]).version' "$$tmp"/node_modules/jsqr/package.json)"

vendor: $(JSQR) ## Copy the pinned front-end libraries (npm registry) into static/vendor/

browser: ## Install Debian's chromium for the browser tests (apt-get, needs root)
	@if [ -x $(CHROMIUM) ]; then \
		echo "chromium is installed: $(CHROMIUM)"; \
	elif [ "$$(id -u)" -ne 0 ]; then \
		echo "make browser: $(CHROMIUM) is missing and installing it needs root." >&2; \
		echo "  Run: sudo apt-get update && sudo apt-get install -y chromium fonts-liberation" >&2; \
		echo "  Without it, make test skips the browser tests (CI fails them)." >&2; \
		exit 1; \
	else \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-liberation; \
	fi

tools: ## Install Debian's poppler-utils and zbar-tools for the PDF tests (apt-get, needs root)
	@missing=""; for tool in $(PDF_TOOLS); do [ -x $$tool ] || missing="$$missing $$tool"; done; \
	if [ -z "$$missing" ]; then \
		echo "PDF test tools are installed: $(PDF_TOOLS)"; \
	elif [ "$$(id -u)" -ne 0 ]; then \
		echo "make tools:$$missing missing and installing needs root." >&2; \
		echo "  Run: sudo apt-get update && sudo apt-get install -y poppler-utils zbar-tools" >&2; \
		echo "  Without them, make test skips the QR code checks (CI fails them)." >&2; \
		exit 1; \
	else \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			poppler-utils zbar-tools; \
	fi

run: venv vendor ## Migrate the local database and serve the app on http://127.0.0.1:5000
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

test: venv vendor ## Lint, check formatting, layers and types, then run the test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

lint: venv ## Lint and check formatting without changing files
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv ## Apply safe lint fixes and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: venv ## Run the solver benchmarks
	$(BIN)/python -m bench

clean: ## Remove caches and test output (keeps .venv, static/vendor and instance/, the local database)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis test-artifacts *.egg-info
