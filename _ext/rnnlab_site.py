"""The book's own Sphinx extension: an offline site, per-chapter exercise numbers, stored execution times.

Loaded through ``sphinx.local_extensions`` in _config.yml. It

* serves MathJax 3 from the site itself: copies the es5 files shipped by the PyPI package
  ``sphinx-mathjax-offline`` (MathJax 3.2.2) into ``_static/mathjax`` and points ``mathjax_path``
  at them, so the maths typesets with no network;
* removes sphinx-thebe's scripts (Jupyter Book always loads the extension; the book does not
  use thebe, and its config script was injected twice, a JavaScript error on every page);
* numbers exercises per chapter ("Exercise 3.1" in chapter 3), not across the book;
* gives the content sections of exercises and solutions unique HTML ids, every "Claims tested in
  this chapter" box the class ``claims-tested`` and the ledger's table the class ``claims-ledger``
  (styled in _static/custom.css);
* fills ``{rnnlab-execution-table}`` / ``{rnnlab-teaching-table}`` placeholders (see
  :func:`chapter_rows`) from the execution times stored in the notebooks.
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml", "input/tex/extensions", "ui", "a11y", "sre", "adaptors")
CHAPTER = re.compile(r"^chapters/(\d\d)-")


def mathjax_source() -> Path:
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax for the offline site comes from the PyPI package sphinx-mathjax-offline: "
                           "pip install -r requirements.txt")
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax"


def copy_mathjax(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    src, dst = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        if (src / part).is_dir():
            shutil.copytree(src / part, dst / part, dirs_exist_ok=True)
        else:
            dst.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / part, dst / part)


def drop_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        files = context.get(key)
        if files is None:
            continue
        keep = [f for f in files if "thebe" not in str(getattr(f, "filename", f) or "")
                and "THEBE_JS_URL" not in str(getattr(f, "attributes", {}).get("body", ""))]
        files[:] = keep


def renumber_exercises(app, env):
    """Exercise numbers become (chapter, n) in each chapter's own order."""
    for docname, numbers in env.toc_fignumbers.items():
        m = CHAPTER.match(docname)
        ex = numbers.get("exercise")
        if not m or not ex:
            continue
        for rank, key in enumerate(sorted(ex, key=lambda k: ex[k]), start=1):
            ex[key] = (int(m.group(1)), rank)
    return []


def page_classes(app, doctree, docname):
    """Unique ids for exercise/solution content; one class for every "Claims tested" box; the ledger's class."""
    from docutils import nodes

    for adm in doctree.findall(nodes.admonition):
        title = next(iter(adm.findall(nodes.title)), None)
        if title is not None and title.astext().startswith("Claims tested in this chapter"):
            adm["classes"] = [c for c in adm["classes"] if c != "note"] + ["claims-tested"]
    if docname == "claims":
        for table in doctree.findall(nodes.table):
            table["classes"].append("claims-ledger")
            break
    counts = {}
    for section in doctree.findall(nodes.section):
        ids = section.get("ids", [])
        if ids and ids[0] in ("exercise-content", "solution-content"):
            counts[ids[0]] = counts.get(ids[0], 0) + 1
            ids[0] = f"{ids[0]}-{counts[ids[0]]}"


