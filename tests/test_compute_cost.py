import numpy as np
import pytest

from rnnlab.instruments import compute_cost as timing


def test_best_time_is_the_minimum_and_counts_calls():
    calls = []
    t = timing.best_time(lambda: calls.append(1), repeats=4, warmup=2)
    assert len(calls) == 6 and 0 <= t < 0.1


def test_activation_cost_reports_all_three_columns():
    z = np.random.default_rng(0).standard_normal(10_000)
    c = timing.activation_cost("tanh", z, repeats=2)
    assert set(c) == {"f", "df", "df_from_output"} and all(v > 0 for v in c.values())
    assert np.isnan(timing.activation_cost("relu", z, repeats=1)["df_from_output"])


@pytest.mark.parametrize("call,fragment", [
    (lambda: timing.best_time(lambda: None, repeats=0), "repeats must be a positive integer; got 0"),
    (lambda: timing.best_time(lambda: None, warmup=-1), "warmup must be a non-negative integer; got -1"),
    (lambda: timing.best_time(3), "fn must be callable; got int"),
    (lambda: timing.activation_cost("tanh", np.zeros(0)), "z must hold at least one element"),
])
def test_bad_input(call, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_best_times_interleaves_and_keys_match():
    order = []
    out = timing.best_times({"a": lambda: order.append("a"), "b": lambda: order.append("b")}, repeats=3, warmup=0)
    assert order == ["a", "b"] * 3 and set(out) == {"a", "b"}
    with pytest.raises(ValueError, match="fns must be a non-empty dict of callables"):
        timing.best_times({})


def test_activation_table_shape_and_columns():
    t = timing.activation_table(["relu", "tanh"], ("float32",), n=1000, repeats=1)
    assert t.shape == (1, 2, len(timing.COLUMNS)) and np.all(t[..., :2] > 0)
    assert np.isnan(t[0, 0, 2]) and t[0, 1, 2] > 0          # relu has no output shortcut, tanh has one
    with pytest.raises(ValueError, match="n must be a positive integer; got 0"):
        timing.activation_table(["relu"], n=0)


def test_kernels_names_a_target_for_every_loop():
    k = timing.kernels(("tanh", "maximum"), ("float32", "float64"))
    assert set(k) == {"tanh", "maximum"} and all(set(v) == {"float32", "float64"} for v in k.values())
    assert all(isinstance(t, str) and t for v in k.values() for t in v.values())


def test_profile_tables_runs_each_profile_in_its_own_process():
    got = timing.profile_tables(["relu"], ("float32",), n=1000, repeats=1,
                                profiles={"a": {}, "b": {"NPY_DISABLE_CPU_FEATURES": ""}})
    assert list(got) == ["a", "b"] and got["a"]["table"].shape == (1, 1, 3) and "tanh" in got["b"]["kernels"]
    with pytest.raises(ValueError, match="profiles must be a non-empty dict"):
        timing.profile_tables(["relu"], profiles={})
