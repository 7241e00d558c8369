# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Anatomy of an LSTM
#
# **The question.** An LSTM uses three nonlinearities in three different roles. Which one does what, what range does each value live in, and what are the shapes of everything? Before we can ask whether ReLU could replace tanh, we need to know exactly where tanh sits.
#
# :::{admonition} Claims tested in this chapter
# - **C1** LSTMs "use the tanh activation function for the activation of the cell state and the sigmoid activation function for the node output" [Q].
# - **C13** an LSTM takes a 2D array as input; "one layer of LSTM has as many cells as the timesteps"; `return_sequences=True` makes every timestep emit an output [Q].
# - **D7** in GRUs and LSTMs, tanh is the hidden-state activation, and the gates use sigmoid because they need outputs in 0..1 [L].
#
# The sources and the full list are in the {doc}`claims ledger <../claims>`.
# :::
#
# Everything below runs on the book's small numpy package, `rnnlab`. The first cell imports it, fixes the seeds and sets the plot style used in every chapter.

# %% tags=["nbval-ignore-output"]
# On Colab, install the book's package first; anywhere else this cell does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "rnnlab @ git+https://github.com/rnnlab-book/why-not-relu-in-lstm"

# %%
import numpy as np
import matplotlib.pyplot as plt

from rnnlab import activations, gradcheck, gru, lstm, plotting, rnn, stack, stats, tasks, train
from rnnlab import population as population_module
from rnnlab.book import glue

plotting.use_book_style()
SEEDS = [0, 1, 2]          # every experiment in this chapter uses these seeds, all of them reported
DATA_SEED = 100

# %% [markdown]
# ## The equations, role by role
#
# At each step $t$ an LSTM reads an input $x_t \in \R^D$ and its previous hidden state $h_{t-1} \in \R^H$, and computes four pre-activations with one matrix product, $z_t = x_t W_x + h_{t-1} W_h + b$, split into four blocks of $H$. Each block has its own activation and its own role:
#
# $$
# \begin{aligned}
# g_t &= \tanh(z^g_t) && \text{candidate: what could be written into the cell, in } (-1, 1)\\
# i_t &= \sigma(z^i_t) && \text{input gate: how much of } g_t \text{ to write, in } (0, 1)\\
# f_t &= \sigma(z^f_t) && \text{forget gate: how much of the old cell to keep, in } (0, 1)\\
# o_t &= \sigma(z^o_t) && \text{output gate: how much of the cell to show, in } (0, 1)\\
# c_t &= f_t \odot c_{t-1} + i_t \odot g_t && \text{cell state: a running, gated sum -- no activation at all}\\
# h_t &= o_t \odot \tanh(c_t) && \text{hidden state and output: the cell squashed into } (-1, 1)
# \end{aligned}
# $$
#
# So tanh appears **twice**, in two roles the rest of the book keeps apart: the *candidate* $g$ (what goes into the cell) and the *output squash* $h$ (what comes out of it). The sigmoid appears three times, once per gate. The cell state itself is never passed through an activation: it is a sum, and nothing bounds it except the gates. The original LSTM of {cite:t}`hochreiter1997lstm` had no forget gate (in effect $f_t = 1$); {cite:t}`gers2000forget` added it. Nor did it use tanh: its squashing functions were logistic sigmoids, shifted and scaled to be centred on 0 (a logistic curve $2\sigma(x) - 1$ is the same as $\tanh(x/2)$), so the tanh of modern LSTMs is a later convention, not part of the original design.
#
# In Keras the three sigmoids are set by one argument, `recurrent_activation` (default `"sigmoid"`), and the two tanh roles by another, `activation` (default `"tanh"`), which is applied both to the candidate and to the cell state on its way out {cite:p}`keras_lstm_docs`. So Keras cannot put ReLU in one tanh role without the other.
#
# In `rnnlab` each role is a keyword, so one argument swaps tanh for ReLU in exactly one place:

