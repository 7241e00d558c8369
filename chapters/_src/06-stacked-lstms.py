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
# # 6. Stacked LSTMs: do layers need an activation between them?
#
# **The question.** A deep feed-forward net needs a nonlinearity between its layers: without one, two linear layers collapse into a single linear map. When LSTM layers are stacked, should we also put an activation (a tanh, a ReLU) between them, or can one layer's output feed the next layer as it is? And how does the gradient travel through such a stack, down the layers and back in time at once?
#
# :::{admonition} Claims tested in this chapter
# - **C12** stacked LSTMs (Graves et al.) need no activation layers between the LSTM layers, only a final fully connected output [Q].
# - **C13**, the stacking part: `return_sequences=True` makes every timestep emit an output [Q]. The shape part of C13 (a 2D array per sample, "as many cells as the timesteps") is settled in {doc}`01-lstm-anatomy`.
#
# The sources and the full list are in the {doc}`claims ledger <../claims>`.
# :::
#
# The first cell imports `rnnlab`, fixes every seed and sets the book's plot style. The small matrices of this chapter run fastest on one BLAS thread, so we ask for one before numpy loads.

# %%
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # tiny matrices: threading only adds overhead

import numpy as np
import matplotlib.pyplot as plt
from myst_nb import glue

from rnnlab import activations, flow, lstm, plotting, stack, train

plotting.use_book_style()
SEEDS = list(range(10))    # model seeds, all reported
DATA_SEED = 1              # the training stream, shared by every model
EVAL_SEED = 1000           # fresh test batches
BETWEEN = [None, "tanh", "relu"]   # what sits between two LSTM layers (None: nothing)
LABEL = {None: "none", "tanh": "tanh", "relu": "relu"}
COLOR = {None: plotting.color("identity"), "tanh": plotting.color("tanh"), "relu": plotting.color("relu")}

# %% [markdown]
# (stack-shapes)=
# ## How stacking works
#
# Write $h^{(l)}_t$ for the hidden state of layer $l$ at step $t$, and $u^{(l)}_t$ for what layer $l$ reads at step $t$. The bottom layer reads the data, $u^{(0)}_t = x_t$. Every layer above reads the hidden sequence of the layer below, optionally through an activation $\phi$:
#
# $$
# u^{(l+1)}_t = \phi\big(h^{(l)}_t\big), \qquad
# h^{(l)}_t,\ c^{(l)}_t = \mathrm{LSTM}^{(l)}\big(u^{(l)}_t,\ h^{(l)}_{t-1},\ c^{(l)}_{t-1}\big), \qquad
# y = h^{(L-1)}_T\, W_{\text{out}} + b_{\text{out}}.
# $$
#
# The standard stack, the one {cite:t}`graves2013speech` used, has $\phi = $ identity: the next layer reads $h = o \odot \tanh(c)$ directly. That value has already been squashed into $(-1, 1)$ and gated, and the next layer applies its own sigmoids and tanh to an affine map of it. So unlike stacked *linear* layers, stacked LSTM layers cannot collapse into one: every layer is nonlinear on its own. The only purely linear piece is the readout on top.
#
# In `rnnlab` a stack is a `ModelSpec` with `layers=L`; `between` sets $\phi$ and is `None` by default. Here is a three-layer stack on a batch of 4 sequences of 10 steps with 2 features:

# %%
spec3 = stack.ModelSpec(input_size=2, hidden_size=16, output_size=1, layers=3, dtype="float64")
params3 = stack.init(spec3, np.random.default_rng(SEEDS[0]))
xs_demo = np.random.default_rng(DATA_SEED).standard_normal((10, 4, 2))     # (T, B, D)
y_last, cache3 = stack.forward(params3, xs_demo, spec3)
for l, c in enumerate(cache3.layer_caches):
    print(f"layer {l}: reads {c.xs.shape} -> hidden sequence {c.hs[1:].shape}")
y_all, _ = stack.forward(params3, xs_demo, spec3.with_(return_sequences=True))
print("readout, sequence-to-one (return_sequences=False):", y_last.shape)
print("readout, sequence-to-sequence (return_sequences=True):", y_all.shape)

# %%
for l in range(spec3.layers - 1):
    below, above = cache3.layer_caches[l], cache3.layer_caches[l + 1]
    assert np.array_equal(above.xs, below.hs[1:]), "layer l+1 reads layer l's whole hidden sequence, unchanged"
    assert np.abs(below.hs).max() < 1, "what passes between layers, h = o * tanh(c), is already in (-1, 1)"
assert y_last.shape == (4, 1) and y_all.shape == (10, 4, 1), "the top layer's return mode sets the output shape"

# %% [markdown]
# Every layer returns its **whole** hidden sequence, `(T, B, H)`, because the layer above needs an input at every step. Only the top of the stack chooses: for a sequence-to-one task (a label per sequence) the readout sees only $h^{(L-1)}_T$ and returns `(B, O)`; for a sequence-to-sequence task it sees every step and returns `(T, B, O)`. In Keras terms, every LSTM layer but the last needs `return_sequences=True`, and the last one has it only for sequence-to-sequence output.
#
# What if a lower layer returned only its last step? The layer above would receive a `(B, H)` array, a single vector per sample with no time axis, and there would be nothing to run the recurrence over. `rnnlab` refuses it, as Keras does:

