"""Stacks of recurrent layers, and the model: a stack plus a linear readout.

Layer l's hidden sequence is layer l+1's input sequence (Graves et al. 2013).
An optional activation ``between`` the layers is applied to that sequence;
by default there is none. Parameters live in one flat dict::

    "l0.W_x", "l0.W_h", "l0.b", "l1.W_x", ...   recurrent layers
    "out.W" (*lead, H, O), "out.b" (*lead, O)    readout y = h W + b

``return_sequences=True`` reads out every step, (T, *lead, B, O);
``False`` reads out the last step only, (*lead, B, O).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from . import _checks, activations, gru, indrnn, init as _init, lnlstm, lstm, rnn
from ._tensor import empty, merge_time, sum_over_time

CELLS = {"rnn": rnn, "lstm": lstm, "gru": gru}
CELL_OPTIONS = {"rnn": ("act",), "lstm": ("gate", "cand", "squash", "forget_gate"), "gru": ("gate", "cand")}
CELLS.update({"lnlstm": lnlstm, "indrnn": indrnn})      # LSTM with layer norm (Ba et al. 2016); IndRNN (Li et al. 2018)
CELL_OPTIONS.update({"lnlstm": ("gate", "cand", "squash"), "indrnn": ("act", "u_max")})


@dataclass(frozen=True)
class ModelSpec:
    """Everything that defines a model's architecture (not its weights)."""

    cell: str = "lstm"                 # "rnn" | "lstm" | "gru"
    input_size: int = 2
    hidden_size: int = 32
    output_size: int = 1
    layers: int = 1
    return_sequences: bool = False     # read out every step, or the last one only
    between: object = None             # activation between stacked layers (None: none)
    act: object = "tanh"               # RNN activation
    gate: object = "sigmoid"           # LSTM/GRU gates
    cand: object = "tanh"              # LSTM/GRU candidate g
    squash: object = "tanh"            # LSTM output squash h = o * squash(c)
    forget_gate: bool = True
    forget_bias: float = 1.0
    W_h_init: str = "orthogonal"
    W_h_gain: float = 1.0              # RNN only: scale of the recurrent matrix
    dtype: str = "float32"            # float32 for experiments; float64 for gradient checks
    u_max: float = 1.0                 # IndRNN only: bound on each unit's recurrent weight, |u| < u_max

    def __post_init__(self):
        _checks.choice("cell", self.cell, CELLS)
        for name in ("input_size", "hidden_size", "output_size", "layers"):
            _checks.positive_int(name, getattr(self, name))
        for name in ("act", "gate", "cand", "squash"):
            activations.get(getattr(self, name))
        if self.between is not None:
            activations.get(self.between)
        _checks.choice("W_h_init", self.W_h_init, _init.SCHEMES)
        _checks.finite_float("W_h_gain", self.W_h_gain, nonneg=True)
        _checks.finite_float("forget_bias", self.forget_bias)
        _checks.choice("dtype", self.dtype, ("float16", "float32", "float64"))
        _checks.boolean("return_sequences", self.return_sequences)
        _checks.boolean("forget_gate", self.forget_gate)
        _checks.finite_float("u_max", self.u_max, positive=True)

    @property
    def cell_options(self) -> dict:
        """The keyword arguments the cell's forward takes."""
        return {k: getattr(self, k) for k in CELL_OPTIONS[self.cell]}

    def with_(self, **changes) -> "ModelSpec":
        """A copy with some fields changed."""
        return replace(self, **changes)


