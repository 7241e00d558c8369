"""Independent replicates: every seed owns its initialisation *and* its data stream.

A population of S models trains as one batched computation (a leading model
axis on every parameter, see :func:`rnnlab.stack.init_population`). For the
spread over the population to be the spread over independent runs, member k
must differ from member j in everything random: its initial weights (drawn
from ``default_rng(seed_k)``) and its minibatches (drawn from
:func:`data_rngs`, a second stream derived from the same seed, so the two
never overlap).

    params = stack.init_population(spec, seeds)
    params, hist = train.train(params, spec, task, config, population.data_rngs(seeds))

Passing one Generator to ``train`` instead shares one minibatch stream across
the population (a paired design: the members then differ only by their
initialisation); a chapter that does that says why.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import _checks

DATA_STREAM = 0xDA7A
"""Second entropy word that separates a seed's data stream from its init stream."""


def _seed_list(seeds) -> list[int]:
    try:
        seeds = list(seeds)
    except TypeError:
        raise _checks.ArgTypeError(f"seeds must be a sequence of non-negative integers; got {seeds!r}") from None
    if not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of integers; got {seeds!r}")
    for s in seeds:
        if not isinstance(s, numbers.Integral) or isinstance(s, (bool, np.bool_)):
            raise _checks.ArgTypeError(f"seeds must hold non-negative integers; got {s!r}")
        if s < 0:
            raise ValueError(f"seeds must hold non-negative integers; got {s!r}")
    if len(set(int(s) for s in seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct (replicates are independent); got {seeds!r}")
    return [int(s) for s in seeds]


def data_rng(seed: int) -> np.random.Generator:
    """The data stream of replicate ``seed`` (distinct from ``default_rng(seed)``)."""
    return np.random.default_rng([_seed_list([seed])[0], DATA_STREAM])


def data_rngs(seeds) -> list[np.random.Generator]:
    """One independent data stream per seed, in order."""
    return [data_rng(s) for s in _seed_list(seeds)]


def sample(task, rngs, batch_size: int):
    """One minibatch per member, stacked on the model axis.

    Returns ``xs`` (T, S, B, D) and targets with the model axis in the same place
    as the model's outputs: (S, B, O) for a last-step task, (T, S, B) labels or
    (T, S, B, O) values for a sequence task.
    """
    if not callable(getattr(task, "sample", None)) or not hasattr(task, "return_sequences"):
        raise _checks.ArgTypeError(f"task must be a task (rnnlab.tasks: sample(rng, batch)); got {type(task).__name__}")
    if not isinstance(rngs, (list, tuple)) or not rngs:
        raise _checks.ArgTypeError(f"rngs must be a non-empty list of Generators (data_rngs(seeds)); got {rngs!r}")
    for k, r in enumerate(rngs):
        _checks.rng(f"rngs[{k}]", r)
    batch_size = _checks.positive_int("batch_size", batch_size)
    _checks.fits("the population's batch (S, batch_size)", (len(rngs), batch_size))
    batches = [task.sample(r, batch_size) for r in rngs]
    xs = np.stack([b[0] for b in batches], axis=1)                        # (T, S, B, D)
    t_axis = 1 if task.return_sequences else 0
    targets = np.stack([b[1] for b in batches], axis=t_axis)             # (S, B, O) or (T, S, B[, O])
    return xs, targets
