"""Execute chapter notebooks in place, so that their stored outputs are fresh.

    .venv/bin/python tools/run_chapter.py chapters/01-lstm-anatomy.ipynb [...]

A chapter may be written as a jupytext percent script (``chapters/_src/NN.py``)
and converted with ``jupytext --to ipynb``; this script then executes it. It also
refreshes the chapter's student copy in clean/ (see make_clean.py). It
fails if a chapter takes longer than its 60 s budget, writes to stderr, or
raises.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# the same single BLAS thread as `make test` and `make book`, so stored outputs match theirs
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

# the stored outputs are what the website shows: always the kernel-free explorers, never live widgets
os.environ.pop("RNNLAB_LIVE", None)

BUDGET_S = float(os.environ.get("RNNLAB_BUDGET_S", "60"))  # raise only while the machine is shared


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.perf_counter() - start
    # the run time the book's execution-statistics and teaching pages show (read by _ext/rnnlab_site.py)
    nb.metadata["rnnlab"] = {"execution_s": round(elapsed, 1),
                             "executed": time.strftime("%Y-%m-%d", time.gmtime())}
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("name") == "stderr":
                problems.append(f"cell {i} wrote to stderr: {out.get('text', '')[:200]!r}")
    nbformat.write(nb, path)
    # refresh the student copy (outputs and solutions removed) next to the key
    from make_clean import clean
    student = path.resolve().parents[1] / "clean" / path.name
    student.parent.mkdir(exist_ok=True)
    student.write_text(nbformat.writes(clean(nb)) + "\n")
    print(f"{path}: {elapsed:.1f} s")
    if problems:
        raise SystemExit("\n".join(problems))
    if elapsed > BUDGET_S:
        raise SystemExit(f"{path} took {elapsed:.1f} s, over the {BUDGET_S:.0f} s budget")
    return elapsed


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        run(Path(arg))
