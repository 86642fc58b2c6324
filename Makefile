# The few verbs maintainers need. Every target builds .venv from
# requirements.txt first when it is missing (or older than requirements.txt).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: test lint format bench clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

## test: build .venv if needed, lint, then run the whole test suite
test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m pytest

## lint: ruff check and format check
lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## bench: print speed and memory figures (never part of the tests)
bench: $(VENV)/.installed
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
