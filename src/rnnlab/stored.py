"""Where the stored results are: the repository's ``results/``, or the copy installed with rnnlab.

    from rnnlab import stored
    RESULTS = stored.path("stacked")     # prints which copy it uses

A stored result is a grid folder ``results/NAME/`` or a single result ``results/NAME.json`` (with its
``.npz``), made by ``python -m rnnlab.grids NAME --out results/NAME`` in the repository. The rnnlab
wheel carries a copy of everything that is in ``results/`` when it is built, as ``rnnlab/_results/``
(pyproject.toml, ``force-include``), so a chapter runs wherever rnnlab is installed: Colab, Binder, a
student copy in an empty folder. :func:`path` looks in one place, the first of:

1. the repository's ``results/``, when rnnlab is imported from a source checkout (``src/rnnlab``
   beside ``results/``: ``pip install -e .``, which ``make`` and Binder do);
2. the copy installed with the package (``pip install`` of the wheel or of the repository's URL).

It never falls back from the first to the second: in a checkout, a result missing from ``results/``
is an error that names the command that makes it.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
INSTALLED = PACKAGE / "_results"
REPOSITORY = "the repository's results/"
PACKAGED = "the copy installed with rnnlab"


def _checkout_results() -> Path | None:
    """``<checkout>/results`` when this package is ``<checkout>/src/rnnlab`` of a source checkout."""
    checkout = PACKAGE.parent.parent
    if PACKAGE.parent.name == "src" and (checkout / "pyproject.toml").is_file() and (checkout / "results").is_dir():
        return checkout / "results"
    return None


def source() -> tuple[Path, str]:
    """``(folder, which)``: the results folder in use and a few words saying which copy it is."""
    repo = _checkout_results()
    if repo is not None:
        return repo, REPOSITORY
    if INSTALLED.is_dir():
        return INSTALLED, PACKAGED
    raise FileNotFoundError(
        "no stored results: rnnlab is neither a source checkout with results/ nor installed with its copy of "
        "them; install it from the book's repository (pip install \"rnnlab @ git+URL\") or its wheel")


def names() -> list:
    """The names of the stored results available, sorted: grid folders and single results alike."""
    folder, _ = source()
    found = {p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    found |= {p.stem for p in folder.glob("*.json")}
    return sorted(found)


def path(name: str, *, quiet: bool = False) -> Path:
    """The stored result ``name``: ``<results>/name`` (a grid folder, or the stem of a single result).

    Prints which copy it is read from unless ``quiet``. Raises ``TypeError`` if ``name`` is not a
    string and ``ValueError`` if no stored result has that name (the message lists those that do).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str naming a stored result; got {type(name).__name__} {name!r}")
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"name must be a plain name such as 'stacked'; got {name!r}")
    folder, which = source()
    found = folder / name
    if not (found.is_dir() or found.with_name(name + ".json").is_file()):
        raise ValueError(f"name must be a stored result in {which} ({', '.join(names())}); got {name!r} "
                         "(`python -m rnnlab.grids --help` lists the commands that make them)")
    if not quiet:
        print(f"stored result {name!r}: {which}" + (f"{name}" if which == REPOSITORY else ""))
    return found
