# digestbot: `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: the bot (real Telegram with a token configured, else the local sandbox with a web chat)
run: $(STAMP)
	$(BIN)/digestbot run --or-demo $(ARGS)

## test: lint, then the whole test suite
test: $(STAMP) lint
	$(BIN)/python -m pytest -q -n 8 --dist loadgroup

## lint: ruff (lint + format check) and mypy strict on bot/
lint: $(STAMP)
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests
	$(BIN)/mypy

## bench: every tests/bench script, one JSON line each; all run, then it fails if any failed
bench: $(STAMP)
	@failed=""; for f in tests/bench/bench_*.py; do $(BIN)/python $$f || failed="$$failed $$f"; \
	done; if [ -n "$$failed" ]; then echo "bench failed:$$failed" >&2; exit 1; fi

format: $(STAMP)
	$(BIN)/ruff format bot tests
	$(BIN)/ruff check --fix bot tests

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
