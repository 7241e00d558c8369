"""Make a course edition of the book that keeps only some chapters, and point it at the course's repository.

    python3 tools/fork.py 01 05 09                         # keep chapters 1, 5 and 9; remove the others
    python3 tools/fork.py 01 05 09 --repo https://github.com/ME/my-course   # ... and set the repository URL
    python3 tools/fork.py --repo https://github.com/ME/my-course            # only set the repository URL
    python3 tools/fork.py --check                          # only report toc / intro / ledger / link / URL problems

Any Python >= 3.10 with nothing installed (the standard library only). It plans every change first and
checks the smaller book it would make (every chapter in `_toc.yml`, the introduction and the ledger; every
`{doc}`, `{ref}` and `{numref}` resolves). Only then does it write, all files at once: if anything fails,
before or while writing, the tree is left as it was.

For every removed chapter it deletes the notebook, its jupytext source (chapters/_src) and its student copy
(clean/), its `_toc.yml` entry, its row in the introduction's table and its line of prerequisites on the
teaching page. In the claims ledger a link to a removed chapter becomes plain text and a removed verdict
reads "not in this edition". In the kept chapters (notebook and source alike) a link to a removed chapter,
verdict, figure or exercise becomes plain text; on the teaching page a removed prerequisite chapter becomes
the topic it taught, marked "not in this edition". Student copies of the kept chapters are refreshed.
``--repo URL`` writes the URL into _config.yml and its copies (tools/repo_url.py).

It prints each change, then every remaining mention of a removed chapter in the repository's text, links
and plain text alike ("chapter 9 tests ...", "(ch. 9)", "09-cnn-relu"), with file and line, so that the
editor can reword each sentence. Afterwards `make test` and `make book` pass on the smaller book.

:func:`problems` is the consistency check used by tests/test_course_kit.py on the full book too.
"""
import sys

if sys.version_info < (3, 10):                 # checked before anything newer than Python 3.6 runs
    sys.exit(f"tools/fork.py needs Python 3.10 or newer; this is Python {sys.version.split()[0]}. Nothing was changed.")

import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_clean  # noqa: E402  (standard library only, like this script)
import repo_url  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = re.compile(r"^(\d\d)-[\w-]+$")
ROLE = re.compile(r"\{(doc|ref|numref)\}`([^`<]*?)\s*(?:<([^`>]+)>)?`")
NOT_HERE = "not in this edition"
FULL_BOOK = " of the full book"             # how a rewritten prerequisite names the chapter it came from
TEACHING_BLOCK = re.compile(r"(```\{rnnlab-teaching-table\}\n)(.*?)(```)", re.S)
NUMBERS = r"\d{1,2}(?:\s*(?:,\s*(?:and\s+|or\s+)?|\band\b|\bor\b|&|\bto\b|–|—|-)\s*\d{1,2})*"
MENTION = re.compile(r"\b(?:[Cc]hapters?|[Cc]hs?\.)\s*(" + NUMBERS + r")")
PREREQ = re.compile(r"\b([Cc]hapters?)\s+(" + NUMBERS + r")(\s+\(([^()]*)\))?")
SKIP_DIRS = {".git", ".venv", "_build", "results", "clean", "node_modules", "__pycache__", "_scratch",
             ".hypothesis", ".pytest_cache", ".ipynb_checkpoints", "dist", "build"}
SKIP_FILES = {"tools/fork.py", "tools/repo_url.py", "tests/test_course_kit.py"}    # the kit's own examples
TEXT_SUFFIXES = {".md", ".py", ".ipynb", ".yml", ".yaml", ".txt", ".cfg", ".toml", ".css", ".sh"}


class Tree:
    """The repository as it will be: the files on disk overlaid with planned changes (text, or None: removed)."""

    def __init__(self, root: Path):
        self.root, self.changes = Path(root), {}

    def exists(self, path: Path) -> bool:
        return self.changes[path] is not None if path in self.changes else path.is_file()

    def read(self, path: Path):
        """The file's planned text, or None when it does not (or will not) exist."""
        if path in self.changes:
            return self.changes[path]
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def write(self, path: Path, text: str) -> None:
        if self.read(path) != text:
            self.changes[path] = text

    def remove(self, path: Path) -> None:
        if self.exists(path):
            self.changes[path] = None

    def notebooks(self, folder: str) -> list:
        found = {p for p in (self.root / folder).glob("[0-9][0-9]-*.ipynb")}
        found |= {p for p, t in self.changes.items() if t is not None and p.parent == self.root / folder
                  and p.suffix == ".ipynb" and CHAPTER.match(p.stem)}
        return sorted(p for p in found if self.exists(p))


def _tree(root) -> Tree:
    return root if isinstance(root, Tree) else Tree(root)


