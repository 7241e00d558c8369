"""Student copies of the chapters: clean/NN-slug.ipynb, with outputs and solutions removed.

    python3 tools/make_clean.py          # (re)write clean/
    python3 tools/make_clean.py --check  # exit 1 if clean/ is out of date

An instructor hands out clean/ and keeps chapters/ as the key. The exercises
stay; each solution's body is replaced by a placeholder. tests/test_clean.py
checks that clean/ is current. Standard library only (tools/fork.py uses it with
any Python >= 3.10 and nothing installed); the files are written exactly as
nbformat writes them (sorted keys, one-space indent, sources split into lines).
"""
from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = re.compile(r"(:{3,})\{solution\}([^\n]*)\n(.*?)\n\1(?=\s|$)", re.S)


def _strip_solution(match: re.Match) -> str:
    fence, label, body = match.group(1), match.group(2), match.group(3)
    options = "".join(line + "\n" for line in body.splitlines() if line.startswith(":"))
    return f"{fence}{{solution}}{label}\n{options}\n*The solution is left out of the student copy.*\n{fence}"


def _text(source) -> str:
    return source if isinstance(source, str) else "".join(source)


def clean(nb: dict) -> dict:
    """The student copy of a notebook (a dict as json.load gives it, or a NotebookNode)."""
    nb = copy.deepcopy(dict(nb))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        elif cell["cell_type"] == "markdown":
            cell["source"] = SOLUTION.sub(_strip_solution, _text(cell["source"]))
    return nb


def dumps(nb: dict) -> str:
    """A notebook as nbformat.writes gives it, plus the final newline."""
    nb = copy.deepcopy(nb)
    for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
        nb.get("metadata", {}).pop(key, None)
    for cell in nb["cells"]:
        cell["source"] = _text(cell["source"]).splitlines(True)
        cell.get("metadata", {}).pop("trusted", None)
    return json.dumps(nb, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False) + "\n"


def student_copy(path: Path) -> str:
    return dumps(clean(json.loads(path.read_text(encoding="utf-8"))))


def expected(root: Path | None = None) -> dict:
    """{clean/NN.ipynb: text} for every chapter notebook of the book at ``root``."""
    root = ROOT if root is None else root
    return {root / "clean" / p.name: student_copy(p) for p in sorted((root / "chapters").glob("[0-9][0-9]-*.ipynb"))}


def orphans(root: Path | None = None) -> list:
    """Student copies whose chapter no longer exists."""
    root = ROOT if root is None else root
    names = {p.name for p in (root / "chapters").glob("[0-9][0-9]-*.ipynb")}
    return sorted(p for p in (root / "clean").glob("*.ipynb") if p.name not in names)


def main(argv) -> int:
    files = expected()
    if "--check" in argv:
        stale = [p.name for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        if stale or orphans():
            print("clean/ is out of date for:", ", ".join(stale + [p.name for p in orphans()]),
                  "-- run python3 tools/make_clean.py")
            return 1
        return 0
    (ROOT / "clean").mkdir(exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print("wrote", path.relative_to(ROOT))
    for path in orphans():
        path.unlink()
        print("removed", path.relative_to(ROOT), "(its chapter is gone)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
