# goldfleet - two commands do all the set-up on a fresh machine:
#   make demo   runs the main job against the embedded emulator
#   make test   installs everything it needs, then lints, type-checks and tests
PYTHON ?= python3.11
VENV := .venv
AZ_VENV := .venv-az
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AZ_STAMP := $(AZ_VENV)/.installed

.PHONY: test demo lint typecheck contracts pytest bench clean install az

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The real az CLI lives in a venv of its own: azure-cli pins older Azure SDK packages than goldfleet.
az: $(AZ_STAMP)

$(AZ_STAMP): constraints-az.txt
	test -x $(AZ_VENV)/bin/python || $(PYTHON) -m venv $(AZ_VENV)
	$(AZ_VENV)/bin/python -m pip install --quiet --upgrade pip==25.3
	$(AZ_VENV)/bin/python -m pip install --quiet -c constraints-az.txt azure-cli==2.91.0
	touch $(AZ_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

contracts: $(STAMP)
	$(BIN)/lint-imports

# Two workers on two cores: more would make each test slower than the 60 s a test may take.
# A module's tests stay on one worker, in order: they share its estate and may build on each other.
TEST_WORKERS ?= 2

pytest: $(STAMP) $(AZ_STAMP)
	GOLDFLEET_AZ=$(CURDIR)/$(AZ_VENV)/bin/az $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

test: lint typecheck contracts pytest

demo: $(STAMP)
	$(BIN)/goldfleet demo

bench: $(STAMP)
	$(BIN)/python bench/emulator_throughput.py
	$(BIN)/python bench/plan_scale.py
	$(BIN)/python bench/engine_overhead.py
	$(BIN)/python bench/distribution.py
	$(BIN)/python bench/builds.py
	$(BIN)/python bench/rollouts.py

clean:
	rm -rf $(VENV) $(AZ_VENV) .mypy_cache .pytest_cache .ruff_cache
