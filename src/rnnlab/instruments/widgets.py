"""The eigenvalue explorer: gradient norm against lag, for a chosen spectral radius, length and activation.

Two front ends share one back end, :func:`explorer_curves`, which measures

    log10 || dh_T / dh_{T-k} ||_2 ,   k = 0 .. T-1,

for an RNN ``h_t = f(x_t W_x + h_{t-1} W_h)`` whose W_h is a Gaussian matrix
rescaled to spectral radius ``radius`` (one matrix per seed), with the
Jacobians taken from the layer's own backward pass
(:func:`rnnlab.instruments.spectral.jacobian_norms`).

* :class:`LiveExplorer` -- ipywidgets sliders in JupyterLab; every change recomputes
  the curves (tens of ms) and redraws the figure in place as an SVG (rnnlab.explore's renderer).
* :func:`eigen_explorer` -- the same curves as an :class:`rnnlab.explore.Explorer`
  (kernel-free page and live widget from one call, ``display()``).
* :func:`precompute_grid` + :func:`explorer_html` -- a kernel-free version for the
  website: the same curves on a grid, embedded as JSON in a small self-contained
  HTML/JS page (an SVG plot driven by plain HTML sliders; no external scripts).
"""
from __future__ import annotations

import hashlib
import json
import time

import numpy as np

from .. import _checks
from . import spectral

ACTS = ("tanh", "sigmoid", "relu", "identity")
LOG_FLOOR, LOG_CEIL = -12.0, 12.0   # log10 range shown; values beyond are clipped to it


def explorer_curves(act, radii, T, *, hidden_size=16, input_size=4, seeds=(0, 1, 2), input_scale=1.0):
    """log10 ||dh_T/dh_{T-k}||_2 for every radius and seed: array (R, S, T), lag k on the last axis.

    The models are those of :func:`rnnlab.instruments.spectral.rnn_sweep` with ``by="radius"`` and a
    Gaussian W_h: seed s draws G ~ N(0, 1/H) and W_h = r G / rho(G), so rho(W_h) = r exactly;
    the same seed gives the same G, W_x and inputs for every radius.
    Overflow gives +inf, exact zeros -inf; both are clipped to [LOG_FLOOR, LOG_CEIL].
    """
    if act not in ACTS:
        raise ValueError(f"act must be one of {list(ACTS)}; got {act!r}")
    radii = np.atleast_1d(np.asarray(radii, dtype=float))
    if radii.ndim != 1 or radii.size == 0 or not np.all(np.isfinite(radii)) or np.any(radii <= 0):
        raise ValueError(f"radii must be positive finite numbers; got {radii!r}")
    T = _checks.positive_int("T", T)
    if T < 2:
        raise ValueError(f"T must be at least 2; got {T}")
    H = _checks.positive_int("hidden_size", hidden_size)
    D = _checks.positive_int("input_size", input_size)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of integers; got {seeds!r}")
    norms = spectral.rnn_sweep(act, radii, T, by="radius", W_h_init="gaussian", hidden_size=H, input_size=D,
                               seeds=seeds, input_scale=input_scale)["h"]          # (T, R, S)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(norms)                                            # (T, R, S)
    logs = np.where(np.isnan(logs), LOG_CEIL, logs)
    return np.moveaxis(np.clip(logs, LOG_FLOOR, LOG_CEIL), 0, -1)     # (R, S, T)


def precompute_grid(acts=ACTS, radii=(0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0), Ts=(10, 25, 50, 100), **kwargs):
    """The explorer's data: ``curves[act][j]`` is (R, S, Ts[j]) from :func:`explorer_curves`.

    Returns a dict with keys "acts", "radii", "Ts", "seeds", "curves" (and the kwargs used).
    """
    acts = list(acts)
    for a in acts:
        if a not in ACTS:
            raise ValueError(f"acts must hold names from {list(ACTS)}; got {a!r}")
    Ts = [_checks.positive_int("Ts", int(t)) for t in Ts]
    if not acts or not Ts:
        raise ValueError(f"acts and Ts must be non-empty; got acts={acts!r}, Ts={Ts!r}")
    radii = [float(r) for r in radii]
    curves = {a: [explorer_curves(a, radii, T, **kwargs) for T in Ts] for a in acts}
    seeds = list(kwargs.get("seeds", (0, 1, 2)))
    return {"acts": acts, "radii": radii, "Ts": Ts, "seeds": seeds, "curves": curves, "options": dict(kwargs)}