def chapters(root) -> dict:
    """{"01": "01-lstm-anatomy", ...} for the chapter notebooks present."""
    return {p.stem[:2]: p.stem for p in _tree(root).notebooks("chapters")}


def _cells(text: str) -> list:
    return json.loads(text)["cells"]


def _markdown(text: str) -> str:
    return "\n".join("".join(c["source"]) for c in _cells(text) if c["cell_type"] == "markdown")


def labels_of(path: Path, text: str) -> set:
    """Targets a notebook or markdown file defines: :name:, :label:, (label)= and figure names."""
    names = set()
    if path.suffix == ".ipynb":
        names = {c.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name") for c in _cells(text)}
        text = _markdown(text)
    found = set(re.findall(r"^:(?:name|label):\s*(\S+)", text, re.M)) | set(re.findall(r"^\((\S+)\)=", text, re.M))
    return (found | names) - {None}


def title_of(path: Path, text: str) -> str:
    text = _markdown(text) if path.suffix == ".ipynb" else text
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


def _docs(tree: Tree) -> dict:
    """docname -> path for every page of the book (chapters and top-level markdown pages)."""
    docs = {f"chapters/{p.stem}": p for p in tree.notebooks("chapters")}
    docs.update({p.stem: p for p in tree.root.glob("*.md")
                 if p.name not in ("README.md", "CONTRIBUTING.md", "LICENSE-TEXT.md") and tree.exists(p)})
    return docs


def problems(root=ROOT) -> list:
    """Everything that would break the book build or leave a chapter unlisted."""
    tree = _tree(root)
    out, docs = [], _docs(tree)
    toc, intro, ledger = (tree.read(tree.root / n) or "" for n in ("_toc.yml", "intro.md", "claims.md"))
    labels = {}
    for doc, path in docs.items():
        for lab in labels_of(path, tree.read(path)):
            labels[lab] = doc
    for no, stem in chapters(tree).items():
        if f"file: chapters/{stem}" not in toc:
            out.append(f"chapter {stem} is missing from _toc.yml")
        if f"{{doc}}`chapters/{stem}`" not in intro:
            out.append(f"chapter {stem} has no row in the table of intro.md")
        if f"chapters/{stem}" not in ledger:
            out.append(f"chapter {stem} tests no claim in the ledger (claims.md)")
        for lab in sorted(lab for lab, doc in labels.items() if doc == f"chapters/{stem}" and lab.startswith("verdict-")):
            if f"<{lab}>" not in ledger:
                out.append(f"verdict {lab} of chapter {stem} is not linked from the ledger")
    for entry in re.findall(r"file:\s*(\S+)", toc):
        if entry not in docs:
            out.append(f"_toc.yml lists {entry}, which does not exist")
    for doc, path in docs.items():
        text = tree.read(path)
        text = _markdown(text) if path.suffix == ".ipynb" else text
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


def numbers_in(listing: str) -> list:
    """Chapter numbers a listing names: "1, 3 and 4" -> [1, 3, 4]; "5–10" and "5 to 10" are ranges."""
    out, tokens = [], re.findall(r"\d{1,2}|–|—|-|\bto\b", listing)
    i = 0
    while i < len(tokens):
        if i + 2 < len(tokens) and tokens[i + 1] in ("–", "—", "-", "to") and tokens[i + 2].isdigit():
            out += range(int(tokens[i]), int(tokens[i + 2]) + 1)
            i += 3
        elif tokens[i].isdigit():
            out.append(int(tokens[i]))
            i += 1
        else:
            i += 1
    return out


def _fix_prerequisites(block: str, gone: dict, titles: dict, log: list) -> str:
    """The teaching page's prerequisite lines ("NN: ...") without lines or prerequisites of removed chapters."""
    lines = []
    for line in block.splitlines(keepends=True):
        no = line.split(":", 1)[0].strip()
        if no in gone:
            log.append(f"teaching.md: prerequisites of chapter {no} removed")
            continue

        def repl(m):
            nums = numbers_in(m.group(2))
            lost = [n for n in nums if f"{n:02d}" in gone]
            if not lost:
                return m.group(0)
            kept = [n for n in nums if n not in lost]
            topic = m.group(4)
            parts = []
            if kept:
                word = "chapters" if len(kept) > 1 else "chapter"
                parts.append(f"{word} {', '.join(map(str, kept[:-1]))}{' and ' if len(kept) > 1 else ''}{kept[-1]}")
            for n in lost:
                what = topic if (topic and len(nums) == 1) else f"*{titles[gone[f'{n:02d}']]}*"
                parts.append(f"{what} (chapter {n}{FULL_BOOK}, {NOT_HERE})")
            new = "; ".join(parts) + (f" ({topic})" if topic and len(nums) > 1 and kept else "")
            log.append(f"teaching.md: prerequisites of chapter {no}: {m.group(0)} -> {new}")
            return new
        lines.append(PREREQ.sub(repl, line))
    return "".join(lines)


def _student_copy(text: str) -> str:
    return make_clean.dumps(make_clean.clean(json.loads(text)))


def plan(keep, root=ROOT, repo: str | None = None) -> tuple:
    """``(tree, log)``: every change the fork would make, in memory; nothing is written."""
    tree, log = _tree(root), []
    root = tree.root
    present = chapters(tree)
    url = repo_url.check_url(repo) if repo is not None else None
    keep = {str(k).zfill(2) for k in keep}
    unknown = keep - set(present)
    if unknown or (not keep and url is None):
        raise SystemExit(f"keep must name present chapters {sorted(present)}; got {sorted(keep) or 'nothing'}")
    gone = {no: stem for no, stem in present.items() if keep and no not in keep}
    gone_docs = {f"chapters/{stem}" for stem in gone.values()}
    nb_path = {stem: root / "chapters" / f"{stem}.ipynb" for stem in present.values()}
    titles = {f"chapters/{s}": title_of(nb_path[s], tree.read(nb_path[s])) for s in gone.values()}
    titles.update({s: titles[f"chapters/{s}"] for s in gone.values()})
    gone_labels = set()
    for s in gone.values():
        gone_labels |= labels_of(nb_path[s], tree.read(nb_path[s]))
    for stem in gone.values():
        for path in (nb_path[stem], root / "chapters" / "_src" / f"{stem}.py", root / "clean" / f"{stem}.ipynb"):
            if tree.exists(path):
                tree.remove(path)
                log.append(f"removed {path.relative_to(root)}")
    toc, intro = root / "_toc.yml", root / "intro.md"
    tree.write(toc, "".join(ln for ln in tree.read(toc).splitlines(keepends=True)
                            if not any(f"file: chapters/{s}" in ln for s in gone.values())))
    tree.write(intro, "".join(ln for ln in tree.read(intro).splitlines(keepends=True)
                              if not any(ln.startswith(f"| {{doc}}`chapters/{s}`") for s in gone.values())))
    for name in ("claims.md", "intro.md", "teaching.md"):
        path = root / name
        if tree.exists(path):
            tree.write(path, _unlink(tree.read(path), gone_docs, gone_labels, path.stem, titles, log, name))
    teaching = root / "teaching.md"
    if gone and tree.exists(teaching):
        tree.write(teaching, TEACHING_BLOCK.sub(
            lambda m: m.group(1) + _fix_prerequisites(m.group(2), gone, titles, log) + m.group(3), tree.read(teaching)))
    for no in sorted(set(present) - set(gone)):
        stem = present[no]
        nb = json.loads(tree.read(nb_path[stem]))
        changed = False
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                src = "".join(cell["source"])
                new = _unlink(src, gone_docs, gone_labels, f"chapters/{stem}", titles, log, f"chapters/{stem}.ipynb")
                if new != src:
                    cell["source"], changed = new, True
        if changed:
            tree.write(nb_path[stem], make_clean.dumps(nb))
        src_path = root / "chapters" / "_src" / f"{stem}.py"
        if tree.exists(src_path):
            tree.write(src_path, _unlink(tree.read(src_path), gone_docs, gone_labels, f"chapters/{stem}", titles, [], ""))
        if url is None:
            tree.write(root / "clean" / f"{stem}.ipynb", _student_copy(tree.read(nb_path[stem])))
    if url is not None:
        for path, text in repo_url.planned(root, url, read=tree.read).items():
            tree.write(path, text)
            log.append(f"repository URL {url} written into {path.relative_to(root)}")
        for no in sorted(set(present) - set(gone)):                   # student copies after the URL change
            stem = present[no]
            tree.write(root / "clean" / f"{stem}.ipynb", _student_copy(tree.read(nb_path[stem])))
    return tree, log


def _text_files(tree: Tree) -> list:
    out = []
    for dirpath, dirnames, filenames in os.walk(tree.root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".venv"))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if ((path.suffix in TEXT_SUFFIXES or name in ("Makefile", "run", "postBuild", "start")) and tree.exists(path)
                    and path.relative_to(tree.root).as_posix() not in SKIP_FILES):
                out.append(path)
    out += [p for p, t in tree.changes.items() if t is not None and p not in out]
    return out