# %%
h_last_only = cache3.layer_caches[0].hs[-1]                                 # (B, H): last step only
layer1 = {k: params3[f"l1.{k}"] for k in ("W_x", "W_h", "b")}
try:
    lstm.forward(layer1, h_last_only)
    refused = False
except ValueError as err:
    refused = True
    print("ValueError:", err)
assert refused, "a layer fed only the last step of the layer below has no sequence to read"

# %% [markdown]
# (One could copy the last vector to every step, as encoder-decoder models do with `RepeatVector` in Keras. That is a different model: the upper layer then sees a summary, not the lower layer's step-by-step states.)
#
# ## A task where depth can matter
#
# The adding problem, the book's workhorse, is a poor test of depth: its target is a *sum* of two stored values, which one layer holds in its cell and a linear readout adds up. A stack has nothing to compose. We want a task in which the stored values must be combined nonlinearly, so that a second level of processing has work to do.
#
# The **product task** (in `rnnlab.flow`) keeps the adding problem's inputs, a value $v_t$ and a marker per step with one marker in each half, but draws $v_t \sim U[-1, 1]$ and asks for the *product* $v_a v_b$ of the two marked values, in the spirit of the multiplication problem of {cite:t}`hochreiter1997lstm`. Since $v_a$ and $v_b$ are independent with mean 0, the product is uncorrelated with any additive function $f(v_a) + g(v_b)$: a model that stores both values and reads them out linearly does no better than the constant 0, whose MSE is $E[v_a^2]\,E[v_b^2] = 1/9$. The check below fits the best additive model (a cubic in each value) by least squares on the two marked values.

# %%
task = flow.ProductTask(T=10)
xs_chk, ys_chk = task.sample(np.random.default_rng(EVAL_SEED), 20_000)
marked = xs_chk[..., 0].T[xs_chk[..., 1].T == 1].reshape(-1, 2)           # (B, 2): v_a, v_b
features = np.column_stack([np.ones(len(marked)), marked, marked ** 2, marked ** 3])
coef, *_ = np.linalg.lstsq(features, ys_chk[:, 0], rcond=None)
additive_mse = float(np.mean((features @ coef - ys_chk[:, 0]) ** 2))
print(f"baseline 1/9 = {task.baseline:.4f} | best additive model: {additive_mse:.4f} "
      f"({additive_mse / task.baseline:.3f} of the baseline)")
assert additive_mse > 0.98 * task.baseline, "an additive read-out of the two values must not beat the constant 0"
glue("stack_additive_ratio", round(additive_mse / task.baseline, 3), display=False)

# %% [markdown]
# The best additive model reaches {glue:text}`stack_additive_ratio:.3f` of the baseline: storing the values is not enough, they must be multiplied. An LSTM can multiply: its gates multiply one signal by another. A single layer can do it through its recurrence (the gates at the second mark see $h_{t-1}$, which carries $v_a$); a stack can also do it across layers. Depth is *useful* here without being *required*.
#
# The horizon is short, $T = 10$, to fit the chapter's 60-second budget: in a first trial at $T = 20$ with 300 steps, no configuration left the baseline. The question of this chapter is depth, not memory length.
#
# ## Does an activation between layers help?
#
# We train stacks of depth 1, 2 and 3 with $\phi$ = none, tanh or ReLU between the layers (depth 1 has no boundary, so it appears once). All runs share one recipe: 8 units per layer, Adam with learning rate $10^{-2}$, gradient clipping at global norm 1, batches of 16, 600 steps, float32, and the same ten initialisation seeds and the same stream of training batches for every configuration. The width was set by trial runs: with 16 units, many 3-layer runs were still on the loss plateau after 600 steps, whatever sat between the layers.
#
# To keep within the budget, the three choices of $\phi$ at one depth train as **one population**: `flow.per_model_activation` builds a `between` activation that applies none, tanh or ReLU to different models of the population. The unit tests check that each model of such a population computes exactly what a lone model with that activation computes.

# %%
HIDDEN, STEPS, BATCH, LR = 8, 600, 16, 1e-2
config = train.TrainConfig(steps=STEPS, batch_size=BATCH, lr=LR, clip="norm", clip_threshold=1.0)
n = len(SEEDS)
runs = {}            # (depth, between) -> dict of results, one entry per seed
trained = {}         # depth -> (params, spec, choices)
for depth in (1, 2, 3):
    choices = [None] if depth == 1 else BETWEEN
    per_model = [b for b in choices for _ in SEEDS]                          # model k -> its phi
    spec = stack.ModelSpec(input_size=2, hidden_size=HIDDEN, output_size=1, layers=depth,
                           between=None if depth == 1 else flow.per_model_activation(per_model))
    pop = stack.init_population(spec, SEEDS * len(choices))
    pop, hist = train.train(pop, spec, task, config, np.random.default_rng(DATA_SEED))
    test = train.evaluate(pop, spec, task, np.random.default_rng(EVAL_SEED), batch_size=2000) / task.baseline
    for j, b in enumerate(choices):
        sl = slice(j * n, (j + 1) * n)
        runs[depth, b] = {"loss": hist.loss[:, sl] / task.baseline, "test": test[sl],
                          "diverged": hist.diverged[sl]}
    trained[depth] = (pop, spec, choices)

