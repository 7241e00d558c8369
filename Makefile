# The two commands a reader needs: `make book` and `make test`.
# Each creates .venv from requirements.txt on first use; nothing else is installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test lab clean bench student-copies

# One BLAS thread: small batched matmuls run faster without thread hand-offs on 2 cores,
# and results do not depend on the number of cores (stored outputs compare exactly).
BLAS1 := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## book: build the website into _build/html (warnings are errors)
book: $(STAMP)
	$(BLAS1) $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

## test: unit tests for rnnlab, then nbval over every chapter (strict: outputs are compared)
test: $(STAMP)
	$(BLAS1) MPLBACKEND=Agg $(BIN)/python -m pytest tests
	$(BLAS1) $(BIN)/python -m pytest --nbval chapters --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

## lab: JupyterLab with rnnlab importable
lab: $(STAMP)
	$(BLAS1) $(BIN)/jupyter lab

## bench: the speed benchmark (figures quoted in the README)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_lstm.py

## student-copies: refresh clean/ (chapters without outputs and solutions) for handing out
student-copies: $(STAMP)
	$(BIN)/python tools/make_clean.py

clean:
	rm -rf _build $(VENV) .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
