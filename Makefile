# The course's commands. `make run` and `make test` set everything up on a fresh clone.
#   make run [NB=01] [PROFILE=smoke] [PARAMS="retention_rate=0.8 horizon=20"]
#   make env | check | test | test-site | browser | java | lab | lint | bench | refresh NB=01 | constraints | clean | distclean
#   make book | slides | student | instructor | answer-keys [COURSE_LANG=en]
# Another Python or environment folder: make env PYTHON=/usr/bin/python3 VENV=build/venv-3.11

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Python 3.11 or newer; override with `make PYTHON=/path/to/python3.12 ...`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# Every extra of pyproject.toml: the notebooks, DuckDB, Spark, the website, benchmarks, dev tools.
EXTRAS := bench,course,dev,duckdb,site,spark
# The course tooling (not part of the learner package); it finds the repository from the cwd.
TOOLS  := course/tools
# The course language of the website, slides and copies (course/tools/languages.py lists them).
# Not LANG: the shell's locale already uses that name.
COURSE_LANG ?= en
export COURSE_LANG

.PHONY: student instructor book slides answer-keys browser java java-or-skip help env run check test test-package test-notebooks test-site lab lint format bench refresh constraints clean distclean

help:
	@echo "make env      only create the environment $(VENV) (PYTHON=..., VENV=... to choose)"
	@echo "make run      execute every chapter into build/ (NB=01, PROFILE=name, PARAMS='k=v ...');"
	@echo "             without Java, chapter 16 skips its Spark parts (make java to add them)"
	@echo "make check    the package tests alone (no chapter runs, no Spark, no browser): about a minute"
	@echo "make test     package tests, the chapters' checked outputs (nbval), the website in Chromium"
	@echo "make lab      JupyterLab on the course"
	@echo "make lint     ruff over src, tests, bench, notebooks and course/tools"
	@echo "make bench    speed and memory of summarize and the CLV fits against their peers,"
	@echo "             the scale table (pandas, DuckDB, Spark; 1M to 100M rows) and the coverage"
	@echo "             of the CLV prediction intervals (bench/coverage_clv.py)"
	@echo "make test-site   the website opened in headless Chromium (part of make test)"
	@echo "make browser / java   install Debian's chromium and a CJK font / a Java runtime if missing"
	@echo "make refresh NB=01   re-execute a chapter in place and keep only checked outputs"
	@echo "make student / instructor   chapter copies without / with solutions in build/"
	@echo "make book     the course website, learner and instructor editions, in build/book/"
	@echo "             (runs the chapters first only if an executed copy is missing or stale)"
	@echo "make slides   a short offline slide deck per chapter in build/slides/"
	@echo "make answer-keys   re-make course/answer_keys.json after an exercise changed"
	@echo "COURSE_LANG=zh     run, slides, student and instructor in Chinese (en by default); book builds both"
	@echo "make clean    remove build outputs (distclean also removes .venv)"

# The environment: created once, re-installed only when the dependencies change.
env: $(STAMP)
$(STAMP): pyproject.toml constraints.txt
	@if [ -z "$(PYTHON)" ]; then echo "error: no python3 found; install Python 3.11+ or pass PYTHON=..." >&2; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "error: $(PYTHON) is older than 3.11; pass PYTHON=/path/to/python3.11" >&2; exit 1; }
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing the course's packages into $(VENV) (pinned by constraints.txt)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[bench,course,dev,duckdb,site,spark]"
	@touch $(STAMP)

run: $(STAMP) java-or-skip
	$(BIN)/python $(TOOLS)/runner.py $(if $(NB),--nb $(NB)) $(if $(PROFILE),--profile $(PROFILE)) \
		$(foreach p,$(PARAMS),-p $(p))

# The package's tests alone, for whoever changes a function: no chapter runs, no Spark, no
# browser; under two minutes.
check: $(STAMP)
	$(BIN)/python -m pytest -m "not notebooks and not spark and not browser"

# Everything. Each chapter runs twice: once with its defaults under nbval (kept in
# build/executed/, from which the website is built), once as the student copy with the smoke
# profile's small parameters. All three suites run even if one fails; the target fails if any did.
test: $(STAMP) java
	@status=0; \
	$(MAKE) --no-print-directory test-package || status=1; \
	$(MAKE) --no-print-directory test-notebooks || status=1; \
	$(MAKE) --no-print-directory test-site || status=1; \
	exit $$status

# The website as a reader sees it: build it from the chapters in build/executed/ (written by
# `make test-notebooks` or `make run`; the English chapters do not run again; the Chinese ones
# run once in Chinese, for their figures), then open every page and slide deck in Chromium.
test-site: $(STAMP) browser
	$(BIN)/python $(TOOLS)/book.py --run-stale
	$(BIN)/python -m pytest -m browser tests/course/test_website.py tests/course/test_slides.py

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

