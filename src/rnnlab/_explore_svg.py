"""The SVG drawing shared by the two front ends of :mod:`rnnlab.explore`.

:func:`render` (Python, used by the live widget and for the first view of the page) and
the ``body``/``legend`` functions in :data:`JS` (the kernel-free page) draw the same
markup from the same data: a row per series ``[style index, x (or index into xs), y, lo, hi]``
and an axes dict ``{x0, x1, y0, y1, xt, yt}`` whose ticks are ``[position, label]``
(positions in log10 units on a log axis). Data coordinates map linearly onto the plot
area [L, R] x [TOP, BOT] of a 480 x 300 viewBox; a nested <svg> clips the curves.
"""
from __future__ import annotations

import html as _html
import math

from . import plotting

L, R, TOP, BOT, W, H = 64, 468, 10, 244, 480, 300
PW, PH = R - L, BOT - TOP
_CYCLE = [plotting.OKABE_ITO[k] for k in ("black", "blue", "vermillion", "green", "orange", "purple", "sky")]


class Styles:
    """Label -> (colour, dash) table, grown as labels appear.

    An activation name ("tanh", "relu (bound 6)", ...) keeps its book colour; other labels take, in
    order of appearance, the palette colours that no activation label of this explorer uses.
    """

    def __init__(self):
        self.rows, self._index = [], {}

    def index(self, label: str, dash=False, color=None) -> int:
        if label not in self._index:
            self._index[label] = len(self.rows)
            self.rows.append({"l": _html.escape(label), "c": color, "d": bool(dash), "label": label})
        return self._index[label]

    def table(self) -> list:
        key = lambda lab: lab.strip().lower().replace("-", "_").split("(")[0].split(" ")[0]   # noqa: E731
        fixed = {r["label"]: r["c"] or plotting.ACTIVATION_COLORS.get(key(r["label"])) for r in self.rows}
        free = [c for c in _CYCLE if c not in set(fixed.values())] or _CYCLE
        out, n = [], 0
        for r in self.rows:
            c = fixed[r["label"]]
            if c is None:
                c, n = free[n % len(free)], n + 1
            out.append({"l": r["l"], "c": "currentColor" if str(c) == "#000000" else str(c), "d": r["d"]})  # dark mode
        return out


def _label(t: float) -> str:
    return f"{float(f'{t:.10g}') + 0.0:g}"


def _linear_ticks(lo, hi, fixed):
    if not hi > lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / 5
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    if not fixed:
        lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    first = math.ceil(lo / step - 1e-9)
    ticks = [i * step for i in range(first, math.floor(hi / step + 1e-9) + 1)]
    return lo, hi, [[float(f"{t:.10g}"), _label(t)] for t in ticks]


def _log_ticks(lo, hi, fixed):
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    if not fixed:
        lo, hi = math.floor(lo + 1e-9), math.ceil(hi - 1e-9)
    step = max(1, math.ceil((hi - lo) / 6))
    exps = [e for e in range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1) if e % step == 0]
    return lo, hi, [[e, f'10<tspan dy="-6" font-size="10">{e}</tspan>'] for e in exps]


def axes(frames, xlim, ylim, ylog) -> dict:
    """Axis ranges and ticks covering every series of every frame (or the fixed xlim / ylim)."""
    xs, ys = [], []
    for fr in frames:
        for s in fr:
            xs += [v for v in s["x"] if v is not None]
            for key in ("y", "lo", "hi"):
                ys += [v for v in (s[key] or []) if v is not None]
    if ylog:
        ys = [math.log10(v) for v in ys if v > 0]
    fixed_x, fixed_y = isinstance(xlim, (tuple, list)), isinstance(ylim, (tuple, list))
    x0, x1 = xlim if fixed_x else ((min(xs), max(xs)) if xs else (0.0, 1.0))
    if fixed_y:
        y0, y1 = (math.log10(ylim[0]), math.log10(ylim[1])) if ylog else ylim
    else:
        y0, y1 = (min(ys), max(ys)) if ys else (0.0, 1.0)
    x0, x1, xt = _linear_ticks(float(x0), float(x1), fixed_x)
    y0, y1, yt = (_log_ticks if ylog else _linear_ticks)(float(y0), float(y1), fixed_y)
    return {"x0": x0, "x1": x1, "y0": y0, "y1": y1, "xt": xt, "yt": yt}


def _path(xs, ys, X, Y) -> str:
    out, pen = [], "M"
    for x, y in zip(xs, ys):
        if y is None:
            pen = "M"
            continue
        out.append(f"{pen}{X(x):.1f},{Y(y):.1f}")
        pen = "L"
    return "".join(out)


