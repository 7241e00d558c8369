"""The course kit: every chapter is listed everywhere it must be; tools/fork.py makes a smaller book, pointed at
another repository, that is still consistent; a failed fork changes nothing; the repository URL lives in one place;
the stored results ship with the package; the lock, licences and workflows exist.

Two end-to-end tests are slow and run only with RNNLAB_KIT_TESTS=1 (`make test-kit`, which CI runs):
the wheel, installed in a fresh venv outside the repository, executes every student copy in an empty folder;
and `python3 tools/fork.py 01 05 09 --repo URL` with the system Python on a copy of the repository is followed
by `make test` and `make book` there.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import fork  # noqa: E402
import make_clean  # noqa: E402
import repo_url  # noqa: E402

CHAPTERS = fork.chapters(ROOT)
KIT = pytest.mark.skipif(os.environ.get("RNNLAB_KIT_TESTS") != "1",
                         reason="slow end-to-end course-kit test: `make test-kit` (RNNLAB_KIT_TESTS=1) runs it")
NEW_URL = "https://example.org/course/book"


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


def snapshot(root: Path) -> dict:
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def code_of(path: Path) -> str:
    return "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")


def system_python() -> str:
    """python3 from PATH, not this venv's: tools/fork.py must run with nothing installed."""
    venv = str(Path(sys.prefix).resolve())
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and not str(Path(p).resolve()).startswith(venv))
    found = shutil.which("python3", path=path or os.defpath)
    if found is None:
        pytest.skip("no python3 outside the venv")
    return found


# ---- consistency of the book and of a fork ---------------------------------------------------------------

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


def in_sync(base: Path, stem: str):
    jupytext = pytest.importorskip("jupytext")
    src = base / "chapters" / "_src" / f"{stem}.py"
    if not src.exists():
        return None
    want = [(c.cell_type, c.source.strip()) for c in jupytext.read(src).cells]
    got = [(c["cell_type"], "".join(c["source"]).strip())
           for c in json.loads((base / "chapters" / f"{stem}.ipynb").read_text())["cells"]]
    return got == want


@pytest.mark.skipif(len(CHAPTERS) < 3, reason="needs at least three chapters to fork")
def test_fork_keeps_a_consistent_smaller_book_pointed_at_another_repository(tmp_path):
    root = copy_repo(tmp_path)
    before = set(fork.problems(root))                              # (empty when the book itself is consistent)
    keep = sorted(CHAPTERS)[::2]                                   # every other chapter, e.g. 01 03 05 07
    log = fork.fork(keep, root, repo=NEW_URL + "/")
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
    # the repository URL: _config.yml, every Colab cell and student copy, the README
    assert repo_url.config(root)[0] == NEW_URL
    assert repo_url.planned(root) == {}
    for stem in (CHAPTERS[n] for n in keep):
        for path in (root / "chapters" / f"{stem}.ipynb", root / "clean" / f"{stem}.ipynb"):
            assert re.findall(r"git\+([^\"'\s\\]+)", code_of(path)) == [NEW_URL]
    assert f"git+{NEW_URL}" in (root / "README.md").read_text()
    # the teaching page lists no removed chapter as a prerequisite
    block = fork.TEACHING_BLOCK.search((root / "teaching.md").read_text()).group(2)
    assert sorted(ln[:2] for ln in block.splitlines() if ln.strip()) == keep
    for m in fork.PREREQ.finditer(block):
        lost = [n for n in fork.numbers_in(m.group(2)) if f"{n:02d}" not in keep]
        assert not lost or f"{fork.NOT_HERE})" in block[m.end():m.end() + 200], m.group(0)
    # a kept chapter that matched its jupytext source still does; the student copies are current
    for stem in (CHAPTERS[n] for n in keep):
        if in_sync(ROOT, stem):
            assert in_sync(root, stem), stem
    assert all(p.read_text() == text for p, text in make_clean.expected(root).items())


