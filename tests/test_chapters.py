"""House rules for the stored chapters (nbval checks their outputs separately)."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.ipynb"))


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_is_stored_executed_in_order_without_errors_or_stderr(path):
    nb = json.loads(path.read_text())
    cells = _code_cells(nb)
    counts = [c["execution_count"] for c in cells if "".join(c["source"]).strip()]
    assert all(n is not None for n in counts), "every code cell must be stored executed"
    assert counts == sorted(counts) and counts[0] == 1, "cells must be executed top to bottom, once"
    for c in cells:
        for out in c.get("outputs", []):
            assert out["output_type"] != "error", "no stored errors"
            assert out.get("name") != "stderr", f"stderr leaked into outputs: {''.join(out.get('text', ''))[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_matches_its_jupytext_source(path):
    """chapters/_src/NN-slug.py is the source; the notebook must hold the same cells."""
    jupytext = pytest.importorskip("jupytext")
    src = ROOT / "chapters" / "_src" / (path.stem + ".py")
    if not src.exists():
        pytest.skip("chapter has no jupytext source")
    expected = [(c.cell_type, c.source.strip()) for c in jupytext.read(src).cells]
    stored = [(c["cell_type"], "".join(c["source"]).strip()) for c in json.loads(path.read_text())["cells"]]
    assert stored == expected, f"{path.name} is out of date: run jupytext --to ipynb and tools/run_chapter.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_follows_the_contract(path):
    text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
    assert "Claims tested in this chapter" in text
    assert "## Verdicts" in text and ":class: verdict-" in text
    assert text.count("{exercise}") >= 3 and text.count("{solution}") >= 3
    assert "## References" in text
    assert "assert " in text and "glue(" in text