# %%
rng = np.random.default_rng(SEEDS[0])
params = lstm.init(rng, input_size=2, hidden_size=4)
xs = np.random.default_rng(DATA_SEED).standard_normal((6, 3, 2))        # (T, B, D)
hs_standard, _ = lstm.forward(params, xs)                                # gate=sigmoid, cand=tanh, squash=tanh
hs_relu_h, _ = lstm.forward(params, xs, squash="relu")                   # only the output squash changes
hs_keras_relu, _ = lstm.forward(params, xs, cand="relu", squash="relu")  # what Keras's activation='relu' does
print("output shape:", hs_standard.shape)
print("same weights, three variants; max |h|:",
      [float(np.abs(h).max().round(3)) for h in (hs_standard, hs_relu_h, hs_keras_relu)])

# %% [markdown]
# ## What range does each value live in?
#
# Claim C1 says tanh is "for the cell state" and sigmoid "for the node output". To test it we measure the range of every quantity in an LSTM. An untrained net would tell us little, so we first train a small population of LSTMs on the *adding problem*: the input is a sequence of random values, two of which are marked, and the target is the sum of the two marked values. Predicting the constant 1 scores a mean squared error of $1/6$; that is the baseline to beat. Three seeds train at once, as one population; each has its own initialisation and its own stream of training sequences.

# %% tags=["nbval-ignore-output"]
task = tasks.AddingTask(T=20)
spec = stack.ModelSpec(cell="lstm", input_size=2, hidden_size=8, output_size=1)
config = train.TrainConfig(steps=600, batch_size=32, lr=1e-2)
population = stack.init_population(spec, SEEDS)
population, history = train.train(population, spec, task, config, population_module.data_rngs(SEEDS))
test_mse = train.evaluate(population, spec, task, np.random.default_rng(DATA_SEED + 1), batch_size=1000)
print("test MSE per seed:", np.round(test_mse, 4), "| baseline:", round(task.baseline, 4))
assert not history.diverged.any(), "no seed may diverge in this small, standard setting"
assert np.all(test_mse < 0.25 * task.baseline), "every seed must learn well below the constant baseline"
glue("anat_test_mse_max", float(np.max(test_mse).round(4)), display=False)
glue("anat_test_mse_min", float(np.min(test_mse).round(4)), display=False)

# %% [markdown]
# All three seeds learned the task: their test errors range from {glue:text}`anat_test_mse_min:.4f` to {glue:text}`anat_test_mse_max:.4f`, against $1/6 \approx 0.167$ for the constant guess. Now we run every trained net over a fresh batch and record the range of each quantity.

# %% tags=["nbval-ignore-output"]
xs_test, _ = task.sample(np.random.default_rng(DATA_SEED + 2), 500)
_, cache = stack.forward(population, xs_test, spec)
layer = cache.layer_caches[0]
H = spec.hidden_size
blocks = {"g (candidate)": layer.acts[..., :H], "i (input gate)": layer.acts[..., H:2 * H],
          "f (forget gate)": layer.acts[..., 2 * H:3 * H], "o (output gate)": layer.acts[..., 3 * H:],
          "c (cell state)": layer.cs[1:], "h (output)": layer.hs[1:]}
print(f"{'quantity':18s} {'min':>8s} {'max':>8s}")
for name, values in blocks.items():
    print(f"{name:18s} {values.min():8.3f} {values.max():8.3f}")
max_abs_c = float(np.abs(layer.cs).max())
glue("anat_max_abs_c", round(max_abs_c, 2), display=False)

# %%
assert max_abs_c > 1, "C1: the cell state is not squashed by tanh: trained cells leave (-1, 1)"
assert layer.hs.min() < -0.05, "C1: the node output h is not a sigmoid output: it takes clearly negative values"
h_min = float(layer.hs.min())
glue("anat_h_min", round(h_min, 2), display=False)

