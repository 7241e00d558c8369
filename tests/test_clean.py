"""The student copies in clean/ are current: no outputs, no solutions, same cells otherwise."""
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_clean  # noqa: E402


def test_clean_copies_are_current():
    files = make_clean.expected()
    assert files, "there are chapters to clean"
    stale = [p.name for p, text in files.items() if not p.exists() or p.read_text() != text]
    assert not stale, f"run tools/make_clean.py: stale student copies {stale}"


def test_clean_copy_keeps_exercises_and_drops_solutions_and_outputs():
    path = ROOT / "clean" / "01-lstm-anatomy.ipynb"
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert text.count("{exercise}") >= 3 and text.count("left out of the student copy") >= 3
    assert "5504" not in text                       # the first exercise's answer is gone
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")
