"""Each chapter's instruments: what the book measures, kept apart from the tested core.

The core (:mod:`rnnlab.activations`, :mod:`rnnlab.lstm`, :mod:`rnnlab.stack`,
:mod:`rnnlab.train`, ...) builds and trains the models; the modules here measure
them, one idea per module, named for what they measure:

=========================  =====  ==========================================================
module                     ch.    measures
=========================  =====  ==========================================================
``relu_at_zero``           2      finite differences at the kink, exact zeros, ReLU'(0) in recurrent stacks
``relu_at_zero_mlp``       2      ReLU MLP populations in emulated float16, synthetic 8-bit images
``relu_at_zero_training``  2      ReLU'(0) = 0 vs 1: gradients at initialisation, trained pairs
``saturation``             3      derivative ranges, saturated fractions, gradient products over depth and time
``dead_relus``             3      dead ReLU units: born dead, killed by training
``spectral``               4      spectra, matrix powers, Jacobians of the recurrences
``widgets``                4      the eigenvalue explorer (precomputed and live)
``relu_in_lstm``           5      analysis of the stored ReLU-in-LSTM grids
``gradient_flow``          6      gradient norms over (layer, time) in stacks, what passes between layers
``compute_cost``           7      wall-clock cost of activations, under several CPU profiles
=========================  =====  ==========================================================

Import them by name, ``from rnnlab.instruments import spectral``; nothing is
imported here, so importing :mod:`rnnlab` stays light. The stored results some
of them analyse are made by ``python -m rnnlab.grids NAME`` (:mod:`rnnlab.grids`).
"""
