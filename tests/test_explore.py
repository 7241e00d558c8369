"""rnnlab.explore: the kernel-free HTML explorer and the live ipywidgets explorer draw the same data.

The speed of a live update is measured in benchmarks/bench_explore.py, not asserted here.
"""
import json
import math
import re

import numpy as np
import pytest

from rnnlab import _explore_svg, explore


def compute(gain, act):
    t = np.arange(40)                                              # (T,)
    f = np.tanh if act == "tanh" else (lambda z: np.maximum(z, 0.0))
    c = np.zeros(40)
    for i in range(1, 40):
        c[i] = f(gain * c[i - 1] + 0.5)
    return {act: (t, np.abs(c)), "bound": {"x": t, "y": np.full(40, 1.0), "dash": True}}


def make(**kw):
    kw = {"xlabel": "step t", "ylabel": "|c_t|", "title": "cell state", **kw}
    return explore.Explorer(compute, controls={"gain": (0.5, 1.0, 1.5), "act": ("tanh", "relu")},
                            defaults={"gain": 1.0, "act": "tanh"}, **kw)


def payload(page):
    return json.loads(re.search(r"var D = (\{.*?\}), root", page).group(1))


def test_html_precomputes_every_combination_rounded():
    ex = make()
    page = ex.html()
    data = payload(page)
    assert data["n"] == [3, 2] and len(data["frames"]) == 6
    for k, (g, a) in enumerate([(g, a) for g in (0.5, 1.0, 1.5) for a in ("tanh", "relu")]):
        rows = data["frames"][k]["s"]
        labels = [data["styles"][r[0]]["l"] for r in rows]
        assert labels == [a, "bound"]
        want = compute(g, a)[a][1]
        got = np.array(rows[0][2], dtype=float)
        assert np.allclose(got, want, rtol=5e-4, atol=0)
        assert all(v == float(f"{v:.4g}") for v in rows[0][2])
    assert len(data["xs"]) == 1                                    # the shared x array is stored once


def test_html_is_self_contained_and_ids_are_unique():
    a, b = make(), make()
    pa, pb = a.html(), b.html()
    assert pa == a.html()                                          # cached: same ids on a second call
    for page in (pa, pb):
        assert "<script src" not in page and "<link" not in page
        assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page)
    ids = [re.findall(r'id="([^"]+)"', p) for p in (pa, pb)]
    assert len(ids[0]) == 1 and len(ids[1]) == 1 and ids[0] != ids[1]
    assert f'getElementById("{ids[0][0]}")' in pa


def test_controls_match_the_values():
    page = make().html()
    assert page.count('type="range"') == 1 and page.count("<select") == 1
    assert re.search(r'type="range" data-i="0" min="0" max="2" step="1" value="1"', page)
    assert '<option value="0" selected>tanh</option>' in page


def test_first_view_is_the_default_frame():
    ex = make()
    page = ex.html()
    data = payload(page)
    default = data["frames"][1 * 2 + 0]                            # gain 1.0 (index 1), tanh (index 0)
    first = _explore_svg.render(default["s"], data["axes"][default["a"]], data, ex._aria())
    assert first in page


def test_global_axes_cover_all_frames_and_auto_rescales():
    data = payload(make().html())
    assert len(data["axes"]) == 1
    ax = data["axes"][0]
    top = max(max(v for v in r[2] if v is not None) for fr in data["frames"] for r in fr["s"])
    assert ax["y0"] <= 0 and ax["y1"] >= top
    auto = payload(make(ylim="auto").html())
    assert len(auto["axes"]) > 1


def test_log_axis_drops_non_positive_values():
    ex = explore.Explorer(lambda s: {"a": (np.arange(4), np.array([0.0, 1e-3, s, 10.0]))},
                          controls={"s": (1.0, 2.0)}, ylog=True)
    rows = ex.frame(s=1.0)
    assert rows[0]["y"] == [None, 0.001, 1.0, 10.0]
    ax = payload(ex.html())["axes"][0]
    assert ax["y0"] == -3 and ax["y1"] == 1 and [t[0] for t in ax["yt"]] == [-3, -2, -1, 0, 1]


