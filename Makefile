# Two entry points, each doing its own set-up from a fresh clone and safe to run again:
#   make demo   the main job end to end on the embedded default model (no API keys, no GPU)
#   make test   every test: TypeScript (typecheck, lint, vitest) and Python (ruff lint and format check, pytest)
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help demo test setup build models venv browser bench clean

PYTHON ?= python3
VENV := worker/.venv
NODE_STAMP := node_modules/.tailor-installed
VENV_STAMP := $(VENV)/.tailor-installed

# better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded; point node-gyp at
# the headers that ship with this Node so it needs no download either.
NODE_PREFIX := $(shell dirname "$$(dirname "$$(readlink -f "$$(command -v node)")")")
ifneq ($(wildcard $(NODE_PREFIX)/include/node/node.h),)
export npm_config_nodedir := $(NODE_PREFIX)
endif

help:
	@echo "make demo    the quickstart: a specialist trained and measured against the base model (~20 min)"
	@echo "make test    run every test (TypeScript and Python), installing what it needs"
	@echo "make bench   run the benchmarks under bench/"

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(VENV_STAMP): worker/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r worker/requirements.txt
	@touch $@

# Headless Chromium from Debian for the report's browser test (playwright-core drives it).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

setup: $(NODE_STAMP)
venv: $(VENV_STAMP)

build: setup
	npm run --silent build

models: build
	node bin/tailor.js models pull smollm2-135m-instruct

# The quickstart, a recipe of the reference task built on the library's public entry
# (examples/clinical-notes/quickstart/run.ts): base model evaluated, incumbent curated, SFT specialist
# trained, evaluated, compared, report written (./tailor-quickstart/report.html). ~20 minutes on 2
# cores; rerunning skips finished stages. QUICKSTART_FLAGS=--quick for a ~5-minute version, --rl to add
# GRPO after SFT (also --dir <path>, --threads <n>, --json).
demo: models venv
	node --import tsx examples/clinical-notes/quickstart/run.ts $(QUICKSTART_FLAGS)

test: build venv models browser
	npm run --silent typecheck
	npm run --silent lint
	$(VENV)/bin/ruff check worker
	$(VENV)/bin/ruff format --check worker
	npx vitest run
	cd worker && .venv/bin/python -m pytest -q

bench: models venv build
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/sft/requirements.txt -c worker/requirements.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/dedup/requirements.txt -c worker/requirements.txt
	npm ci --prefix bench/eval --no-audit --no-fund
	npm ci --prefix bench/serve --no-audit --no-fund
	node --import tsx bench/generate/run.ts
	node --import tsx bench/sft/run.ts
	node --import tsx bench/grpo/run.ts
	node --import tsx bench/eval/run.ts
	node --import tsx bench/serve/run.ts
	node --import tsx bench/dedup/run.ts

clean:
	rm -rf dist node_modules $(VENV)
