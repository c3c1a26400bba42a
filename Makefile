# ibstudy: two commands on a fresh clone.
#   make book   - set up .venv, execute every notebook at the `default` profile, build the book
#   make test   - set up .venv, run pytest + doctests + nbval (natively and under two other CPU
#                 kernel choices), lint, and build the book at `smoke`
# More: make run PROFILE=smoke|default|paper, make notebook NB=00_information_plane PROFILE=smoke,
#       make pytest-kernels KERNELS=native|avx2|sse42, make paper-results [NB=...] (run at `paper`,
#       keep results/paper/), make references (regenerate the nbval references), make bench,
#       make lint, make lock, make clean.

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

.PHONY: all install book book-smoke run notebook paper-results test pytest pytest-kernels lint lock references bench scorecard clean distclean help

all: book

help:
	@sed -n '1,8p' Makefile

# --- set-up -------------------------------------------------------------------------------------
# torch first, pinned: a CPU wheel here; a bare `torch` requirement would pull GBs of CUDA builds.
# Everything else at the versions locked in constraints.txt (`make lock` regenerates it).
TORCH_PIN := torch==2.13.0
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install --quiet "$(TORCH_PIN)"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test,book,dask]"
	touch $@

install: $(STAMP)

# The lock: exact versions of every dependency but torch (pinned above, CPU or CUDA build as the
# machine needs), resolved by pip-tools for this Python from pyproject.toml's ranges.
lock:
	test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install --quiet "pip-tools>=7"
	echo "$(TORCH_PIN)" > $(VENV)/torch-pin.txt
	$(VENV)/bin/pip-compile --quiet --extra test --extra book --extra dask --strip-extras --unsafe-package torch \
	  -c $(VENV)/torch-pin.txt --annotation-style line --no-emit-index-url --no-emit-find-links \
	  --output-file constraints.txt pyproject.toml
	@echo "constraints.txt regenerated: commit it, then rebuild the venv (make distclean install)"

# --- notebooks --------------------------------------------------------------------------------
_executed/$(PROFILE)/%.ipynb: notebooks/%.ipynb $(STAMP) $(shell find ibcore -name "*.py")
	@mkdir -p $(@D) _executed/.partial
	IBCORE_PROGRESS=$(NB_PROGRESS) IBSTUDY_RECORD_DIR=$(CURDIR)/_executed/$(PROFILE) $(VENV)/bin/papermill \
	  --kernel python3 $(PAPERMILL_FLAGS) --cwd notebooks -p profile $(PROFILE) $< _executed/.partial/$(PROFILE)-$(@F)
	mv _executed/.partial/$(PROFILE)-$(@F) $@

NB_PROGRESS ?= 0
PAPERMILL_FLAGS ?=

# --- paper-profile results, kept in git (results/paper/<nb>.json with provenance) ---------------
# make paper-results [NB=00_information_plane]: prints each notebook's cost projected from a short
# measured probe, then runs it at `paper` with progress bars (training resumes from the run cache and
# its checkpoints after a kill: rerun the same command) and writes its archive entry.
PAPER_NBS = $(if $(NB),$(NB),$(NOTEBOOKS))
paper-results: $(STAMP)
	IBCORE_PROGRESS=0 $(PY) -m ibcore.study.archive probe $(PAPER_NBS)
	for nb in $(PAPER_NBS); do \
	  $(MAKE) --no-print-directory notebook NB=$$nb PROFILE=paper NB_PROGRESS=1 \
	    PAPERMILL_FLAGS="--log-output --progress-bar" && \
	  $(PY) -m ibcore.study.archive collect $$nb --profile paper || exit 1; \
	done
	$(PY) -m ibcore.study.archive status --profile paper

run: $(EXECUTED)
	$(PY) -m ibcore.study.scorecard --profile $(PROFILE)

notebook: _executed/$(PROFILE)/$(NB).ipynb

