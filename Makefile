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
	@echo "withUs: starting on http://localhost:$(PORT) (production build: the first takes a minute, later starts reuse it while the sources are unchanged)"
	$(PY) -m deploy.serve_built --build --host 0.0.0.0 --port $(PORT)

dev: system-run setup migrate
	$(VENV)/bin/reflex run --env dev

# The in-process tests (both cores) run in the background, beside the ones that start real servers and
# drive Chromium, which mostly wait on them (about half a core): their output goes to $(INPROC_LOG),
# shown when both are done. The exit status is a failure if either failed.
INPROC_LOG := data/test-in-process.log
test: system setup
	@mkdir -p data
	@echo "withUs: in-process tests in the background (output in $(INPROC_LOG)); browser and scale-out tests here"
	@$(PY) -m pytest -n 2 --dist worksteal -m "not e2e and not scaleout" > $(INPROC_LOG) 2>&1 & inproc=$$!; \
	$(PY) -m pytest -m "e2e or scaleout"; browser=$$?; \
	wait $$inproc; in_process=$$?; \
	echo "== in-process tests ($(INPROC_LOG))"; \
	if [ $$in_process -ne 0 ]; then cat $(INPROC_LOG); else tail -n 2 $(INPROC_LOG); fi; \
	exit $$(( browser || in_process ))

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
