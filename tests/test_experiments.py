"""Tests for rnnlab.experiments, the grid runner of the ReLU-in-LSTM chapter."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnlab import experiments, lstm, stack

ROOT = Path(__file__).resolve().parents[1]


def test_tiny_command_writes_results_and_provenance(tmp_path):
    """The documented command runs at tiny scale and writes a complete, loadable result."""
    out = tmp_path / "grid"
    proc = subprocess.run([sys.executable, "-m", "rnnlab.experiments", "relu_in_lstm", "--tiny", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc, arrays = experiments.load(out)
    prov = doc["provenance"]
    for key in ("command", "parameters", "git_revision", "date_utc", "runtime_s"):
        assert key in prov
    assert prov["complete"] is True
    assert "--tiny" in prov["command"]
    assert prov["parameters"]["steps"] == experiments.TINY.steps
    grid = experiments.TINY
    n_cells = len(grid.variants) * len(grid.horizons) * len(grid.clips)
    assert len(doc["cells"]) == n_cells
    assert len(doc["models"]) == n_cells * len(grid.lrs) * len(grid.seeds)
    assert arrays["loss_0"].shape == (grid.steps, len(grid.lrs) * len(grid.seeds))
    p = experiments.cell_params(arrays, 0)
    assert p["l0.W_h"].shape == (len(grid.lrs) * len(grid.seeds), grid.hidden_size, 4 * grid.hidden_size)
    for s in doc["summary"]:
        assert 0 <= s["success"] <= 1 and 0 <= s["diverged"] <= 1


def test_population_matches_smaller_grid():
    """Model k of a grid cell is the same model in a grid with fewer seeds: the live/stored overlap."""
    big = experiments.GridConfig(variants=("relu/relu",), horizons=(4,), lrs=(1e-2,), clips=("none",),
                                 seeds=(0, 1, 2), steps=5, hidden_size=3, final_window=2)
    small = experiments.GridConfig(variants=("relu/relu",), horizons=(4,), lrs=(1e-2,), clips=("none",),
                                   seeds=(0, 1), steps=5, hidden_size=3, final_window=2)
    a = experiments.run_cell("relu/relu", 4, "none", big)
    b = experiments.run_cell("relu/relu", 4, "none", small)
    np.testing.assert_allclose(a["loss"][:, :2], b["loss"], rtol=1e-5)


def test_variants_map_to_specs():
    assert experiments.spec_for("relu/relu").cand == "relu"
    assert experiments.spec_for("relu/relu").squash == "relu"
    assert experiments.spec_for("tanh/relu").cand == "tanh"
    assert experiments.spec_for("tanh/identity").squash == "identity"
    assert experiments.spec_for("no forget gate").forget_gate is False
    assert experiments.spec_for("forget bias 0").forget_bias == 0.0
    assert experiments.spec_for("tanh/tanh") == stack.ModelSpec(hidden_size=16)


def test_final_mse_and_summary():
    loss = np.array([[1.0, 1.0, 1.0], [0.5, 0.2, np.nan], [0.1, 0.3, np.nan], [0.0, 0.3, np.nan]])
    d = np.array([-1, -1, 1])
    f = experiments.final_mse(loss, d, window=2)
    np.testing.assert_allclose(f[:2], [0.05, 0.3])
    assert np.isnan(f[2])
    # truncated at step 2: the run that diverged at step 1 is already dead, the others' window is steps 0..1
    np.testing.assert_allclose(experiments.final_mse(loss, d, window=2, at=2)[:2], [0.75, 0.6])
    s = experiments.summarize(f, d, threshold=0.1)
    assert s["n"] == 3
    assert s["success"] == pytest.approx(1 / 3)
    assert s["diverged"] == pytest.approx(1 / 3)
    assert s["median_final"] == pytest.approx(0.175)
    # at=1: the divergence at step 1 has not happened yet
    assert experiments.summarize(f, d, threshold=0.1, at=1)["diverged"] == 0.0


def test_drift_bounded_for_tanh_and_grows_for_identity_without_forgetting():
    """tanh bounds |h| by 1 whatever c does; with identity squash and no forgetting, |h| follows |c|."""
    rng = np.random.default_rng(0)
    spec = experiments.spec_for("tanh/tanh", hidden_size=4)
    p = stack.init(spec, rng)
    out = experiments.drift(p, spec, T=10, n_segments=5, batch=3, rng=np.random.default_rng(1))
    assert out["c"].shape == out["h"].shape == out["y"].shape == (50,)
    assert np.all(out["h"] < 1.0)
    # a population gives one column per model
    spec2 = stack.ModelSpec(hidden_size=4, forget_gate=False, squash="identity")
    pop = stack.init_population(spec2, [0, 1])
    pop["l0.b"][:] = 2.0            # gates open, candidate positive: c grows by about i*g every step
    out2 = experiments.drift(pop, spec2, T=10, n_segments=10, batch=2, rng=np.random.default_rng(1))
    assert out2["c"].shape == (100, 2)
    assert np.all(out2["c"][-1] > 5 * out2["c"][9])   # linear growth, no bound
    np.testing.assert_allclose(out2["h"] <= out2["c"] + 1e-6, True)


@pytest.mark.parametrize("kwargs, match", [
    ({"variants": ("tanh/softsign",)}, "variants"),
    ({"clips": ("value",)}, "clips"),
    ({"horizons": (1,)}, "horizons"),
    ({"lrs": (0.0,)}, "lrs"),
    ({"seeds": ()}, "seeds"),
    ({"success_frac": 1.5}, "success_frac"),
    ({"steps": 0}, "steps"),
])
def test_grid_config_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        experiments.GridConfig(**kwargs)


def test_bad_input_names_argument():
    with pytest.raises(ValueError, match="variant"):
        experiments.spec_for("sigmoid/sigmoid")
    with pytest.raises(ValueError, match="clip"):
        experiments.run_cell("tanh/tanh", 5, "value", experiments.TINY)
    with pytest.raises(ValueError, match="rng"):
        experiments.drift({}, experiments.spec_for("tanh/tanh"), 5, 2, 2, rng=0)
    with pytest.raises(ValueError, match="spec"):
        experiments.drift({}, stack.ModelSpec(cell="gru"), 5, 2, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="at must"):
        experiments.final_mse(np.zeros((4, 2)), np.array([-1, -1]), window=3, at=2)
    with pytest.raises(ValueError, match="loss"):
        experiments.final_mse(np.zeros(4), np.array([-1]), window=1)
    with pytest.raises(ValueError, match="path"):
        experiments.load("/nonexistent/grid")
    with pytest.raises(ValueError, match="index"):
        experiments.cell_params({}, 3)