def test_fork_rewrites_removed_prerequisites_as_topics():
    gone = {"04": "04-eigenvalues"}
    titles = {"04-eigenvalues": "4. Eigenvalues"}
    block = "05: chapter 1 (gates); chapter 4 (the spectral radius)\n04: chapter 3 (products)\n08: chapters 4 and 5\n"
    new = fork._fix_prerequisites(block, gone, titles, [])
    assert new.splitlines()[0] == ("05: chapter 1 (gates); the spectral radius (chapter 4 of the full book, "
                                   f"{fork.NOT_HERE})")
    assert "04:" not in new
    assert new.splitlines()[1] == f"08: chapter 5; *4. Eigenvalues* (chapter 4 of the full book, {fork.NOT_HERE})"
    assert fork.numbers_in("2 and 5–7") == [2, 5, 6, 7] and fork.numbers_in("1, 3 and 4") == [1, 3, 4]


@pytest.mark.skipif(len(CHAPTERS) < 3, reason="needs at least three chapters to fork")
def test_fork_reports_every_remaining_mention_of_a_removed_chapter(tmp_path):
    root = copy_repo(tmp_path)
    keep, (gone_no, gone_stem) = sorted(CHAPTERS)[:1], sorted(CHAPTERS.items())[-1]
    n = int(gone_no)
    intro = root / "intro.md"
    intro.write_text(intro.read_text() + f"\nAs chapter {n} tests, and chapters 1 and {n} show (ch. {n}).\n"
                                          f"See `{gone_stem}.ipynb` too. Chapter 1 alone is fine.\n")
    tree, _ = fork.plan(keep, root)
    gone = {no: stem for no, stem in CHAPTERS.items() if no not in keep}
    found = fork.mentions(tree, gone)
    lines = [line for path, _, line in found if path == "intro.md"]
    assert any(f"chapter {n} tests" in ln for ln in lines)
    assert any(f"{gone_stem}.ipynb" in ln for ln in lines)
    assert not any(ln.strip() == "Chapter 1 alone is fine." for ln in lines)


