"""The student copies in clean/ are current: no outputs, no solutions, same cells otherwise, one per chapter."""
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_clean  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.ipynb"))


def test_clean_copies_are_current():
    files = make_clean.expected()
    assert files, "there are chapters to clean"
    stale = [p.name for p, text in files.items() if not p.exists() or p.read_text() != text]
    assert not stale, f"run tools/make_clean.py: stale student copies {stale}"


def test_no_orphaned_clean_copy():
    """Every notebook in clean/ belongs to a chapter (a removed or renamed chapter leaves none behind)."""
    chapters = {p.name for p in CHAPTERS}
    orphans = sorted(p.name for p in (ROOT / "clean").glob("*.ipynb") if p.name not in chapters)
    assert not orphans, f"clean/ has copies of chapters that no longer exist: {orphans}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_clean_copy_keeps_exercises_and_drops_solutions_and_outputs(chapter):
    key = nbformat.read(chapter, as_version=4)
    student = nbformat.read(ROOT / "clean" / chapter.name, as_version=4)
    key_md = "\n".join(c.source for c in key.cells if c.cell_type == "markdown")
    text = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    n = key_md.count("{solution}")
    assert text.count("{exercise}") == key_md.count("{exercise}") >= 3
    assert n >= 3 and text.count("left out of the student copy") == n
    for m in make_clean.SOLUTION.finditer(key_md):                 # every solution body is gone
        body = "\n".join(ln for ln in m.group(3).splitlines() if ln.strip() and not ln.startswith(":"))
        if len(body) > 40:
            assert body not in text
    assert all(not c.outputs and c.execution_count is None for c in student.cells if c.cell_type == "code")
    assert [c.source for c in student.cells if c.cell_type == "code"] == \
           [c.source for c in key.cells if c.cell_type == "code"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_the_standard_library_writer_matches_nbformat(chapter):
    """tools/make_clean.py writes without nbformat (tools/fork.py runs with nothing installed): same bytes."""
    student = make_clean.clean(nbformat.read(chapter, as_version=4))
    assert make_clean.student_copy(chapter) == nbformat.writes(nbformat.from_dict(student)) + "\n"