# Java for Spark when it can be had: present, or installed under CI or as root (`make java`).
# A learner without root and without Java gets a warning; chapter 16 then skips Spark.
java-or-skip:
	@if java -version >/dev/null 2>&1 || [ "$${CI:-}" = true ] || [ "$$(id -u)" -eq 0 ]; then \
		$(MAKE) --no-print-directory java; \
	else \
		echo "warning: no Java runtime; chapter 16 skips its Spark parts (DuckDB and pandas still run)." >&2; \
		echo "  To add Spark: install a Java runtime (make java with sudo, or conda install -c conda-forge openjdk)." >&2; \
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

# The package's tests with the Spark ones (make check, plus a local Spark session).
test-package: $(STAMP) java
	$(BIN)/python -m pytest -m "not notebooks and not browser"

# Every chapter with its defaults under nbval (checked outputs; build/executed/ for the website;
# every solution must pass its self-check: see conftest.py), then the papermill runs: the student
# copies with small parameters and the bad-parameter stops. Both run even if the first fails,
# TEST_JOBS chapters at a time (pytest-xdist; a chapter's cells stay together in one kernel).
TEST_JOBS ?= 2
test-notebooks: $(STAMP) java
	@status=0; \
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile --nbval-lax --nbval-current-env \
		notebooks/ || status=1; \
	$(BIN)/python -m pytest -n $(TEST_JOBS) -m notebooks tests/ || status=1; \
	exit $$status

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

lint: $(STAMP)
	$(BIN)/ruff check src tests bench notebooks $(TOOLS)
	$(BIN)/ruff format --check src tests bench notebooks $(TOOLS)

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench notebooks $(TOOLS)
	$(BIN)/ruff format src tests bench notebooks $(TOOLS)

# Every benchmark runs even if an earlier one misses a goal; the target fails if any did.
bench: $(STAMP) java
	@status=0; \
	$(BIN)/python bench/bench_summarize.py || status=1; \
	$(BIN)/python bench/bench_clv.py || status=1; \
	$(BIN)/python bench/bench_scale.py || status=1; \
	$(BIN)/python bench/coverage_clv.py || status=1; \
	exit $$status

# Re-execute a chapter in place, then keep outputs only on cells tagged keep_output
# (the `# NBVAL_CHECK_OUTPUT` cells) with their execution counts, as nbval needs.
refresh: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make refresh NB=01" >&2; exit 2; }
	@nb=$$(ls notebooks/$(NB)*.ipynb) && $(BIN)/python $(TOOLS)/nbedit.py refresh "$$nb"

# Learner copies without solutions and outputs; full instructor copies; the static website.
student: $(STAMP)
	$(BIN)/python $(TOOLS)/coursebuild.py student

instructor: $(STAMP)
	$(BIN)/python $(TOOLS)/coursebuild.py instructor

# The website and the slides are built from the executed chapters of build/executed/; only a
# chapter whose executed copy is missing or older than its notebook or the package runs again.
book: $(STAMP) java-or-skip
	$(BIN)/python $(TOOLS)/book.py --run-stale

slides: $(STAMP) java-or-skip
	$(BIN)/python $(TOOLS)/runner.py --stale --no-html
	$(BIN)/python $(TOOLS)/slides.py $(if $(NB),--nb $(NB))

# The hashed answer keys of the self-checks (course/answer_keys.json), from the chapters run
# with their default parameters. make test fails when they are out of date.
answer-keys: $(STAMP) java-or-skip
	$(BIN)/python $(TOOLS)/runner.py --stale --no-html
	$(BIN)/python $(TOOLS)/coursebuild.py answer-keys

# Re-pin every package after a change to pyproject.toml. The header comment and the pins with an
# environment marker (a second pin for an older Python) are kept; check the result on every
# Python the project claims (make env PYTHON=... VENV=build/venv-x).
constraints:
	rm -rf build/pin-venv && $(PYTHON) -m venv build/pin-venv
	build/pin-venv/bin/python -m pip install --quiet -e ".[$(EXTRAS)]"
	marked=$$(grep -v '^#' constraints.txt | grep ';' | cut -d= -f1 | sort -u | paste -sd'|'); \
	{ grep '^#' constraints.txt; \
	  { grep -v '^#' constraints.txt | grep ';'; \
	    build/pin-venv/bin/python -m pip freeze --all --exclude-editable \
		| grep -v -i -E "^(crm-course-helpers|pip|wheel)==" | grep -v -i -E "^($${marked:-@})=="; \
	  } | sort -f; \
	} > constraints.tmp && mv constraints.tmp constraints.txt
	rm -rf build/pin-venv

clean:
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) src/*.egg-info
