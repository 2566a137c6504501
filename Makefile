# The verbs a newcomer looks for. `make run` and `make test` set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUN_VERSION := 1.4.4
BUN := .tools/node_modules/.bin/bun
PORT ?= 3000

export PATH := $(CURDIR)/.tools/node_modules/.bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export REFLEX_SHOW_BUILT_WITH_REFLEX := false
export NPM_CONFIG_REGISTRY ?= https://registry.npmjs.org
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: system system-run setup run dev test test-fast screenshots lint fmt typecheck migrate admin bench soak clean

JS_CHECK := tests/js/node_modules/.installed

setup: $(VENV)/.installed $(BUN) $(JS_CHECK)

# Debian packages: as root, apt-get installs what is missing; otherwise one line says what to install.
system:
	@bash deploy/setup-system.sh test

system-run:
	@bash deploy/setup-system.sh run

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt -c constraints.txt
	touch $@

# openapi-typescript and tsc for the test that a typed client can use the OpenAPI document.
$(JS_CHECK): tests/js/package.json tests/js/package-lock.json | system-run
	npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
	touch $@

$(BUN): | system-run
	mkdir -p .tools
	npm install --prefix .tools --no-audit --no-fund --loglevel=error bun@$(BUN_VERSION)
	$(BUN) --version

migrate: setup
	$(PY) -m withus.cli migrate

run: system-run setup migrate
	@echo "withUs: starting on http://localhost:$(PORT) (production build; first build takes a minute)"
	$(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

dev: system-run setup migrate
	$(VENV)/bin/reflex run --env dev

# In-process tests on both cores, then the ones that start real servers, one at a time. (Side by side
# they took 870 s instead of about 1,000, but in one of two runs a browser test timed out under the
# load: a red run costs more than two minutes.)
test: system setup
	$(PY) -m pytest -n 2 --dist worksteal -m "not e2e and not scaleout"
	$(PY) -m pytest -m "e2e or scaleout"

# Refreshes the README's pictures in docs/screenshots from the browser tests.
screenshots: system setup
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest -m e2e tests/e2e

test-fast: setup
	$(PY) -m pytest -n 2 --dist worksteal -m "not e2e and not scaleout"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

admin: setup migrate
	$(PY) -m withus.cli admin $(USER)

bench: setup
	$(PY) -m bench

soak: setup
	$(PY) -m bench.soak $(SOAK_ARGS)

clean:
	rm -rf .web data/withus.db* .pytest_cache .mypy_cache .ruff_cache
