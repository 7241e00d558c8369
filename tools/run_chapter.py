"""Execute chapter notebooks in place, so that their stored outputs are fresh.

    .venv/bin/python tools/run_chapter.py chapters/01-lstm-anatomy.ipynb [...]

A chapter may be written as a jupytext percent script (``chapters/_src/NN.py``)
and converted with ``jupytext --to ipynb``; this script then executes it. It also
refreshes the chapter's student copy in clean/ (see make_clean.py). It
fails if a chapter takes longer than its 60 s budget, writes to stderr, or
raises.

On a terminal it shows one progress bar over all the chapters given (tqdm), in
seconds of the previous stored runs, so that its ETA is the time still to go;
under CI=true or when stderr is not a terminal it prints one line per chapter only.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_clean  # noqa: E402

# the same single BLAS thread as `make test` and `make book`, so stored outputs match theirs
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

# the stored outputs are what the website shows: always the kernel-free explorers, never live widgets
os.environ.pop("RNNLAB_LIVE", None)

BUDGET_S = float(os.environ.get("RNNLAB_BUDGET_S", "60"))  # raise only while the machine is shared
UNKNOWN_S = 30.0                                           # expected time of a chapter never run before


def quiet() -> bool:
    """No progress bar under CI or when nobody watches a terminal."""
    return os.environ.get("CI", "").lower() in ("true", "1") or not sys.stderr.isatty()


def _seconds(stamps: dict):
    try:
        start = datetime.fromisoformat(stamps["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(stamps["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return max((end - start).total_seconds(), 0.0)


def expected(nb) -> tuple:
    """``(chapter seconds, [seconds per code cell])`` of the notebook's previous stored run (estimates)."""
    cells = [c for c in nb.cells if c.cell_type == "code"]
    per = [_seconds(c.get("metadata", {}).get("execution", {})) for c in cells]
    total = nb.metadata.get("rnnlab", {}).get("execution_s")
    known = sum(s for s in per if s is not None)
    if not isinstance(total, (int, float)):
        total = known if known > 0 else UNKNOWN_S
    if known <= 0:
        return float(total), [total / max(len(cells), 1)] * len(cells)
    return float(total), [(s or 0.0) * total / known for s in per]


def run(path: Path, bar=None) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    total, per_cell = expected(nb)
    start_n = bar.n if bar is not None else 0
    steps = iter(per_cell)

    def advance(cell, cell_index, execute_reply):
        if bar is not None and cell.cell_type == "code":
            bar.update(min(next(steps, 0.0), start_n + total - bar.n))

    if bar is not None:
        bar.set_postfix_str(path.name)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   on_cell_executed=advance).execute()
    elapsed = time.perf_counter() - start
    if bar is not None:
        bar.update(start_n + total - bar.n)
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
    student = path.resolve().parents[1] / "clean" / path.name
    student.parent.mkdir(exist_ok=True)
    student.write_text(make_clean.student_copy(path), encoding="utf-8")
    (bar.write if bar is not None else print)(f"{path}: {elapsed:.1f} s")
    if problems:
        raise SystemExit("\n".join(problems))
    if elapsed > BUDGET_S:
        raise SystemExit(f"{path} took {elapsed:.1f} s, over the {BUDGET_S:.0f} s budget")
    return elapsed


def main(argv) -> int:
    paths = [Path(a) for a in argv]
    if quiet():
        for path in paths:
            run(path)
        return 0
    total = sum(expected(nbformat.read(p, as_version=4))[0] for p in paths)
    with tqdm(total=round(total, 1), unit="s", desc=f"{len(paths)} chapter(s)", dynamic_ncols=True,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}{postfix}]") as bar:
        for path in paths:
            run(path, bar)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