def body(rows, ax, data) -> str:
    """The inside of the plot's <svg>: grid, ticks, axis labels, bands, lines."""
    ylog = data["ylog"]
    X = lambda v: PW * (v - ax["x0"]) / (ax["x1"] - ax["x0"])                       # noqa: E731

    def Y(v):
        v = math.log10(v) if ylog else v
        return min(11 * PH, max(-10 * PH, PH * (1 - (v - ax["y0"]) / (ax["y1"] - ax["y0"]))))

    out = []
    for pos, lab in ax["yt"]:
        y = TOP + PH * (1 - (pos - ax["y0"]) / (ax["y1"] - ax["y0"]))
        out.append(f'<line x1="{L}" x2="{R}" y1="{y:.1f}" y2="{y:.1f}" stroke="currentColor" stroke-opacity="0.18"/>'
                   f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="13" fill="currentColor">{lab}</text>')
    for pos, lab in ax["xt"]:
        x = L + X(pos)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{BOT}" stroke="currentColor" stroke-opacity="0.1"/>'
                   f'<text x="{x:.1f}" y="{BOT + 18}" text-anchor="middle" font-size="13" fill="currentColor">{lab}</text>')
    xl, yl = data["labels"]
    out.append(f'<line x1="{L}" x2="{R}" y1="{BOT}" y2="{BOT}" stroke="currentColor" stroke-opacity="0.8"/>'
               f'<line x1="{L}" x2="{L}" y1="{TOP}" y2="{BOT}" stroke="currentColor" stroke-opacity="0.8"/>'
               f'<text x="{(L + R) / 2:.1f}" y="{H - 12}" text-anchor="middle" font-size="14" fill="currentColor">{xl}</text>'
               f'<text x="16" y="{(TOP + BOT) / 2:.1f}" text-anchor="middle" font-size="14" fill="currentColor" '
               f'transform="rotate(-90 16 {(TOP + BOT) / 2:.1f})">{yl}</text>'
               f'<svg x="{L}" y="{TOP}" width="{PW}" height="{PH}" overflow="hidden">')
    for k, x, y, lo, hi in rows:
        x = data["xs"][x] if data["xs"] is not None else x
        st = data["styles"][k]
        if lo is not None:
            keep = [i for i in range(len(x)) if lo[i] is not None and hi[i] is not None]
            pts = [f"{X(x[i]):.1f},{Y(hi[i]):.1f}" for i in keep] + [f"{X(x[i]):.1f},{Y(lo[i]):.1f}" for i in keep[::-1]]
            out.append(f'<polygon points="{" ".join(pts)}" fill="{st["c"]}" fill-opacity="0.2" stroke="none"/>')
    for k, x, y, lo, hi in rows:
        x = data["xs"][x] if data["xs"] is not None else x
        st = data["styles"][k]
        dash = ' stroke-dasharray="6,4"' if st["d"] else ""
        out.append(f'<path d="{_path(x, y, X, Y)}" fill="none" stroke="{st["c"]}" stroke-width="2.2"{dash}/>')
    out.append("</svg>")
    return "".join(out)


def legend(rows, data) -> str:
    out, seen = [], set()
    for row in rows:
        if row[0] in seen:
            continue
        seen.add(row[0])
        st = data["styles"][row[0]]
        dash = ' stroke-dasharray="6,4"' if st["d"] else ""
        out.append(f'<span style="white-space:nowrap;margin-right:14px"><svg width="26" height="10" aria-hidden="true">'
                   f'<line x1="0" x2="26" y1="5" y2="5" stroke="{st["c"]}" stroke-width="3"{dash}/></svg> {st["l"]}</span>')
    return "".join(out)


def render(rows, ax, data, aria: str) -> str:
    """The whole figure: <svg> plus an HTML legend below it (readable at any width)."""
    return (f'<svg class="rnnx-svg" viewBox="0 0 {W} {H}" width="100%" role="img" aria-label="{_html.escape(aria)}" '
            f'style="display:block;max-width:640px">{body(rows, ax, data)}</svg>'
            f'<div class="rnnx-legend" style="font-size:14px;line-height:1.6">{legend(rows, data)}</div>')


PAGE = """<div class="rnnx" id="{uid}" style="font-family:system-ui,sans-serif;font-size:14px;max-width:640px;margin:0.5em 0">
{title}<div class="rnnx-controls" style="display:flex;flex-wrap:wrap;gap:6px 18px;align-items:center;margin:4px 0">{controls}</div>
{first}
</div>
<script>{js}</script>"""

