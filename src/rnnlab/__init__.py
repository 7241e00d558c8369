"""rnnlab: the numpy package behind the book *Why not ReLU in an LSTM?*

Conventions, stated once:

* Sequences are ``(T, B, D)``: time, batch, features (Keras uses
  ``(batch, timesteps, features)``; ``xs.transpose(1, 0, 2)`` converts).
* A population of S models adds a model axis after time: params ``(S, ...)``,
  states ``(S, B, H)``, sequences ``(T, S, B, D)`` or shared ``(T, B, D)``.
* Every random draw takes an explicit ``rng = np.random.default_rng(seed)``.
* Layers are pure functions: ``forward(params, xs, state0, **roles) ->
  (outputs, cache)`` and ``backward(douts, cache) -> (grads, dstate0, dxs)``.
* Bad input raises ``ValueError`` (a wrong value or shape) or ``TypeError`` (a wrong
  type), naming the argument and what it got (:mod:`rnnlab._checks`).

Layout:

* the tested core, at the top: ``activations``, ``init``, the layers (``rnn``,
  ``lstm``, ``gru``, ``lnlstm``, ``indrnn``, ``conv``, ``cnn``), ``stack``,
  ``mlp``, ``losses``, ``optim``, ``train``, ``tasks``, ``population``,
  ``gradcheck``, ``stats``, ``plotting``, ``explore``, ``book``, ``threads``
  (one BLAS thread);
* :mod:`rnnlab.instruments`: each chapter's instruments, named for what they
  measure (``relu_at_zero``, ``saturation``, ``spectral``, ``gradient_flow``, ...),
  imported on demand;
* the experiment store :mod:`rnnlab.store` (atomic saves that survive damage),
  :mod:`rnnlab.provenance` (where a result came from, staleness)
  and :mod:`rnnlab.sweep` (grids of cells run in parallel, resumable);
* :mod:`rnnlab.grids`: the stored results behind the chapters, one module
  each, and the one command line that writes them, ``python -m rnnlab.grids NAME``.
"""
from . import activations, gradcheck, gru, init, losses, lstm, mlp, optim, plotting, rnn, stack, tasks, train
from .stack import ModelSpec
from .tasks import AddingTask, CopyTask, ProductTask
from .train import TrainConfig

__version__ = "1.0.0"
__all__ = ["activations", "gradcheck", "gru", "init", "losses", "lstm", "mlp", "optim", "plotting", "rnn", "stack",
           "tasks", "train", "ModelSpec", "AddingTask", "CopyTask", "ProductTask", "TrainConfig"]