SOLVED = 0.5         # a run "solves" the task if its test MSE is below half the baseline
print(f"{'depth':>5s} {'between':>8s} {'solved':>7s} {'median':>7s} {'min':>7s} {'max':>7s}   (test MSE / baseline)")
for (depth, b), r in runs.items():
    t = r["test"]
    print(f"{depth:5d} {LABEL[b]:>8s} {int(np.sum(t < SOLVED)):4d}/{n} {np.median(t):7.3f} {t.min():7.3f} {t.max():7.3f}")
assert not any(r["diverged"].any() for r in runs.values()), "no run may diverge with clipping at this learning rate"

# %% mystnb={"figure": {"caption": "Training loss on the product task (MSE as a fraction of the constant baseline 1/9, smoothed over 25 steps) for stacks of depth 1, 2 and 3, with nothing, tanh or ReLU between the layers. Lines are the median over ten seeds, bands the full range.", "name": "fig-stack-loss"}, "image": {"alt": "Three panels of learning curves on a log scale, one per depth. Depth 1 has one black curve; depths 2 and 3 have black, blue and vermillion curves for none, tanh and ReLU. All curves sit near the baseline for 200 to 300 steps and then drop. At depth 2 the three colours overlap and end lower than depth 1; at depth 3 the black and blue medians drop late while the vermillion median stays on the plateau, and all bands are wide."}}
def smooth(a, w=25):
    kernel = np.ones(w) / w
    return np.stack([np.convolve(col, kernel, mode="valid") for col in a.T])   # (runs, steps - w + 1)

fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.2), sharey=True)
for ax, depth in zip(axes, (1, 2, 3)):
    for b in trained[depth][2]:
        curves = smooth(runs[depth, b]["loss"])
        plotting.spread(ax, np.arange(curves.shape[1]) + 25, curves, name="identity" if b is None else b,
                        label=LABEL[b], log=True)
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle=":")
    ax.set_title(f"depth {depth}")
    ax.set_xlabel("training step")
axes[0].set_ylabel("MSE / baseline")
axes[2].legend(title="between layers")
plt.show()

# %% [markdown]
# The table and {numref}`fig-stack-loss` give the whole picture, every seed included. A run either leaves the loss plateau at the baseline and drops far below it, or it is still on the plateau when the 600 steps run out; so we count *solved* runs (test MSE below half the baseline) and, separately, compare the accuracy of solved runs. Because every configuration starts from the same seeds and sees the same batches, the comparison can be made seed by seed: for each seed solved both without an activation and with $\phi$, the ratio of their test losses.
#
# The bar for "an activation between layers helps" is: a solved rate (depths 2 and 3 pooled) higher than without one by more than two binomial standard errors, or solved runs that are more accurate by more than 20 % in the median paired ratio.

# %%
def solved(depth, b):
    return int(np.sum(runs[depth, b]["test"] < SOLVED))

def median_test(depth, b):
    return float(np.median(runs[depth, b]["test"]))

def paired_ratios(b):
    """test loss with phi = b over test loss without, per seed solved by both (depths 2 and 3)."""
    out = []
    for d in (2, 3):
        a, c = runs[d, None]["test"], runs[d, b]["test"]
        both = (a < SOLVED) & (c < SOLVED)
        out.extend(c[both] / a[both])
    return np.array(out)

N_POOL = 2 * n
rate = {b: sum(solved(d, b) for d in (2, 3)) / N_POOL for b in BETWEEN}
for b in ("tanh", "relu"):
    se = np.sqrt((rate[b] * (1 - rate[b]) + rate[None] * (1 - rate[None])) / N_POOL)
    r = paired_ratios(b)
    print(f"{b}: solved {rate[b]:.0%} vs none {rate[None]:.0%} (difference {rate[b] - rate[None]:+.2f}, 2 SE = {2 * se:.2f}); "
          f"paired loss ratio over {len(r)} seeds: median {np.median(r):.2f} [{r.min():.2f}, {r.max():.2f}]")
    glue(f"stack_ratio_{b}", round(float(np.median(r)), 2), display=False)
    glue(f"stack_ratio_n_{b}", len(r), display=False)
    glue(f"stack_2se_{b}", round(float(2 * se), 2), display=False)
for depth in (2, 3):
    for b in BETWEEN:
        glue(f"stack_solved_d{depth}_{LABEL[b]}", solved(depth, b), display=False)
        glue(f"stack_median_d{depth}_{LABEL[b]}", round(median_test(depth, b), 3), display=False)
glue("stack_solved_d1", solved(1, None), display=False)
glue("stack_median_d1", round(median_test(1, None), 3), display=False)
glue("stack_n_seeds", n, display=False)
for b in BETWEEN:
    glue(f"stack_solved_rate_{LABEL[b]}", round(rate[b], 3), display=False)

# %%
assert median_test(2, None) < 0.7 * median_test(1, None), "depth matters on this task: 2 layers beat 1 clearly"
for b in ("tanh", "relu"):
    se = np.sqrt((rate[b] * (1 - rate[b]) + rate[None] * (1 - rate[None])) / N_POOL)
    assert rate[b] - rate[None] <= 2 * se, f"C12: {b} between layers must not solve clearly more runs than nothing"
    assert np.median(paired_ratios(b)) > 0.8, f"C12: {b} between layers must not make solved runs clearly more accurate"
