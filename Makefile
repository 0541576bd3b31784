# Two commands do everything on a fresh machine (Python 3.11 + pip):
#   make book   build the HTML book into _build/html
#   make test   run every test: unit tests, notebooks (a second seed, smoke, full-mode dry run), book
# Both create .venv and install what they need. The CPU pin for torch lives in constraints.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# One thread per process: OpenMP pools fighting over 2 cores made notebooks 25-50x slower.
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export PYDEVD_DISABLE_FILE_VALIDATION = 1

.PHONY: book test unit execute student bench gpu browser clean latest pdf

$(STAMP): requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -r requirements.txt -e .
	touch $(STAMP)

book: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

# Everything in one pytest run (tests/): unit tests; for every notebook its structure, that its
# committed default-seed outputs come from the current code (make execute stamps them), a run in
# its default mode at a second seed, a smoke run, a dry run of its full mode and its student
# version; the book build and the browser checks. Two workers for two cores: the book's tests
# stay on one worker (--dist loadgroup), the longest runs start first (tests/conftest.py).
test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests

# The browser checks use Debian's chromium: installed here with apt when missing (as root).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser checks (about a minute)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing and cannot be installed here: the browser checks will be skipped"; \
	  fi; }

# The book as one PDF for instructors who print: _build/pdf/gantut.pdf. Jupyter Book's singlehtml
# build printed by Debian's headless Chromium (tools/print_pdf.py: offline, math typeset by the
# bundled MathJax; solutions expanded, hidden code left out, outputs kept). About two minutes.
pdf: $(STAMP) browser
	rm -rf _build/pdf
	$(BIN)/jupyter-book build . --builder singlehtml --path-output _build/pdf
	$(BIN)/python tools/print_pdf.py _build/pdf/_build/singlehtml _build/pdf/gantut.pdf

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not notebook and not book" tests

# Re-execute every notebook in place in its default mode (what gets committed) and stamp the
# measured run times into each chapter's opening cell. One notebook: make execute NB=notebooks/02_wasserstein.ipynb
execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(NB)

# Student notebooks (solutions removed) for instructors to hand out: _build/student/*.ipynb
student: $(STAMP)
	$(BIN)/python tools/student.py

# Benchmarks: writes bench/results.json and the book's performance table (book/performance.md).
bench: $(STAMP)
	$(BIN)/python bench/bench.py

# On a machine with CUDA: the GPU tests, every notebook through nbval (default mode, DEVICE="auto"
# picks CUDA) and through papermill in full mode, and the benchmarks. Results in _build/gpu/.
gpu: $(STAMP)
	mkdir -p _build/gpu
	$(BIN)/python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'make gpu needs CUDA')"
	$(BIN)/python -m pytest tests/test_gpu.py --nbval-lax notebooks
	for nb in notebooks/[0-9]*.ipynb; do \
	  $(BIN)/papermill $$nb _build/gpu/$$(basename $$nb) -p MODE full -k python3 --cwd notebooks || exit 1; \
	done
	$(BIN)/python bench/bench.py --out _build/gpu/results.json --table _build/gpu/performance.md

# The newest-versions profile: what a Colab reader meets, who installs requirements.txt without our
# constraints. A fresh environment in _build/latest/venv with the newest releases requirements.txt
# allows, torch excepted (kept on constraints.txt's pin: no CUDA wheels), then the unit tests and
# every notebook in smoke mode there. Versions against .venv's: _build/latest/versions.md.
# Not part of make test: it downloads and installs everything anew (see the README for its time).
LATEST := _build/latest
LATEST_WORKERS ?= 2
latest:
	rm -rf $(LATEST)/venv
	$(PYTHON) -m venv $(LATEST)/venv
	$(LATEST)/venv/bin/python -m pip install -q --upgrade pip
	$(PYTHON) tools/latest_versions.py constraints $(LATEST)/torch-only.txt
	$(LATEST)/venv/bin/python -m pip install -q --upgrade -c $(LATEST)/torch-only.txt -r requirements.txt -e .
	$(LATEST)/venv/bin/python -m pip check
	$(LATEST)/venv/bin/python tools/latest_versions.py report $(LATEST)/versions.md
	status=0; \
	$(LATEST)/venv/bin/python -m pytest -p no:cacheprovider -n $(LATEST_WORKERS) -m "not notebook and not book" tests || status=1; \
	$(LATEST)/venv/bin/python -m pytest -p no:cacheprovider -n $(LATEST_WORKERS) tests/test_notebooks.py -k test_notebook_runs_in_smoke_mode || status=1; \
	exit $$status

clean:
	rm -rf _build
