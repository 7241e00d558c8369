"""The grids behind chapters 6 (stacked LSTMs) and 8 (IRNN versus LSTM)."""
import numpy as np
import pytest

from rnnlab import population, stack, sweep, tasks, train
from rnnlab.grids import irnn_vs_lstm, stacked


def test_irnn_cells_cover_every_arm_and_horizon_with_20_seeds():
    cells = irnn_vs_lstm.cells()
    assert len(cells) == len(irnn_vs_lstm.ARMS) * len(irnn_vs_lstm.HORIZONS)
    assert len({sweep.cell_key(c) for c in cells}) == len(cells)
    assert all(len(c["seeds"]) >= 20 for c in cells)
    assert max(c["T"] for c in cells) >= 100


def test_le_recipe_init_is_identity_small_gaussian_zero_bias():
    spec = irnn_vs_lstm.spec_for("IRNN (Le et al.)", hidden_size=32)
    p = irnn_vs_lstm.init_arm("IRNN (Le et al.)", spec, list(range(5)))
    assert np.array_equal(p["l0.W_h"], np.broadcast_to(np.eye(32, dtype=np.float32), (5, 32, 32)))
    assert np.all(p["l0.b"] == 0)
    std = float(np.std(p["l0.W_x"]))
    assert 0.7e-3 < std < 1.3e-3, std                      # N(0, 0.001^2), 320 draws
    assert not np.allclose(p["l0.W_x"][0], p["l0.W_x"][1])   # each seed draws its own
    glorot = irnn_vs_lstm.init_arm("ReLU + identity, Adam", spec, [0])
    assert np.std(glorot["l0.W_x"]) > 50 * std               # the Adam arms keep Glorot input weights


def test_irnn_recipes_match_their_names():
    assert irnn_vs_lstm.RECIPES["le"]["optimizer"] == "sgd" and irnn_vs_lstm.RECIPES["le"]["clip"] == "norm"
    assert irnn_vs_lstm.RECIPES["le-noclip"]["clip"] is None
    for arm, (fields, _) in irnn_vs_lstm.ARMS.items():
        spec = irnn_vs_lstm.spec_for(arm)
        assert spec.cell == fields["cell"]
    with pytest.raises(ValueError):
        irnn_vs_lstm.spec_for("no such arm")


def test_irnn_tiny_cell_members_are_independent_lone_runs():
    cell = irnn_vs_lstm.cells(tiny=True)[0]
    out = irnn_vs_lstm.run_cell(cell)
    S = len(cell["seeds"]) * 2
    assert out["test_mse"].shape == (S,) and out["loss"].shape[1] == S
    assert np.array_equal(out["seed"], np.array(cell["seeds"] * 2))
    # member 1 (seed 1, first rate) equals a lone run with seed 1 and its own data stream
    arm = cell["arm"]
    recipe = irnn_vs_lstm.RECIPES[irnn_vs_lstm.ARMS[arm][1]]
    spec = irnn_vs_lstm.spec_for(arm, cell["hidden_size"])
    p = irnn_vs_lstm.init_arm(arm, spec, [1])
    cfg = train.TrainConfig(steps=cell["steps"], batch_size=cell["batch_size"], lr=(recipe["lrs"][0],),
                            optimizer=recipe["optimizer"], clip=recipe["clip"], clip_threshold=1.0)
    _, hist = train.train(p, spec, tasks.AddingTask(T=cell["T"]), cfg, population.data_rngs([1]))
    np.testing.assert_allclose(out["loss"][:, 1], hist.loss[:, 0], rtol=1e-5)


def test_irnn_summary_counts_successes():
    res = [{"cell": {"arm": "LSTM, Adam", "T": 25},
            "arrays": {"lr": np.array([1e-3, 1e-3, 1e-2, 1e-2]), "test_mse": np.array([0.001, np.nan, 0.1, 0.01]),
                       "diverged_at": np.array([-1, 5, -1, -1])}}]
    s = irnn_vs_lstm.summary(res)
    assert s["LSTM, Adam", 25, 1e-3] == {"k": 1, "n": 2, "diverged": 1, "median": 0.001}
    assert s["LSTM, Adam", 25, 1e-2]["k"] == 1


def test_stacked_cells_and_tiny_run():
    cells = stacked.cells()
    main = [c for c in cells if c["setting"] == "main"]
    assert sorted(c["depth"] for c in main) == [1, 2, 3] and all(len(c["seeds"]) >= 20 for c in cells)
    tiny = stacked.cells(tiny=True)
    out = stacked.run_cell(tiny[1])                                   # depth 2: three choices
    n = len(tiny[1]["seeds"])
    assert list(out["between"]) == ["none"] * n + ["tanh"] * n + ["relu"] * n
    assert out["flow_init"].shape == (3 * n,) and np.all(out["flow_init"] > 0)
    # a ReLU boundary zeroes part of what the next layer reads; the others zero nothing
    assert np.all(out["zero_frac"][:2 * n] == 0) and np.all(out["zero_frac"][2 * n:] > 0)
    assert out["h_hist"].shape == (3 * n, len(stacked.BINS) - 1)


def test_stacked_solved_treats_divergence_as_failure():
    assert list(stacked.solved([0.1, 0.6, np.nan])) == [True, False, False]


def test_stacked_choices_share_init_and_data_per_seed():
    """Seed s gives the same weights to each between-choice (paired design)."""
    spec = stacked.spec_for(2, 4, [None, "relu"])
    p = stack.init_population(spec, [3, 3])
    assert all(np.array_equal(v[0], v[1]) for v in p.values())
    a, b = population.data_rngs([3])[0], population.data_rngs([3])[0]
    assert np.array_equal(a.random(4), b.random(4))


def test_train_freezes_a_diverging_member_and_trains_the_others():
    spec = irnn_vs_lstm.spec_for("IRNN (Le et al.), no clip", hidden_size=8)
    params = irnn_vs_lstm.init_arm("IRNN (Le et al.), no clip", spec, [0, 1])
    cfg = train.TrainConfig(steps=30, batch_size=8, lr=(1e-3, 1e6), optimizer="sgd")
    _, hist = train.train(params, spec, tasks.AddingTask(T=20), cfg, population.data_rngs([0, 1]))
    assert list(hist.diverged) == [False, True] and np.isfinite(hist.loss[-1, 0])


def test_factor_arms_complete_the_adam_2x2_and_leave_the_main_table_alone():
    from rnnlab.grids import irnn_vs_lstm_factors as factors
    adam = {tuple(sorted(f.items())) for f, r in list(irnn_vs_lstm.ARMS.values()) + list(factors.ARMS.values())
            if r == "adam" and f["cell"] == "rnn"}
    assert len(adam) == 4                                        # {relu, tanh} x {identity, orthogonal}
    cells = factors.cells()
    assert {c["arm"] for c in cells} == set(factors.ARMS) and {c["T"] for c in cells} == set(irnn_vs_lstm.HORIZONS)
    assert not set(factors.ARMS) & set(irnn_vs_lstm.ARMS)       # the main table is restored
    out = factors.run_cell(factors.cells(tiny=True)[0])
    assert out["test_mse"].shape == (2 * len(factors.cells(tiny=True)[0]["seeds"]),)
    assert not set(factors.ARMS) & set(irnn_vs_lstm.ARMS)