assert np.median(paired_ratios("relu")) > 1, "a ReLU between layers makes solved runs less accurate, seed by seed"

# %% [markdown]
# Depth matters on this task: the median test loss is {glue:text}`stack_median_d1:.3f` of the baseline for one layer and {glue:text}`stack_median_d2_none:.3f` for two. Pooled over depths 2 and 3, the stacks with nothing between the layers solved {glue:text}`stack_solved_rate_none:.0%` of their runs, those with tanh {glue:text}`stack_solved_rate_tanh:.0%`, those with ReLU {glue:text}`stack_solved_rate_relu:.0%`. At depth 2 the counts are {glue:text}`stack_solved_d2_none`, {glue:text}`stack_solved_d2_tanh` and {glue:text}`stack_solved_d2_relu` of {glue:text}`stack_n_seeds` (none, tanh, ReLU); at depth 3, {glue:text}`stack_solved_d3_none`, {glue:text}`stack_solved_d3_tanh` and {glue:text}`stack_solved_d3_relu`. Seed by seed, a solved run with tanh between the layers had {glue:text}`stack_ratio_tanh:.2f` times the test loss of the same seed without it (median over {glue:text}`stack_ratio_n_tanh` seeds), and with ReLU {glue:text}`stack_ratio_relu:.2f` times (over {glue:text}`stack_ratio_n_relu` seeds). Neither activation passes the bar for "helps"; the ReLU runs are, if anything, worse.
#
# ## What actually passes between the layers
#
# Why does an extra tanh change so little, and what does a ReLU change? Look at the values they act on. Below, the trained depth-3 stacks run on a fresh batch, and we collect $h^{(0)}$ and $h^{(1)}$, the two hidden sequences that cross a layer boundary, separately for the stacks trained with each $\phi$.

# %%
pop3, spec3_mixed, choices3 = trained[3]
xs_test, _ = task.sample(np.random.default_rng(EVAL_SEED + 1), 256)
pairs = flow.between_values(pop3, spec3_mixed, xs_test)                      # [(h, u)] per boundary, (T, S, B, H)
values = {}
for j, b in enumerate(choices3):
    sl = slice(j * n, (j + 1) * n)
    h = np.concatenate([p[0][:, sl].ravel() for p in pairs])
    u = np.concatenate([p[1][:, sl].ravel() for p in pairs])
    values[b] = (h, u, flow.value_stats(h), flow.value_stats(u))
print(f"{'between':>8s} {'|h|<0.5':>8s} {'mean|h|':>8s} {'q99|h|':>7s} {'max|tanh(h)-h|':>15s} {'zeros in u':>11s}")
for b, (h, u, sh, su) in values.items():
    print(f"{LABEL[b]:>8s} {sh['frac_small']:8.3f} {sh['mean_abs']:8.3f} {sh['abs_q99']:7.3f} "
          f"{sh['tanh_gap']:15.3f} {su['frac_zero']:11.3f}")
s_none, s_tanh, s_relu_u = values[None][2], values["tanh"][2], values["relu"][3]
glue("stack_frac_small_none", round(s_none["frac_small"], 3), display=False)
glue("stack_mean_abs_none", round(s_none["mean_abs"], 3), display=False)
glue("stack_tanh_gap_tanh", round(s_tanh["tanh_gap"], 3), display=False)
glue("stack_relu_zero", round(s_relu_u["frac_zero"], 3), display=False)

# %%
assert np.abs(values[None][0]).max() < 1, "h = o * tanh(c) stays inside (-1, 1)"
assert s_none["frac_small"] > 0.5, "most values crossing a boundary are small, where tanh is close to the identity"
assert s_relu_u["frac_zero"] > 0.2, "a ReLU between layers zeroes a large share of what the next layer reads"

# %% mystnb={"figure": {"caption": "Values crossing a layer boundary in the trained depth-3 stacks (both boundaries, ten seeds pooled). Grey: h, the lower layer's output; colour: what the upper layer reads after the activation between them.", "name": "fig-stack-values"}, "image": {"alt": "Three histograms on a log density scale over the range -1 to 1. Left, no activation: h is sharply peaked at zero and stays within about plus or minus 0.8. Middle, tanh: the blue outline of tanh(h) nearly covers the grey histogram of h, slightly narrower in the tails. Right, ReLU: the vermillion outline has a tall spike at exactly zero and keeps only the positive half of h."}}
fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.0), sharey=True)
bins = np.linspace(-1, 1, 61)
for ax, b in zip(axes, choices3):
    h, u, _, _ = values[b]
    ax.hist(h, bins=bins, color="grey", alpha=0.5, density=True, label="h (below)")
    ax.hist(u, bins=bins, histtype="step", color=COLOR[b], density=True, linewidth=1.5, label=r"$\phi(h)$ (read above)")
    ax.set_title(f"between: {LABEL[b]}")
    ax.set_xlabel("value")
    ax.set_yscale("log")
axes[0].set_ylabel("density")
axes[1].legend(loc="upper left", fontsize=8)
plt.show()

