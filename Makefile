# Two set-up commands: `make clean-reports` and `make test`. Both create the
# virtual environment in .venv on first use; only Python 3.11+ is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WORKERS ?= 2
SHARED ?= ../shared
EVAL_OUT ?= .eval
N ?= 2000

.PHONY: clean-reports test lint eval bench status help diff verify review browser

help:
	@echo "make clean-reports   clean seeds/ into output/ (only what changed)"
	@echo "make test            run the test suite"
	@echo "make lint            ruff"
	@echo "make eval            score samples and ../shared/corpus against the gold texts"
	@echo "make diff DOC=<stem> [STAGE=<stage>]   what changed, and which rule changed it"
	@echo "make verify          rebuild every source from its report and change record"
	@echo "make review          static HTML review pages in output/review/"
	@echo "make bench [N=2000]  benchmark (bench/results/bench.json)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# An editable install compiles none of the project's own modules; compiled once here, a run need not
# compile them again (nor can it where PYTHONDONTWRITEBYTECODE is set).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q pipeline tasks >/dev/null
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# eval-only peers (trafilatura): installed for make eval, never a runtime dependency
$(VENV)/.eval-installed: pyproject.toml $(VENV)/.dev-installed
	$(BIN)/python -m pip install --quiet -e '.[dev,eval]'
	touch $@

clean-reports: $(VENV)/.installed
	$(BIN)/gwr-clean clean --input seeds --output output --workers $(WORKERS)

test: $(VENV)/.dev-installed browser
	$(BIN)/python -m pytest

# The review-page tests drive Debian's headless chromium; installed here when
# missing and we are root (CI), else a hint (or set GWR_NO_BROWSER=1).
browser:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
	  { [ "$$(id -u)" = 0 ] && echo "installing chromium for the review-page tests" && \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; } || \
	  echo "note: chromium missing; install it (apt-get install chromium) or set GWR_NO_BROWSER=1"

diff: $(VENV)/.installed
	@test -n "$(DOC)" || { echo "usage: make diff DOC=<stem> [STAGE=<stage>]"; exit 2; }
	$(BIN)/gwr-clean diff "$(DOC)" $(if $(STAGE),--stage $(STAGE)) --input seeds --output output

verify: $(VENV)/.installed
	$(BIN)/gwr-clean verify --all --input seeds --output output

review: $(VENV)/.installed
	$(BIN)/gwr-clean review --input seeds --output output

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check pipeline tasks tests bench

status: $(VENV)/.installed
	$(BIN)/gwr-clean status --input seeds --output output

# Scores the samples and the third-party corpus (never committed) against
# their gold texts. Reports only; not part of `make test`.
eval: $(VENV)/.eval-installed
	bash bench/eval.sh "$(BIN)/python" "$(SHARED)" "$(EVAL_OUT)"

# Benchmark: N generated documents (default 2000), results in bench/results/bench.json.
bench: $(VENV)/.installed
	$(BIN)/python bench/bench.py --n $(N) --shared $(SHARED)
