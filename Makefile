# Queue Lab — two commands do all the set-up:  make lab  |  make test
# Everything else here is a helper those two use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
UV_VERSION := 0.13.9
# Python caches each module's bytecode in __pycache__/ the first time it imports it. Some machines
# switch that off (PYTHONDONTWRITEBYTECODE=1); here every server, worker, kernel and xdist worker
# would then compile the same modules again on every start, so make keeps the cache on for what it
# runs. The cache lives in .venv/ and in git-ignored __pycache__/ folders.
unexport PYTHONDONTWRITEBYTECODE
# Jupyter refuses to start as root (containers, some lab VMs) unless told it is intended.
JUPYTER_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# pytest-xdist workers for `make test` / `make test-fast`: each has its own servers, ports, LAB_DIR
# and build/notebooks/<worker>/. Three on this 2-core machine: the tests wait on their servers often
# enough that a third keeps the cores busy (fresh clone: 2 workers 5 min 20 s, 3 workers 4 min 34 s,
# 4 workers 4 min 31 s with more CPU) once the one-process collection below has filled the bytecode
# cache — before that, a third worker only compiled the same modules a third time.
TEST_WORKERS ?= 3
MYPY_LOG := build/mypy.log

.DEFAULT_GOAL := help
.PHONY: help install lab up down status test test-fast typecheck lint format bench notebooks clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Queue Lab needs Python 3.11 or newer (set PYTHON=python3.x)")'
	@# the venv starts without pip: installing its own pip compiles ~700 modules (≈ 5 s) only to
	@# install uv; the pip of $(PYTHON) installs uv into it (a Python without pip, or one older than
	@# 22.3, bootstraps the venv's own), and uv adds pip afterwards for anyone who wants it
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
	  || { $(BIN)/python -m ensurepip --default-pip && \
	       $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); }
	@# no --compile-bytecode: it compiles all ~11,000 modules (~40 s); with the cache on (above) only
	@# the ~3,000 that anything imports are compiled, once, on first use
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]' pip
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the lab (idempotent)

lab: install ## Install, start the local services and open JupyterLab
	$(BIN)/labkit up
	$(BIN)/jupyter lab --notebook-dir=notebooks $(JUPYTER_ROOT_FLAG)

up: install ## Start the local services only
	$(BIN)/labkit up

down: install ## Stop the local services
	$(BIN)/labkit down

status: install ## Show the local services
	$(BIN)/labkit status

test: install ## Install, start what the tests need, run everything
	$(BIN)/ruff check .
	@# bytecode for the lab's own code too: each server, worker and kernel the tests start reuses it
	$(BIN)/python -m compileall -q labkit backend course
	@# mypy (one core, ~30 s from a fresh clone) runs beside pytest, whose servers leave a core idle
	@# while they wait on each other; its report is printed after the tests, and either failing fails.
	@# Collecting once in one process first fills the bytecode cache (the modules every test file
	@# imports, and pytest's rewritten test files); otherwise each xdist worker compiles the same
	@# ~3,000 modules at once on a fresh clone (≈ 35 s of CPU, ≈ 15 s of the wall clock).
	@mkdir -p $(dir $(MYPY_LOG)); $(BIN)/mypy --cache-dir .mypy_cache > $(MYPY_LOG) 2>&1 & mypy_pid=$$!; \
	$(BIN)/python -m pytest --collect-only -q -p no:cacheprovider > /dev/null; \
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup; tests=$$?; \
	wait $$mypy_pid; types=$$?; echo "mypy: $$(tail -n 1 $(MYPY_LOG))"; \
	if [ $$types -ne 0 ]; then cat $(MYPY_LOG); fi; \
	[ $$tests -eq 0 ] && [ $$types -eq 0 ]

test-fast: install ## Unit tests only (no server, no network)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup tests/unit

typecheck: install ## mypy, strict on labkit/ and backend/ (config in pyproject.toml)
	$(BIN)/mypy --cache-dir .mypy_cache

lint: install ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## Run the benchmarks (peers side by side)
	$(BIN)/python benchmarks/sqs_throughput.py
	$(BIN)/python benchmarks/calendar_jobs.py

notebooks: install ## Re-run every notebook on the local services and refresh its committed outputs
	$(BIN)/labkit up
	$(BIN)/labkit notebooks execute --in-place

clean: ## Remove the venv, build output and local state
	-$(BIN)/labkit down 2>/dev/null
	rm -rf $(VENV) build .lab .pytest_cache .ruff_cache .mypy_cache