def init(spec: ModelSpec, rng) -> dict:
    """Fresh parameters for one model."""
    _checks.instance("spec", spec, ModelSpec)
    _checks.rng("rng", rng)
    dtype = np.dtype(spec.dtype)
    params = {}
    for l in range(spec.layers):
        D = spec.input_size if l == 0 else spec.hidden_size
        if spec.cell == "lstm":
            p = lstm.init(rng, D, spec.hidden_size, forget_bias=spec.forget_bias, forget_gate=spec.forget_gate,
                          W_h=spec.W_h_init, dtype=dtype)
        elif spec.cell == "rnn":
            p = rnn.init(rng, D, spec.hidden_size, W_h=spec.W_h_init, W_h_gain=spec.W_h_gain, dtype=dtype)
        elif spec.cell == "lnlstm":
            p = lnlstm.init(rng, D, spec.hidden_size, forget_bias=spec.forget_bias, W_h=spec.W_h_init, dtype=dtype)
        elif spec.cell == "indrnn":
            p = indrnn.init(rng, D, spec.hidden_size, u_max=spec.u_max, dtype=dtype)
        else:
            p = gru.init(rng, D, spec.hidden_size, W_h=spec.W_h_init, dtype=dtype)
        params.update({f"l{l}.{k}": v for k, v in p.items()})
    params["out.W"] = _init.glorot(rng, spec.hidden_size, spec.output_size, dtype=dtype)
    params["out.b"] = np.zeros(spec.output_size, dtype=dtype)
    return params


def init_population(spec: ModelSpec, seeds) -> dict:
    """Parameters of S independent models stacked on a leading axis.

    Model k is exactly ``init(spec, np.random.default_rng(seeds[k]))``.
    """
    seeds = _checks.seed_list("seeds", seeds)
    members = [init(spec, np.random.default_rng(s)) for s in seeds]
    return {k: np.stack([m[k] for m in members]) for k in members[0]}


def population_size(params: dict) -> int | None:
    """S for a population, None for a lone model."""
    W = _checks.param_dict("params", params, ("out.W",), one_dtype=False)["out.W"]
    return W.shape[0] if W.ndim == 3 else None


def member(params: dict, k: int) -> dict:
    """Model k of a population, as a lone model's params (a copy)."""
    if population_size(params) is None:
        raise ValueError("params must be a population (leading model axis); got a lone model")
    k = _checks.index("k", k, population_size(params))
    return {key: v[k].copy() for key, v in params.items()}


class Cache(NamedTuple):
    layer_caches: list
    between_inputs: list   # the hidden sequence fed to ``between``, one per layer boundary
    top: np.ndarray        # what the readout saw: (T, *lead, B, H) or (*lead, B, H)
    params: dict
    spec: ModelSpec


def _layer_params(params, l, keys=("W_x", "W_h", "b")):
    return {k: params[f"l{l}.{k}"] for k in keys}


def _check_against_spec(params, spec):
    """Every key present, one float dtype; the readout's shape must match the spec's hidden and output
    sizes and the layers' model axes (the layers check their own shapes)."""
    keys = [f"l{l}.{k}" for l in range(spec.layers) for k in CELLS[spec.cell].KEYS] + ["out.W", "out.b"]
    _checks.param_dict("params", params, keys)
    W, lead = params["out.W"], params["l0.b"].shape[:-1]
    if params["out.b"].shape != lead + (spec.output_size,) or W.shape[:-2] != lead:
        raise ValueError(f"params['out.W'] and params['out.b'] must have shapes {lead + (spec.hidden_size, spec.output_size)} "
                         f"and {lead + (spec.output_size,)}; got {W.shape} and {params['out.b'].shape}")
    if not isinstance(W, np.ndarray) or W.ndim < 2 or W.shape[-2:] != (spec.hidden_size, spec.output_size):
        raise ValueError(f"params['out.W'] must end in (hidden_size, output_size) = "
                         f"{(spec.hidden_size, spec.output_size)}; got {getattr(W, 'shape', type(W).__name__)}")
    for l in range(spec.layers):
        W_h = params.get(f"l{l}.W_h")
        if spec.cell == "indrnn":    # a diagonal: (*lead, H)
            W_h = None if W_h is None or W_h.ndim < 1 else W_h[..., None]
        if W_h is None or W_h.shape[-2] != spec.hidden_size:
            raise ValueError(f"params['l{l}.W_h'] must have {spec.hidden_size} rows (spec.hidden_size); "
                             f"got {getattr(W_h, 'shape', None)}")