def _summary(curves):
    """(R, S, T) log10 norms -> median, min, max over seeds, each (R, T), rounded to 0.01."""
    return [np.round(f(curves, axis=1), 2).tolist() for f in (np.median, np.min, np.max)]


_TEMPLATE = """<div id="{uid}" style="font-family:sans-serif;font-size:13px;max-width:600px">
<div style="display:flex;gap:14px;flex-wrap:wrap;align-items:center">
<label>activation <select data-k="act">{options}</select></label>
<label>spectral radius &rho;(W) <input data-k="r" type="range" min="0" max="{rmax}" step="1" value="{r0}"></label>
<span data-k="rv"></span>
<label>length T <input data-k="t" type="range" min="0" max="{tmax}" step="1" value="{t0}"></label>
<span data-k="tv"></span>
</div>
<svg data-k="svg" viewBox="0 0 560 300" width="100%" role="img"
 aria-label="Gradient norm against lag for the chosen activation, spectral radius and length"></svg>
<div style="color:#555">Solid: median over {nseeds} random matrices; band: min to max. Dashed: &rho;<sup>k</sup>, the linear prediction. Computed by rnnlab.instruments.widgets.</div>
</div>
<script>
(function() {{
var D = {data};
var root = document.getElementById("{uid}");
var q = function(k) {{ return root.querySelector('[data-k="' + k + '"]'); }};
var NS = "http://www.w3.org/2000/svg", L = 50, R = 545, TOP = 10, BOT = 265, lo = {lo}, hi = {hi};
function el(name, attrs, text) {{
  var e = document.createElementNS(NS, name);
  for (var a in attrs) e.setAttribute(a, attrs[a]);
  if (text !== undefined) e.textContent = text;
  return e;
}}
function draw() {{
  var a = q("act").value, i = +q("r").value, j = +q("t").value, T = D.Ts[j], r = D.radii[i];
  q("rv").textContent = r.toFixed(2); q("tv").textContent = T;
  var svg = q("svg"); while (svg.firstChild) svg.removeChild(svg.firstChild);
  var X = function(k) {{ return L + (R - L) * k / (T - 1); }};
  var Y = function(v) {{ v = Math.max(lo, Math.min(hi, v)); return BOT - (BOT - TOP) * (v - lo) / (hi - lo); }};
  for (var e = lo; e <= hi; e += 3) {{
    svg.appendChild(el("line", {{x1: L, x2: R, y1: Y(e), y2: Y(e), stroke: "#ddd"}}));
    svg.appendChild(el("text", {{x: L - 6, y: Y(e) + 4, "text-anchor": "end", "font-size": 11}}, "1e" + e));
  }}
  svg.appendChild(el("text", {{x: (L + R) / 2, y: 295, "text-anchor": "middle", "font-size": 12}}, "lag k = T - t"));
  svg.appendChild(el("text", {{x: 12, y: 140, "font-size": 12, transform: "rotate(-90 12 140)", "text-anchor": "middle"}}, "||dh_T/dh_t||"));
  for (var k = 0; k < T; k += Math.max(1, Math.round(T / 5))) {{
    svg.appendChild(el("text", {{x: X(k), y: BOT + 14, "text-anchor": "middle", "font-size": 11}}, k));
  }}
  var c = D.curves[a][j], med = c[0][i], mn = c[1][i], mx = c[2][i], pts = [], band = [];
  for (var k = 0; k < T; k++) {{ pts.push(X(k) + "," + Y(med[k])); band.push(X(k) + "," + Y(mx[k])); }}
  for (var k = T - 1; k >= 0; k--) band.push(X(k) + "," + Y(mn[k]));
  var ref = [];
  for (var k = 0; k < T; k++) ref.push(X(k) + "," + Y(k * Math.log10(r)));
  svg.appendChild(el("polygon", {{points: band.join(" "), fill: D.colors[a], "fill-opacity": 0.2}}));
  svg.appendChild(el("polyline", {{points: ref.join(" "), fill: "none", stroke: "#000", "stroke-dasharray": "5,4"}}));
  svg.appendChild(el("polyline", {{points: pts.join(" "), fill: "none", stroke: D.colors[a], "stroke-width": 2}}));
}}
["act", "r", "t"].forEach(function(k) {{ q(k).addEventListener("input", draw); }});
draw();
}})();
</script>"""


