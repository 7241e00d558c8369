"""Tests for the ReLU-in-LSTM grid (rnnlab.grids.relu_in_lstm) and its analysis (rnnlab.instruments.relu_in_lstm)."""
import numpy as np
import pytest

from rnnlab import population, stack, sweep, tasks, train
from rnnlab.instruments import relu_in_lstm as experiments
from rnnlab.grids import relu_in_lstm as grid


def test_cells_have_20_independent_seeds_and_disjoint_seed_blocks():
    cells = grid.cells()
    assert len({sweep.cell_key(c) for c in cells}) == len(cells)
    assert all(c["n_seeds"] >= 20 and len(c["seeds"]) == c["n_seeds"] * len(c["lrs"]) for c in cells)
    seeds = [s for c in cells for s in c["seeds"]]
    assert len(seeds) == len(set(seeds)), "no two runs of the grid share a seed"
    keys = {(c["variant"], c["T"], c["optimizer"], c["clip"]) for c in cells}
    for clip in ("none", "norm"):      # the clipping question is asked of both optimisers
        for opt in ("adam", "sgd"):
            assert ("relu/relu", 80, opt, clip) in keys and ("tanh/tanh", 80, opt, clip) in keys


def test_variants_map_to_specs():
    assert grid.spec_for("relu/relu").cand == "relu" and grid.spec_for("relu/relu").squash == "relu"
    assert grid.spec_for("relu/tanh").cand == "relu" and grid.spec_for("relu/tanh").squash == "tanh"
    assert grid.spec_for("tanh/relu").cand == "tanh"
    assert grid.spec_for("tanh/identity").squash == "identity"
    assert grid.spec_for("no forget gate").forget_gate is False
    assert grid.spec_for("tanh/tanh") == stack.ModelSpec(hidden_size=16)
    with pytest.raises(ValueError, match="variant"):
        grid.spec_for("sigmoid/sigmoid")


def test_tiny_cell_members_are_independent_lone_runs():
    """Member k of a cell is the lone run with seed k and its own data stream."""
    cell = grid.cells(tiny=True)[1]
    out = grid.run_cell(cell)
    S = len(cell["seeds"])
    assert out["loss"].shape == (cell["steps"], S) and out["final"].shape == (S,)
    assert np.array_equal(out["seed"], cell["seeds"])
    spec = grid.spec_for(cell["variant"], cell["hidden_size"])
    k = 1
    p = stack.init_population(spec, [cell["seeds"][k]])
    cfg = train.TrainConfig(steps=cell["steps"], batch_size=grid.SETTINGS["batch_size"], lr=(out["lr"][k],))
    _, hist = train.train(p, spec, tasks.AddingTask(cell["T"]), cfg, population.data_rngs([cell["seeds"][k]]))
    np.testing.assert_allclose(out["loss"][:, k], hist.loss[:, 0], rtol=1e-5)
    assert not np.allclose(out["loss"][:, 0], out["loss"][:, 1]), "members draw their own data"
    assert "params.l0.W_h" in out and out["params.l0.W_h"].shape[0] == S


def test_outcomes_count_spikes_stops_and_recoveries():
    a = {"lr": np.array([0.1, 0.1, 0.1, 0.2]), "success": np.array([True, True, False, False]),
         "spike_at": np.array([-1, 40, 3, -1]), "diverged_at": np.array([-1, -1, 9, -1]),
         "recovered": np.array([False, True, False, False])}
    res = [{"cell": {"variant": "relu/relu", "T": 80, "optimizer": "adam", "clip": "none"}, "arrays": a}]
    t = experiments.outcomes(res)
    s = t["relu/relu", 80, "adam", "none", 0.1]
    assert s == {"n": 3, "success": 2, "stopped_success": 1, "spiked": 2, "diverged": 1, "exploded": 2,
                 "recovered": 1, "spiked_success": 1}
    assert experiments.pool(t, "success", variant="relu/relu") == (2, 4)
    assert experiments.pool(t, "diverged", lr=0.2) == (0, 1)
    with pytest.raises(ValueError, match="match"):
        experiments.pool(t, "success", variant="tanh/tanh")
    with pytest.raises(ValueError, match="field"):
        experiments.pool(t, "wins")


