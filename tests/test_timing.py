import numpy as np
import pytest

from rnnlab import timing


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
