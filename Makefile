# Every target sets up what it needs on a fresh machine: a virtualenv with the project and its dev
# tools, the CDK CLI pinned in package-lock.json, a supported Node.js when the machine's is too old,
# and the AWS SDK of a Lambda Python runtime (older than the alias operations) for the offline player
# (setup-demo); the tests also need checkov (setup).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NODE_MIN_MAJOR := 22
NODE_PIN := 22.23.3
NODE_DIR := .tools/node
# The SDK a Lambda python3.13 runtime bundled before the alias operations arrived (botocore 1.40.60).
LAMBDA_SDK_VERSION := 1.40.50
LAMBDA_SDK := .sdk/lambda-runtime
# checkov pins a boto3 older than the alias operations, so it gets a virtualenv of its own.
CHECKOV_VERSION := 3.3.30
CHECKOV_DIR := .tools/checkov

export PATH := $(CURDIR)/$(NODE_DIR)/node_modules/.bin:$(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_CLI_NOTICES := false
export CONNECT_EMAIL_ALIAS_SDK_PATH := $(CURDIR)/$(LAMBDA_SDK)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup setup-demo demo test lint unit fault-matrix bench live-check synth deploy clean

help:
	@echo "make demo   play create -> swap -> failed swap (restored) -> delete against the offline Connect emulator"
	@echo "make test   lint, type-check and run every test (sets everything up first)"
	@echo "make bench  run the benchmarks and regenerate bench/RESULTS.md"
	@echo "make fault-matrix   regenerate docs/fault-matrix.md (tests compare with it)"
	@echo "make live-check ARGS='--instance-id I --addresses E1 E2 E3 --region R'"
	@echo "           calibrate the emulator against a real Connect instance (your AWS credentials; opt-in)"
	@echo "make synth ARGS='...'   cdk synth of app.py with the venv and a supported Node.js on PATH"
	@echo "make deploy ARGS='...'  cdk deploy of app.py, same PATH (needs AWS credentials)"

# What the demo (and synth, deploy, bench, live-check) needs; `setup` adds the tests' tools.
setup-demo: $(VENV)/.installed node_modules/.installed $(NODE_DIR)/.installed $(LAMBDA_SDK)/.installed

setup: setup-demo $(CHECKOV_DIR)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Brings a supported Node.js into .tools/ only when the machine's is older than the CDK supports.
$(NODE_DIR)/.installed:
	@if node -e 'process.exit(+process.versions.node.split(".")[0] >= $(NODE_MIN_MAJOR) ? 0 : 1)' 2>/dev/null; then \
	  echo "node $$(node --version) is supported"; mkdir -p $(NODE_DIR); \
	else \
	  echo "node $$(node --version 2>/dev/null || echo missing) is older than $(NODE_MIN_MAJOR): installing node@$(NODE_PIN) into $(NODE_DIR)"; \
	  npm install --no-audit --no-fund --loglevel=error --no-save --prefix $(NODE_DIR) node@$(NODE_PIN); \
	fi
	touch $@

$(CHECKOV_DIR)/.installed:
	$(PYTHON) -m venv $(CHECKOV_DIR)
	$(CHECKOV_DIR)/bin/python -m pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

$(LAMBDA_SDK)/.installed: $(VENV)/.installed
	rm -rf $(LAMBDA_SDK)
	$(PY) -m pip install --quiet --no-compile --no-warn-conflicts --target $(LAMBDA_SDK) \
	  boto3==$(LAMBDA_SDK_VERSION) botocore==$(LAMBDA_SDK_VERSION)
	touch $@

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy

unit: setup-demo
	$(PY) -m pytest tests/unit -q

test: lint
	$(PY) -m pytest -n 2 -q

# Rewrites docs/fault-matrix.md from the matrix's cases (every test run compares its rows with the file).
fault-matrix: setup-demo
	CONNECT_EMAIL_ALIAS_WRITE_FAULT_MATRIX=1 $(PY) -m pytest -n 2 -q -p no:cacheprovider tests/reliability/test_fault_matrix.py

# The real CDK CLI synthesises app.py twice (the seed's help@ alias, then customercare@ for the swap),
# and the player plays both against the emulator.
DEMO_OUT := cdk.out/demo
demo: setup-demo
	npx --no-install cdk synth -q -o $(DEMO_OUT)/v1 ConnectEmailAliasDemo
	npx --no-install cdk synth -q -o $(DEMO_OUT)/v2 -c aliasEmailAddressId=33333333-3333-4333-8333-333333333333 ConnectEmailAliasDemo
	$(PY) -m connect_email_alias.local.demo $(DEMO_OUT)/v1 $(DEMO_OUT)/v2

bench: setup-demo
	$(PY) bench/run.py

# Opt-in, never part of `make test`: plays the lifecycle through the function's code against a real Connect
# instance with the caller's AWS credentials, touching only the three addresses given, and restores them.
live-check: setup-demo
	$(PY) -m connect_email_alias.live_check $(ARGS)

# The CDK CLI as the README runs it, with this PATH (venv python3 for app.py, pinned CLI, supported Node.js):
#   make synth ARGS="-q ConnectEmailAliasDemo"    make deploy ARGS="ConnectEmailAliasDemo -c instanceId=..."
synth: setup-demo
	npx --no-install cdk synth $(ARGS)

deploy: setup-demo
	npx --no-install cdk deploy $(ARGS)

clean:
	rm -rf $(VENV) node_modules .tools .sdk cdk.out .pytest_cache .mypy_cache .ruff_cache