# %% [markdown]
# The values that cross a boundary are bounded by 1, as they must be, and small: in the stacks with nothing between, {glue:text}`stack_frac_small_none:.1%` of them have $|h| < 0.5$, and their mean magnitude is {glue:text}`stack_mean_abs_none:.3f`. On that range tanh is nearly the identity: in the stacks trained with tanh between, it moved no value by more than {glue:text}`stack_tanh_gap_tanh:.2f`, and almost all values by far less. An extra tanh is a slight, fixed compression that the next layer's input weights absorb. A ReLU does something else: it sets every negative $h$ to zero, {glue:text}`stack_relu_zero:.0%` of the values the next layer reads, and with them their sign and their gradient.
#
# ## Gradient flow through the layers
#
# The gradient from the loss reaches layer $l$ at step $t$ along two routes: back in time within the layer, and down from layer $l+1$, which multiplies by $\phi'(h^{(l)}_t)$ on the way. `stack.backward(..., return_trace=True)` records the total $\partial \mathcal{L} / \partial h^{(l)}_t$, and `flow.flow_norms` turns it into
#
# $$ G[l, t] = \Big(\tfrac{1}{B} \textstyle\sum_b \big\lVert \partial \mathcal{L} / \partial h^{(l)}_{t,b} \big\rVert^2\Big)^{1/2}. $$
#
# Summed over time, $F_l = (\sum_t G[l,t]^2)^{1/2}$ is the gradient that reaches layer $l$. We compare the bottom layer with the top one, $F_0 / F_2$, in the depth-3 stacks at initialisation (same seeds, before any training) and after training.

# %%
xs_g, ys_g = task.sample(np.random.default_rng(EVAL_SEED + 2), 256)
pop3_init = stack.init_population(spec3_mixed, SEEDS * len(choices3))
ratio = {}
for when, p in (("init", pop3_init), ("trained", pop3)):
    G, _ = flow.gradient_flow(p, spec3_mixed, xs_g, ys_g)                    # (L, T, S)
    F = np.sqrt(np.sum(G ** 2, axis=1))                                      # (L, S)
    for j, b in enumerate(choices3):
        ratio[when, b] = F[0, j * n:(j + 1) * n] / F[2, j * n:(j + 1) * n]    # (n,)
print("bottom / top gradient F_0 / F_2, median [min, max] over seeds")
for (when, b), r in ratio.items():
    print(f"{when:>8s} {LABEL[b]:>5s}: {np.median(r):.3f} [{r.min():.3f}, {r.max():.3f}]")
for b in choices3:
    ok = runs[3, b]["test"] < SOLVED
    print(f"trained {LABEL[b]:>4s}: F_0 / F_2 of solved runs {np.round(np.sort(ratio['trained', b][ok]), 3).tolist()}, "
          f"of stuck runs {np.round(np.sort(ratio['trained', b][~ok]), 3).tolist()}")
for when in ("init", "trained"):
    for b in choices3:
        glue(f"stack_flow_{when}_{LABEL[b]}", round(float(np.median(ratio[when, b])), 3), display=False)

# %%
cut = {b: int(np.sum(ratio["trained", b] < 1e-3)) for b in choices3}
for b in choices3:
    glue(f"stack_{LABEL[b]}_cut", cut[b], display=False)
print("trained stacks whose bottom layer gets < 1e-3 of the top's gradient:", {LABEL[b]: cut[b] for b in choices3})
j_relu = choices3.index("relu")
u_relu = [p[1][:, j_relu * n:(j_relu + 1) * n] for p in pairs]               # per boundary, (T, n, B, H)
zero_frac = np.max([np.mean(u == 0, axis=(0, 2, 3)) for u in u_relu], axis=0)  # (n,): the most-zero boundary
cut_relu = ratio["trained", "relu"] < 1e-3
print("ReLU stacks, share of zeros at their most-zero boundary: cut", np.round(np.sort(zero_frac[cut_relu]), 4).tolist(),
      "| others", np.round(np.sort(zero_frac[~cut_relu]), 3).tolist())
glue("stack_cut_zero_min", round(float(zero_frac[cut_relu].min()), 3) if cut_relu.any() else 0.0, display=False)
glue("stack_cut_zero_full", int(np.sum(zero_frac[cut_relu] == 1.0)), display=False)
assert np.median(ratio["init", "relu"]) < np.median(ratio["init", None]), \
    "at initialisation a ReLU between layers passes less gradient down to the bottom layer than no activation"
assert cut["relu"] > max(cut[None], cut["tanh"]), "only a ReLU between layers cuts the gradient path to the bottom layer"
assert zero_frac[cut_relu].min() > zero_frac[~cut_relu].max(), \
    "the ReLU stacks with a cut gradient path are the ones with the most zeros at a boundary"
assert np.all(runs[3, "relu"]["test"][cut_relu] >= SOLVED), "a stack with a cut gradient path stays on the plateau"
for b in choices3:
    ok = runs[3, b]["test"] < SOLVED
    if ok.any() and (~ok).any():
        assert ratio["trained", b][~ok].max() < ratio["trained", b][ok].min(), \
            f"{LABEL[b]}: the stuck runs are the ones whose bottom layer gets the least gradient"
assert abs(np.median(ratio["init", "tanh"]) / np.median(ratio["init", None]) - 1) < 0.1, \
    "at initialisation an extra tanh changes the gradient reaching the bottom layer by less than 10 %"

