# The two commands a reader needs: `make book` and `make test`.
# Each creates .venv from requirements.lock on first use; nothing else is installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test test-unit nbval nbval-sse nbval-avx2 test-portable execute lab clean bench student-copies \
        repo-url lock test-kit

# One BLAS thread: small batched matmuls run faster without thread hand-offs on 2 cores,
# and results do not depend on the number of cores (stored outputs compare exactly).
BLAS1 := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# The environment: exact versions from requirements.lock (made from requirements.txt by `make lock`),
# then the book's own package, editable, so that the chapters read src/rnnlab and results/ as they are.
$(STAMP): requirements.lock requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BLAS1) $(BIN)/python -c "from rnnlab._fused import warm_up; warm_up()"   # compile the engine's kernels once
	touch $(STAMP)

## lock: refresh requirements.lock after editing requirements.txt (uv's universal resolution: one file for
## Python >= 3.10 on Linux, macOS and Windows; pins that still fit are kept; `make lock LOCK_FLAGS=--upgrade`
## moves every pin to the newest allowed version)
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv>=0.5"
	$(BIN)/uv pip compile --quiet requirements.txt --universal --python-version 3.10 --no-python-downloads \
	    --no-emit-package rnnlab --custom-compile-command "make lock" $(LOCK_FLAGS) -o requirements.lock
	@echo "requirements.lock written (git diff requirements.lock shows what moved)"

## repo-url: copy the repository URL of _config.yml into every Colab cell, student copy and the README
## (python3 only, no packages; book, test and execute do it first)
repo-url:
	$(PYTHON) tools/repo_url.py

# CPU profiles (see README, "Reproducibility"): the same notebooks must pass nbval under each.
PROFILE_SSE  := OPENBLAS_CORETYPE=Nehalem NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
PROFILE_AVX2 := OPENBLAS_CORETYPE=Haswell NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"
NBVAL := $(BIN)/python -m pytest --nbval chapters --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q

## book: build the website into _build/html from the stored, tested notebooks (warnings are errors)
book: repo-url $(STAMP)
	$(BLAS1) $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	$(BIN)/python tools/check_site.py _build/html

## test: unit tests for rnnlab, then nbval over every chapter on this CPU (outputs are compared)
test: repo-url test-unit nbval

test-unit: $(STAMP)
	$(BLAS1) MPLBACKEND=Agg $(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BLAS1) $(NBVAL)

## test-portable: nbval again under the SSE and AVX2 kernel profiles (what CI runs too)
test-portable: nbval-sse nbval-avx2

nbval-sse: $(STAMP)
	$(BLAS1) $(PROFILE_SSE) $(NBVAL)

nbval-avx2: $(STAMP)
	$(BLAS1) $(PROFILE_AVX2) $(NBVAL)

## execute: re-run every chapter and store its outputs (then commit the notebooks)
execute: repo-url $(STAMP)
	$(BLAS1) $(BIN)/python tools/run_chapter.py chapters/[0-9][0-9]-*.ipynb

## test-kit: the course kit end to end (slow, run by CI): the built wheel in a fresh venv outside the
## repository executes every student copy; `python3 tools/fork.py` on a clone, then make test and make book there
test-kit: $(STAMP)
	$(BLAS1) RNNLAB_KIT_TESTS=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_course_kit.py -k end_to_end

## lab: JupyterLab with rnnlab importable; explorers run live (RNNLAB_LIVE=1); works as root too
lab: $(STAMP)
	$(BLAS1) RNNLAB_LIVE=1 $(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root)

## bench: the speed benchmark (figures quoted in the README), one BLAS thread as in the book
bench: $(STAMP)
	$(BLAS1) $(BIN)/python benchmarks/bench_lstm.py

## student-copies: refresh clean/ (chapters without outputs and solutions) for handing out
student-copies: repo-url
	$(PYTHON) tools/make_clean.py

clean:
	rm -rf _build $(VENV) .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