JS = """(function () {
var D = __DATA__, root = document.getElementById("__UID__");
var plot = root.querySelector("svg.rnnx-svg"), leg = root.querySelector(".rnnx-legend");
var inputs = root.querySelectorAll("[data-i]");
var L = %(L)d, R = %(R)d, TOP = %(TOP)d, BOT = %(BOT)d, H = %(H)d, PW = R - L, PH = BOT - TOP;
function f(v) { return v.toFixed(1); }
function path(xs, ys, X, Y) {
  var out = "", pen = "M";
  for (var i = 0; i < xs.length; i++) {
    if (ys[i] === null) { pen = "M"; continue; }
    out += pen + f(X(xs[i])) + "," + f(Y(ys[i])); pen = "L";
  }
  return out;
}
function body(rows, ax) {
  var X = function (v) { return PW * (v - ax.x0) / (ax.x1 - ax.x0); };
  var Y = function (v) {
    if (D.ylog) v = Math.log10(v);
    return Math.min(11 * PH, Math.max(-10 * PH, PH * (1 - (v - ax.y0) / (ax.y1 - ax.y0))));
  };
  var out = "", i, j, y, x;
  for (i = 0; i < ax.yt.length; i++) {
    y = TOP + PH * (1 - (ax.yt[i][0] - ax.y0) / (ax.y1 - ax.y0));
    out += '<line x1="' + L + '" x2="' + R + '" y1="' + f(y) + '" y2="' + f(y) + '" stroke="currentColor" stroke-opacity="0.18"/>' +
      '<text x="' + (L - 6) + '" y="' + f(y + 4) + '" text-anchor="end" font-size="13" fill="currentColor">' + ax.yt[i][1] + '</text>';
  }
  for (i = 0; i < ax.xt.length; i++) {
    x = L + X(ax.xt[i][0]);
    out += '<line x1="' + f(x) + '" x2="' + f(x) + '" y1="' + TOP + '" y2="' + BOT + '" stroke="currentColor" stroke-opacity="0.1"/>' +
      '<text x="' + f(x) + '" y="' + (BOT + 18) + '" text-anchor="middle" font-size="13" fill="currentColor">' + ax.xt[i][1] + '</text>';
  }
  var mid = f((TOP + BOT) / 2);
  out += '<line x1="' + L + '" x2="' + R + '" y1="' + BOT + '" y2="' + BOT + '" stroke="currentColor" stroke-opacity="0.8"/>' +
    '<line x1="' + L + '" x2="' + L + '" y1="' + TOP + '" y2="' + BOT + '" stroke="currentColor" stroke-opacity="0.8"/>' +
    '<text x="' + f((L + R) / 2) + '" y="' + (H - 12) + '" text-anchor="middle" font-size="14" fill="currentColor">' + D.labels[0] + '</text>' +
    '<text x="16" y="' + mid + '" text-anchor="middle" font-size="14" fill="currentColor" transform="rotate(-90 16 ' + mid + ')">' +
    D.labels[1] + '</text><svg x="' + L + '" y="' + TOP + '" width="' + PW + '" height="' + PH + '" overflow="hidden">';
  for (i = 0; i < rows.length; i++) {
    var r = rows[i], xs = D.xs[r[1]], lo = r[3], hi = r[4], st = D.styles[r[0]];
    if (lo === null) continue;
    var keep = [], pts = [];
    for (j = 0; j < xs.length; j++) if (lo[j] !== null && hi[j] !== null) keep.push(j);
    for (j = 0; j < keep.length; j++) pts.push(f(X(xs[keep[j]])) + "," + f(Y(hi[keep[j]])));
    for (j = keep.length - 1; j >= 0; j--) pts.push(f(X(xs[keep[j]])) + "," + f(Y(lo[keep[j]])));
    out += '<polygon points="' + pts.join(" ") + '" fill="' + st.c + '" fill-opacity="0.2" stroke="none"/>';
  }
  for (i = 0; i < rows.length; i++) {
    var s = D.styles[rows[i][0]];
    out += '<path d="' + path(D.xs[rows[i][1]], rows[i][2], X, Y) + '" fill="none" stroke="' + s.c +
      '" stroke-width="2.2"' + (s.d ? ' stroke-dasharray="6,4"' : '') + '/>';
  }
  return out + '</svg>';
}
function legend(rows) {
  var out = "", seen = {};
  for (var i = 0; i < rows.length; i++) {
    var k = rows[i][0], s = D.styles[k];
    if (seen[k]) continue;
    seen[k] = true;
    out += '<span style="white-space:nowrap;margin-right:14px"><svg width="26" height="10" aria-hidden="true">' +
      '<line x1="0" x2="26" y1="5" y2="5" stroke="' + s.c + '" stroke-width="3"' +
      (s.d ? ' stroke-dasharray="6,4"' : '') + '/></svg> ' + s.l + '</span>';
  }
  return out;
}
function draw() {
  var k = 0;
  for (var i = 0; i < inputs.length; i++) {
    var el = inputs[i], j = +el.value;
    k = k * D.n[i] + j;
    if (el.type === "range") el.nextElementSibling.textContent = JSON.parse(el.getAttribute("data-labels"))[j];
  }
  var fr = D.frames[k];
  plot.innerHTML = body(fr.s, D.axes[fr.a]);
  leg.innerHTML = legend(fr.s);
}
for (var i = 0; i < inputs.length; i++) { inputs[i].addEventListener("input", draw); inputs[i].addEventListener("change", draw); }
})();""" % {"L": L, "R": R, "TOP": TOP, "BOT": BOT, "H": H}