# %% [markdown]
# At initialisation the bottom layer of a 3-layer stack receives {glue:text}`stack_flow_init_none:.2f` of the top layer's gradient with nothing between the layers, {glue:text}`stack_flow_init_tanh:.2f` with tanh and {glue:text}`stack_flow_init_relu:.2f` with ReLU: a ReLU between layers blocks, at each boundary and each step, the gradient of every unit whose $h$ is negative. After training the medians are {glue:text}`stack_flow_trained_none:.2f`, {glue:text}`stack_flow_trained_tanh:.2f` and {glue:text}`stack_flow_trained_relu:.2f`, and the per-seed lists tell the story of the plateau: in every variant the runs still stuck on it are the ones whose bottom layer gets almost no gradient, while the solved runs pass a large share down. In {glue:text}`stack_relu_cut` of the {glue:text}`stack_n_seeds` ReLU stacks, all of them stuck, the bottom layer gets next to nothing (a ratio below $10^{-3}$; {glue:text}`stack_none_cut` stacks without an activation and {glue:text}`stack_tanh_cut` with tanh). In each of them at least {glue:text}`stack_cut_zero_min:.0%` of the ReLU outputs at one boundary are exactly zero on a test batch, and all of them in {glue:text}`stack_cut_zero_full` stacks, more than in any ReLU stack whose gradient still flows: almost no unit passes its value or its gradient across, and the layers below can no longer learn. This is the dying ReLU, placed between two LSTM layers.
#
# ### Cost per step
#
# An activation between layers is one more elementwise pass over a `(T, B, H)` array, forward and backward. Against an LSTM layer, with its matrix products and five activations per unit and step, it should be cheap. We time one forward-and-backward pass of a lone model (batch 16, $T = 10$) for each depth and each $\phi$; timings vary from run to run, so this cell's raw output is not compared by the tests, and the check is a loose ratio.

# %%
# NBVAL_IGNORE_OUTPUT
xs_t, ys_t = task.sample(np.random.default_rng(EVAL_SEED + 3), BATCH)
cost = {}
for depth in (1, 2, 3):
    for b in ([None] if depth == 1 else BETWEEN):
        spec_t = stack.ModelSpec(input_size=2, hidden_size=HIDDEN, output_size=1, layers=depth, between=b)
        p_t = stack.init(spec_t, np.random.default_rng(SEEDS[0]))
        cost[depth, b] = flow.step_cost(p_t, spec_t, xs_t, ys_t, repeats=15)
h_t = np.random.default_rng(EVAL_SEED + 5).uniform(-1, 1, (10, BATCH, HIDDEN)).astype(np.float32)   # (T, B, H)
op_cost = {}
for b in ("tanh", "relu"):
    act = activations.get(b)
    op_cost[b] = flow.time_call(lambda: (act.f(h_t), act.df(h_t)), repeats=20, number=20)
for (depth, b), sec in cost.items():
    print(f"depth {depth}, between {LABEL[b]:>4s}: {sec * 1e3:.2f} ms per step")
op_share = {b: 2 * op_cost[b] / cost[3, None] for b in op_cost}    # two boundaries in a 3-layer stack
for b in op_share:
    print(f"{b} between layers, forward + derivative at both boundaries: {op_share[b]:.2%} of a 3-layer step")
glue("stack_cost_d1_ms", round(cost[1, None] * 1e3, 2), display=False)
glue("stack_cost_d3_ms", round(cost[3, None] * 1e3, 2), display=False)
glue("stack_cost_share_tanh", round(op_share["tanh"], 4), display=False)
glue("stack_cost_share_relu", round(op_share["relu"], 4), display=False)

# %%
assert cost[3, None] > 1.8 * cost[1, None], "cost per step grows with the number of layers"
assert max(op_share.values()) < 0.1, "an activation between layers costs only a small fraction of a step"

# %% [markdown]
# On the machine that built this page a step took {glue:text}`stack_cost_d1_ms:.2f` ms for one layer and {glue:text}`stack_cost_d3_ms:.2f` ms for three. The activation itself, forward and derivative at both boundaries of a 3-layer stack, took {glue:text}`stack_cost_share_tanh:.1%` of that step for tanh and {glue:text}`stack_cost_share_relu:.1%` for ReLU: differences between the full step times of the three variants are within the timing noise. Whichever of the two is cheaper, the difference is a sliver of a step. Depth is what costs.
#
# ## Depth and time together
#
# The heat maps below show $G[l, t]$ for whole 3-layer stacks, over layers and time steps at once, at initialisation on longer sequences ($T = 30$), with no activation between the layers. The loss sits on the last step of the top layer; the gradient spreads back in time and down in depth from there. We compare the standard LSTM with the (tanh, relu) LSTM of the {doc}`ReLU-in-LSTM chapter <05-relu-in-lstm>`, whose output squash is $h = o \odot \mathrm{relu}(c)$ while its candidate stays tanh. The colour is the median of $\log_{10} G$ over the ten seeds.