# --- the book ---------------------------------------------------------------------------------
book: PROFILE = default
book: $(STAMP)
	$(MAKE) --no-print-directory run PROFILE=default
	$(PY) -m ibcore.study.bookgen --profile default --executed _executed/default --book book
	$(VENV)/bin/jupyter-book build book --keep-going -W -n
	@echo "book: open book/_build/html/index.html"

# The same build from the smoke executions, as `make test` runs it: a page that breaks (a bad glue
# key, a missing citation, any warning) fails here, in _executed/book-smoke/ (the real book's
# book/_build is left alone).
SMOKE_BOOK := _executed/book-smoke
book-smoke: $(STAMP)
	$(MAKE) --no-print-directory run PROFILE=smoke
	rm -rf $(SMOKE_BOOK) && mkdir -p $(SMOKE_BOOK)
	cp book/_config.yml book/_toc.yml book/*.md book/references.bib $(SMOKE_BOOK)/
	$(PY) -m ibcore.study.bookgen --profile smoke --executed _executed/smoke --book $(SMOKE_BOOK)
	$(VENV)/bin/jupyter-book build $(SMOKE_BOOK) --keep-going -W -n --quiet
	@echo "smoke book: $(SMOKE_BOOK)/_build/html/index.html"

scorecard: $(STAMP)
	$(PY) -m ibcore.study.scorecard --profile $(PROFILE)

# --- tests ------------------------------------------------------------------------------------
# pytest (tests and ibcore's doctests, see pyproject.toml) with nbval re-executing the smoke
# references, once per CPU kernel choice of tests/cpu_kernels.py: natively, then as a machine
# without AVX-512 (avx2) and an old one without AVX (sse42) would compute (MKL, oneDNN, ATen,
# OpenBLAS and numpy told to take those kernels; pytest's header shows what each took, and a
# choice that did not take effect fails the pass). Each non-native pass trains the smoke
# notebooks' runs afresh in a runs folder of its own. Then lint, then the book built from smoke
# executions with `make book`'s flags.
KERNEL_CHOICES ?= native avx2 sse42
PYTEST_SUITE := -m "not slow" --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg \
  --nbval-cell-timeout 600 -p no:cacheprovider
test: $(STAMP)
	for k in $(KERNEL_CHOICES); do $(MAKE) --no-print-directory pytest-kernels KERNELS=$$k; done
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory book-smoke

# The suite under one kernel choice: make pytest-kernels KERNELS=avx2
KERNELS ?= native
pytest-kernels: $(STAMP)
	@echo "--- pytest, CPU kernels: $(KERNELS)"
	if [ "$(KERNELS)" = native ]; then \
	  IBCORE_PROGRESS=0 $(PY) -m pytest $(PYTEST_SUITE); \
	else \
	  rm -rf "$(IBCORE_CACHE)/kernels-$(KERNELS)"; \
	  env $$($(PY) tests/cpu_kernels.py --env $(KERNELS)) IBSTUDY_KERNELS=$(KERNELS) \
	    IBCORE_RUNS_DIR="$(IBCORE_CACHE)/kernels-$(KERNELS)/runs" IBCORE_PROGRESS=0 $(PY) -m pytest $(PYTEST_SUITE); \
	fi

pytest: $(STAMP)
	$(PY) -m pytest -m "not slow" -p no:cacheprovider --ignore=tests/notebooks

lint: $(STAMP)
	$(VENV)/bin/ruff check ibcore tests benchmarks notebooks
	$(VENV)/bin/ruff format --check ibcore tests benchmarks notebooks

references: $(STAMP)
	$(MAKE) --no-print-directory run PROFILE=smoke
	mkdir -p tests/notebooks
	for nb in $(NOTEBOOKS); do cp _executed/smoke/$$nb.ipynb tests/notebooks/$$nb.ipynb; done
	$(PY) -m ibcore.study.bookgen --strip-reference tests/notebooks/*.ipynb

bench: $(STAMP)
	IBCORE_PROGRESS=0 $(PY) benchmarks/speed.py
	$(PY) benchmarks/estimators.py
	$(PY) benchmarks/training.py

clean:
	rm -rf _executed book/_build book/_generated book/chapters book/_mathjax .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .cache
