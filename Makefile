# Two commands do everything on a fresh machine (Python 3.11 + pip):
#   make book   build the HTML book into _build/html
#   make test   run every test: unit tests, notebooks (nbval + papermill smoke), book build
# Both create .venv and install what they need. The CPU pin for torch lives in constraints.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# One thread per process: OpenMP pools fighting over 2 cores made notebooks 25-50x slower.
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MPLBACKEND ?= Agg
export PYDEVD_DISABLE_FILE_VALIDATION = 1

.PHONY: book test unit notebooks execute smoke clean

$(STAMP): requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -r requirements.txt -e .
	touch $(STAMP)

book: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

# Everything in one pytest run: unit tests, notebook structure, papermill smoke runs, the book
# build (tests/), and nbval on every committed notebook in its default mode (notebooks/).
# Two workers for two cores; --dist loadscope keeps each notebook's cells on one worker.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadscope --nbval-lax tests notebooks

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not notebook and not book" tests

# Re-execute every notebook in place in its default mode (what gets committed).
execute: $(STAMP)
	for nb in notebooks/*.ipynb; do \
	  echo "executing $$nb"; \
	  (cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	     --ExecutePreprocessor.timeout=900 $$(basename $$nb)) || exit 1; \
	done

clean:
	rm -rf _build
