"""Student copies of the chapters: clean/NN-slug.ipynb, with outputs and solutions removed.

    .venv/bin/python tools/make_clean.py          # (re)write clean/
    .venv/bin/python tools/make_clean.py --check  # exit 1 if clean/ is out of date

An instructor hands out clean/ and keeps chapters/ as the key. The exercises
stay; each solution's body is replaced by a placeholder. tests/test_clean.py
checks that clean/ is current.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = re.compile(r"(:{3,})\{solution\}([^\n]*)\n(.*?)\n\1(?=\s|$)", re.S)


def _strip_solution(match: re.Match) -> str:
    fence, label, body = match.group(1), match.group(2), match.group(3)
    options = "".join(line + "\n" for line in body.splitlines() if line.startswith(":"))
    return f"{fence}{{solution}}{label}\n{options}\n*The solution is left out of the student copy.*\n{fence}"


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = SOLUTION.sub(_strip_solution, cell.source)
    return nb


def expected() -> dict:
    out = {}
    for path in sorted((ROOT / "chapters").glob("[0-9][0-9]-*.ipynb")):
        out[ROOT / "clean" / path.name] = nbformat.writes(clean(nbformat.read(path, as_version=4))) + "\n"
    return out


def orphans() -> list:
    """Student copies whose chapter no longer exists."""
    names = {p.name for p in (ROOT / "chapters").glob("[0-9][0-9]-*.ipynb")}
    return sorted(p for p in (ROOT / "clean").glob("*.ipynb") if p.name not in names)


def main(argv) -> int:
    files = expected()
    if "--check" in argv:
        stale = [p.name for p, text in files.items() if not p.exists() or p.read_text() != text]
        if stale or orphans():
            print("clean/ is out of date for:", ", ".join(stale + [p.name for p in orphans()]),
                  "-- run tools/make_clean.py")
            return 1
        return 0
    (ROOT / "clean").mkdir(exist_ok=True)
    for path, text in files.items():
        path.write_text(text)
        print("wrote", path.relative_to(ROOT))
    for path in orphans():
        path.unlink()
        print("removed", path.relative_to(ROOT), "(its chapter is gone)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
