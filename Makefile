# ibstudy: two commands on a fresh clone.
#   make book   - set up .venv, execute every notebook at the `default` profile, build the book
#   make test   - set up .venv, run pytest on ibcore and nbval on the smoke-profile references
# More: make run PROFILE=smoke|default|paper, make notebook NB=00_information_plane PROFILE=smoke,
#       make references (regenerate the nbval references), make bench, make clean.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:

PYTHON_SYS ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
PROFILE    ?= default
NOTEBOOKS  := $(sort $(basename $(notdir $(wildcard notebooks/*.ipynb))))
EXECUTED   := $(foreach nb,$(NOTEBOOKS),_executed/$(PROFILE)/$(nb).ipynb)
REFERENCES := $(foreach nb,$(NOTEBOOKS),tests/notebooks/$(nb).ipynb)

# Recorded runs, verified data and scorecards live in .cache/ inside the clone (make clean).
export IBCORE_CACHE ?= $(CURDIR)/.cache
# Verified copies of the data archives beside the clone, when this machine has them (read-only).
ifneq ($(wildcard $(CURDIR)/../shared/data/.),)
export IBCORE_DATA_MIRROR ?= $(abspath $(CURDIR)/../shared/data)
endif
# Figures must reach notebook outputs: a non-inline backend from the environment would drop them.
unexport MPLBACKEND
export PYTHONHASHSEED := 0

.PHONY: all install book run notebook test pytest lint references bench scorecard clean distclean help

all: book

help:
	@sed -n '1,6p' Makefile

# --- set-up -------------------------------------------------------------------------------------
# torch first, pinned: a CPU wheel here; a bare `torch` requirement would pull GBs of CUDA builds.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[test,book]"
	touch $@

install: $(STAMP)

# --- notebooks --------------------------------------------------------------------------------
_executed/$(PROFILE)/%.ipynb: notebooks/%.ipynb $(STAMP) $(wildcard ibcore/*.py ibcore/*/*.py)
	@mkdir -p $(@D) _executed/.partial
	IBCORE_PROGRESS=0 IBSTUDY_RECORD_DIR=$(CURDIR)/_executed/$(PROFILE) $(VENV)/bin/papermill --kernel python3 \
	  --cwd notebooks -p profile $(PROFILE) $< _executed/.partial/$(PROFILE)-$(@F)
	mv _executed/.partial/$(PROFILE)-$(@F) $@

run: $(EXECUTED)
	$(PY) -m ibcore.scorecard --profile $(PROFILE) || true

notebook: _executed/$(PROFILE)/$(NB).ipynb

# --- the book ---------------------------------------------------------------------------------
book: PROFILE = default
book: $(STAMP)
	$(MAKE) --no-print-directory run PROFILE=default
	$(PY) -m ibcore.bookgen --profile default --executed _executed/default --book book
	$(VENV)/bin/jupyter-book build book --keep-going -W -n
	@echo "book: open book/_build/html/index.html"

scorecard: $(STAMP)
	$(PY) -m ibcore.scorecard --profile $(PROFILE)

# --- tests ------------------------------------------------------------------------------------
# pytest on ibcore, then nbval re-executes the smoke references and compares the marked cells.
test: $(STAMP)
	IBCORE_PROGRESS=0 $(PY) -m pytest tests ibcore --doctest-modules -m "not slow" --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg \
	  --nbval-cell-timeout 600 -p no:cacheprovider
	$(PY) -m ibcore.scorecard --profile smoke

pytest: $(STAMP)
	$(PY) -m pytest tests ibcore --doctest-modules -m "not slow" -p no:cacheprovider --ignore=tests/notebooks

lint: $(STAMP)
	$(VENV)/bin/ruff check --select F,E9 ibcore tests benchmarks

references: $(STAMP)
	$(MAKE) --no-print-directory run PROFILE=smoke
	mkdir -p tests/notebooks
	for nb in $(NOTEBOOKS); do cp _executed/smoke/$$nb.ipynb tests/notebooks/$$nb.ipynb; done
	$(PY) -m ibcore.bookgen --strip-reference tests/notebooks/*.ipynb

bench: $(STAMP)
	$(PY) benchmarks/estimators.py
	$(PY) benchmarks/training.py

clean:
	rm -rf _executed book/_build book/_generated book/chapters book/_mathjax .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .cache
