"""One plot style for the whole book.

Colours come from the Okabe-Ito palette, which stays distinct under the common
forms of colour blindness. Each activation has one fixed colour everywhere in
the book, so a reader who learns "tanh is blue" can read every figure.
"""
from __future__ import annotations

import numpy as np

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}

ACTIVATION_COLORS = {
    "sigmoid": OKABE_ITO["orange"],
    "tanh": OKABE_ITO["blue"],
    "relu": OKABE_ITO["vermillion"],
    "leaky_relu": OKABE_ITO["purple"],
    "identity": OKABE_ITO["black"],
    "linear": OKABE_ITO["black"],
    "softplus": OKABE_ITO["green"],
    "clipped_relu": OKABE_ITO["sky"],
    "hard_tanh": OKABE_ITO["yellow"],
    "elu": OKABE_ITO["green"],           # shared with softplus: both are smooth relatives of ReLU
}
"""The colour of each activation, fixed across the book."""

_EXTRA = [OKABE_ITO[k] for k in ("sky", "green", "yellow", "orange", "purple", "blue", "vermillion")]


def color(name: str) -> str:
    """The book colour of an activation (or, for other names, a stable palette colour)."""
    key = str(name).split("(")[0]
    if key in ACTIVATION_COLORS:
        return ACTIVATION_COLORS[key]
    return _EXTRA[sum(map(ord, key)) % len(_EXTRA)]


def use_book_style() -> None:
    """Set matplotlib defaults for every figure in the book."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.figsize": (6.4, 3.6),
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "figure.constrained_layout.use": True,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "legend.fontsize": 10,
        "legend.frameon": False,
        "lines.linewidth": 1.8,
        "axes.prop_cycle": mpl.cycler(color=[OKABE_ITO[k] for k in ("blue", "vermillion", "orange", "green", "purple", "sky", "black")]),
        "image.cmap": "viridis",
    })


def spread(ax, x, runs, *, name: str, label: str | None = None, log: bool = False):
    """Median over runs as a line, with the band from the min to the max run.

    ``runs`` is (n_runs, len(x)); NaNs (e.g. diverged runs) are ignored per point.
    Every run counts: the band is the full range, not a chosen best.
    """
    runs = np.asarray(runs, dtype=float)
    if runs.ndim != 2 or runs.shape[1] != len(x):
        raise ValueError(f"runs must have shape (n_runs, {len(x)}); got {runs.shape}")
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med, lo, hi = np.nanmedian(runs, 0), np.nanmin(runs, 0), np.nanmax(runs, 0)
    c = color(name)
    line, = ax.plot(x, med, color=c, label=label or name)
    ax.fill_between(x, lo, hi, color=c, alpha=0.2, linewidth=0)
    if log:
        ax.set_yscale("log")
    return line