def test_path_breaks_at_gaps():
    d = _explore_svg._path([0, 1, 2, 3], [1.0, None, 2.0, 3.0], lambda x: x, lambda y: y)
    assert d == "M0.0,1.0M2.0,2.0L3.0,3.0"


def test_band_series_draw_a_polygon():
    ex = explore.Explorer(lambda w: {"m": (np.arange(5), np.ones(5), np.zeros(5), w * np.ones(5))},
                          controls={"w": (2.0, 3.0)})
    page = ex.html()
    assert len(re.findall(r'<polygon points="\d', page)) == 1 and payload(page)["frames"][1]["s"][0][4] == [3.0] * 5


@pytest.mark.parametrize("bad, err", [
    (dict(compute=1), TypeError),
    (dict(controls={}), TypeError),
    (dict(controls={"not a name": (1, 2)}), ValueError),
    (dict(controls={"gain": 3}), TypeError),
    (dict(controls={"gain": ()}), ValueError),
    (dict(defaults={"gain": 7.0}), ValueError),
    (dict(defaults={"nope": 1}), ValueError),
    (dict(ylim=(1, 0)), ValueError),
])
def test_bad_input(bad, err):
    kw = {"compute": compute, "controls": {"gain": (0.5, 1.0), "act": ("tanh",)}, **bad}
    with pytest.raises(err):
        explore.Explorer(kw.pop("compute"), kw.pop("controls"), kw.pop("defaults", None), **kw)


def test_bad_compute_output():
    with pytest.raises(TypeError):
        explore.Explorer(lambda a: [1, 2], controls={"a": (1,)}).html()
    with pytest.raises(ValueError, match="one length"):
        explore.Explorer(lambda a: {"s": (np.arange(3), np.arange(4))}, controls={"a": (1,)}).html()


def test_too_many_combinations():
    ex = explore.Explorer(compute, controls={"gain": tuple(np.linspace(0.1, 2, 50)), "act": ("tanh", "relu"),
                                             "z": tuple(range(30))})
    with pytest.raises(ValueError, match="MAX_FRAMES"):
        ex.html()


def test_live_widget_redraws_in_place_with_the_same_svg():
    pytest.importorskip("ipywidgets")
    ex = make()
    box = ex.widget()
    plot = box.children[-1]
    before = plot.value
    seconds = ex.update(gain=1.5, act="relu")
    assert plot is box.children[-1] and plot.value != before
    assert isinstance(seconds, float) and seconds == ex.last_update_s and math.isfinite(seconds)
    # the live SVG equals the kernel-free page's SVG for the same frame and axes
    ex2 = make()
    data = payload(ex2.html())
    fr = data["frames"][2 * 2 + 1]
    rows = [[r[0], data["xs"][r[1]], r[2], r[3], r[4]] for r in fr["s"]]
    ex.frames()                                                    # fixed axes once all frames are known
    ex.update(gain=1.0)
    ex.update(gain=1.5)
    live = {**data, "xs": None}
    assert plot.value == _explore_svg.render(rows, data["axes"][fr["a"]], live, ex._aria())
    with pytest.raises(ValueError):
        ex.update(gain=9.0)


def test_widget_controls_trigger_updates():
    pytest.importorskip("ipywidgets")
    ex = make()
    box = ex.widget()
    before = box.children[-1].value
    ex._inputs["act"].value = "relu"                              # what a reader's click does
    assert box.children[-1].value != before and "relu" in box.children[-1].value


