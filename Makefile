# The two commands a reader needs: `make book` and `make test`.
# Each creates .venv from requirements.txt on first use; nothing else is installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test test-unit nbval nbval-sse nbval-avx2 test-portable execute lab clean bench student-copies

# One BLAS thread: small batched matmuls run faster without thread hand-offs on 2 cores,
# and results do not depend on the number of cores (stored outputs compare exactly).
BLAS1 := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# CPU profiles (see README, "Reproducibility"): the same notebooks must pass nbval under each.
PROFILE_SSE  := OPENBLAS_CORETYPE=Nehalem NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
PROFILE_AVX2 := OPENBLAS_CORETYPE=Haswell NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"
NBVAL := $(BIN)/python -m pytest --nbval chapters --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q

## book: build the website into _build/html from the stored, tested notebooks (warnings are errors)
book: $(STAMP)
	$(BLAS1) $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	$(BIN)/python tools/check_site.py _build/html

## test: unit tests for rnnlab, then nbval over every chapter on this CPU (outputs are compared)
test: test-unit nbval

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
execute: $(STAMP)
	$(BLAS1) $(BIN)/python tools/run_chapter.py chapters/[0-9][0-9]-*.ipynb

## lab: JupyterLab with rnnlab importable; explorers run live (RNNLAB_LIVE=1); works as root too
lab: $(STAMP)
	$(BLAS1) RNNLAB_LIVE=1 $(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root)

## bench: the speed benchmark (figures quoted in the README), one BLAS thread as in the book
bench: $(STAMP)
	$(BLAS1) $(BIN)/python benchmarks/bench_lstm.py

## student-copies: refresh clean/ (chapters without outputs and solutions) for handing out
student-copies: $(STAMP)
	$(BIN)/python tools/make_clean.py

clean:
	rm -rf _build $(VENV) .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