def explorer_html(grid) -> str:
    """A self-contained HTML/JS explorer (no kernel, no external scripts) for a :func:`precompute_grid` result.

    The element id is a hash of the data, so the same grid gives the same HTML.
    """
    from .. import plotting

    if not isinstance(grid, dict) or not {"acts", "radii", "Ts", "curves"} <= set(grid):
        raise ValueError(f"grid must be a dict from precompute_grid; got {type(grid).__name__}")
    data = {"radii": grid["radii"], "Ts": grid["Ts"],
            "colors": {a: plotting.color(a) for a in grid["acts"]},
            "curves": {a: [_summary(c) for c in grid["curves"][a]] for a in grid["acts"]}}
    payload = json.dumps(data, separators=(",", ":"))
    uid = "eigx-" + hashlib.sha1(payload.encode()).hexdigest()[:10]
    options = "".join(f'<option value="{a}">{a}</option>' for a in grid["acts"])
    r0 = int(np.argmin(np.abs(np.asarray(grid["radii"]) - 1.0)))
    return _TEMPLATE.format(uid=uid, options=options, rmax=len(grid["radii"]) - 1, r0=r0,
                            tmax=len(grid["Ts"]) - 1, t0=len(grid["Ts"]) - 1, nseeds=len(grid.get("seeds", [])) or "several",
                            data=payload, lo=int(LOG_FLOOR), hi=int(LOG_CEIL))


