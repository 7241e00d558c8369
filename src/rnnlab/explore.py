"""Explorers: a figure with a few discrete controls, for the website and for JupyterLab.

    ex = Explorer(compute, controls={"gain": (0.5, 1.0, 1.5), "act": ("tanh", "relu")},
                  defaults={"gain": 1.0, "act": "tanh"}, xlabel="step t", ylabel="|c_t|")
    ex.display()

``compute(**values)`` is a pure function of one value per control and returns
``{label: series}``, where a series is ``(x, y)``, ``(x, y, lo, hi)`` (a band from
lo to hi around y) or a dict with keys x, y and optionally lo, hi, dash, color.

Two front ends draw the same SVG (see :mod:`rnnlab._explore_svg`):

* **kernel-free** (:meth:`Explorer.html`): every combination of the control values
  is computed once, rounded to 4 significant digits and embedded as JSON in a
  self-contained HTML + inline-JS widget (no external script; element ids unique
  per explorer, so several can share a page). This is what the website shows.
* **live** (:meth:`Explorer.widget`): ipywidgets controls; each change calls
  ``compute`` again and replaces the SVG of an ``ipywidgets.HTML`` in place
  (no image encoding, a few ms on top of ``compute``). Its axes are those of the
  page when all combinations have been computed in this kernel (``html()`` or
  ``frames()``) or fixed by ``xlim``/``ylim``; otherwise each view is rescaled.

:meth:`Explorer.display` shows the live version only when ipywidgets imports, the
code runs in a Jupyter kernel and the environment variable ``RNNLAB_LIVE`` is
``1`` (``make lab`` sets it); everywhere else, including when a chapter is executed
for the book, it shows the kernel-free version, so stored outputs never hold widgets.
"""
from __future__ import annotations

import hashlib
import html as _html
import itertools
import json
import math
import os
import time
from numbers import Real

import numpy as np

from . import _explore_svg as svg

MAX_FRAMES = 2000            # combinations precomputed for the kernel-free version
MAX_BYTES = 2_000_000        # size limit of the embedded data
_USED_IDS: set = set()       # element ids handed out in this process


def _is_number(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, (bool, np.bool_))


def _fmt(v) -> str:
    return f"{v:g}" if _is_number(v) else str(v)


def _round(a) -> list:
    """Values to 4 significant digits; NaN and inf become None (a gap in the line)."""
    return [float(f"{v:.4g}") if math.isfinite(v) else None for v in np.asarray(a, dtype=float).tolist()]


