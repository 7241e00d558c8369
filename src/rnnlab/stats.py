"""The book's statistics: thin wrappers over :mod:`scipy.stats`, one significance level.

Every chapter that compares rates or medians uses these, so that one rule
decides every ordering the book states:

* ``ALPHA = 0.05``: an ordering ("A fails more often than B") is claimed only
  when the two-sided test gives p < ALPHA. Otherwise the text says that no
  difference was detected at that n.
* A rate k/n is shown with its Wilson score interval (95 %).
* Two rates are compared with Fisher's exact test (small n, no approximation).
* A median is shown with a percentile-bootstrap interval (95 %), and two
  medians are compared with a permutation test on the difference of medians.

Resampling takes an explicit ``rng``, so intervals and p-values computed from
stored results are the same on every machine.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import stats as _st

from . import _checks

ALPHA = 0.05
"""The book's one significance level (two-sided)."""
LEVEL = 0.95
"""Confidence level of every interval the book shows."""


def _count(name, k, n):
    n = _checks.positive_int(f"n{name}", n)
    k = _checks.positive_int(f"k{name}", k, allow_zero=True)
    if k > n:
        raise ValueError(f"k{name} must be at most n{name} = {n}; got {k}")
    return k, n


def rate_ci(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval for the rate k/n."""
    k, n = _count("", k, n)
    level = _checks.probability("level", level)
    ci = _st.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def _pct(x: float) -> str:
    """A percentage, whole except within 1 % of 0 or 100, where one significant digit of the
    distance is kept (0.4, 99.6): a bound that is not 0 never prints as 0."""
    p = 100 * x
    if 0 < p < 1:
        return f"{p:.1g}"
    if 99 < p < 100:
        return f"{100 - float(f'{100 - p:.1g}'):g}"
    return f"{p:.0f}"


def fmt_rate(k: int, n: int, level: float = LEVEL) -> str:
    """``'8/20 (40 %, 95 % CI 22–61 %)'``; ``'0/996 (0 %, 95 % CI 0–0.4 %)'``."""
    lo, hi = rate_ci(k, n, level)
    return f"{k}/{n} ({_pct(k / n)} %, {100 * level:.0f} % CI {_pct(lo)}–{_pct(hi)} %)"


class RateTest(NamedTuple):
    """Fisher's exact test of two rates k1/n1 and k2/n2."""

    k1: int
    n1: int
    k2: int
    n2: int
    p: float
    significant: bool          # p < ALPHA
    alternative: str

    def __str__(self):
        verdict = "significant" if self.significant else "no difference detected"
        return (f"{self.k1}/{self.n1} vs {self.k2}/{self.n2}: Fisher p = {self.p:.3g} "
                f"({verdict} at alpha = {ALPHA})")


def compare_rates(k1: int, n1: int, k2: int, n2: int, alternative: str = "two-sided") -> RateTest:
    """Fisher's exact test of H0: the two rates are equal.

    ``alternative="greater"`` tests rate 1 > rate 2, ``"less"`` rate 1 < rate 2.
    """
    k1, n1 = _count("1", k1, n1)
    k2, n2 = _count("2", k2, n2)
    _checks.choice("alternative", alternative, ("two-sided", "greater", "less"))
    table = [[k1, n1 - k1], [k2, n2 - k2]]
    p = float(_st.fisher_exact(table, alternative=alternative).pvalue)
    return RateTest(k1, n1, k2, n2, p, p < ALPHA, alternative)


def consistent_rates(k1: int, n1: int, k2: int, n2: int, level: float = 0.01) -> bool:
    """True when Fisher's two-sided test does *not* reject equal rates at ``level``.

    Used to check a live slice against a stored grid: the same experiment run
    again (on another CPU, whose rounding sends chaotic runs elsewhere) should
    give a rate within sampling error of the stored one.
    """
    level = _checks.probability("level", level)
    return compare_rates(k1, n1, k2, n2).p >= level


def _sample(name, x, at_least=1):
    """A sample of real numbers, flattened, NaNs dropped (inf is kept: larger than every number)."""
    a = _checks.array(name, x, max_ndim=32).ravel()
    a = a[~np.isnan(a)]
    if a.size < at_least:
        raise ValueError(f"{name} must hold at least {at_least} non-NaN number(s); got {_checks._what(x)}")
    return a


def _resampling(rng, level, n_resamples):
    """Check the arguments every resampling function takes."""
    _checks.rng("rng", rng)
    return _checks.probability("level", level), _checks.positive_int("n_resamples", n_resamples)


def median_ci(x, rng, level: float = LEVEL, n_resamples: int = 9999) -> tuple[float, float]:
    """Percentile-bootstrap interval for the median of ``x`` (NaNs dropped)."""
    level, n_resamples = _resampling(rng, level, n_resamples)
    a = _sample("x", x)
    if a.size == 1 or np.all(a == a[0]):
        return float(a[0]), float(a[0])
    with np.errstate(invalid="ignore", over="ignore"):      # inf in the sample: scipy's standard error is NaN
        res = _st.bootstrap((a,), np.median, confidence_level=level, n_resamples=n_resamples,
                            method="percentile", rng=rng)
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


class MedianTest(NamedTuple):
    """Permutation test of two medians."""

    median1: float
    median2: float
    p: float
    significant: bool
    alternative: str

    def __str__(self):
        verdict = "significant" if self.significant else "no difference detected"
        return (f"median {self.median1:.3g} vs {self.median2:.3g}: permutation p = {self.p:.3g} "
                f"({verdict} at alpha = {ALPHA})")


def _median_diff(a, b, axis=-1):
    return np.median(a, axis=axis) - np.median(b, axis=axis)


def compare_medians(x, y, rng, alternative: str = "two-sided", n_resamples: int = 9999) -> MedianTest:
    """Permutation test of H0: x and y come from one distribution, statistic median(x) - median(y).

    ``alternative="greater"`` tests median(x) > median(y). NaNs are dropped.
    """
    _, n_resamples = _resampling(rng, LEVEL, n_resamples)
    _checks.choice("alternative", alternative, ("two-sided", "greater", "less"))
    a, b = _sample("x", x, 2), _sample("y", y, 2)
    with np.errstate(invalid="ignore", over="ignore"):      # inf - inf: a NaN statistic, no warning
        res = _st.permutation_test((a, b), _median_diff, vectorized=True, n_resamples=n_resamples,
                                   alternative=alternative, rng=rng)
    p = float(res.pvalue)
    return MedianTest(float(np.median(a)), float(np.median(b)), p, p < ALPHA, alternative)


def paired_sign_test(x, y, alternative: str = "two-sided") -> float:
    """Exact sign test on paired samples (ties dropped): p-value for H0 P(x > y) = 1/2."""
    _checks.choice("alternative", alternative, ("two-sided", "greater", "less"))
    a, b = _checks.array("x", x, max_ndim=32), _checks.array("y", y, max_ndim=32)
    if a.shape != b.shape:
        raise ValueError(f"x and y must have the same shape (paired samples); got {a.shape} and {b.shape}")
    a, b = a.ravel(), b.ravel()
    with np.errstate(invalid="ignore"):                     # inf - inf: NaN, dropped like a missing pair
        d = a - b
    d = d[~np.isnan(d) & (d != 0)]
    if d.size == 0:
        return 1.0
    return float(_st.binomtest(int((d > 0).sum()), int(d.size), 0.5, alternative=alternative).pvalue)


def ratio_ci(x, y, rng, level: float = LEVEL, n_resamples: int = 9999) -> tuple[float, float, float]:
    """Ratio of medians median(x)/median(y) with a percentile-bootstrap interval.

    Returns (ratio, low, high). Independent samples are resampled separately.
    """
    level, n_resamples = _resampling(rng, level, n_resamples)
    a, b = _sample("x", x, 2), _sample("y", y, 2)
    if np.median(b) == 0:
        raise ValueError(f"y must have a non-zero median; got median 0 of {b.size} values")
    stat = lambda u, v, axis=-1: np.median(u, axis=axis) / np.median(v, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):   # inf or 0 medians in resamples
        res = _st.bootstrap((a, b), stat, confidence_level=level, n_resamples=n_resamples, method="percentile",
                            vectorized=True, rng=rng)
        ci = res.confidence_interval
        return float(np.median(a) / np.median(b)), float(ci.low), float(ci.high)


def fmt_p(p: float) -> str:
    """A p-value as the book prints it: ``p = 0.012`` or ``p < 0.001``; NaN (no test possible) is ``p = n/a``."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise _checks.ArgTypeError(f"p must be a real number in [0, 1]; got {p!r}")
    p = float(p)
    if math.isnan(p):
        return "p = n/a"
    _checks.probability("p", p, closed=True)
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