def mentions(tree: Tree, gone: dict) -> list:
    """``(file, line number, line)`` for every remaining mention of a removed chapter: "chapter 9", "ch. 9",
    "chapters 5–10", or its file name ("09-cnn-relu"), in the repository's text (notebooks: cell sources)."""
    if not gone:
        return []
    stems = re.compile(r"\b(" + "|".join(re.escape(s) for s in gone.values()) + r")\b")
    out = []
    for path in _text_files(tree):
        if path.suffix == ".ipynb" and tree.exists(tree.root / "chapters" / "_src" / (path.stem + ".py")):
            continue                                               # its jupytext source is reported instead
        try:
            text = tree.read(path)
            if path.suffix == ".ipynb":
                text = "\n".join("".join(c["source"]) for c in _cells(text))
        except (UnicodeDecodeError, ValueError, KeyError):
            continue
        for i, line in enumerate(text.splitlines(), start=1):
            hit = stems.search(line) or next((m for m in MENTION.finditer(line)
                                              if any(f"{n:02d}" in gone for n in numbers_in(m.group(1)))
                                              and not line[m.end():].startswith(FULL_BOOK)), None)
            if hit:
                out.append((str(path.relative_to(tree.root)), i, line.strip()))
    return sorted(out, key=lambda hit: (not _for_readers(hit[0]), hit[0], hit[1]))


