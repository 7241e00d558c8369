"""Synthetic sequence tasks, generated on the fly from an explicit ``rng``.

Adding problem (the common recipe of Arjovsky et al. 2016, after Hochreiter &
Schmidhuber 1997): each input step carries a value v_t ~ U[0, 1] and a marker
m_t in {0, 1}. Exactly one marker falls in the first half of the sequence and
one in the second. The target is the sum of the two marked values. Predicting
the constant 1 (the mean of the target) scores

    MSE = Var(v_a + v_b) = 2 * (1/12) = 1/6 ~ 0.167.

Copy task (Arjovsky et al. 2016): 10 symbols from 8 categories, then T - 1
blanks, a delimiter, and 10 more blanks; the net must output blanks until the
delimiter and then the 10 symbols. A memoryless net that outputs blank and then
a uniform guess scores cross-entropy 10 ln 8 / (T + 20) per step.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks


def _fixed(task, **values):
    """Fields that describe a task's data rather than choose it must keep their values."""
    for name, value in values.items():
        got = getattr(task, name)
        if type(got) is not type(value):
            raise _checks.ArgTypeError(f"{name} of a {type(task).__name__} is {value!r}; got {got!r}")
        if got != value:
            raise ValueError(f"{name} of a {type(task).__name__} is {value!r} (it describes the data); got {got!r}")


@dataclass(frozen=True)
class AddingTask:
    """Adding problem with ``T`` steps. Inputs (T, B, 2), targets (B, 1)."""

    T: int = 50
    input_size: int = 2
    output_size: int = 1
    loss: str = "mse"
    return_sequences: bool = False

    def __post_init__(self):
        if _checks.positive_int("T", self.T) < 2:
            raise ValueError(f"T must be at least 2 (one marker in each half); got {self.T}")
        _fixed(self, input_size=2, output_size=1, loss="mse", return_sequences=False)

    @property
    def baseline(self) -> float:
        """MSE of the best constant prediction (the constant 1): 1/6."""
        return 1.0 / 6.0

    def sample(self, rng, batch: int):
        """A batch: ``xs`` (T, B, 2) and ``ys`` (B, 1)."""
        xs, va, vb = marked_pair_sequence(rng, self.T, batch, 0.0, 1.0)
        return xs, (va + vb)[:, None]                                  # (T, B, 2), (B, 1)


@dataclass(frozen=True)
class ProductTask(AddingTask):
    """Marked-product problem with ``T`` steps. Inputs (T, B, 2), targets (B, 1).

    Like the adding problem, but the values are v_t ~ U[-1, 1] and the target is
    the *product* v_a * v_b of the two marked values. With v_a, v_b independent
    and of mean 0, the product is uncorrelated with every additive function
    f(v_a) + g(v_b), so storing the two values and reading them out linearly
    scores no better than the constant 0, whose MSE is

        E[(v_a v_b)^2] = E[v_a^2] E[v_b^2] = (1/3)^2 = 1/9 ~ 0.111.

    It needs two-level composition (store, then multiply), which is why the
    stacked-LSTM chapter uses it.
    """

    T: int = 30

    @property
    def baseline(self) -> float:
        """MSE of the best constant prediction (the constant 0): 1/9."""
        return 1.0 / 9.0

    def sample(self, rng, batch: int):
        """A batch: ``xs`` (T, B, 2) and ``ys`` (B, 1)."""
        xs, va, vb = marked_pair_sequence(rng, self.T, batch, -1.0, 1.0)
        return xs, (va * vb)[:, None]


def marked_pair_sequence(rng, T: int, batch: int, low: float, high: float):
    """Values v_t ~ U[low, high] with one marker in each half of the sequence.

    Returns ``xs`` (T, B, 2) (value, marker) and the two marked values (B,), (B,).
    """
    _checks.rng("rng", rng)
    B = _checks.positive_int("batch", batch)
    if _checks.positive_int("T", T) < 2:
        raise ValueError(f"T must be at least 2 (one marker in each half); got {T}")
    low, high = _checks.finite_float("low", low), _checks.finite_float("high", high)
    if not low < high:
        raise ValueError(f"high must be above low = {low}; got {high}")
    _checks.fits("(T, batch, 2)", (T, B, 2))
    half = T // 2
    values = rng.uniform(low, high, size=(T, B))                      # (T, B)
    first = rng.integers(0, half, size=B)                             # (B,)
    second = rng.integers(half, T, size=B)                            # (B,)
    markers = np.zeros((T, B))
    markers[first, np.arange(B)] = 1.0
    markers[second, np.arange(B)] = 1.0
    xs = np.stack([values, markers], axis=-1)                         # (T, B, 2)
    return xs, values[first, np.arange(B)], values[second, np.arange(B)]


@dataclass(frozen=True)
class CopyTask:
    """Copy task with ``T`` blanks. Inputs (T+20, B, 10) one-hot, labels (T+20, B)."""

    T: int = 20
    n_symbols: int = 8
    n_copy: int = 10
    loss: str = "xent"
    return_sequences: bool = True

    def __post_init__(self):
        _checks.positive_int("T", self.T)
        _checks.positive_int("n_symbols", self.n_symbols)
        _checks.positive_int("n_copy", self.n_copy)
        _fixed(self, loss="xent", return_sequences=True)

    @property
    def input_size(self) -> int:
        return self.n_symbols + 2          # blank, symbols 1..n, delimiter

    @property
    def output_size(self) -> int:
        return self.n_symbols + 1          # blank, symbols 1..n

    @property
    def length(self) -> int:
        return self.T + 2 * self.n_copy

    @property
    def baseline(self) -> float:
        """Cross-entropy per step of the memoryless strategy: n_copy ln(n_symbols) / length."""
        return self.n_copy * np.log(self.n_symbols) / self.length

    def sample(self, rng, batch: int):
        """A batch: ``xs`` (L, B, n+2) one-hot and integer ``labels`` (L, B), L = T + 2 n_copy."""
        _checks.rng("rng", rng)
        B = _checks.positive_int("batch", batch)
        L, K = self.length, self.n_copy
        _checks.fits("(T + 2 n_copy, batch, n_symbols + 2)", (L, B, self.input_size))
        symbols = rng.integers(1, self.n_symbols + 1, size=(K, B))    # (K, B)
        tokens = np.zeros((L, B), dtype=np.int64)
        tokens[:K] = symbols
        tokens[K + self.T - 1] = self.n_symbols + 1                   # delimiter
        labels = np.zeros((L, B), dtype=np.int64)
        labels[-K:] = symbols
        xs = np.eye(self.input_size)[tokens]                          # (L, B, n+2)
        return xs, labels