class LiveExplorer:
    """The live version for JupyterLab: sliders for radius and T, a dropdown for the activation.

    ``LiveExplorer().widget`` is an ipywidgets box; display it in a notebook cell.
    :meth:`update` recomputes the curves with :func:`explorer_curves` and updates the
    plot data; :meth:`show` then redraws the figure in place as an SVG. A slider move takes
    tens of ms from key press to new figure in JupyterLab (benchmarks/bench_explore_lab.py
    --widget live); :func:`eigen_explorer` is the same explorer on :mod:`rnnlab.explore`.
    """

    def __init__(self, *, radius=1.0, T=50, act="tanh", **kwargs):
        import ipywidgets as w
        import matplotlib.pyplot as plt

        self.kwargs = kwargs
        self.radius = w.FloatSlider(value=radius, min=0.2, max=2.0, step=0.05, description="rho(W)")
        self.T = w.IntSlider(value=T, min=5, max=150, step=5, description="T")
        self.act = w.Dropdown(options=list(ACTS), value=act, description="activation")
        self.out = w.HTML()                       # the figure, redrawn in place as SVG (see show)
        with plt.ioff():
            self.fig, self.ax = plt.subplots(figsize=(6, 3.2))
        self.ax.set_xlabel("lag k = T - t")
        self.ax.set_ylabel("log10 ||dh_T/dh_t||")
        self.ax.set_ylim(LOG_FLOOR, LOG_CEIL)
        self.med, = self.ax.plot([], [], lw=2)
        self.ref, = self.ax.plot([], [], "k--", lw=1, label="linear prediction k log10 rho")
        self.band = None
        self.ax.legend(loc="upper left")
        for s in (self.radius, self.T, self.act):
            s.observe(lambda change: self.show(), names="value")
        self.widget = w.VBox([w.HBox([self.act, self.radius, self.T]), self.out])
        self.show()

    def update(self) -> float:
        """Recompute the curves for the current slider values and update the figure; seconds taken."""
        from .. import plotting

        start = time.perf_counter()
        r, T, a = float(self.radius.value), int(self.T.value), self.act.value
        logs = explorer_curves(a, [r], T, **self.kwargs)[0]                # (S, T)
        k = np.arange(T)
        self.med.set_data(k, np.median(logs, axis=0))
        self.med.set_color(plotting.color(a))
        self.ref.set_data(k, k * np.log10(r))
        if self.band is not None:
            self.band.remove()
        self.band = self.ax.fill_between(k, logs.min(axis=0), logs.max(axis=0), color=plotting.color(a), alpha=0.2)
        self._band_data = (logs.min(axis=0), logs.max(axis=0))             # (T,) each, log10
        self.ax.set_xlim(0, T - 1)
        self.ax.set_title(f"{a}, rho(W) = {r:.2f}, T = {T}")
        return time.perf_counter() - start

    def show(self) -> float:
        """:meth:`update`, then redraw the figure in place; returns the update's seconds.

        The figure shown is an SVG drawn by rnnlab.explore's renderer from the same curves
        (a few ms); the matplotlib figure only holds the data (re-encoding it as a PNG took
        100-500 ms per move, too slow for a slider).
        """
        from .. import _explore_svg as svg
        from ..explore import _round

        seconds = self.update()
        r, T, a = float(self.radius.value), int(self.T.value), self.act.value
        k = np.arange(T)                                                   # (T,)
        med, (lo, hi) = np.asarray(self.med.get_ydata(), dtype=float), self._band_data   # (T,) log10
        styles = svg.Styles()
        styles.index(a)
        styles.index("linear prediction rho^k", dash=True)
        lin = np.clip(k * np.log10(r), LOG_FLOOR, LOG_CEIL)
        rows = [[0, k.tolist(), _round(10.0 ** med), _round(10.0 ** lo), _round(10.0 ** hi)],
                [1, k.tolist(), _round(10.0 ** lin), None, None]]
        axes = svg.axes([], (0, max(T - 1, 1)), (10.0 ** LOG_FLOOR, 10.0 ** LOG_CEIL), True)
        data = {"styles": styles.table(), "xs": None, "ylog": True, "labels": ["lag k = T - t", "||dh_T/dh_t||"]}
        title = f"{a}, rho(W) = {r:.2f}, T = {T}"
        self.out.value = f"<div><b>{title}</b></div>" + svg.render(rows, axes, data, title)
        return seconds


def eigen_explorer(acts=ACTS, radii=(0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0), Ts=(10, 25, 50, 100), **kwargs):
    """The same explorer on :class:`rnnlab.explore.Explorer`: one front end for the page and for JupyterLab.

    Shows the median over seeds of ||dh_T/dh_{T-k}||_2 (from :func:`explorer_curves`) with
    its min-max band, and the linear prediction rho^k dashed. ``explorer.display()`` gives
    the kernel-free page, or live sliders redrawn in place under ``RNNLAB_LIVE=1``. The
    curves of one (activation, T) are computed for every radius at once and cached.
    """
    from functools import lru_cache

    from .. import explore

    radii = tuple(float(r) for r in radii)

    @lru_cache(maxsize=None)
    def curves(act, T):
        return 10.0 ** explorer_curves(act, radii, T, **kwargs)           # (R, S, T)

    def compute(act, radius, T):
        c = curves(act, int(T))[radii.index(radius)]                       # (S, T)
        k = np.arange(T)                                                   # (T,)
        return {act: (k, np.median(c, axis=0), c.min(axis=0), c.max(axis=0)),
                "linear prediction rho^k": {"x": k, "y": radius ** k.astype(float), "dash": True}}

    return explore.Explorer(compute, controls={"act": tuple(acts), "radius": radii, "T": tuple(int(t) for t in Ts)},
                            defaults={"act": "tanh", "radius": 1.0 if 1.0 in radii else radii[0], "T": int(Ts[-1])},
                            xlabel="lag k = T - t", ylabel="||dh_T/dh_t||", ylog=True, xlim="auto",
                            ylim=(10.0 ** LOG_FLOOR, 10.0 ** LOG_CEIL),
                            title="Gradient norm against lag (median over seeds, band: min to max)")