def forward(params: dict, xs, spec: ModelSpec, states0=None, *, workspace=None):
    """Model output and cache. ``states0``: one initial state per layer, or None.

    ``workspace`` (:class:`rnnlab._tensor.Workspace`): memory lent by the caller; the
    cache then lives in it until the next call given the same workspace."""
    _checks.instance("spec", spec, ModelSpec)
    _check_against_spec(params, spec)
    if not (states0 is None or isinstance(states0, (list, tuple))):
        raise _checks.ArgTypeError(f"states0 must be None or one state per layer; got {type(states0).__name__}")
    states0 = [None] * spec.layers if states0 is None else list(states0)
    if len(states0) != spec.layers:
        raise ValueError(f"states0 must hold one state per layer ({spec.layers}); got {len(states0)}")
    cell = CELLS[spec.cell]
    between = None if spec.between is None else activations.get(spec.between)
    caches, between_inputs, seq = [], [], xs
    for l in range(spec.layers):
        if l > 0 and between is not None:
            between_inputs.append(seq)
            seq = between.f(seq)
        seq, c = cell.forward(_layer_params(params, l, cell.KEYS), seq, states0[l], **spec.cell_options,
                              workspace=None if workspace is None else workspace.part(f"l{l}"))
        caches.append(c)
    top = seq if spec.return_sequences else seq[-1]             # (T, *lead, B, H) or (*lead, B, H)
    y = top @ params["out.W"] + params["out.b"][..., None, :]   # (..., B, O)
    return y, Cache(caches, between_inputs, top, params, spec)


def backward(dy, cache: Cache, *, return_trace=False, workspace=None):
    """Gradients of every parameter, given dLoss/dy. Returns ``grads`` (and,
    with ``return_trace``, a list of per-layer traces of dLoss/dh_t).
    ``workspace``: as for :func:`forward` (the same one may be passed to both)."""
    params, spec, top = _checks.instance("cache", cache, Cache).params, cache.spec, cache.top
    dy = _checks.float_array("dy", np.asarray(dy))
    if dy.shape[:-1] != top.shape[:-1] or dy.shape[-1] != spec.output_size:
        raise ValueError(f"dy must have shape {top.shape[:-1] + (spec.output_size,)}; got {dy.shape}")
    if spec.return_sequences:   # top (T, *lead, B, H), dy (T, *lead, B, O)
        grads = {"out.W": sum_over_time(top, dy), "out.b": merge_time(dy).sum(axis=-2)}
    else:                       # top (*lead, B, H), dy (*lead, B, O)
        grads = {"out.W": np.swapaxes(top, -1, -2) @ dy, "out.b": dy.sum(axis=-2)}
    dtop = dy @ np.swapaxes(params["out.W"], -1, -2)            # like top
    hs = cache.layer_caches[-1].hs                             # (T+1, *lead, B, H)
    T, lead, BH = hs.shape[0] - 1, hs.shape[1:-2], hs.shape[-2:]
    store = empty(workspace, "dseq", (int(np.prod(lead, dtype=int)), T) + BH, hs.dtype)   # member-major (M, T, B, H)
    dseq = np.moveaxis(store.reshape(lead + (T,) + BH), len(lead), 0)   # (T, *lead, B, H) view
    dseq[...] = 0
    if spec.return_sequences:
        dseq += dtop
    else:
        dseq[-1] = dtop
    cell = CELLS[spec.cell]
    between = None if spec.between is None else activations.get(spec.between)
    traces = [None] * spec.layers
    for l in reversed(range(spec.layers)):
        out = cell.backward(dseq, cache.layer_caches[l], return_trace=return_trace,
                            workspace=None if workspace is None else workspace.part(f"l{l}"))
        g, dseq = out[0], out[2]
        if return_trace:
            traces[l] = out[3]
        grads.update({f"l{l}.{k}": v for k, v in g.items()})
        if l > 0 and between is not None:
            dseq = dseq * between.df(cache.between_inputs[l - 1])
    return (grads, traces) if return_trace else grads