def live_requested() -> bool:
    """True when the live version should be shown: RNNLAB_LIVE=1, ipywidgets importable, inside a kernel."""
    if os.environ.get("RNNLAB_LIVE", "").strip().lower() not in ("1", "true", "yes"):
        return False
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class Explorer:
    """An explorer of ``compute`` over the product of discrete ``controls`` (see the module docstring).

    Parameters: ``controls`` maps a keyword of ``compute`` to a non-empty tuple of values
    (numbers give a slider, anything else a drop-down); ``defaults`` picks the first view
    (a missing control starts at its first value); ``xlim``/``ylim`` fix an axis range, the
    default is one range over all combinations (so a change of control is a visible change
    of the curve) and ``"auto"`` rescales each combination; ``ylog`` uses a log10 y axis
    (values <= 0 are left out).
    """

    def __init__(self, compute, controls, defaults=None, *, xlabel="", ylabel="", title="",
                 ylog=False, xlim=None, ylim=None):
        if not callable(compute):
            raise TypeError(f"compute must be callable; got {type(compute).__name__}")
        if not isinstance(controls, dict) or not controls:
            raise TypeError(f"controls must be a non-empty dict of name -> tuple of values; got {controls!r}")
        self.compute, self.controls = compute, {}
        for name, values in controls.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"controls keys must be keyword names; got {name!r}")
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                raise TypeError(f"controls[{name!r}] must be a tuple of values; got {values!r}")
            values = tuple(values)
            if not values or len(set(map(_fmt, values))) != len(values):
                raise ValueError(f"controls[{name!r}] must hold distinct values; got {values!r}")
            self.controls[name] = values
        defaults = dict(defaults or {})
        unknown = set(defaults) - set(self.controls)
        if unknown:
            raise ValueError(f"defaults names unknown controls {sorted(unknown)}; controls are {list(self.controls)}")
        self.defaults = {}
        for name, values in self.controls.items():
            v = defaults.get(name, values[0])
            if v not in values:
                raise ValueError(f"defaults[{name!r}] = {v!r} is not one of {values!r}")
            self.defaults[name] = v
        for name, lim in (("xlim", xlim), ("ylim", ylim)):
            if lim is not None and lim != "auto" and not (
                    len(lim) == 2 and all(_is_number(v) and math.isfinite(v) for v in lim) and lim[0] < lim[1]):
                raise ValueError(f"{name} must be None, 'auto' or (lo, hi) with lo < hi; got {lim!r}")
        self.xlabel, self.ylabel, self.title = str(xlabel), str(ylabel), str(title)
        self.ylog, self.xlim, self.ylim = bool(ylog), xlim, ylim
        self.styles = svg.Styles()
        self._frames = None
        self._global_axes = None
        self._html = None
        self.last_update_s = None

    # -- data ---------------------------------------------------------------------------------
    def frame(self, **values) -> list:
        """``compute(**values)`` checked and rounded: a list of series dicts (label, x, y, lo, hi)."""
        out = self.compute(**values)
        if not isinstance(out, dict) or not out:
            raise TypeError(f"compute must return a non-empty dict of label -> series; got {type(out).__name__}")
        series = []
        for label, s in out.items():
            if isinstance(s, dict):
                x, y, lo, hi = s.get("x"), s.get("y"), s.get("lo"), s.get("hi")
                style = {"dash": bool(s.get("dash", False)), "color": s.get("color")}
            elif isinstance(s, (tuple, list)) and len(s) in (2, 4):
                x, y, lo, hi = (tuple(s) + (None, None))[:4]
                style = {"dash": False, "color": None}
            else:
                raise TypeError(f"series {label!r} must be (x, y), (x, y, lo, hi) or a dict; got {type(s).__name__}")
            arrays = [np.asarray(a, dtype=float) for a in (x, y, lo, hi) if a is not None]
            if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1 or (lo is None) != (hi is None):
                raise ValueError(f"series {label!r} needs 1-D x, y (and lo, hi) of one length; got shapes "
                                 f"{[a.shape for a in arrays]}")
            if not np.all(np.isfinite(arrays[0])):
                raise ValueError(f"series {label!r} has non-finite x values")
            if self.ylog:
                arrays = arrays[:1] + [np.where(a > 0, a, np.nan) for a in arrays[1:]]
            rounded = [_round(a) for a in arrays]
            band = rounded[2:] if lo is not None else [None, None]
            series.append({"k": self.styles.index(str(label), **style), "x": rounded[0], "y": rounded[1],
                           "lo": band[0], "hi": band[1]})
        return series

    def frames(self) -> list:
        """Every combination's :meth:`frame`, in ``itertools.product`` order of the controls (cached)."""
        if self._frames is None:
            n = math.prod(len(v) for v in self.controls.values())
            if n > MAX_FRAMES:
                raise ValueError(f"controls give {n} combinations, more than MAX_FRAMES = {MAX_FRAMES}; use fewer values")
            names = list(self.controls)
            self._frames = [self.frame(**dict(zip(names, combo)))
                            for combo in itertools.product(*self.controls.values())]
        return self._frames

    def _axes_for(self, series_lists) -> dict:
        return svg.axes(series_lists, self.xlim, self.ylim, self.ylog)

    # -- kernel-free version ------------------------------------------------------------------
    def html(self) -> str:
        """The self-contained HTML + inline JS explorer (all combinations precomputed)."""
        if self._html is not None:
            return self._html
        frames = self.frames()
        xs, xindex, packed, axes_list, axes_index = [], {}, [], [], {}
        global_axes = None if "auto" in (self.xlim, self.ylim) else self._axes_for(frames)
        for fr in frames:
            ax = global_axes if global_axes is not None else self._axes_for([fr])
            key = json.dumps(ax, sort_keys=True)
            if key not in axes_index:
                axes_index[key] = len(axes_list)
                axes_list.append(ax)
            rows = []
            for s in fr:
                xk = json.dumps(s["x"])
                if xk not in xindex:
                    xindex[xk] = len(xs)
                    xs.append(s["x"])
                rows.append([s["k"], xindex[xk], s["y"], s["lo"], s["hi"]])
            packed.append({"a": axes_index[key], "s": rows})
        data = {"n": [len(v) for v in self.controls.values()], "styles": self.styles.table(), "xs": xs,
                "axes": axes_list, "frames": packed, "ylog": self.ylog,
                "labels": [_html.escape(self.xlabel), _html.escape(self.ylabel)]}
        payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
        if len(payload) > MAX_BYTES:
            raise ValueError(f"the explorer data take {len(payload)} bytes, more than {MAX_BYTES}; use fewer values")
        uid = "rnnx-" + hashlib.sha1((payload + self.title).encode()).hexdigest()[:10]
        base, k = uid, 2
        while uid in _USED_IDS:
            uid, k = f"{base}-{k}", k + 1
        _USED_IDS.add(uid)
        controls = []
        for i, (name, values) in enumerate(self.controls.items()):
            j = values.index(self.defaults[name])
            labels = [_html.escape(_fmt(v)) for v in values]
            if all(_is_number(v) for v in values):
                raw = _html.escape(json.dumps([_fmt(v) for v in values]))
                widget = (f'<input type="range" data-i="{i}" min="0" max="{len(values) - 1}" step="1" value="{j}" '
                          f'aria-label="{_html.escape(name)}" data-labels="{raw}">'
                          f'<output>{labels[j]}</output>')
            else:
                opts = "".join(f'<option value="{m}"{" selected" if m == j else ""}>{lab}</option>'
                               for m, lab in enumerate(labels))
                widget = f'<select data-i="{i}" aria-label="{_html.escape(name)}">{opts}</select>'
            controls.append(f'<label class="rnnx-control">{_html.escape(name)} {widget}</label>')
        names = list(self.controls)
        start = int(np.ravel_multi_index([self.controls[n].index(self.defaults[n]) for n in names], data["n"]))
        first = svg.render(packed[start]["s"], axes_list[packed[start]["a"]], data, self._aria())
        title = f'<div class="rnnx-title" style="font-weight:600">{_html.escape(self.title)}</div>' if self.title else ""
        self._html = svg.PAGE.format(uid=uid, title=title, controls="".join(controls), first=first,
                                     js=svg.JS.replace("__DATA__", payload).replace("__UID__", uid))
        return self._html

    def _aria(self) -> str:
        what = f"{self.ylabel or 'y'} against {self.xlabel or 'x'}"
        return f"{self.title}: {what}" if self.title else what

    def _repr_html_(self) -> str:
        return self.html()

    # -- live version -------------------------------------------------------------------------
    def widget(self):
        """The live ipywidgets version (needs ipywidgets); changes call ``compute`` and redraw in place."""
        import ipywidgets as w

        self._inputs, self._quiet = {}, False
        for name, values in self.controls.items():
            opts = [(_fmt(v), v) for v in values]
            cls = w.SelectionSlider if all(_is_number(v) for v in values) else w.Dropdown
            self._inputs[name] = cls(options=opts, value=self.defaults[name], description=name,
                                     style={"description_width": "initial"})
            self._inputs[name].observe(self._changed, names="value")
        self._plot = w.HTML()
        head = [w.HTML(f"<b>{_html.escape(self.title)}</b>")] if self.title else []
        self.update()
        return w.VBox(head + [w.HBox(list(self._inputs.values()), layout=w.Layout(flex_flow="row wrap")),
                              self._plot])

    def _changed(self, change) -> None:
        if not self._quiet:
            self.update()

    def update(self, **values) -> float:
        """Set the live controls to ``values`` (others unchanged), recompute and redraw; seconds taken.

        Call :meth:`widget` first. The time covers setting the controls, ``compute``, the SVG
        and the assignment to the output widget (which sends it to the browser in a kernel).
        """
        start = time.perf_counter()
        if not hasattr(self, "_inputs"):
            raise ValueError("update needs the live widget: call widget() (or display(live=True)) first")
        unknown = set(values) - set(self._inputs)
        if unknown:
            raise ValueError(f"unknown controls {sorted(unknown)}; controls are {list(self.controls)}")
        self._quiet = True
        try:
            for name, v in values.items():
                if v not in self.controls[name]:
                    raise ValueError(f"{name} must be one of {self.controls[name]!r}; got {v!r}")
                self._inputs[name].value = v
        finally:
            self._quiet = False
        current = {n: c.value for n, c in self._inputs.items()}
        fr = self.frame(**current)
        if self._frames is not None and "auto" not in (self.xlim, self.ylim):
            if self._global_axes is None:                  # one range for all combinations, as on the page
                self._global_axes = self._axes_for(self._frames)
            ax = self._global_axes
        else:                                              # explicit limits, or each combination rescaled
            ax = self._axes_for([fr])
        rows = [[s["k"], s["x"], s["y"], s["lo"], s["hi"]] for s in fr]
        data = {"styles": self.styles.table(), "xs": None, "ylog": self.ylog,
                "labels": [_html.escape(self.xlabel), _html.escape(self.ylabel)]}
        self._plot.value = svg.render(rows, ax, data, self._aria())
        self.last_update_s = time.perf_counter() - start
        return self.last_update_s

    def display(self, live=None) -> None:
        """Show the live version if :func:`live_requested` (or ``live=True``), else the kernel-free one."""
        from IPython.display import display

        if live if live is not None else live_requested():
            display(self.widget())
        else:
            from IPython import get_ipython

            text = f"Explorer: {self._aria()} over {', '.join(self.controls)} (open the book page to use it)"
            if get_ipython() is None:                      # a plain Python session: no HTML to show
                print(text)
                return
            display({"text/html": self.html(), "text/plain": text}, raw=True)
