# The one interface for people and CI. Every target works from a fresh clone: the ones that need the
# virtual environment depend on it, and it is (re)built from pyproject.toml and constraints.txt.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPEC := spec/
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install lint-spec generate check-generated lint typecheck test ci serve conformance bench clean chromium

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24" "setuptools>=69" wheel
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

lint-spec: $(STAMP)
	$(BIN)/rancher-contract lint-spec $(SPEC)

generate: $(STAMP)
	$(BIN)/rancher-contract generate --spec $(SPEC) --out generated

check-generated: $(STAMP)
	$(BIN)/rancher-contract generate --spec $(SPEC) --out generated --check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict rancher_contract

# Headless Chromium renders the HTML report in tests/ship/test_report.py (Debian's package; installed
# here when missing and we are root, as in CI).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
	      || echo "could not install chromium: the report test will say so" >&2; \
	  else echo "chromium is missing (the report test skips): sudo apt-get install -y chromium" >&2; fi; }

test: $(STAMP) chromium
	$(BIN)/pytest -q tests

# What CI runs (.ci/run): the spec rules, the drift check, lint, types and every test.
ci: lint-spec check-generated lint typecheck test

serve: $(STAMP)
	$(BIN)/rancher-contract serve

# The main job: the contract suite against the embedded reference server.
conformance: $(STAMP)
	$(BIN)/rancher-contract test

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .cache .mypy_cache .ruff_cache
