"""Make a course edition of the book that keeps only some chapters.

    python tools/fork.py 01 03 04          # keep chapters 1, 3 and 4; remove the others
    python tools/fork.py --check           # only report toc / intro / ledger / link problems

For every removed chapter it deletes the notebook, its jupytext source (chapters/_src) and its student
copy (clean/), its `_toc.yml` entry and its row in the introduction's chapter table. In the claims
ledger (claims.md) a link to a removed chapter becomes plain text and a removed verdict reads
"not in this edition". In the kept chapters (notebook and jupytext source alike), a link to a removed
chapter, verdict, figure or exercise becomes plain text; each such change is printed, so that the
editor can reword the sentence. Student copies of the kept chapters are refreshed. Afterwards
`make test` and `make book` pass on the smaller book. Run it in a copy (a fork or a branch) of the
repository: it edits files in place.

:func:`problems` is the consistency check used by tests/test_course_kit.py on the full book too:
every chapter is in `_toc.yml`, in the introduction's table and in the ledger; every `{doc}` and
`{ref}` of the ledger, the introduction and the chapters points at something that exists.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = re.compile(r"^(\d\d)-[\w-]+$")
ROLE = re.compile(r"\{(doc|ref|numref)\}`([^`<]*?)\s*(?:<([^`>]+)>)?`")
NOT_HERE = "not in this edition"


def chapters(root: Path) -> dict:
    """{"01": "01-lstm-anatomy", ...} for the chapter notebooks present."""
    return {p.stem[:2]: p.stem for p in sorted((root / "chapters").glob("[0-9][0-9]-*.ipynb"))}


def _markdown(path: Path) -> str:
    nb = json.loads(path.read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def labels_of(path: Path) -> set:
    """Targets a notebook or markdown file defines: :name:, :label:, (label)= and figure names."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text())
        text = _markdown(path)
        names = {c.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name") for c in nb["cells"]}
    else:
        text, names = path.read_text(), set()
    found = set(re.findall(r"^:(?:name|label):\s*(\S+)", text, re.M)) | set(re.findall(r"^\((\S+)\)=", text, re.M))
    return (found | names) - {None}


def title_of(path: Path) -> str:
    text = _markdown(path) if path.suffix == ".ipynb" else path.read_text()
    return next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), path.stem)


def _doc_target(target: str, base: str) -> str:
    """A {doc} target as a docname relative to the book root ("chapters/03-saturation")."""
    target = target.strip()
    if target.startswith("/"):
        return target[1:]
    parts = (base.split("/")[:-1] + target.split("/")) if "/" in base else target.split("/")
    out = []
    for p in parts:
        if p == "..":
            out = out[:-1]
        elif p and p != ".":
            out.append(p)
    return "/".join(out)


def _docs(root: Path) -> dict:
    """docname -> path for every page of the book (chapters and top-level markdown pages)."""
    docs = {f"chapters/{stem}": root / "chapters" / f"{stem}.ipynb" for stem in chapters(root).values()}
    docs.update({p.stem: p for p in root.glob("*.md") if p.name not in ("README.md", "CONTRIBUTING.md")})
    return docs


def problems(root: Path = ROOT) -> list:
    """Everything that would break the book build or leave a chapter unlisted."""
    out, docs = [], _docs(root)
    toc = (root / "_toc.yml").read_text()
    intro = (root / "intro.md").read_text()
    ledger = (root / "claims.md").read_text()
    labels = {}
    for doc, path in docs.items():
        for lab in labels_of(path):
            labels[lab] = doc
    for no, stem in chapters(root).items():
        if f"file: chapters/{stem}" not in toc:
            out.append(f"chapter {stem} is missing from _toc.yml")
        if f"{{doc}}`chapters/{stem}`" not in intro:
            out.append(f"chapter {stem} has no row in the table of intro.md")
        if f"chapters/{stem}" not in ledger:
            out.append(f"chapter {stem} tests no claim in the ledger (claims.md)")
        verdicts = sorted(lab for lab, doc in labels.items() if doc == f"chapters/{stem}" and lab.startswith("verdict-"))
        for lab in verdicts:
            if f"<{lab}>" not in ledger:
                out.append(f"verdict {lab} of chapter {stem} is not linked from the ledger")
    for entry in re.findall(r"file:\s*(\S+)", toc):
        if entry not in docs:
            out.append(f"_toc.yml lists {entry}, which does not exist")
    for doc, path in docs.items():
        text = _markdown(path) if path.suffix == ".ipynb" else path.read_text()
        for role, text_part, target in ROLE.findall(text):
            target = (target or text_part).strip()
            if role == "doc" and _doc_target(target, doc) not in docs:
                out.append(f"{doc} links to {{doc}}`{target}`, which does not exist")
            elif role in ("ref", "numref") and target not in labels:
                out.append(f"{doc} refers to {{{role}}}`{target}`, which no page defines")
    return out


