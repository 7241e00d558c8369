"""The book's repository URL: written once, in _config.yml, and copied from there.

    python3 tools/repo_url.py            # copy the URL of _config.yml wherever it is used; print what changed
    python3 tools/repo_url.py --check    # exit 1 if a copy differs (changes nothing)
    python3 tools/fork.py --repo URL     # set a new URL (a course's own repository) and copy it

``repository: url:`` in _config.yml is the one place the address is written. Jupyter Book reads it at build
time for the launch (Binder, Colab), repository and issue buttons. A notebook cannot ask Colab where it was
opened from, so each chapter's first cell, which installs rnnlab on Colab, carries a copy of the URL; so do
the student copies and the README's "Open it online" block. This script writes those copies; `make book`,
`make test` and `make execute` run it first, so editing _config.yml is enough. Standard library only.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTALL = re.compile(r"(rnnlab @ git\+)([^\s\"'\\]+)")          # the Colab cell: %pip install "rnnlab @ git+URL"
URL = re.compile(r"^https?://[^/\s]+(/[^/\s]+){2,}$")
README_BLOCK = re.compile(r"(<!-- repository: .*?-->\n)(.*?)(<!-- /repository -->)", re.S)


def _disk(path: Path):
    return path.read_text(encoding="utf-8") if path.is_file() else None


def config(root: Path = ROOT, read=_disk) -> tuple:
    """``(url, branch)`` from the ``repository:`` section of _config.yml."""
    text = read(root / "_config.yml")
    section = re.search(r"^repository:\s*\n((?:[ \t]+.*\n?)+)", text, re.M)
    if not section:
        raise SystemExit("_config.yml has no `repository:` section with `url:`")
    url = re.search(r"^\s+url:\s*(\S+)", section.group(1), re.M)
    branch = re.search(r"^\s+branch:\s*(\S+)", section.group(1), re.M)
    if not url:
        raise SystemExit("_config.yml: the `repository:` section has no `url:`")
    return url.group(1).strip("'\""), (branch.group(1).strip("'\"") if branch else "main")


def check_url(url: str) -> str:
    """The URL without a trailing slash or .git; SystemExit naming it if it is not https://host/owner/name."""
    if not isinstance(url, str) or not URL.match(url.strip().rstrip("/")):
        raise SystemExit(f"--repo must be a repository URL such as https://github.com/OWNER/NAME; got {url!r}")
    url = url.strip().rstrip("/")
    return url[:-4] if url.endswith(".git") else url


def set_config(text: str, url: str) -> str:
    """_config.yml's text with ``repository: url:`` set to ``url``."""
    def repl(m):
        return re.sub(r"^(\s+url:\s*)\S+", lambda u: u.group(1) + url, m.group(0), count=1, flags=re.M)
    return re.sub(r"^repository:\s*\n(?:[ \t]+.*\n?)+", repl, text, count=1, flags=re.M)


def readme_block(url: str, branch: str, first: str | None) -> str:
    lines = [f"- the repository: <{url}> (`git clone {url}`)"]
    if url.startswith("https://github.com/"):
        slug = url[len("https://github.com/"):]
        lines.append(f"- Binder (JupyterLab in the browser, nothing to install): "
                     f"<https://mybinder.org/v2/gh/{slug}/{branch}?urlpath=lab/tree/chapters>")
        if first:
            lines.append(f"- Colab, one chapter at a time: "
                         f"<https://colab.research.google.com/github/{slug}/blob/{branch}/chapters/{first}> "
                         f"(change the file name for another chapter)")
    lines.append(f"- install the package with its stored results anywhere: `pip install \"rnnlab @ git+{url}\"`")
    return "\n".join(lines) + "\n"


def targets(root: Path) -> list:
    """Files that carry a copy of the URL: chapter sources and notebooks, student copies, the README."""
    chapters = sorted((root / "chapters").glob("[0-9][0-9]-*.ipynb"))
    sources = sorted((root / "chapters" / "_src").glob("[0-9][0-9]-*.py"))
    clean = sorted((root / "clean").glob("[0-9][0-9]-*.ipynb"))
    return chapters + sources + clean + [root / "README.md"]


def planned(root: Path = ROOT, url: str | None = None, read=_disk) -> dict:
    """{path: new text} for every file whose copy of the URL differs from ``url`` (default: _config.yml's).

    ``read(path)`` gives a file's text or None (tools/fork.py passes the tree it plans); nothing is written.
    """
    cfg_url, branch = config(root, read)
    url = cfg_url if url is None else url
    out = {}
    first = next((p.name for p in sorted((root / "chapters").glob("[0-9][0-9]-*.ipynb")) if read(p) is not None), None)
    for path in targets(root):
        text = read(path)
        if text is None:
            continue
        new = INSTALL.sub(lambda m: m.group(1) + url, text)
        if path.name == "README.md":
            new = README_BLOCK.sub(lambda m: m.group(1) + readme_block(url, branch, first) + m.group(3), new)
        if new != text:
            out[path] = new
    if url != cfg_url:
        cfg = root / "_config.yml"
        out[cfg] = set_config(read(cfg), url)
    return out


def main(argv) -> int:
    changes = planned(ROOT)
    if "--check" in argv:
        for path in changes:
            print(f"{path.relative_to(ROOT)} does not carry the repository URL of _config.yml: run python3 tools/repo_url.py")
        return 1 if changes else 0
    for path, text in changes.items():
        path.write_text(text, encoding="utf-8")
        print(f"repository URL of _config.yml copied into {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
