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

# In-process tests on both cores while the browser tests run beside them (those mostly wait for
# pages, builds and sockets; their output is kept in test-results/browser.log and shown after), then
# the scale-out tests, which kill and restart processes, with the machine to themselves.
test: system setup
	@mkdir -p test-results
	@echo "withUs: browser tests run beside the in-process tests; their output follows them"
	@$(PY) -m pytest -m "e2e and not scaleout" > test-results/browser.log 2>&1 & browser=$$!; \
	$(PY) -m pytest -n 2 --dist worksteal -m "not e2e and not scaleout"; inproc=$$?; \
	wait $$browser; browser=$$?; \
	echo "== browser tests (test-results/browser.log)"; cat test-results/browser.log; \
	$(PY) -m pytest -m scaleout; scaleout=$$?; \
	echo "withUs: in-process exit $$inproc, browser exit $$browser, scale-out exit $$scaleout"; \
	test $$inproc -eq 0 -a $$browser -eq 0 -a $$scaleout -eq 0

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