def _stamp(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def stored_seconds(nb: dict):
    """Seconds the notebook's stored run took: ``metadata.rnnlab.execution_s`` (written by
    tools/run_chapter.py), else the span of the cells' execution timestamps, else None."""
    meta = nb.get("metadata", {}).get("rnnlab", {})
    if isinstance(meta.get("execution_s"), (int, float)):
        return float(meta["execution_s"]), meta.get("executed")
    stamps = [c.get("metadata", {}).get("execution", {}) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    stamps = [s for s in stamps if "iopub.execute_input" in s and "shell.execute_reply" in s]
    if not stamps:
        return None, None
    start, end = _stamp(stamps[0]["iopub.execute_input"]), _stamp(stamps[-1]["shell.execute_reply"])
    return (end - start).total_seconds(), start.date().isoformat()


SOLUTION = re.compile(r"(:{3,})\{solution\}\s*(\S+)[^\n]*\n(.*?)\n\1(?=\s|$)", re.S)
EXERCISE = re.compile(r"(:{3,})\{exercise\}[^\n]*\n(.*?)\n\1(?=\s|$)", re.S)
USES_CODE = re.compile(r"```|`[^`\n]*\w\([^`\n]*`")   # a code block, or inline code that calls something
STORED = re.compile(r"""\bstored\.path\(\s*["']([\w.-]+)["']""")  # rnnlab.stored.path("name"): a stored result read


def chapter_rows(srcdir: Path, docnames) -> list:
    """One dict per chapter in the book: doc, title, seconds, date, exercise labels, labels with code solutions."""
    rows = []
    for doc in sorted(d for d in docnames if CHAPTER.match(d)):
        path = srcdir / (doc + ".ipynb")
        if not path.exists():
            continue
        nb = json.loads(path.read_text())
        seconds, date = stored_seconds(nb)
        text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        labels, code = [], set()
        for m in EXERCISE.finditer(text):
            label = re.search(r":label:\s*(\S+)", m.group(2))
            if label:
                labels.append(label.group(1))
                if USES_CODE.search(m.group(2)):
                    code.add(label.group(1))
        code |= {m.group(2) for m in SOLUTION.finditer(text) if USES_CODE.search(m.group(3))}
        source = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        rows.append({"doc": doc, "no": int(CHAPTER.match(doc).group(1)), "seconds": seconds, "date": date,
                     "exercises": labels, "code": [lab for lab in labels if lab in code],  # code: the exercise or its solution runs code
                     "stored": sorted(set(STORED.findall(source)))})
    return rows


def _fmt_s(s):
    return "not recorded" if s is None else f"{s:.0f} s"


def _exercise_list(labels, no):
    return ", ".join(f"{no}.{i}" for i in labels) or "–"


def execution_table(rows) -> str:
    out = ["| chapter | stored run | executed on |", "|---|---|---|"]
    out += [f"| {{doc}}`{r['doc']}` | {_fmt_s(r['seconds'])} | {r['date'] or '–'} |" for r in rows]
    out.append(f"| all chapters | {sum(r['seconds'] or 0 for r in rows):.0f} s | |")
    return "\n".join(out)


def teaching_table(rows, prereq: dict) -> str:
    out = ["| chapter | prerequisites | run time | stored results it reads (shipped with rnnlab) "
           "| exercises that run code (homework) | pen and paper |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        idx = {lab: i for i, lab in enumerate(r["exercises"], start=1)}
        code = [idx[lab] for lab in r["code"]]
        paper = [i for lab, i in idx.items() if lab not in r["code"]]
        stored = ", ".join(f"`{name}`" for name in r.get("stored", [])) or "none"
        out.append(f"| {{doc}}`{r['doc']}` | {prereq.get(r['doc'][9:11], '–')} | {_fmt_s(r['seconds'])} | {stored} | "
                   f"{_exercise_list(code, r['no'])} | {_exercise_list(paper, r['no'])} |")
    return "\n".join(out)


def fill_tables(app, docname, source):
    text = source[0]
    if "{rnnlab-execution-table}" not in text and "{rnnlab-teaching-table}" not in text:
        return
    rows = chapter_rows(Path(app.srcdir), app.env.found_docs)
    text = re.sub(r"```\{rnnlab-execution-table\}\n```", lambda m: execution_table(rows), text)

    def teaching(m):
        prereq = dict(ln.split(":", 1) for ln in m.group(1).splitlines() if ":" in ln)
        return teaching_table(rows, {k.strip(): v.strip() for k, v in prereq.items()})

    source[0] = re.sub(r"```\{rnnlab-teaching-table\}\n(.*?)```", teaching, text, flags=re.S)


def setup(app):
    app.config.mathjax_path = "mathjax/tex-chtml.js"
    app.connect("build-finished", copy_mathjax)
    app.connect("html-page-context", drop_thebe, priority=900)
    app.connect("env-get-updated", renumber_exercises, priority=900)
    app.connect("doctree-resolved", page_classes)
    app.connect("source-read", fill_tables)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
