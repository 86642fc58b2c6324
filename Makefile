# The few verbs maintainers need. Every target builds .venv from
# requirements.txt first when it is missing (or older than requirements.txt).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo sandbox test test-fast lint format notebooks bench golden refs clean

$(VENV)/.installed: requirements.txt assignment/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

## demo: release, fabricate a class, collect, grade in the sandbox, feedback, export (no network)
demo: $(VENV)/.installed sandbox
	$(PY) -m autograder demo --course build/demo-course

## sandbox: install bubblewrap (the grading sandbox) when it is missing and apt can
sandbox:
	@command -v bwrap >/dev/null || { \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        echo "installing bubblewrap (the grading sandbox)"; \
	        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
	        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; }; \
	    else \
	        echo "bubblewrap (bwrap) is missing: install it (e.g. sudo apt-get install bubblewrap);" \
	            "grading falls back to resource limits only"; \
	    fi; }

## test: build .venv if needed, lint, then run the whole test suite in TEST_WORKERS
##       pytest-xdist workers (default 2; tests sharing a minutes-long fixture, such as
##       the class graded end to end, run on one worker: tests/conftest.py)
TEST_WORKERS ?= 2
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadgroup
test: $(VENV)/.installed sandbox
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest $(PYTEST_PARALLEL)

## test-fast: the quick tier for the edit-test loop: lint, then every test not marked slow
##            (no class graded end to end, no corpus, no Dask; under 2 minutes on 2 cores)
test-fast: $(VENV)/.installed sandbox
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "not slow"

## lint: ruff check and format check
lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## notebooks: bring each notebook pair in step: notebooks/<Name>.py (the source, jupytext's
##            percent format) and notebooks/<Name>.ipynb; the one edited last wins (jupytext
##            --sync), then the .py is rewritten from the notebook in jupytext's own layout.
##            Says which files changed; tests/notebooks/test_sources.py fails until they agree.
NOTEBOOK_STEMS = $(sort $(basename $(wildcard notebooks/*.py notebooks/*.ipynb)))
notebooks: $(VENV)/.installed
	@before="$$(md5sum notebooks/*.py notebooks/*.ipynb 2>/dev/null)"; \
	$(PY) -m jupytext --quiet --sync \
	    $(foreach s,$(NOTEBOOK_STEMS),$(firstword $(wildcard $(s).py $(s).ipynb))) && \
	$(PY) -m jupytext --quiet --to py:percent notebooks/*.ipynb || exit 1; \
	after="$$(md5sum notebooks/*.py notebooks/*.ipynb)"; \
	changed="$$(echo "$$after" | grep -vxF -e "$$before" | sed 's/^[0-9a-f]*  /  /')"; \
	if [ -n "$$changed" ]; then echo "changed:"; echo "$$changed"; \
	else echo "every notebook agrees with its .py: nothing changed"; fi

## bench: speed and memory figures into benchmarks/RESULTS.md (never part of the tests);
##        WITH_TORCH=1 first installs PyTorch $(TORCH_VERSION) (CPU) into .venv for its baselines
TORCH_VERSION ?= 2.13.0
bench: $(VENV)/.installed sandbox
	@if [ "$(WITH_TORCH)" = 1 ] && ! $(PY) -c 'import torch' 2>/dev/null; then \
	    $(PY) -m pip install --quiet torch==$(TORCH_VERSION) || \
	    echo "PyTorch could not be installed: the benchmarks run without its baselines"; \
	fi
	$(PY) -m benchmarks

## corpora: grade the mistake and attack corpora and rewrite tests/corpora/README.md
##          (about 20 minutes; the tests check each row of it against a fresh grading)
corpora: $(VENV)/.installed sandbox
	$(PY) -m tests.corpora

## golden: rebuild tests/golden/release (the golden release tree) after a deliberate change
golden: $(VENV)/.installed
	$(PY) -m tests.autograder.release.refresh_golden

## refs: regenerate assignment/reference/ from the solutions (then review git diff)
refs: $(VENV)/.installed
	$(PY) -m autograder refs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
