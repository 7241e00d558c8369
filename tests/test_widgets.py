"""Tests of rnnlab.instruments.widgets: the precomputed explorer data, its HTML, and the live update time."""
import json
import re
import time

import numpy as np
import pytest

from rnnlab.instruments import spectral, widgets


@pytest.fixture(scope="module")
def grid():
    return widgets.precompute_grid(acts=("tanh", "identity"), radii=(0.5, 1.0, 1.2), Ts=(10, 30),
                                   hidden_size=8, seeds=(0, 1))


def test_grid_shapes_and_range(grid):
    assert grid["radii"] == [0.5, 1.0, 1.2] and grid["Ts"] == [10, 30]
    for a in ("tanh", "identity"):
        assert [c.shape for c in grid["curves"][a]] == [(3, 2, 10), (3, 2, 30)]
        for c in grid["curves"][a]:
            assert np.all(np.isfinite(c))
            assert np.all((c >= widgets.LOG_FLOOR) & (c <= widgets.LOG_CEIL))
            assert np.allclose(c[..., 0], 0.0)          # lag 0: dh_T/dh_T = I, norm 1


def test_grid_is_the_spectral_computation(grid):
    direct = spectral.rnn_sweep("tanh", [1.2], 30, by="radius", hidden_size=8, seeds=(0, 1))["h"]   # (T, 1, S)
    assert np.allclose(grid["curves"]["tanh"][1][2], np.log10(direct[:, 0].T))


def test_linear_curves_follow_the_spectral_radius(grid):
    ident = grid["curves"]["identity"][1]                # (R, S, 30)
    slope = (ident[:, :, -1] - ident[:, :, 15]) / 14     # per-step log10 factor over the later lags
    assert np.all(np.abs(slope - np.log10([0.5, 1.0, 1.2])[:, None]) < 0.05)
    assert np.all(np.diff(ident[:, :, -1], axis=0) > 0)  # larger radius, larger long-lag gradient


def test_tanh_never_above_linear_bound(grid):
    tanh = grid["curves"]["tanh"][1]                     # (R, S, 30)
    k = np.arange(30)
    sig = spectral.rnn_sweep("tanh", grid["radii"], 30, by="radius", hidden_size=8, seeds=(0, 1))["sigma"]
    assert np.all(tanh <= k * np.log10(sig)[..., None] + 1e-9)


def test_html_is_small_self_contained_and_deterministic(grid):
    page = widgets.explorer_html(grid)
    assert len(page) < 1_000_000
    assert page == widgets.explorer_html(grid)
    assert "<script src" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    data = json.loads(re.search(r"var D = (\{.*?\});\n", page).group(1))
    assert data["radii"] == grid["radii"]
    med = np.array(data["curves"]["identity"][1][0])    # median over seeds, (R, T)
    assert med.shape == (3, 30)
    assert np.allclose(med, np.round(np.median(grid["curves"]["identity"][1], axis=1), 2))


def test_live_update_is_fast():
    widgets.explorer_curves("relu", [1.1], 100)          # warm-up
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        widgets.explorer_curves("relu", [1.1], 100)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 0.1


def test_live_explorer_updates(monkeypatch):
    pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    ex = widgets.LiveExplorer(T=20, act="sigmoid", hidden_size=8)
    ex.radius.value = 1.3
    seconds = ex.update()
    assert seconds < 1.0
    x, y = ex.med.get_data()
    assert len(x) == 20 and np.all(np.isfinite(y))
    assert "sigmoid" in ex.ax.get_title()


def test_bad_input():
    with pytest.raises(ValueError, match="act must be one of"):
        widgets.explorer_curves("softmax", [1.0], 10)
    with pytest.raises(ValueError, match="radii must be positive"):
        widgets.explorer_curves("tanh", [-1.0], 10)
    with pytest.raises(ValueError, match="T must be at least 2"):
        widgets.explorer_curves("tanh", [1.0], 1)
    with pytest.raises(ValueError, match="acts must hold names"):
        widgets.precompute_grid(acts=("gelu",))
    with pytest.raises(ValueError, match="grid must be a dict"):
        widgets.explorer_html([1, 2])