def _for_readers(rel: str) -> bool:
    """Pages, chapters and the README (what readers and students see), as opposed to code, tests and tools."""
    return rel.endswith((".md", ".ipynb")) or rel.startswith("chapters/")


def apply(tree: Tree) -> None:
    """Write every planned change, all or nothing: new texts go to temporary files beside their targets
    first; then each replaces its target; a failure at any point restores every file already changed."""
    staged, done = [], []
    backup = {p: p.read_bytes() for p in tree.changes if p.is_file()}
    try:
        for path, text in tree.changes.items():
            if text is None:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".fork")
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            os.chmod(tmp, (path.stat().st_mode if path.exists() else 0o644) & 0o7777)
            staged.append((path, Path(tmp)))
        for path, tmp in staged:
            os.replace(tmp, path)
            done.append(path)
        for path, text in tree.changes.items():
            if text is None:
                path.unlink()
                done.append(path)
    except BaseException:
        for path in done:
            if path in backup:
                path.write_bytes(backup[path])
            else:
                path.unlink()
        for _, tmp in staged:
            if tmp.exists():
                tmp.unlink()
        raise


def fork(keep, root=ROOT, repo: str | None = None) -> list:
    """Plan, check and apply the fork; returns the list of changes made (SystemExit if it would break the book)."""
    tree, log = plan(keep, root, repo)
    before, after = set(problems(tree.root)), problems(tree)
    new = [p for p in after if p not in before]
    if new:
        raise SystemExit("the fork would leave the book inconsistent; nothing was changed:\n  " + "\n  ".join(new))
    apply(tree)
    return log


def main(argv) -> int:
    args, repo = list(argv), None
    if "--repo" in args:
        i = args.index("--repo")
        if i + 1 >= len(args):
            raise SystemExit("--repo needs a URL, e.g. --repo https://github.com/OWNER/NAME")
        repo = args[i + 1]
        del args[i:i + 2]
    if args[:1] == ["--check"] or (not args and repo is None):
        found = problems(ROOT) + [f"{p.relative_to(ROOT)} does not carry the repository URL of _config.yml "
                                  "(python3 tools/repo_url.py copies it)" for p in repo_url.planned(ROOT)]
        print("\n".join(found) or "toc, intro, ledger, links and repository URL are consistent")
        return 1 if found else 0
    bad = [a for a in args if not re.fullmatch(r"\d{1,2}", a)]
    if bad:
        raise SystemExit(f"chapters must be given as numbers such as 01 05 09; got {' '.join(bad)}")
    gone = {no: stem for no, stem in chapters(ROOT).items() if args and no not in {a.zfill(2) for a in args}}
    tree, log = plan(args, ROOT, repo)
    before, after = set(problems(ROOT)), problems(tree)
    new = [p for p in after if p not in before]
    if new:
        print("The fork would leave the book inconsistent; nothing was changed:", *new, sep="\n  ")
        return 1
    remaining = mentions(tree, gone)
    apply(tree)
    for line in log:
        print(line)
    readers = [hit for hit in remaining if _for_readers(hit[0])]
    for title, hits in ((f"{len(readers)} remaining mention(s) of removed chapters in what readers see; reword each:",
                         readers),
                        ("...and in code, tests and benchmarks (docstrings and comments):",
                         [hit for hit in remaining if not _for_readers(hit[0])])):
        if hits:
            print("\n" + title)
            for path, no, line in hits:
                print(f"  {path}:{no}: {line[:160]}")
    print("\nNext: make test && make book, then commit." if not after else "\n".join(["PROBLEM: " + p for p in after]))
    return 1 if after else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
