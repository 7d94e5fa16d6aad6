# Every target creates the virtualenv on its own if it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fuzz test-all lint typecheck docs bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: the main job: staffing plan of the built-in default estate (report in out/)
run: $(STAMP)
	$(BIN)/dispatch-core plan --out out

## lint: ruff lint and format check over the whole tree
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## typecheck: mypy --strict over src/
typecheck: $(STAMP)
	$(BIN)/mypy

## docs: the API reference site into site/ (mkdocs build --strict: every warning is an error)
# NO_MKDOCS_2_WARNING silences Material's banner about its end of life (May 2027), not warnings.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

## test: lint, type checks, the docs build and the fast test tier (what CI runs; hypothesis `ci`)
test: lint typecheck docs
	HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest -m "not slow" -q

## test-fuzz: the fast tier's tests with hypothesis profile `fuzz` (fresh randomness, 10x examples)
test-fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests -m "not slow" -q

## test-all: everything, including the slow acceptance tiers
test-all: lint typecheck docs
	HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest -q

## bench: the pytest-benchmark suites (fixed seeds); JSON in .benchmarks/
bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q --benchmark-enable --benchmark-only \
		--benchmark-autosave -p no:randomly

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache site
