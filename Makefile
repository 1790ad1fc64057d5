# Two set-up commands: `make clean-reports` and `make test`. Both create the
# virtual environment in .venv on first use; only Python 3.11+ is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WORKERS ?= 2
SHARED ?= ../shared
EVAL_OUT ?= .eval
N ?= 2000

.PHONY: clean-reports test lint eval bench status help

help:
	@echo "make clean-reports   clean seeds/ into output/ (only what changed)"
	@echo "make test            run the test suite"
	@echo "make lint            ruff"
	@echo "make eval            score samples and ../shared/corpus against the gold texts"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

clean-reports: $(VENV)/.installed
	$(BIN)/python -m pipeline clean --input seeds --output output --workers $(WORKERS)

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check pipeline tasks tests bench

status: $(VENV)/.installed
	$(BIN)/python -m pipeline status --input seeds --output output

# Scores the samples and the third-party corpus (never committed) against
# their gold texts. Reports only; not part of `make test`.
eval: $(VENV)/.dev-installed
	bash bench/eval.sh "$(BIN)/python" "$(SHARED)" "$(EVAL_OUT)"

# Benchmark: N generated documents (default 2000), results in bench/results/bench.json.
bench: $(VENV)/.installed
	$(BIN)/python bench/bench.py --n $(N) --shared $(SHARED)