def test_display_is_kernel_free_unless_live(monkeypatch, capsys):
    pytest.importorskip("IPython")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append((obj, kw)))
    monkeypatch.setenv("RNNLAB_LIVE", "1")
    assert not explore.live_requested()                           # no kernel here
    ex = make()
    ex.display()                                                  # a plain Python session: one line of text
    assert not shown and capsys.readouterr().out.startswith("Explorer: cell state")

    class Shell:                                                  # an IPython shell without a kernel
        kernel = None
    monkeypatch.setattr("IPython.get_ipython", lambda: Shell())
    assert not explore.live_requested()
    ex.display()
    obj, kw = shown[-1]
    assert kw == {"raw": True} and obj["text/html"] == ex.html() and "Explorer" in obj["text/plain"]
    pytest.importorskip("ipywidgets")
    ex.display(live=True)
    assert type(shown[-1][0]).__name__ == "VBox"


def test_eigen_explorer_shows_the_widgets_curves():
    from rnnlab.instruments import widgets
    ex = widgets.eigen_explorer(acts=("identity", "tanh"), radii=(0.5, 1.2), Ts=(10, 30), hidden_size=8, seeds=(0, 1))
    data = payload(ex.html())
    assert data["n"] == [2, 2, 2] and len(data["frames"]) == 8
    grid = widgets.precompute_grid(acts=("identity",), radii=(0.5, 1.2), Ts=(10, 30), hidden_size=8, seeds=(0, 1))
    med = np.log10(np.median(10.0 ** grid["curves"]["identity"][1][1], axis=0))   # radius 1.2, T = 30
    fr = data["frames"][0 * 4 + 1 * 2 + 1]                           # identity, radius 1.2, T = 30
    shown = np.log10(np.array(fr["s"][0][2], dtype=float))
    assert np.allclose(shown, med, atol=1e-3)
    ref = np.array(fr["s"][1][2], dtype=float)
    assert np.allclose(ref, 1.2 ** np.arange(30), rtol=5e-4)
    assert len({json.dumps(a) for a in data["axes"]}) == 2            # x axis follows T, y axis fixed
    assert all(a["y0"] == widgets.LOG_FLOOR and a["y1"] == widgets.LOG_CEIL for a in data["axes"])


def test_update_needs_the_widget():
    with pytest.raises(ValueError, match="widget"):
        make().update(gain=1.5)


def test_activation_labels_keep_their_book_colour_and_others_do_not_collide():
    from rnnlab import plotting
    styles = _explore_svg.Styles()
    for label in ("bound", "tanh", "ReLU (bound 6)", "reference", "relu"):
        styles.index(label)
    table = {r["l"]: r["c"] for r in styles.table()}
    assert table["tanh"] == plotting.color("tanh") and table["relu"] == plotting.color("relu")
    assert table["ReLU (bound 6)"] == plotting.color("relu")
    assert len({table["bound"], table["reference"], table["tanh"], table["relu"]}) == 4


def test_live_is_requested_only_in_a_kernel_with_the_flag(monkeypatch):
    pytest.importorskip("ipywidgets")

    class KernelShell:
        kernel = object()
    monkeypatch.setattr("IPython.get_ipython", lambda: KernelShell())
    monkeypatch.setenv("RNNLAB_LIVE", "1")
    assert explore.live_requested()
    monkeypatch.setenv("RNNLAB_LIVE", "0")
    assert not explore.live_requested()
    monkeypatch.delenv("RNNLAB_LIVE")
    assert not explore.live_requested()


def test_chapter4_live_explorer_draws_svg_in_place():
    pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    from rnnlab.instruments import widgets
    ex = widgets.LiveExplorer(T=20, act="relu", hidden_size=8)
    plot = ex.widget.children[-1]
    before = plot.value
    ex.radius.value = 1.5                                          # a reader's slider move
    assert ex.widget.children[-1] is plot and plot.value != before
    assert 'class="rnnx-svg"' in plot.value and "relu, rho(W) = 1.50, T = 20" in plot.value
    assert plot.value.count("<path") == 2 and plot.value.count("<polygon") == 1
