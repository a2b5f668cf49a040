# The course's commands. `make run` and `make test` set everything up on a fresh clone.
#   make run [NB=01] [PROFILE=smoke] [PARAMS="retention_rate=0.8 horizon=20"]
#   make test | test-site | browser | java | lab | lint | bench | refresh NB=01 | constraints | clean | distclean

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Python 3.11 or newer; override with `make PYTHON=/path/to/python3.12 ...`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: student instructor book browser java help env run test test-package test-notebooks test-site lab lint format bench refresh constraints clean distclean

help:
	@echo "make run      execute every chapter into build/ (NB=01, PROFILE=name, PARAMS='k=v ...')"
	@echo "make test     package tests, the chapters' checked outputs (nbval), the website in Chromium"
	@echo "make lab      JupyterLab on the course"
	@echo "make lint     ruff over src, tests, bench and notebooks"
	@echo "make bench    speed and memory of summarize and the CLV fits against DuckDB and lifetimes,"
	@echo "             and the scale table (pandas, DuckDB, Spark; 1M to 100M rows)"
	@echo "make test-site   the website opened in headless Chromium (part of make test)"
	@echo "make browser / java   install Debian's chromium and a CJK font / a Java runtime if missing"
	@echo "make refresh NB=01   re-execute a chapter in place and keep only checked outputs"
	@echo "make student / instructor   chapter copies without / with solutions in build/"
	@echo "make book     static course website in build/book/ (runs the chapters first)"
	@echo "make clean    remove build outputs (distclean also removes .venv)"

# The environment: created once, re-installed only when the dependencies change.
env: $(STAMP)
$(STAMP): pyproject.toml constraints.txt
	@if [ -z "$(PYTHON)" ]; then echo "error: no python3 found; install Python 3.11+ or pass PYTHON=..." >&2; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "error: $(PYTHON) is older than 3.11; pass PYTHON=/path/to/python3.11" >&2; exit 1; }
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing the course's packages into $(VENV) (pinned by constraints.txt)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[bench,dev,spark]"
	@touch $(STAMP)

run: $(STAMP) java
	$(BIN)/python -m helpers.runner $(if $(NB),--nb $(NB)) $(if $(PROFILE),--profile $(PROFILE)) \
		$(foreach p,$(PARAMS),-p $(p))

# All three suites run even if one fails; the target fails if any did.
test: $(STAMP) java
	@status=0; \
	$(BIN)/python -m pytest || status=1; \
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env notebooks/ || status=1; \
	$(MAKE) --no-print-directory test-site || status=1; \
	exit $$status

# The website as a reader sees it: build it, then open every page in headless Chromium.
test-site: $(STAMP) browser book
	$(BIN)/python -m pytest -m browser tests/test_website.py

# Debian's chromium and a Chinese font for the website check; installed once (root or sudo).
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "chromium and a Chinese font are installed"; \
	else \
		sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		echo "installing Debian's chromium and fonts-noto-cjk with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		$$sudo apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
		|| { $$sudo apt-get update && \
		     $$sudo apt-get install -y --no-install-recommends chromium fonts-noto-cjk; }; \
	fi

# A Java runtime for Spark (the spark extra's tests and chapter 16); installed once (root or sudo).
java:
	@if java -version >/dev/null 2>&1; then \
		echo "a Java runtime is installed"; \
	else \
		sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		echo "installing Debian's default-jre-headless with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		$$sudo apt-get install -y --no-install-recommends default-jre-headless \
		|| { $$sudo apt-get update && \
		     $$sudo apt-get install -y --no-install-recommends default-jre-headless; }; \
	fi

test-package: $(STAMP) java
	$(BIN)/python -m pytest

test-notebooks: $(STAMP) java
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env notebooks/

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

lint: $(STAMP)
	$(BIN)/ruff check src tests bench notebooks
	$(BIN)/ruff format --check src tests bench notebooks

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench notebooks
	$(BIN)/ruff format src tests bench notebooks

# Every benchmark runs even if an earlier one misses a goal; the target fails if any did.
bench: $(STAMP) java
	@status=0; \
	$(BIN)/python bench/bench_summarize.py || status=1; \
	$(BIN)/python bench/bench_clv.py || status=1; \
	$(BIN)/python bench/bench_scale.py || status=1; \
	exit $$status

# Re-execute a chapter in place, then keep outputs only on cells tagged keep_output
# (the `# NBVAL_CHECK_OUTPUT` cells) with their execution counts, as nbval needs.
refresh: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make refresh NB=01" >&2; exit 2; }
	@nb=$$(ls notebooks/$(NB)*.ipynb) && \
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace "$$nb" && \
	$(BIN)/nbstripout --keep-count "$$nb" && echo "refreshed $$nb"

# Learner copies without solutions and outputs; full instructor copies; the static website.
student: $(STAMP)
	$(BIN)/python -m helpers.coursebuild student

instructor: $(STAMP)
	$(BIN)/python -m helpers.coursebuild instructor

book: $(STAMP) java
	$(BIN)/python -m helpers.runner --no-html $(if $(PROFILE),--profile $(PROFILE))
	$(BIN)/python -m helpers.coursebuild book

# Re-pin every package after a change to pyproject.toml.
constraints:
	rm -rf build/pin-venv && $(PYTHON) -m venv build/pin-venv
	build/pin-venv/bin/python -m pip install --quiet -e ".[bench,dev,spark]"
	{ head -2 constraints.txt; build/pin-venv/bin/python -m pip freeze --exclude-editable \
		| grep -v '^crm-course-helpers'; } > constraints.tmp && mv constraints.tmp constraints.txt
	rm -rf build/pin-venv

clean:
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) src/*.egg-info