# %% [markdown]
# The measurement splits C1 in two. The gates are sigmoids and the candidate and the output are tanh-bounded, by construction. But the **cell state is not the output of any activation**: in these trained nets $|c|$ reaches {glue:text}`anat_max_abs_c:.2f`, well outside the range of tanh. tanh is applied *to* the cell state on its way out, not *as* its activation. And the "node output" $h$ is not a sigmoid: it is a sigmoid gate times a tanh, and it goes as low as {glue:text}`anat_h_min`, which no sigmoid output can.
#
# The figure below follows one sequence through one trained net. The two marked inputs are where the input gate should open and the cell should store a value.

# %% tags=["nbval-ignore-output"] mystnb={"figure": {"caption": "One test sequence through a trained LSTM (seed 0, 8 units). Rows are units, columns are time steps; the dashed lines mark the two marked inputs of the adding problem. Gates live in (0, 1), the candidate and the output in (-1, 1), while the cell state is unbounded and holds its value between the marks.", "name": "fig-anat-states"}, "image": {"alt": "Six heat maps, units by time: candidate g, input gate i, forget gate f, output gate o, cell state c and output h. The input gate opens for some units at the two marked steps, the forget gate stays mostly between 0.6 and 0.9, and the cell state steps at each mark and then holds its value."}}
sample = 0
marks = np.flatnonzero(xs_test[:, sample, 1])
panels = [("g (candidate)", -1, 1, "PuOr"), ("i (input gate)", 0, 1, "viridis"),
          ("f (forget gate)", 0, 1, "viridis"), ("o (output gate)", 0, 1, "viridis"),
          ("c (cell state)", None, None, "PuOr"), ("h (output)", -1, 1, "PuOr")]