def test_a_fork_that_fails_midway_leaves_the_tree_unchanged(tmp_path, monkeypatch):
    root = copy_repo(tmp_path)
    before = snapshot(root)
    keep = sorted(CHAPTERS)[:1]
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 4:
            raise OSError("disk full (simulated)")
        os.rename(src, dst)

    monkeypatch.setattr(fork.os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        fork.fork(keep, root, repo=NEW_URL)
    assert len(calls) == 4, "the failure happened midway through the writes"
    assert snapshot(root) == before


def test_a_fork_refused_before_writing_changes_nothing(tmp_path):
    root = copy_repo(tmp_path)
    before = snapshot(root)
    for keep, repo in ((["99"], None), ([sorted(CHAPTERS)[0]], "not a url"), ([sorted(CHAPTERS)[0]], "https://x.org/a")):
        with pytest.raises(SystemExit):
            fork.fork(keep, root, repo=repo)
    (root / "chapters" / f"{CHAPTERS[sorted(CHAPTERS)[0]]}.ipynb").write_text("{ not json")
    broken = snapshot(root)
    with pytest.raises(ValueError):
        fork.fork(sorted(CHAPTERS)[:1], root)
    assert snapshot(root) == broken and len(broken) == len(before)


def test_fork_runs_with_the_standard_library_only(tmp_path):
    """`python3 -I -S`: no site-packages at all, so an import beyond the standard library would fail."""
    root = copy_repo(tmp_path)
    out = subprocess.run([system_python(), "-I", "-S", "tools/fork.py", "--check"], cwd=root, capture_output=True,
                         text=True)
    assert out.returncode == 0 and "consistent" in out.stdout, out.stderr
    out = subprocess.run([system_python(), "-I", "-S", "tools/fork.py", sorted(CHAPTERS)[0], "--repo", NEW_URL],
                         cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "remaining mention" in out.stdout and repo_url.config(root)[0] == NEW_URL
    for tool in ("make_clean.py", "repo_url.py"):
        out = subprocess.run([system_python(), "-I", "-S", f"tools/{tool}", "--check"], cwd=root, capture_output=True,
                             text=True)
        assert out.returncode == 0, (tool, out.stdout, out.stderr)


# ---- one repository URL ----------------------------------------------------------------------------------

def test_every_colab_cell_installs_from_the_configured_repository():
    url, _ = repo_url.config(ROOT)
    assert repo_url.planned(ROOT) == {}, "run python3 tools/repo_url.py (make book/test/execute do)"
    for stem in CHAPTERS.values():
        nb = json.loads((ROOT / "chapters" / f"{stem}.ipynb").read_text())
        first = next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        if "google.colab" not in first:
            pytest.fail(f"{stem}: the first code cell is not the Colab install cell")
        installs = re.findall(r"git\+(https?://[^\"'\s]+)", first)
        assert installs == [url], f"{stem} installs from {installs}, _config.yml says {url}"


def test_editing_config_alone_is_enough(tmp_path):
    root = copy_repo(tmp_path)
    cfg = root / "_config.yml"
    cfg.write_text(repo_url.set_config(cfg.read_text(), NEW_URL))
    out = subprocess.run([system_python(), "-I", "-S", "tools/repo_url.py"], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert repo_url.planned(root) == {} and f"git+{NEW_URL}" in (root / "README.md").read_text()
    assert all(p.read_text() == text for p, text in make_clean.expected(root).items())


def test_a_url_that_is_not_a_repository_is_refused():
    for bad in ("github.com/a/b", "https://github.com/a", "ftp://x.org/a/b", "", None):
        with pytest.raises(SystemExit, match="--repo"):
            repo_url.check_url(bad)
    assert repo_url.check_url("https://github.com/a/b.git/") == "https://github.com/a/b"


# ---- stored results travel with the package --------------------------------------------------------------

def test_chapters_read_stored_results_through_rnnlab_stored():
    """No chapter builds a path to results/ itself: rnnlab.stored finds the repository's copy or the installed one."""
    from rnnlab import stored
    names = set(stored.names())
    for stem in CHAPTERS.values():
        code = code_of(ROOT / "chapters" / f"{stem}.ipynb")
        assert not re.search(r"""["'][./]*results/""", code), f"{stem} builds a path to results/: use stored.path"
        for name in re.findall(r"""stored\.path\(\s*["']([\w.-]+)["']""", code):
            assert name in names, f"{stem} reads stored result {name!r}, which results/ does not have"


def test_the_wheel_carries_every_stored_result():
    """hatch_build.py copies results/ whole, whatever it holds: no list of files or folders to keep up to date."""
    text = (ROOT / "hatch_build.py").read_text() + (ROOT / "pyproject.toml").read_text()
    assert '"rnnlab/_results"' in text and "hooks.custom" in text
    from rnnlab import stored
    assert stored.INSTALLED.name == "_results" and stored.source()[1] == stored.REPOSITORY


def test_stored_path_checks_its_argument(capsys):
    from rnnlab import stored
    name = stored.names()[0]
    assert stored.path(name) == stored.source()[0] / name
    assert f"stored result {name!r}: the repository's results/{name}" in capsys.readouterr().out
    assert stored.path(name, quiet=True) and capsys.readouterr().out == ""
    with pytest.raises(TypeError, match="name must be a str"):
        stored.path(3)
    with pytest.raises(ValueError, match="name must be a stored result"):
        stored.path("no_such_result")
    with pytest.raises(ValueError, match="plain name"):
        stored.path("../results")


def test_stored_uses_the_installed_copy_outside_a_checkout(tmp_path, monkeypatch, capsys):
    from rnnlab import stored
    package = tmp_path / "site-packages" / "rnnlab"
    (package / "_results" / "grid_a").mkdir(parents=True)
    (package / "_results" / "single_b.json").write_text("{}")
    monkeypatch.setattr(stored, "PACKAGE", package)
    monkeypatch.setattr(stored, "INSTALLED", package / "_results")
    assert stored.source() == (package / "_results", stored.PACKAGED)
    assert stored.names() == ["grid_a", "single_b"]
    assert stored.path("single_b") == package / "_results" / "single_b"
    assert capsys.readouterr().out.strip() == "stored result 'single_b': the copy installed with rnnlab"
    shutil.rmtree(package / "_results")
    with pytest.raises(FileNotFoundError, match="no stored results"):
        stored.source()


# ---- lock, licences, workflows, Binder -------------------------------------------------------------------

def _pins(lock_text: str) -> dict:
    pins = {}
    for line in lock_text.splitlines():
        if line and not line.startswith((" ", "#", "-")):
            req, _, marker = line.partition(" ; ")
            name, _, version = req.partition("==")
            pins.setdefault(re.sub(r"[-_.]+", "-", name).lower(), []).append((version.strip(), marker.strip()))
    return pins


def test_the_lock_pins_every_requirement_within_its_range():
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.version import Version
    pins = _pins((ROOT / "requirements.lock").read_text())
    reqs = [ln.split("#")[0].strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    pyproject = (ROOT / "pyproject.toml").read_text()
    deps = re.search(r"^dependencies\s*=\s*\[(.*?)\]", pyproject, re.M | re.S).group(1)
    reqs += re.findall(r'"([^"]+)"', deps)
    for line in (r for r in reqs if r and not r.startswith("-")):
        req = Requirement(line)
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{req.name} is not in requirements.lock: run make lock"
        here = [v for v, m in pins[name] if not m or Marker(m).evaluate()]
        assert len(here) == 1 and Version(here[0]) in req.specifier, \
            f"requirements.lock pins {req.name} at {here}, outside {req.specifier}: run make lock"
    assert "make lock" in (ROOT / "requirements.lock").read_text()[:300]
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements.lock" in makefile and "--no-deps -e ." in makefile


def test_binder_and_ci_install_from_the_lock():
    assert "-r ../requirements.lock" in (ROOT / "binder" / "requirements.txt").read_text()
    assert "pip install --no-deps -e ." in (ROOT / "binder" / "postBuild").read_text()
    for wf in (ROOT / ".github" / "workflows").glob("*.yml"):
        assert "requirements.lock" in wf.read_text(), f"{wf.name} must cache on / install from requirements.lock"


def test_workflows_run_the_readme_commands_and_publish_the_site():
    wf = {p.name: p.read_text() for p in (ROOT / ".github" / "workflows").glob("*.yml")}
    assert set(wf) == {"test.yml", "publish.yml"}
    assert "make test" in wf["test.yml"] and "make book" in wf["test.yml"]
    pub = wf["publish.yml"]
    assert "branches: [main]" in pub and "make book" in pub and "path: _build/html" in pub
    assert "actions/upload-pages-artifact@" in pub and "actions/deploy-pages@" in pub
    assert "pages: write" in pub and "id-token: write" in pub
    readme = (ROOT / "README.md").read_text()
    assert "make book" in readme and "make test" in readme


def test_licences_are_stated_for_code_and_for_text():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()
    text = (ROOT / "LICENSE-TEXT.md").read_text()
    assert "CC BY 4.0" in text and "creativecommons.org/licenses/by/4.0" in text
    footer = (ROOT / "_config.yml").read_text()
    assert "CC BY 4.0" in footer and "MIT" in footer
    readme = (ROOT / "README.md").read_text()
    licence = readme[readme.index("## Licence"):]
    assert "MIT" in licence and "CC BY 4.0" in licence and "LICENSE-TEXT.md" in licence


# ---- house rules of the chapters kept here ---------------------------------------------------------------

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
    reads = [r for r in rows if r["stored"]]
    assert reads and all(f"`{name}`" in table for r in reads for name in r["stored"])


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


def test_run_chapter_progress_is_quiet_under_ci(monkeypatch):
    import run_chapter
    monkeypatch.setenv("CI", "true")
    assert run_chapter.quiet()
    monkeypatch.delenv("CI")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert run_chapter.quiet()
    nb = json.loads((ROOT / "chapters" / f"{CHAPTERS[sorted(CHAPTERS)[0]]}.ipynb").read_text())
    import nbformat
    total, per_cell = run_chapter.expected(nbformat.from_dict(nb))
    assert total > 0 and abs(sum(per_cell) - total) < 1e-6 * total + 1e-9


# ---- end to end (slow: make test-kit) --------------------------------------------------------------------

def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RNNLAB_KIT", "PYTEST", "VIRTUAL_ENV"))}
    env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CI": "true"}, **extra)
    env.pop("PYTHONPATH", None)
    return env


RUNNER = r"""
import json, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient
report = {}
for path in sorted(Path(sys.argv[1]).glob("*.ipynb")):
    nb = nbformat.read(path, as_version=4)
    start, error = time.perf_counter(), None
    try:
        NotebookClient(nb, timeout=900, kernel_name=sys.argv[3], resources={"metadata": {"path": str(path.parent)}}).execute()
    except Exception as exc:                      # go on with the next chapter; the test reports every failure
        error = str(exc)[-1500:]
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    report[path.name] = {"seconds": round(time.perf_counter() - start, 1), "error": error,
                         "stdout": "".join(o.get("text", "") for o in outs if o.get("name") == "stdout"),
                         "stderr": [o.get("text", "")[:300] for o in outs if o.get("name") == "stderr"]}
    print(path.name, report[path.name]["seconds"], "s", flush=True)
Path(sys.argv[2]).write_text(json.dumps(report))
"""


@KIT
def test_end_to_end_wheel_runs_every_student_copy_outside_the_repository(tmp_path):
    """Build the wheel, install it in a fresh venv (versions of the lock), copy clean/ into an empty folder and
    execute every student copy there: the chapters must find their stored results inside the installed package."""
    dist, venv, students = tmp_path / "dist", tmp_path / "venv", tmp_path / "students"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)],
                   check=True, env=_env(), cwd=tmp_path)
    wheel = next(dist.glob("rnnlab-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", str(wheel), "nbclient", "ipykernel", "-c",
                    str(ROOT / "requirements.lock")], check=True, env=_env(), cwd=tmp_path)
    kernel = "rnnlab-wheel-test"                 # a kernel of this venv only, whatever other kernels the machine has
    subprocess.run([str(py), "-m", "ipykernel", "install", "--prefix", str(venv), "--name", kernel], check=True,
                   env=_env(), capture_output=True)
    students.mkdir()
    for path in sorted((ROOT / "clean").glob("[0-9][0-9]-*.ipynb")):
        shutil.copy2(path, students / path.name)
    where = subprocess.run([str(py), "-c", "from rnnlab import stored; print(stored.source())"], cwd=students,
                           env=_env(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"),
                           capture_output=True, text=True, check=True).stdout
    assert str(ROOT) not in where and "the copy installed with rnnlab" in where, where
    (tmp_path / "run.py").write_text(RUNNER)
    done = subprocess.run([str(py), str(tmp_path / "run.py"), str(students), str(tmp_path / "report.json"), kernel],
                          cwd=students, env=_env(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"),
                          capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert sorted(report) == sorted(p.name for p in (ROOT / "clean").glob("[0-9][0-9]-*.ipynb"))
    failed = {name: r["error"] for name, r in report.items() if r["error"]}
    assert not failed, "student copies that failed outside the repository:\n" + "\n".join(f"{k}: {v}" for k, v in failed.items())
    for name, r in report.items():
        assert not r["stderr"], (name, r["stderr"])
        if "stored.path(" in code_of(ROOT / "clean" / name):
            assert "the copy installed with rnnlab" in r["stdout"], name
            assert "the repository's results/" not in r["stdout"], name


@KIT
def test_end_to_end_fork_with_the_system_python_then_make_test_and_make_book(tmp_path):
    """The done-when of the course kit: `python3 tools/fork.py 01 05 09 --repo URL` with the system Python,
    then `make test` and `make book` pass in the forked repository."""
    keep = [n for n in ("01", "05", "09") if n in CHAPTERS]
    if len(keep) < 3:
        keep = sorted(CHAPTERS)[:3]
    root = copy_repo(tmp_path / "book")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)      # a clone: the fork's own tests list its files
    out = subprocess.run([system_python(), "-I", "-S", "tools/fork.py", *keep, "--repo", NEW_URL], cwd=root,
                         capture_output=True, text=True, env=_env())
    assert out.returncode == 0, out.stdout + out.stderr
    print(out.stdout)
    assert sorted(fork.chapters(root)) == keep and repo_url.config(root)[0] == NEW_URL
    for target in ("test", "book"):
        done = subprocess.run(["make", target, f"PYTHON={system_python()}"], cwd=root, capture_output=True,
                              text=True, env=_env(), timeout=3600)
        assert done.returncode == 0, f"make {target} failed in the fork:\n{done.stdout[-6000:]}\n{done.stderr[-4000:]}"
    html = (root / "_build" / "html" / "intro.html").read_text()
    assert "https://example.org/course/book" in html and "colab.research.google.com" not in html
    for stem in (s for n, s in CHAPTERS.items() if n not in keep):
        assert not (root / "_build" / "html" / "chapters" / f"{stem}.html").exists()
