"""The course kit: every chapter is listed everywhere it must be, and tools/fork.py makes a smaller book
that is still consistent (toc, introduction, ledger, links) without building it (Sphinx-free checks).

A full `make book` of a fork is slow; it was run by hand (see the README, "Fork it for a course").
"""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import fork  # noqa: E402

CHAPTERS = fork.chapters(ROOT)


def copy_repo(dst: Path) -> Path:
    """The files git knows about (tracked or new, not ignored) copied to dst."""
    try:
        files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                               capture_output=True, text=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("needs git to list the repository's files")
    for rel in files:
        src = ROOT / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)
    return dst


def test_the_book_is_consistent():
    assert CHAPTERS, "there are chapters"
    assert fork.problems(ROOT) == []


def test_a_chapter_missing_from_toc_intro_or_ledger_is_caught(tmp_path):
    root = copy_repo(tmp_path)
    stem = CHAPTERS[sorted(CHAPTERS)[-1]]
    toc = root / "_toc.yml"
    toc.write_text(toc.read_text().replace(f"      - file: chapters/{stem}\n", ""))
    intro = root / "intro.md"
    intro.write_text("".join(ln for ln in intro.read_text().splitlines(True) if f"chapters/{stem}`" not in ln))
    ledger = root / "claims.md"
    ledger.write_text(ledger.read_text().replace(f"{{doc}}`chapters/{stem}`", "a chapter"))
    found = "\n".join(fork.problems(root))
    assert f"chapter {stem} is missing from _toc.yml" in found
    assert f"chapter {stem} has no row in the table of intro.md" in found
    assert f"chapter {stem} tests no claim in the ledger" in found


def test_a_dangling_link_is_caught(tmp_path):
    root = copy_repo(tmp_path)
    (root / "claims.md").write_text((root / "claims.md").read_text() + "\nSee {ref}`verdict-nowhere`.\n")
    assert any("verdict-nowhere" in p for p in fork.problems(root))


@pytest.mark.skipif(len(CHAPTERS) < 3, reason="needs at least three chapters to fork")
def test_fork_keeps_a_consistent_smaller_book(tmp_path):
    root = copy_repo(tmp_path)
    before = set(fork.problems(root))                              # (empty when the book itself is consistent)
    keep = sorted(CHAPTERS)[::2]                                   # every other chapter, e.g. 01 03 05 07
    log = fork.fork(keep, root)
    assert set(fork.problems(root)) <= before, "the fork introduced inconsistencies"
    assert sorted(fork.chapters(root)) == keep
    gone = [CHAPTERS[n] for n in CHAPTERS if n not in keep]
    toc = (root / "_toc.yml").read_text()
    ledger = (root / "claims.md").read_text()
    for stem in gone:
        assert not (root / "chapters" / "_src" / f"{stem}.py").exists()
        assert not (root / "clean" / f"{stem}.ipynb").exists()
        assert stem not in toc and f"chapters/{stem}" not in ledger
    assert fork.NOT_HERE in ledger and any("removed chapters/" in line for line in log)
    # a kept chapter that matched its jupytext source still does; the student copies are current
    jupytext = pytest.importorskip("jupytext")

    def in_sync(base, stem):
        src = base / "chapters" / "_src" / f"{stem}.py"
        if not src.exists():
            return None
        want = [(c.cell_type, c.source.strip()) for c in jupytext.read(src).cells]
        got = [(c["cell_type"], "".join(c["source"]).strip())
               for c in json.loads((base / "chapters" / f"{stem}.ipynb").read_text())["cells"]]
        return got == want

    for stem in (CHAPTERS[n] for n in keep):
        if in_sync(ROOT, stem):
            assert in_sync(root, stem), stem
    sys.path.insert(0, str(root / "tools"))
    import make_clean
    old = make_clean.ROOT
    try:
        make_clean.ROOT = root
        assert all(p.read_text() == text for p, text in make_clean.expected().items())
    finally:
        make_clean.ROOT = old