fig, axes = plt.subplots(2, 3, figsize=(9, 4.6), sharex=True, sharey=True)
for ax, (name, lo, hi, cmap) in zip(axes.flat, panels):
    values = blocks[name][:, 0, sample, :].T            # (H, T): model 0 of the population
    if lo is None:
        hi = float(np.abs(values).max()); lo = -hi
    im = ax.imshow(values, aspect="auto", cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    ax.set_title(name)
    ax.grid(False)
    for m in marks:
        ax.axvline(m, color="k", linestyle="--", linewidth=0.8)
    fig.colorbar(im, ax=ax, shrink=0.8)
for ax in axes[1]:
    ax.set_xlabel("time step t")
for ax in axes[:, 0]:
    ax.set_ylabel("unit")
plt.show()

# %% [markdown]
# ## Shapes: one cell, reused at every step
#
# `rnnlab` stores a sequence as `(T, B, D)`: time first, then the batch, then the features. Keras uses `(batch, timesteps, features)`; one transpose converts. A *single* sample is a 2D array, `(T, D)` in our order or `(timesteps, features)` in Keras's; a batch of samples is 3D.

# %%
xs_keras = xs_test.transpose(1, 0, 2)                   # (B, T, D), the Keras layout
one_sample = xs_test[:, 0, :]                           # (T, D): a 2D array per sample
print("rnnlab batch:", xs_test.shape, "| Keras batch:", xs_keras.shape, "| one sample:", one_sample.shape)

# %% [markdown]
# Claim C13 says a layer "has as many cells as the timesteps". Drawings of an *unrolled* LSTM show one box per step, which is where the idea comes from. But the boxes are the **same cell**: one set of weights, applied $T$ times. Two measurements settle it. First, the number of parameters does not depend on $T$. Second, the very same parameters run on sequences of any length.
#
# An LSTM layer with input size $D$ and $H$ units has four blocks, each with an $H \times D$ input matrix, an $H \times H$ recurrent matrix and $H$ biases:
#
# $$ \#\text{params} = 4\,(HD + H^2 + H) = 4H(D + H + 1). $$
#
# Keras counts the same. PyTorch keeps two bias vectors per block and counts $4H(D + H + 2)$.

# %%
def n_params(p):
    return sum(v.size for v in p.values())

counts = {}
for T in (1, 30, 1000):
    p = lstm.init(np.random.default_rng(SEEDS[0]), input_size=2, hidden_size=8)
    hs, _ = lstm.forward(p, np.zeros((T, 1, 2)))
    counts[T] = n_params(p)
    print(f"T = {T:4d}: {n_params(p)} parameters, output {hs.shape}")
D_, H_ = 2, 8
assert len(set(counts.values())) == 1, "the parameter count must not depend on the sequence length"
assert counts[1] == 4 * H_ * (D_ + H_ + 1), "the count must match 4H(D + H + 1)"
glue("anat_n_params", int(counts[1]), display=False)

# %% [markdown]
# With $D = 2$ and $H = 8$ the layer has {glue:text}`anat_n_params` parameters whether it reads 1 step or 1000. The number of *units* $H$ is the width of the state and has nothing to do with $T$.
#
# ## `return_sequences`: every step, or only the last
#
# The cell emits an $h_t$ at every step. A framework either returns all of them, `(T, B, H)` here, or only the last one, `(B, H)`. Keras's `return_sequences=True` is the first. A sequence-to-one task like the adding problem needs only the last; a stacked layer above needs the whole sequence (the {doc}`stacked LSTMs chapter <06-stacked-lstms>` takes this up).

# %%
for return_sequences in (True, False):
    s = spec.with_(return_sequences=return_sequences)
    y, c = stack.forward(stack.init(s, np.random.default_rng(SEEDS[0])), xs_test[:, :4], s)
    print(f"return_sequences={return_sequences!s:5}: hidden states {c.layer_caches[0].hs[1:].shape}, readout {y.shape}")
    assert y.shape == ((20, 4, 1) if return_sequences else (4, 1))

# %% [markdown]
# ## The GRU: the same division of labour
#
# Claim D7 extends the picture to the GRU {cite:p}`cho2014gru`. A GRU has two sigmoid gates, an update gate $u$ and a reset gate $r$, and a tanh candidate $n$. Its new state is a gated average, $h_t = (1 - u_t)\, n_t + u_t\, h_{t-1}$. So in a GRU tanh is the **candidate's** activation, not the hidden state's: no activation is applied to $h$ at all. $h$ is bounded only because it averages bounded candidates. The test: keep the same (deliberately large) weights and swap the candidate's tanh for ReLU. If tanh were what bounds the state, the state must now leave $(-1, 1)$.

# %% tags=["nbval-ignore-output"]
p_gru = gru.init(np.random.default_rng(SEEDS[0]), 2, 8)
p_gru = {k: 3.0 * v for k, v in p_gru.items()}          # large weights: strongly saturated units
xs_gru = np.random.default_rng(DATA_SEED).standard_normal((200, 16, 2)) * 3       # (T, B, D)
hs_gru, _ = gru.forward(p_gru, xs_gru)                                            # candidate tanh
hs_gru_relu, _ = gru.forward(p_gru, xs_gru, cand="relu")                          # candidate ReLU, same weights
gru_max = {"tanh": float(np.abs(hs_gru).max()), "relu": float(np.abs(hs_gru_relu).max())}
print(f"max |h| with a tanh candidate: {gru_max['tanh']:.3f}; with a ReLU candidate: {gru_max['relu']:.3g}")
assert gru_max["relu"] > 10, "D7: with a ReLU candidate the GRU state leaves (-1, 1): its bound comes from the candidate"
glue("anat_gru_relu_max", f"{gru_max['relu']:.3g}", display=False)

# %% [markdown]
# With the candidate's tanh, $|h|$ stays below 1; with a ReLU candidate and the same weights it reaches {glue:text}`anat_gru_relu_max`. The bound on a GRU's state is inherited from its candidate, and the state itself has no activation.
#
# ## Do the gates need outputs in 0..1?
#
# D7 gives a reason for the sigmoid gates: they "need outputs in 0..1". A gate multiplies, so a value in $(0, 1)$ reads as "how much to let through". But does training need that range? We swap the gates' sigmoid for two alternatives and train each on the adding problem, now with $T = 50$ steps between the start and the readout so that memory matters: **tanh gates**, in $(-1, 1)$, which can flip the sign of what they pass, and **identity gates**, unbounded. Eight seeds per variant, each with its own initialisation and data stream, the same training budget as above (Adam, 600 steps of 32 sequences, learning rate 0.01, 8 units). A run *succeeds* when its test error falls below a quarter of the constant baseline; we also record the largest $|c|$ on 200 test sequences.

# %% tags=["nbval-ignore-output"]
GATE_SEEDS = list(range(8))
gate_task = tasks.AddingTask(T=50)
gate_runs = {}
for gate in ("sigmoid", "tanh", "identity"):
    s = spec.with_(gate=gate)
    pop, hist = train.train(stack.init_population(s, GATE_SEEDS), s, gate_task, config,
                            population_module.data_rngs(GATE_SEEDS))
    mse = train.evaluate(pop, s, gate_task, np.random.default_rng(DATA_SEED + 1), batch_size=1000)
    _, gc = stack.forward(pop, gate_task.sample(np.random.default_rng(DATA_SEED + 2), 200)[0], s)
    cs = gc.layer_caches[0].cs                                                       # (T+1, S, B, H)
    max_c = np.abs(cs).max(axis=(0, 2, 3))                                           # (S,)
    ok = (mse < 0.25 * gate_task.baseline) & ~hist.diverged
    gate_runs[gate] = {"ok": int(ok.sum()), "mse": mse, "max_c": max_c, "diverged": int(hist.diverged.sum())}
    print(f"{gate:9s} gates: success {stats.fmt_rate(int(ok.sum()), len(GATE_SEEDS))}; diverged {int(hist.diverged.sum())}; "
          f"median test MSE / baseline {np.median(mse) / gate_task.baseline:.2f}; median max |c| {np.median(max_c):.3g}")

# %% tags=["nbval-ignore-output"]
n_g = len(GATE_SEEDS)
cmp_tanh = stats.compare_rates(gate_runs["tanh"]["ok"], n_g, gate_runs["sigmoid"]["ok"], n_g)
c_ident, c_sig = float(np.median(gate_runs["identity"]["max_c"])), float(np.max(gate_runs["sigmoid"]["max_c"]))
print(f"tanh vs sigmoid gates, success: Fisher p = {cmp_tanh.p:.2f}")
assert gate_runs["tanh"]["ok"] >= gate_runs["sigmoid"]["ok"] or not cmp_tanh.significant, \
    "D7: gates in (-1, 1) should not learn significantly worse than sigmoid gates at this scale"
assert gate_runs["tanh"]["ok"] >= n_g // 2, "D7: tanh gates (outputs in (-1, 1)) should learn the task for at least half the seeds"
assert c_ident > 1e3 * c_sig, "D7: unbounded (identity) gates should let the cell state blow up by orders of magnitude"
glue("anat_gate_sig", stats.fmt_rate(gate_runs["sigmoid"]["ok"], n_g), display=False)
glue("anat_gate_tanh", stats.fmt_rate(gate_runs["tanh"]["ok"], n_g), display=False)
glue("anat_gate_id", stats.fmt_rate(gate_runs["identity"]["ok"], n_g), display=False)
glue("anat_gate_p", round(cmp_tanh.p, 2), display=False)
glue("anat_gate_c_id", f"{c_ident:.1e}", display=False)
glue("anat_gate_c_sig", f"{c_sig:.1f}", display=False)
glue("anat_gate_n", n_g, display=False)

# %% [markdown]
# Sigmoid gates succeeded in {glue:text}`anat_gate_sig`, tanh gates in {glue:text}`anat_gate_tanh` (Fisher p = {glue:text}`anat_gate_p` for the difference), identity gates in {glue:text}`anat_gate_id`. What goes wrong without the 0..1 range is not the sign: gates in $(-1, 1)$ trained at least as well at this scale. It is the **bound**. With identity gates nothing stops the products $f_t \odot c_{t-1}$ and $i_t \odot g_t$ from growing, and the median largest $|c|$ was {glue:text}`anat_gate_c_id`, against at most {glue:text}`anat_gate_c_sig` with sigmoid gates. The range $(0, 1)$ makes a gate interpretable as a fraction and keeps $|f_t| < 1$ a pure decay; that is a design reason, not a requirement this experiment could confirm.


# %% [markdown]
# ## Is the implementation right? A gradient check, run live
#
# Every experiment in this book trusts `rnnlab`'s backward passes. Here they are checked against central finite differences in float64, for each layer and for the activation roles the book swaps. The error is $\lVert a - n \rVert / (\lVert a \rVert + \lVert n \rVert)$ over each parameter array: about $10^{-10}$ when the analytic gradient $a$ is right, and $10^{-2}$ or worse when it is wrong. The test suite runs the full grid (every activation in every role, depths 1 to 3, both return modes, with and without a forget gate); this table is a sample.

# %%
def check_model(**fields):
    s = stack.ModelSpec(input_size=2, hidden_size=3, output_size=1, dtype="float64", **fields)
    r = np.random.default_rng(SEEDS[0])
    p = {k: v + 0.1 * r.standard_normal(v.shape) for k, v in stack.init(s, r).items()}
    x, y = tasks.AddingTask(T=5).sample(r, 2)
    report = gradcheck.check(lambda q: train.loss_and_grads(q, s, x, y, "mse"), p)
    return max(report.values())

cases = {
    "RNN, tanh": dict(cell="rnn", act="tanh"),
    "RNN, relu": dict(cell="rnn", act="relu"),
    "LSTM, standard": dict(cell="lstm"),
    "LSTM, squash = relu": dict(cell="lstm", squash="relu"),
    "LSTM, cand = squash = relu": dict(cell="lstm", cand="relu", squash="relu"),
    "LSTM, no forget gate": dict(cell="lstm", forget_gate=False),
    "LSTM, 2 layers": dict(cell="lstm", layers=2),
    "GRU, standard": dict(cell="gru"),
}
errors = {name: check_model(**fields) for name, fields in cases.items()}
print(f"{'model':28s} worst relative error")
for name, err in errors.items():
    print(f"{name:28s} {'< 1e-8' if err < 1e-8 else f'{err:.1e}'}")
assert max(errors.values()) < 1e-7, "every backward pass must agree with finite differences"

# %% [markdown]
# ## Verdicts
#
# :::{admonition} C1 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-c1
#
# Tested at: 3 trained LSTMs (8 units, adding problem T = 20, Adam, 600 steps), 500 test sequences. The roles are right but the wording is not. In Keras terms, C1's "sigmoid" is `recurrent_activation` (the three gates) and its "tanh" is `activation`, which acts twice: as the candidate $g$, and as the squash applied to the cell state on its way to the output. The cell state itself has no activation: in our trained nets $|c|$ reached {glue:text}`anat_max_abs_c:.2f`, far outside tanh's range. The "node output" $h = o \odot \tanh(c)$ is a sigmoid gate times a tanh, not a sigmoid: it went as low as {glue:text}`anat_h_min` ({numref}`fig-anat-states`). And tanh is a convention: the 1997 LSTM used scaled logistic squashes {cite:p}`hochreiter1997lstm`.
# :::
#
# (verdict-c13)=
# :::{admonition} C13 (shapes, return_sequences) · holds
# :class: verdict-holds
# :name: verdict-c13-shapes
#
# Tested at: shapes of one LSTM layer (D = 2, H = 8) on a batch of 500 sequences of T = 20. Each sample is a 2D array (timesteps × features), a batch is 3D, and `return_sequences=True` returns one output per step, `(T, B, H)`, while `False` returns only the last, `(B, H)`.
# :::
#
# :::{admonition} C13 ("as many cells as timesteps") · fails as stated
# :class: verdict-fails
# :name: verdict-c13-cells
#
# Tested at: one LSTM layer (D = 2, H = 8) run on T = 1, 30 and 1000. A layer does not "have as many cells as the timesteps": it has **one** cell, applied at every step. Its {glue:text}`anat_n_params` parameters are the same for $T = 1$ and $T = 1000$; the $T$ boxes of an unrolled drawing all share those weights.
# :::
#
# :::{admonition} D7 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d7
#
# Tested at: GRU with large random weights (8 units, 200 steps, batch 16); LSTMs with sigmoid, tanh and identity gates ({glue:text}`anat_gate_n` seeds each, 8 units, adding problem T = 50, Adam, 600 steps). The gates are sigmoids in both cells. But tanh is not the GRU's hidden-state activation: it is the candidate's, and the state has none (with a ReLU candidate the same GRU's $|h|$ reached {glue:text}`anat_gru_relu_max`). "Because they need outputs in 0..1" was not confirmed: gates in $(-1, 1)$ learned the task in {glue:text}`anat_gate_tanh` runs against {glue:text}`anat_gate_sig` for sigmoid gates. What the gates do need is a bound: identity gates let $|c|$ reach {glue:text}`anat_gate_c_id`.
# :::
#
# ## Exercises
#
# ::::{exercise}
# :label: ex-anat-1
#
# An LSTM layer reads 10 features and has 32 units. How many parameters does it have in `rnnlab` (and Keras), and how many in PyTorch? Check your first answer with `lstm.init`.
# ::::
#
# ::::{solution} ex-anat-1
# :class: dropdown
#
# $4H(D + H + 1) = 4 \cdot 32 \cdot 43 = 5504$; PyTorch's second bias adds $4H = 128$, for 5632. In code: `sum(v.size for v in lstm.init(np.random.default_rng(0), 10, 32).values())` returns 5504.
# ::::
#
# ::::{exercise}
# :label: ex-anat-2
#
# Without a forget gate ($f_t = 1$), show that $|c_t|$ can grow without bound while $h_t$ stays in $(-1, 1)$. Run `lstm.forward(p, np.ones((500, 1, 1)), forget_gate=False)` with `p = lstm.init(rng, 1, 3, forget_gate=False)` and plot `cache.cs[:, 0, :]`.
# ::::
#
# ::::{solution} ex-anat-2
# :class: dropdown
#
# With constant input the net settles to a constant $i \odot g$ per unit, so $c_t \approx c_0 + t\, i \odot g$ grows linearly wherever $i \odot g \neq 0$; $h = o \odot \tanh(c)$ saturates at $\pm o$. This is the unbounded cell that {cite:t}`gers2000forget` fixed with the forget gate, and the reason the output squash matters when we try ReLU in its place.
# ::::
#
# ::::{exercise}
# :label: ex-anat-3
#
# Convert a Keras batch of shape `(batch, timesteps, features) = (64, 100, 3)` to `rnnlab`'s layout and back. Which axis does `return_sequences=False` remove in each layout?
# ::::
#
# ::::{solution} ex-anat-3
# :class: dropdown
#
# `xs = xs_keras.transpose(1, 0, 2)` gives `(100, 64, 3)`; the same transpose converts back. `return_sequences=False` drops the time axis: axis 1 in Keras's layout, axis 0 in `rnnlab`'s, leaving `(64, H)` in both.
# ::::
#
# ## References
#
# - {cite:t}`hochreiter1997lstm`
# - {cite:t}`gers2000forget`
# - {cite:t}`cho2014gru`
# - {cite:t}`keras_lstm_docs`