# %%
task30 = flow.ProductTask(T=30)
xs_h, ys_h = task30.sample(np.random.default_rng(EVAL_SEED + 4), 128)
heat, heat_range = {}, {}
for squash in ("tanh", "relu"):
    spec_h = stack.ModelSpec(input_size=2, hidden_size=HIDDEN, output_size=1, layers=3, squash=squash)
    G, _ = flow.gradient_flow(stack.init_population(spec_h, SEEDS), spec_h, xs_h, ys_h)   # (L, T, S)
    logG = np.log10(G)
    heat[squash] = np.median(logG, axis=-1)                                  # (L, T)
    # how far the gradient falls from the loss (top layer, last step) to the first step of the bottom layer
    drop = logG[-1, -1] - logG[0, 0]                                          # (S,) in decades
    heat_range[squash] = drop
    print(f"(tanh, {squash}) LSTM: top-last to bottom-first drop, decades: median {np.median(drop):.2f} "
          f"[{drop.min():.2f}, {drop.max():.2f}]")
    glue(f"stack_heat_drop_{squash}", round(float(np.median(drop)), 2), display=False)
    print("   median log10 G at t = 0 and t = T-1, layers 0..2:", np.round(heat[squash][:, [0, -1]], 2).tolist())

# %%
assert np.all(np.isfinite(heat["tanh"])) and np.all(np.isfinite(heat["relu"])), "no gradient is exactly zero over the batch"
assert np.median(heat_range["relu"]) > np.median(heat_range["tanh"]), \
    "the (tanh, relu) stack loses more gradient between the loss and the bottom-left corner than the standard one"

# %% mystnb={"figure": {"caption": "Gradient norm G[l, t] (median over ten seeds of log10) over layers and time steps in 3-layer stacks at initialisation, T = 30, loss on the last step of the top layer. Left: the standard LSTM; right: the (tanh, relu) LSTM, whose output squash is ReLU. One colour scale for both.", "name": "fig-stack-heatmap"}, "image": {"alt": "Two heat maps with three rows (layers 0 to 2, bottom to top) and thirty columns (time steps). Both are brightest at the top right, where the loss enters. In the standard LSTM the rest of the grid is a nearly even middle shade; in the (tanh, relu) LSTM the lower layers and the early steps are one to two decades darker."}}
lo = min(h.min() for h in heat.values())
hi = max(h.max() for h in heat.values())
fig, axes = plt.subplots(1, 2, figsize=(9.6, 2.6), sharey=True)
for ax, squash in zip(axes, ("tanh", "relu")):
    im = ax.imshow(heat[squash], aspect="auto", origin="lower", vmin=lo, vmax=hi, interpolation="nearest")
    ax.set_title(f"(tanh, {squash}) LSTM")
    ax.set_xlabel("time step t")
    ax.set_yticks([0, 1, 2])
    ax.grid(False)
axes[0].set_ylabel("layer")
fig.colorbar(im, ax=axes, label=r"median $\log_{10} G[l, t]$", shrink=0.9)
plt.show()