def test_stored_results_load_from_chapters_and_clean_alike():
    """A chapter finds results/ as ../results, which is the same folder from chapters/ and from clean/."""
    for stem in CHAPTERS.values():
        text = "\n".join("".join(c["source"]) for c in json.loads((ROOT / "chapters" / f"{stem}.ipynb").read_text())["cells"]
                         if c["cell_type"] == "code")
        for path in re.findall(r"""["'](\.?\.?/?results/[^"']*)["']""", text):
            assert path.startswith("../results/"), f"{stem} loads {path!r}: use ../results/... (works from clean/ too)"
            assert (ROOT / "chapters" / path).resolve() == (ROOT / "clean" / path).resolve()


def test_every_colab_cell_installs_from_the_configured_repository():
    url = re.search(r"^repository:\s*\n\s+url:\s*(\S+)", (ROOT / "_config.yml").read_text(), re.M).group(1)
    assert url.startswith("https://github.com/")
    for stem in CHAPTERS.values():
        nb = json.loads((ROOT / "chapters" / f"{stem}.ipynb").read_text())
        first = next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        if "google.colab" not in first:
            pytest.fail(f"{stem}: the first code cell is not the Colab install cell")
        installs = re.findall(r"git\+(https://[^\"'\s]+)", first)
        assert installs == [url], f"{stem} installs from {installs}, _config.yml says {url}"


def test_no_chapter_shows_the_nbval_marker_comment():
    for stem in CHAPTERS.values():
        for path in (ROOT / "chapters" / f"{stem}.ipynb", ROOT / "chapters" / "_src" / f"{stem}.py"):
            if path.exists():
                assert "NBVAL_IGNORE_OUTPUT" not in path.read_text(), \
                    f"{path.name}: use the cell tag nbval-ignore-output, not a visible comment"


def test_every_chapter_has_a_stored_run_time():
    """The execution-statistics and teaching pages read each chapter's stored run time (_ext/rnnlab_site.py)."""
    sys.path.insert(0, str(ROOT / "_ext"))
    import rnnlab_site
    rows = rnnlab_site.chapter_rows(ROOT, [f"chapters/{s}" for s in CHAPTERS.values()])
    assert [r["doc"] for r in rows] == [f"chapters/{s}" for s in CHAPTERS.values()]
    missing = [r["doc"] for r in rows if r["seconds"] is None]
    assert not missing, f"no stored run time: re-run tools/run_chapter.py on {missing}"
    assert all(0 < r["seconds"] < 600 for r in rows)
    assert all(len(r["exercises"]) >= 3 and set(r["code"]) <= set(r["exercises"]) for r in rows)
    table = rnnlab_site.teaching_table(rows, {"01": "none"})
    assert table.count("\n| {doc}`chapters/") == len(rows) and "| none |" in table


def test_stored_seconds_prefers_the_run_chapter_metadata():
    sys.path.insert(0, str(ROOT / "_ext"))
    import rnnlab_site
    stamps = {"iopub.execute_input": "2026-01-01T00:00:00Z", "shell.execute_reply": "2026-01-01T00:00:12.5Z"}
    nb = {"metadata": {}, "cells": [{"cell_type": "code", "metadata": {"execution": stamps}}]}
    assert rnnlab_site.stored_seconds(nb) == (12.5, "2026-01-01")
    nb["metadata"]["rnnlab"] = {"execution_s": 7.0, "executed": "2026-02-02"}
    assert rnnlab_site.stored_seconds(nb) == (7.0, "2026-02-02")
    assert rnnlab_site.stored_seconds({"metadata": {}, "cells": []}) == (None, None)


def test_every_reference_has_a_doi_or_url():
    text = (ROOT / "references.bib").read_text()
    entries = re.findall(r"^@\w+\{([^,\s]+),(.*?)^\}", text, re.S | re.M)
    assert len(entries) == text.count("\n@") + text.startswith("@")
    missing = [key for key, body in entries if not re.search(r"^\s*(doi|url)\s*=", body, re.M | re.I)]
    assert not missing, f"references.bib entries without doi or url: {missing}"