def _unlink(text: str, gone_docs: set, gone_labels: set, base: str, titles: dict, log: list, where: str) -> str:
    """Plain text instead of links to removed chapters or to targets inside them."""
    def repl(m):
        role, shown, target = m.group(1), m.group(2).strip(), m.group(3)
        key = (target or shown).strip()
        if role == "doc" and _doc_target(key, base) in gone_docs:
            title = shown if target else f"*{titles[_doc_target(key, base)]}*"
            new = title if base == "claims" else f"{title} ({NOT_HERE})"     # the ledger's verdict says it
        elif role in ("ref", "numref") and key in gone_labels:
            new = NOT_HERE if (base == "claims" or not target) else f"{shown} ({NOT_HERE})"
        else:
            return m.group(0)
        log.append(f"{where}: {m.group(0)} -> {new}")
        return new
    return ROLE.sub(repl, text)


def fork(keep, root: Path = ROOT) -> list:
    """Remove every chapter not in ``keep`` (two-digit numbers); returns the list of changes made."""
    present = chapters(root)
    keep = {k.zfill(2) for k in keep}
    unknown = keep - set(present)
    if unknown or not keep:
        raise SystemExit(f"keep must name present chapters {sorted(present)}; got {sorted(keep) or 'nothing'}")
    gone = {no: stem for no, stem in present.items() if no not in keep}
    gone_docs = {f"chapters/{stem}" for stem in gone.values()}
    titles = {f"chapters/{s}": title_of(root / "chapters" / f"{s}.ipynb") for s in gone.values()}
    gone_labels = set().union(*[labels_of(root / "chapters" / f"{s}.ipynb") for s in gone.values()]) if gone else set()
    log = []
    for stem in gone.values():
        for path in (root / "chapters" / f"{stem}.ipynb", root / "chapters" / "_src" / f"{stem}.py",
                     root / "clean" / f"{stem}.ipynb"):
            if path.exists():
                path.unlink()
                log.append(f"removed {path.relative_to(root)}")
    toc = root / "_toc.yml"
    toc.write_text("".join(ln for ln in toc.read_text().splitlines(keepends=True)
                           if not any(f"file: chapters/{s}" in ln for s in gone.values())))
    intro = root / "intro.md"
    intro.write_text("".join(ln for ln in intro.read_text().splitlines(keepends=True)
                             if not any(ln.startswith(f"| {{doc}}`chapters/{s}`") for s in gone.values())))
    for name in ("claims.md", "intro.md"):
        path = root / name
        path.write_text(_unlink(path.read_text(), gone_docs, gone_labels, path.stem, titles, log, name))
    for stem in sorted(present[k] for k in keep):
        nb_path = root / "chapters" / f"{stem}.ipynb"
        nb = json.loads(nb_path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                src = "".join(cell["source"])
                new = _unlink(src, gone_docs, gone_labels, f"chapters/{stem}", titles, log, f"chapters/{stem}.ipynb")
                if new != src:
                    cell["source"] = new.splitlines(keepends=True)
        nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        src_path = root / "chapters" / "_src" / f"{stem}.py"
        if src_path.exists():
            src_path.write_text(_unlink(src_path.read_text(), gone_docs, gone_labels, f"chapters/{stem}", titles,
                                        [], str(src_path)))
    sys.path.insert(0, str(root / "tools"))
    import make_clean                                          # refresh the kept chapters' student copies
    make_clean.ROOT = root
    for path, text in make_clean.expected().items():
        path.write_text(text)
    return log


def main(argv) -> int:
    if argv[:1] == ["--check"] or not argv:
        found = problems(ROOT)
        print("\n".join(found) or "toc, intro, ledger and links are consistent")
        return 1 if found else 0
    for line in fork(argv, ROOT):
        print(line)
    found = problems(ROOT)
    for p in found:
        print("PROBLEM:", p)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