# %% [markdown]
# The loss enters at the last step of the top layer. In the standard stack the gradient spreads from there over the whole grid within about a decade; in the bottom layer it is even larger at early steps than at the last one, because $h^{(0)}_t$ collects gradient from every later step of the layers above: depth and time are not separate routes but one grid, and $h^{(0)}_t$ is reached from layer 1 at step $t$ and from layer 0 at step $t+1$ alike. From the loss to the first step of the bottom layer the standard stack loses {glue:text}`stack_heat_drop_tanh:.2f` decades (median over seeds) and the (tanh, relu) stack {glue:text}`stack_heat_drop_relu:.2f`: with the ReLU squash the lower part of the grid sits one to two decades lower. The reason is the squash's derivative, $\partial h_t / \partial c_t = o_t\, \mathrm{relu}'(c_t)$, which is zero for every cell whose state is negative, so the gradient arriving at $h$ reaches the cell of only part of the units in each layer; tanh's derivative is never zero. This is a snapshot at initialisation; how the (tanh, relu) LSTM fares in training is the subject of the ReLU-in-LSTM chapter.
#
# ## Context: deep LSTMs for speech
#
# {cite:t}`graves2013speech` stacked LSTM layers for phoneme recognition on the TIMIT corpus: each layer's hidden sequence is the input sequence of the layer above, the construction of this chapter with nothing between the layers. Their deep LSTMs reached a phoneme error rate of 17.7 % on TIMIT, and in their comparisons adding layers helped more than adding units per layer. That is the design C12 describes; in our small experiment, leaving out an activation between the layers cost nothing, and a ReLU there was a liability.
#
# ## Verdicts
#
# :::{admonition} C12 · holds
# :class: verdict-holds
# :name: verdict-c12
#
# An LSTM layer's output $h = o \odot \tanh(c)$ is already nonlinear and bounded, so stacked LSTM layers do not collapse into one and need nothing between them; the only dense layer is the readout. On the product task, stacks with no extra activation solved {glue:text}`stack_solved_rate_none:.0%` of their runs at depths 2 and 3, with tanh between the layers {glue:text}`stack_solved_rate_tanh:.0%` and with ReLU {glue:text}`stack_solved_rate_relu:.0%`; seed by seed, solved runs had {glue:text}`stack_ratio_tanh:.2f` times the test loss with tanh and {glue:text}`stack_ratio_relu:.2f` times with ReLU ({numref}`fig-stack-loss`). An extra tanh barely changes the small values that cross a boundary; a ReLU zeroes {glue:text}`stack_relu_zero:.0%` of them ({numref}`fig-stack-values`), passes less gradient to the bottom layer ({glue:text}`stack_flow_init_relu:.2f` of the top layer's, against {glue:text}`stack_flow_init_none:.2f` without it, at initialisation), and in {glue:text}`stack_relu_cut` of {glue:text}`stack_n_seeds` three-layer stacks all but cut it off, leaving them stuck. Neither helps; ReLU tends to hurt.
# :::
#
# :::{admonition} C13 (stacking part) · holds
# :class: verdict-holds
# :name: verdict-c13-stacking
#
# `return_sequences=True` makes a layer emit its hidden state at every step, `(T, B, H)`, and in a stack every layer but the last must do so, because the layer above needs an input at every step; fed only the last step, it has no sequence to run on ({ref}`stack-shapes`). The last layer returns every step for sequence-to-sequence output and only the last for sequence-to-one. The shape part of C13 has its own verdict in {doc}`01-lstm-anatomy` ({ref}`the C13 verdict of chapter 1 <verdict-c13>`).
# :::
#
# ## Exercises
#
# ::::{exercise}
# :label: ex-stack-1
#
# Stack two *linear* recurrent layers, $h^{(1)}_t = h^{(1)}_{t-1} A_1 + x_t B_1$ and $h^{(2)}_t = h^{(2)}_{t-1} A_2 + h^{(1)}_t B_2$. Show that the pair is a single linear recurrent layer with a state of size $H_1 + H_2$. Why does the same argument fail for two LSTM layers with nothing between them?
# ::::
#
# ::::{solution} ex-stack-1
# :class: dropdown
#
# Substitute the first equation into the second: $h^{(2)}_t = h^{(2)}_{t-1} A_2 + h^{(1)}_{t-1} A_1 B_2 + x_t B_1 B_2$. With $s_t = [h^{(1)}_t, h^{(2)}_t]$ this is $s_t = s_{t-1} A + x_t B$ with $A = \begin{pmatrix} A_1 & A_1 B_2 \\ 0 & A_2 \end{pmatrix}$ and $B = [B_1, B_1 B_2]$: one linear layer. For LSTM layers the substitution goes through sigmoids, tanh and products of gates, $h = \sigma(\cdot) \odot \tanh(\cdot)$, so no such closed form exists; each layer is already nonlinear. That is why C12's "no activation layers between" costs no expressive power.
# ::::
#
# ::::{exercise}
# :label: ex-stack-2
#
# Put a *leaky* ReLU (slope 0.01) between the layers of the depth-3 stack instead of a ReLU. Predict, then measure with `flow.gradient_flow`, the bottom-to-top gradient ratio $F_0 / F_2$ at initialisation. Does it sit closer to the ReLU or to the no-activation value?
# ::::
#
# ::::{solution} ex-stack-2
# :class: dropdown
#
# A leaky ReLU passes a gradient of 0.01 instead of 0 for negative $h$, so it still blocks about half the downward gradient almost entirely; the ratio sits at the ReLU value, far below the value without an activation. To measure:
#
# ```python
# spec_l = stack.ModelSpec(input_size=2, hidden_size=HIDDEN, layers=3, between="leaky_relu")
# G, _ = flow.gradient_flow(stack.init_population(spec_l, SEEDS), spec_l, xs_g, ys_g)
# F = np.sqrt((G ** 2).sum(axis=1))            # (L, S)
# print(np.median(F[0] / F[2]))
# ```
# ::::
#
# ::::{exercise}
# :label: ex-stack-3
#
# A model reads a sentence and must tag every word (sequence-to-sequence) with a 3-layer LSTM. Which layers need `return_sequences=True`? And if the task were to classify the whole sentence? Check both with `stack.forward` and the shape of `y`.
# ::::
#
# ::::{solution} ex-stack-3
# :class: dropdown
#
# Tagging: all three layers, so the readout sees every step and `y` has shape `(T, B, O)`; in `rnnlab` that is `ModelSpec(layers=3, return_sequences=True)`. Classifying: layers 0 and 1 still return full sequences (the layers above need them); only the top layer returns its last step, and `y` is `(B, O)`, which is `return_sequences=False` in `rnnlab`. `rnnlab`'s flag only sets the top layer's mode, since the lower layers always pass on the whole sequence.
# ::::
#
# ::::{exercise}
# :label: ex-stack-4
#
# Some ReLU stacks above ended with a boundary whose ReLU outputs only zeros. Explain why such a stack can never leave the plateau, however long it trains. Which parameters still receive a nonzero gradient? Would a leaky ReLU between the layers change the answer?
# ::::
#
# ::::{solution} ex-stack-4
# :class: dropdown
#
# Above the dead boundary the next layer reads $u = 0$ at every step, so its input weights get the gradient $\sum_t u_t^\top \delta_t = 0$, and below it every path down is multiplied by $\mathrm{relu}'(h) = 0$: the layers below receive exactly zero gradient and, once Adam's momentum has decayed, stop moving, so their $h$ stays negative and the boundary stays dead. Only the layers above it (recurrent weights and biases) and the readout still learn, and they see an input that carries no information about the sequence, so the best they can do is the constant prediction: the baseline. A leaky ReLU keeps a slope of 0.01 for negative inputs, so a small gradient still passes and the stack can in principle recover, slowly; at initialisation it passes no more gradient down than the ReLU ({ref}`ex-stack-2`).
# ::::
#
# ## References
#
# - {cite:t}`graves2013speech`
# - {cite:t}`hochreiter1997lstm`