def test_final_mse_reads_an_earlier_step():
    loss = np.array([[1.0, 1.0, 1.0], [0.5, 0.2, np.nan], [0.1, 0.3, np.nan], [0.0, 0.3, np.nan]])
    f = experiments.final_mse(loss, window=2)
    np.testing.assert_allclose(f[:2], [0.05, 0.3])
    assert np.isnan(f[2])
    np.testing.assert_allclose(experiments.final_mse(loss, window=1, at=1), [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="at must"):
        experiments.final_mse(loss, window=3, at=2)
    with pytest.raises(ValueError, match="loss"):
        experiments.final_mse(np.zeros(4), window=1)


def test_adam_step_ratio_drops_after_a_spike_and_stays_low():
    g = np.ones(600)
    g[100] = 1e3                                            # one huge gradient
    r = experiments.adam_step_ratio(g)
    assert abs(r[99] - 1) < 1e-9, "a constant gradient gives the steady-state step"
    assert r[300] < 0.2 and r[500] < 0.3, "v remembers the spike for hundreds of steps"
    assert experiments.adam_step_ratio(np.full((5, 2), 3.0)).shape == (5, 2)
    with pytest.raises(ValueError, match="b2"):
        experiments.adam_step_ratio(g, b2=1.0)


def test_drift_bounded_for_tanh_and_grows_for_identity_without_forgetting():
    """tanh bounds |h| by 1 whatever c does; with identity squash and no forgetting, |h| follows |c|."""
    spec = grid.spec_for("tanh/tanh", hidden_size=4)
    p = stack.init(spec, np.random.default_rng(0))
    out = experiments.drift(p, spec, T=10, n_segments=5, batch=3, rng=np.random.default_rng(1))
    assert out["c"].shape == out["h"].shape == out["y"].shape == (50,)
    assert np.all(out["h"] < 1.0)
    spec2 = stack.ModelSpec(hidden_size=4, forget_gate=False, squash="identity")
    pop = stack.init_population(spec2, [0, 1])
    pop["l0.b"][:] = 2.0            # gates open, candidate positive: c grows by about i*g every step
    out2 = experiments.drift(pop, spec2, T=10, n_segments=10, batch=2, rng=np.random.default_rng(1))
    assert out2["c"].shape == (100, 2)
    assert np.all(out2["c"][-1] > 5 * out2["c"][9])
    assert np.all(out2["h"] <= out2["c"] + 1e-6)


def test_bad_input_names_argument():
    with pytest.raises(ValueError, match="rng"):
        experiments.drift({}, grid.spec_for("tanh/tanh"), 5, 2, 2, rng=0)
    with pytest.raises(ValueError, match="spec"):
        experiments.drift({}, stack.ModelSpec(cell="gru"), 5, 2, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="results"):
        experiments.outcomes([])
    with pytest.raises(ValueError, match="arrays"):
        experiments.stored_params({"loss": np.zeros(3)})
    bad = dict(grid.cells(tiny=True)[0], seeds=[1, 2, 3])
    with pytest.raises(ValueError, match="seeds"):
        grid.run_cell(bad)
    with pytest.raises(TypeError, match="cell"):
        grid.run_cell("T80")


def test_ceiling_control_retrains_the_same_runs_without_the_ceiling():
    from rnnlab.grids import relu_in_lstm_ceiling as control
    main = {c["key"]: c for c in grid.cells()}
    cells = control.cells()
    assert {c["clip"] for c in cells} == {"none", "norm"}
    for c in cells:
        twin = main[c["key"].replace("_noceiling", "")]
        assert c["seeds"] == twin["seeds"] and c["variant"] == "relu/relu" and c["T"] == 80
    tiny = control.cells(tiny=True)[0]
    out, ref = control.run_cell(tiny), grid.run_cell(dict(tiny, key=tiny["key"].replace("_noceiling", "")))
    np.testing.assert_array_equal(out["seed"], ref["seed"])
    alive = ref["diverged_at"] < 0
    np.testing.assert_allclose(out["loss"][:, alive], ref["loss"][:, alive], rtol=1e-6)
    assert np.all(out["over_ceiling_at"] < 0) or np.any(ref["diverged_at"] >= 0)


def test_load_grid_finds_cells_across_folders_and_names_a_missing_one(tmp_path):
    cells = grid.cells(tiny=True)
    sweep.run_cells(grid.run_cell, cells[:2], tmp_path / "a", log=lambda *a: None)
    with pytest.raises(FileNotFoundError, match=sweep.cell_key(cells[2])):
        experiments.load_grid([tmp_path / "a"], cells)
    sweep.run_cells(grid.run_cell, cells[2:], tmp_path / "b", log=lambda *a: None)
    res, info = experiments.load_grid([tmp_path / "a", tmp_path / "b"], cells)
    assert [r["cell"]["key"] for r in res] == [c["key"] for c in cells]
    assert info["stale"] == [] and info["first"] <= info["last"]
    with pytest.raises(ValueError, match="cells"):
        experiments.load_grid(tmp_path, [])


def test_sgd_part_is_the_sgd_cells_of_the_main_grid():
    from rnnlab import optim
    from rnnlab.grids import relu_in_lstm_sgd as sgd_part
    assert [c["key"] for c in sgd_part.cells()] == [c["key"] for c in grid.cells() if c["optimizer"] == "sgd"]
    assert sgd_part.run_cell is grid.run_cell
    assert np.isinf(optim.global_norm({"w": np.array([[np.inf, 1.0]])}))      # train's divergence rule sees it
