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
# The first code cell installs the book's package on Colab (and does nothing elsewhere); the second imports `rnnlab`, fixes every seed and sets the book's plot style. The small matrices of this chapter run fastest on one BLAS thread, so we ask for one before numpy loads.

# %% tags=["nbval-ignore-output"]
# On Colab, install the book's package first; anywhere else this cell does nothing.
import sys
if "google.colab" in sys.modules:
    %pip install -q "rnnlab @ git+https://github.com/rnnlab-book/why-not-relu-in-lstm"

# %%
import numpy as np
import matplotlib.pyplot as plt

from rnnlab import activations, explore, lstm, plotting, population, stack, stats, store, stored, sweep, tasks, threads, train
from rnnlab.instruments import gradient_flow as flow
from rnnlab.book import glue
from rnnlab.grids import stacked as grid

threads.one_blas_thread()   # many small matrices: one BLAS thread is faster than several

plotting.use_book_style()
RESULTS = stored.path("stacked")     # made by: python -m rnnlab.grids stacked --out results/stacked
SEEDS = list(range(10))    # seeds of the illustrations at initialisation, all reported
LIVE_SEEDS = list(range(1000, 1010))   # fresh seeds for the live slice (the stored grid used 0-99)
DATA_SEED = 1              # the demo batch of the shapes section
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
# The **product task** (`rnnlab.tasks.ProductTask`) keeps the adding problem's inputs, a value $v_t$ and a marker per step with one marker in each half, but draws $v_t \sim U[-1, 1]$ and asks for the *product* $v_a v_b$ of the two marked values, in the spirit of the multiplication problem of {cite:t}`hochreiter1997lstm`. Since $v_a$ and $v_b$ are independent with mean 0, the product is uncorrelated with any additive function $f(v_a) + g(v_b)$: a model that stores both values and reads them out linearly does no better than the constant 0, whose MSE is $E[v_a^2]\,E[v_b^2] = 1/9$. The check below fits the best additive model (a cubic in each value) by least squares on the two marked values.

# %%
task = tasks.ProductTask(T=10)
xs_chk, ys_chk = task.sample(np.random.default_rng(EVAL_SEED), 20_000)
marked = xs_chk[..., 0].T[xs_chk[..., 1].T == 1].reshape(-1, 2)           # (B, 2): v_a, v_b
features = np.column_stack([np.ones(len(marked)), marked, marked ** 2, marked ** 3])
coef, *_ = np.linalg.lstsq(features, ys_chk[:, 0], rcond=None)
additive_mse = float(np.mean((features @ coef - ys_chk[:, 0]) ** 2))
print(f"baseline 1/9 = {task.baseline:.4f} | best additive model: {additive_mse:.3f} "
      f"({additive_mse / task.baseline:.3f} of the baseline)")
assert additive_mse > 0.98 * task.baseline, "an additive read-out of the two values must not beat the constant 0"
glue("stack_additive_ratio", round(additive_mse / task.baseline, 3))


# %% [markdown]
# The best additive model reaches {glue:text}`stack_additive_ratio:.3f` of the baseline: storing the values is not enough, they must be multiplied. An LSTM can multiply: its gates multiply one signal by another. A single layer can do it through its recurrence (the gates at the second mark see $h_{t-1}$, which carries $v_a$); a stack can also do it across layers. Depth is *useful* here without being *required*.
#
# ## Does an activation between layers help?
#
# We train stacks of depth 1, 2 and 3 with $\phi$ = none, tanh or ReLU between the layers (depth 1 has no boundary, so it appears once). All runs share one recipe: $T = 10$, 8 units per layer, Adam with learning rate $10^{-2}$, gradient clipping at global norm 1, batches of 16, 600 steps, float32, and **100 independent seeds** per configuration. Each seed has its own initial weights and its own stream of training batches (`rnnlab.population.data_rngs`). The three choices of $\phi$ at one depth are *paired* by seed: seed $s$ gives each of them the same initial weights and the same batches, so they can also be compared seed by seed.
#
# The three choices of $\phi$ at one depth train as **one population**: `flow.per_model_activation` builds a `between` activation that applies none, tanh or ReLU to different models of the population (the unit tests check that each model computes exactly what a lone model with that activation computes). The 700 runs take about three CPU-minutes, too long for this page, so they are stored by one command (`python -m rnnlab.grids stacked`, the module `rnnlab.grids.stacked`), and the chapter loads them and trains a fresh slice live to check them.
#
# The short horizon and the narrow layers come from two trial settings, which the stored grid keeps with 20 seeds each and the same recipe otherwise: $T = 20$ with 300 steps, and 16 units per layer at depth 3.

# %% tags=["nbval-ignore-output"]
loaded = sweep.load_cells(RESULTS)
manifest = sweep.load_manifest(RESULTS)
print(store.describe(dict(loaded[0]["meta"], stale=manifest["stale"])))

# %%
cells = {(r["cell"]["setting"], r["cell"]["depth"]): r["arrays"] for r in loaded}

def field(depth, b, name, setting="main"):
    """One stored per-model array for the runs of (setting, depth) with phi = b, in seed order."""
    a = cells[setting, depth]
    mask = a["between"] == LABEL[b]
    return a[name][:, mask] if name == "loss" else a[name][mask]     # loss: (blocks, S); the rest: (S, ...)

def n_solved(depth, b, setting="main"):
    return int(grid.solved(field(depth, b, "test", setting)).sum())

n = len(field(1, None, "test"))
assert n >= 20 and all(np.array_equal(field(d, b, "seed"), np.arange(n)) for d in (2, 3) for b in BETWEEN)
configs = [(1, None)] + [(d, b) for d in (2, 3) for b in BETWEEN]
print(f"{'depth':>5s} {'between':>8s}  {'solved (test MSE < 0.5 x baseline)':36s} {'median test MSE / baseline [95 % CI]':>36s}")
for d, b in configs:
    t = field(d, b, "test")
    lo, hi = stats.median_ci(t, np.random.default_rng(0))
    print(f"{d:5d} {LABEL[b]:>8s}  {stats.fmt_rate(n_solved(d, b), n):36s} {np.median(t):10.3f} [{lo:.3f}, {hi:.3f}]")
n_div = sum(int(np.sum(field(d, b, "diverged_at") >= 0)) for d, b in configs)
print("diverged runs:", n_div)
assert n_div == 0, "no run diverges with clipping at this learning rate"
pilot_t20 = sum(n_solved(d, b, "pilot-T20") for d in (1, 2, 3) for b in ([None] if d == 1 else BETWEEN))
n_pilot_t20 = sum(len(field(d, b, "test", "pilot-T20")) for d in (1, 2, 3) for b in ([None] if d == 1 else BETWEEN))
pilot_h16 = {b: n_solved(3, b, "pilot-H16") for b in BETWEEN}
n_pilot = len(field(3, None, "test", "pilot-H16"))
print(f"trial T = 20, 300 steps: {pilot_t20}/{n_pilot_t20} solved; trial 16 units, depth 3:",
      {LABEL[b]: f"{k}/{n_pilot}" for b, k in pilot_h16.items()})
glue("stack_n_seeds", n)
glue("stack_pilot_t20", f"{pilot_t20} of {n_pilot_t20}")
glue("stack_pilot_h16", f"{sum(pilot_h16.values())} of {len(BETWEEN) * n_pilot}")
glue("stack_pilot_h16_rate", stats.fmt_rate(sum(pilot_h16.values()), len(BETWEEN) * n_pilot))
glue("stack_main_d3_rate", stats.fmt_rate(sum(n_solved(3, b) for b in BETWEEN), len(BETWEEN) * n))
width_test = stats.compare_rates(sum(pilot_h16.values()), len(BETWEEN) * n_pilot, sum(n_solved(3, b) for b in BETWEEN),
                                 len(BETWEEN) * n)
glue("stack_width_p", stats.fmt_p(width_test.p))
assert pilot_t20 == 0, "the T = 20 trial solved nothing: the horizon, not the architecture, was the obstacle"
assert width_test.significant and width_test.k1 / width_test.n1 < width_test.k2 / width_test.n2, \
    "with 16 units fewer 3-layer runs solved the task within 600 steps than with 8"

# %% [markdown]
# In the trial at $T = 20$ with 300 steps, {glue:text}`stack_pilot_t20` runs solved the task, whatever the depth and whatever sat between the layers: the horizon, not the architecture, was the obstacle, so the chapter uses $T = 10$. In the trial with 16 units per layer, {glue:text}`stack_pilot_h16_rate` of the 3-layer runs solved it within 600 steps, against {glue:text}`stack_main_d3_rate` with 8 units ({glue:text}`stack_width_p`), so the chapter uses 8.

# %% mystnb={"figure": {"caption": "Training loss on the product task (MSE as a fraction of the constant baseline 1/9, mean over blocks of 10 steps) for stacks of depth 1, 2 and 3, with nothing, tanh or ReLU between the layers. Lines are the median over 100 independent seeds, bands the full range. Stored grid.", "name": "fig-stack-loss"}, "image": {"alt": "Three panels of learning curves on a log scale, one per depth. Depth 1 has one black curve; depths 2 and 3 have black, blue and vermillion curves for none, tanh and ReLU. All curves start at the baseline and drop after a plateau of a few hundred steps. At depth 2 the ReLU median leaves the plateau first and the three medians end close together; at depth 3 the medians leave it late, ReLU last. The bands span from far below the baseline up to it."}}
fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.2), sharey=True)
for ax, depth in zip(axes, (1, 2, 3)):
    for b in ([None] if depth == 1 else BETWEEN):
        curves = field(depth, b, "loss").T                                     # (runs, blocks)
        steps = (np.arange(curves.shape[1]) + 0.5) * grid.SETTINGS["block"]
        plotting.spread(ax, steps, curves, name="identity" if b is None else b, label=LABEL[b], log=True)
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle=":")
    ax.set_title(f"depth {depth}")
    ax.set_xlabel("training step")
axes[0].set_ylabel("MSE / baseline")
axes[2].legend(title="between layers")
plt.show()

# %% [markdown]
# A run either leaves the loss plateau at the baseline and drops far below it, or it is still on the plateau when the 600 steps run out; so we count *solved* runs (test MSE below half the baseline) and, separately, compare test losses. Three questions, each with its test at the book's level $\alpha = 0.05$:
#
# 1. Does depth matter on this task? Median test loss of depth 2 against depth 1 (permutation test).
# 2. Does an activation between the layers change the solved rate? Fisher's exact test of each $\phi$ against none, per depth and pooled over depths 2 and 3.
# 3. Seed by seed, is the test loss with $\phi$ higher or lower than without? Because the choices are paired by seed, an exact sign test over the 100 seeds; and, among the seeds that both solved, the median ratio of their test losses.

# %%
rng_stats = np.random.default_rng(0)          # resampling of stored numbers: the same on every machine
depth_test = stats.compare_medians(field(2, None, "test"), field(1, None, "test"), rng_stats)
depth3_test = stats.compare_medians(field(3, None, "test"), field(2, None, "test"), rng_stats)
print("depth 2 vs 1, median test loss:", depth_test)
print("depth 3 vs 2, median test loss:", depth3_test)
rate_tests, sign_p, ratio = {}, {}, {}
for b in ("tanh", "relu"):
    for d in (2, 3):
        rate_tests[b, d] = stats.compare_rates(n_solved(d, b), n, n_solved(d, None), n)
        x, y = field(d, b, "test"), field(d, None, "test")
        sign_p[b, d] = stats.paired_sign_test(x, y)
        both = grid.solved(x) & grid.solved(y)
        ratio[b, d] = x[both] / y[both]                                        # (seeds solved by both,)
        worse = int(np.sum(x > y))
        print(f"{b:4s} depth {d}: solved {rate_tests[b, d]} | seed by seed: higher test loss than none in {worse}/{n} "
              f"({stats.fmt_p(sign_p[b, d])}) | solved by both: median ratio {np.median(ratio[b, d]):.2f} over {both.sum()}")
        glue(f"stack_worse_{b}_d{d}", worse)
        glue(f"stack_sign_p_{b}_d{d}", stats.fmt_p(sign_p[b, d]))
        glue(f"stack_ratio_{b}_d{d}", round(float(np.median(ratio[b, d])), 2))
    pooled = stats.compare_rates(n_solved(2, b) + n_solved(3, b), 2 * n, n_solved(2, None) + n_solved(3, None), 2 * n)
    rate_tests[b, "pooled"] = pooled
    print(f"{b:4s} pooled over depths 2 and 3: {pooled}")
    glue(f"stack_pooled_{b}", stats.fmt_rate(pooled.k1, pooled.n1))
    glue(f"stack_pooled_p_{b}", stats.fmt_p(pooled.p))
glue("stack_pooled_none", stats.fmt_rate(rate_tests["tanh", "pooled"].k2, 2 * n))
for d, b in configs:
    glue(f"stack_solved_d{d}_{LABEL[b]}", stats.fmt_rate(n_solved(d, b), n))
    glue(f"stack_median_d{d}_{LABEL[b]}", round(float(np.median(field(d, b, "test"))), 3))
glue("stack_depth_p", stats.fmt_p(depth_test.p))
glue("stack_depth3_p", stats.fmt_p(depth3_test.p))
glue("stack_rate_p_relu_d3", stats.fmt_p(rate_tests["relu", 3].p))

# %%
assert depth_test.significant and depth_test.median1 < depth_test.median2, \
    "depth matters on this task: 2 layers reach a lower median test loss than 1"
assert depth3_test.significant and depth3_test.median1 > depth3_test.median2, \
    "within 600 steps the third layer slows training: 3 layers end with a higher median test loss than 2"
assert not rate_tests["relu", 2].significant and sign_p["relu", 2] >= stats.ALPHA, \
    "at depth 2 neither test detects an effect of ReLU between the layers"
for b in ("tanh", "relu"):
    for key in (2, 3, "pooled"):
        t = rate_tests[b, key]
        assert not (t.significant and t.k1 > t.k2), f"C12: {b} between layers must not solve detectably more runs ({key})"
assert not any(t.significant for t in rate_tests.values()), \
    "no difference in the solved rate is detected for either activation at this n (the text says so)"
assert sign_p["relu", 3] < stats.ALPHA and np.sum(field(3, "relu", "test") > field(3, None, "test")) > n / 2, \
    "at depth 3, seed by seed, ReLU between the layers gives a higher test loss than nothing"
assert not (sign_p["tanh", 3] < stats.ALPHA and np.sum(field(3, "tanh", "test") < field(3, None, "test")) > n / 2) and \
    not (sign_p["tanh", 2] < stats.ALPHA and np.sum(field(2, "tanh", "test") < field(2, None, "test")) > n / 2), \
    "tanh between the layers does not lower the test loss seed by seed"

# %% [markdown]
# **Depth matters** on this task: the median test loss is {glue:text}`stack_median_d1_none:.3f` of the baseline for one layer and {glue:text}`stack_median_d2_none:.3f` for two ({glue:text}`stack_depth_p`). The third layer slows training: within 600 steps the 3-layer stacks reached a median of {glue:text}`stack_median_d3_none:.3f` ({glue:text}`stack_depth3_p` against two layers).
#
# **An activation between the layers does not help.** Without one, {glue:text}`stack_solved_d2_none` of the 2-layer and {glue:text}`stack_solved_d3_none` of the 3-layer stacks solved the task; with tanh, {glue:text}`stack_solved_d2_tanh` and {glue:text}`stack_solved_d3_tanh`; with ReLU, {glue:text}`stack_solved_d2_relu` and {glue:text}`stack_solved_d3_relu`. No difference in the solved rate is detected at $n$ = {glue:text}`stack_n_seeds` per depth, neither per depth nor pooled (tanh {glue:text}`stack_pooled_tanh`, {glue:text}`stack_pooled_p_tanh`; ReLU {glue:text}`stack_pooled_relu`, {glue:text}`stack_pooled_p_relu`; none {glue:text}`stack_pooled_none`). Seed by seed, tanh changes the test loss in either direction about equally often.
#
# **ReLU hurts at depth 3, seed by seed.** With a ReLU between three layers, {glue:text}`stack_worse_relu_d3` of the {glue:text}`stack_n_seeds` seeds ended with a higher test loss than the same seed without it ({glue:text}`stack_sign_p_relu_d3`), and the seeds that solved the task both ways had {glue:text}`stack_ratio_relu_d3:.2f` times the test loss with ReLU (median). The unpaired solved rates do not separate at this $n$ ({glue:text}`stack_rate_p_relu_d3`): the paired comparison sees the effect, the rate comparison does not. At depth 2 no effect of ReLU is detected by either test.
#
# ### A live slice
#
# The numbers above come from a file, the same on every machine. To check it, the chapter now trains the 3-layer stacks with each $\phi$ from 10 fresh seeds. Training amplifies last-bit differences between CPUs, so these runs differ from machine to machine; what must hold everywhere is that their solved rates agree with the stored ones within sampling error (Fisher's test does not reject equality at level 0.01).

# %% tags=["nbval-ignore-output"]
HIDDEN, STEPS, BATCH, LR = 8, 600, 16, 1e-2
per_model = [b for b in BETWEEN for _ in LIVE_SEEDS]
spec_live = grid.spec_for(3, HIDDEN, per_model)
config = train.TrainConfig(steps=STEPS, batch_size=BATCH, lr=LR, clip="norm", clip_threshold=1.0)
rngs_live = [g for _ in BETWEEN for g in population.data_rngs(LIVE_SEEDS)]
pop_live, hist_live = train.train(stack.init_population(spec_live, LIVE_SEEDS * len(BETWEEN)), spec_live, task, config,
                                  rngs_live)
test_live = train.evaluate(pop_live, spec_live, task, np.random.default_rng(EVAL_SEED), batch_size=2000) / task.baseline
live = {}
for j, b in enumerate(BETWEEN):
    k = int(grid.solved(np.where(hist_live.diverged, np.nan, test_live)[j * len(LIVE_SEEDS):(j + 1) * len(LIVE_SEEDS)]).sum())
    live[b] = k
    print(f"depth 3, between {LABEL[b]:4s}: live {k}/{len(LIVE_SEEDS)}, stored {n_solved(3, b)}/{n}, consistent: "
          f"{stats.consistent_rates(k, len(LIVE_SEEDS), n_solved(3, b), n)}")
    glue(f"stack_live_{LABEL[b]}", stats.fmt_rate(k, len(LIVE_SEEDS)))

# %%
for b, k in live.items():
    assert stats.consistent_rates(k, len(LIVE_SEEDS), n_solved(3, b), n), \
        f"between {LABEL[b]}: the live solved rate must agree with the stored grid within sampling error"

# %% [markdown]
# On the machine that built this page the live 3-layer stacks solved {glue:text}`stack_live_none` (none), {glue:text}`stack_live_tanh` (tanh) and {glue:text}`stack_live_relu` (ReLU), within sampling error of the stored rates.
#
# ## What actually passes between the layers
#
# Why does an extra tanh change so little, and what does a ReLU change? Look at the values they act on. The grid ran every trained 3-layer stack on a fresh batch of 256 sequences and kept $h^{(0)}$ and $h^{(1)}$, the two hidden sequences that cross a layer boundary: their histograms and a few statistics per stack.

# %%
stat_rows = {b: {k: field(3, b, k) for k in ("h_frac_small", "h_mean_abs", "h_tanh_gap", "zero_frac")} for b in BETWEEN}
print(f"{'between':>8s} {'|h|<0.5 (median)':>17s} {'mean|h| (median)':>17s} {'max|tanh(h)-h| (max)':>21s} "
      f"{'zeros read above (median)':>26s}")
for b, s in stat_rows.items():
    print(f"{LABEL[b]:>8s} {np.median(s['h_frac_small']):17.3f} {np.median(s['h_mean_abs']):17.3f} "
          f"{s['h_tanh_gap'].max():21.3f} {np.median(s['zero_frac']):26.3f}")
glue("stack_frac_small_none", round(float(np.median(stat_rows[None]["h_frac_small"])), 3))
glue("stack_mean_abs_none", round(float(np.median(stat_rows[None]["h_mean_abs"])), 3))
glue("stack_tanh_gap_tanh", round(float(stat_rows["tanh"]["h_tanh_gap"].max()), 3))
glue("stack_relu_zero", round(float(np.median(stat_rows["relu"]["zero_frac"])), 3))

# %%
assert np.all(stat_rows[None]["h_frac_small"] > 0.5), "in every stack most values crossing a boundary are small"
assert np.all(stat_rows[None]["zero_frac"] == 0) and np.all(stat_rows["tanh"]["zero_frac"] == 0)
assert np.median(stat_rows["relu"]["zero_frac"]) > 0.2, "a ReLU between layers zeroes a large share of what the next layer reads"

# %% mystnb={"figure": {"caption": "Values crossing a layer boundary in the trained 3-layer stacks (both boundaries, 100 seeds pooled, stored grid). Grey: h, the lower layer's output; colour: what the upper layer reads after the activation between them.", "name": "fig-stack-values"}, "image": {"alt": "Three histograms on a log density scale over the range -1 to 1. Left, no activation: h is sharply peaked at zero. Middle, tanh: the blue outline of tanh(h) nearly covers the grey histogram of h. Right, ReLU: the vermillion outline keeps only the positive half of h and has a tall first bin that holds the zeros."}}
fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.0), sharey=True)
width = np.diff(grid.BINS)
for ax, b in zip(axes, BETWEEN):
    h_counts, u_counts = field(3, b, "h_hist").sum(axis=0), field(3, b, "u_hist").sum(axis=0)   # (bins,)
    ax.stairs(h_counts / h_counts.sum() / width, grid.BINS, fill=True, color="grey", alpha=0.5, label="h (below)")
    ax.stairs(u_counts / u_counts.sum() / width, grid.BINS, color=COLOR[b], linewidth=1.5, label=r"$\phi(h)$ (read above)")
    ax.set_title(f"between: {LABEL[b]}")
    ax.set_xlabel("value")
    ax.set_yscale("log")
axes[0].set_ylabel("density")
axes[1].legend(loc="upper left", fontsize=8)
plt.show()

# %% [markdown]
# The values that cross a boundary are bounded by 1, as they must be, and small: in a typical stack with nothing between, {glue:text}`stack_frac_small_none:.1%` of them have $|h| < 0.5$, with a mean magnitude of {glue:text}`stack_mean_abs_none:.3f` (medians over stacks). On that range tanh is nearly the identity: in the stacks trained with tanh between, it moved no value by more than {glue:text}`stack_tanh_gap_tanh:.2f`, and almost all values by far less. An extra tanh is a slight, fixed compression that the next layer's input weights absorb. A ReLU does something else: it sets every negative $h$ to zero, {glue:text}`stack_relu_zero:.0%` of the values the next layer reads at the boundary with more zeros (median over stacks), and with them their sign and their gradient.
#
# ## Gradient flow through the layers
#
# The gradient from the loss reaches layer $l$ at step $t$ along two routes: back in time within the layer, and down from layer $l+1$, which multiplies by $\phi'(h^{(l)}_t)$ on the way. `stack.backward(..., return_trace=True)` records the total $\partial \mathcal{L} / \partial h^{(l)}_t$, and `flow.flow_norms` turns it into
#
# $$ G[l, t] = \Big(\tfrac{1}{B} \textstyle\sum_b \big\lVert \partial \mathcal{L} / \partial h^{(l)}_{t,b} \big\rVert^2\Big)^{1/2}. $$
#
# Summed over time, $F_l = (\sum_t G[l,t]^2)^{1/2}$ is the gradient that reaches layer $l$. The grid stored $F_0 / F_2$, bottom over top, for every 3-layer stack at initialisation and after training, on one fixed batch of 256 sequences.

# %%
flow_ratio = {(when, b): field(3, b, f"flow_{when}") for when in ("init", "trained") for b in BETWEEN}
print("bottom / top gradient F_0 / F_2, median [min, max] over seeds")
for (when, b), r in flow_ratio.items():
    print(f"{when:>8s} {LABEL[b]:>5s}: {np.median(r):.3f} [{r.min():.4f}, {r.max():.3f}]")
for (when, b), r in flow_ratio.items():
    glue(f"stack_flow_{when}_{LABEL[b]}", round(float(np.median(r)), 3))
init_sign_p = stats.paired_sign_test(flow_ratio["init", "relu"], flow_ratio["init", None])
lower_at_init = int(np.sum(flow_ratio["init", "relu"] < flow_ratio["init", None]))
tanh_vs_none_init = float(np.median(flow_ratio["init", "tanh"] / flow_ratio["init", None]))
print(f"at initialisation ReLU passes less than none in {lower_at_init}/{n} seeds ({stats.fmt_p(init_sign_p)}); "
      f"tanh / none: median {tanh_vs_none_init:.3f}")
glue("stack_init_lower", lower_at_init)

# %%
cut = {b: flow_ratio["trained", b] < 1e-3 for b in BETWEEN}
cut_test = stats.compare_rates(int(cut["relu"].sum()), n, int(cut[None].sum()), n)
solved3 = {b: grid.solved(field(3, b, "test")) for b in BETWEEN}
zero_test = stats.compare_medians(stat_rows["relu"]["zero_frac"][cut["relu"]], stat_rows["relu"]["zero_frac"][~cut["relu"]],
                                  rng_stats, alternative="greater")
stuck_tests = {b: stats.compare_medians(flow_ratio["trained", b][~solved3[b]], flow_ratio["trained", b][solved3[b]],
                                        rng_stats, alternative="less") for b in BETWEEN}
print("trained stacks whose bottom layer gets < 1e-3 of the top's gradient:", {LABEL[b]: int(c.sum()) for b, c in cut.items()},
      "| ReLU vs none:", cut_test)
print("cut ReLU stacks that solved the task:", int(np.sum(solved3["relu"] & cut["relu"])))
print("zeros at the most-zero boundary, cut vs other ReLU stacks:", zero_test)
for b in BETWEEN:
    print(f"F_0 / F_2 after training, stuck vs solved, {LABEL[b]:4s}:", stuck_tests[b])
for b in BETWEEN:
    glue(f"stack_{LABEL[b]}_cut", int(cut[b].sum()))
    glue(f"stack_{LABEL[b]}_cut_rate", stats.fmt_rate(int(cut[b].sum()), n))
glue("stack_cut_p", stats.fmt_p(cut_test.p))
glue("stack_cut_zero_median", round(float(np.median(stat_rows["relu"]["zero_frac"][cut["relu"]])), 3))
glue("stack_nocut_zero_median", round(float(np.median(stat_rows["relu"]["zero_frac"][~cut["relu"]])), 3))
for b in BETWEEN:
    glue(f"stack_stuck_flow_{LABEL[b]}", round(float(np.median(flow_ratio["trained", b][~solved3[b]])), 4))
    glue(f"stack_solved_flow_{LABEL[b]}", round(float(np.median(flow_ratio["trained", b][solved3[b]])), 2))

# %%
assert init_sign_p < stats.ALPHA and lower_at_init > n / 2, \
    "at initialisation a ReLU between layers passes less gradient down to the bottom layer than no activation"
assert abs(tanh_vs_none_init - 1) < 0.1, "at initialisation an extra tanh changes the gradient reaching the bottom layer by < 10 %"
assert cut_test.significant and cut_test.k1 > cut_test.k2 and cut["tanh"].sum() == cut[None].sum() == 0, \
    "only a ReLU between layers cuts the gradient path to the bottom layer"
assert not np.any(solved3["relu"] & cut["relu"]), "a stack with a cut gradient path stays on the plateau"
assert zero_test.significant, "the ReLU stacks with a cut path have more zeros at a boundary than the others"
assert all(t.significant for t in stuck_tests.values()), "in every variant the stuck runs pass less gradient to the bottom"

# %% [markdown]
# At initialisation the bottom layer of a 3-layer stack receives {glue:text}`stack_flow_init_none:.2f` of the top layer's gradient with nothing between the layers, {glue:text}`stack_flow_init_tanh:.2f` with tanh and {glue:text}`stack_flow_init_relu:.2f` with ReLU (medians; ReLU passes less than none in {glue:text}`stack_init_lower` of the {glue:text}`stack_n_seeds` seeds): a ReLU between layers blocks, at each boundary and each step, the gradient of every unit whose $h$ is negative.
#
# After training the stored ratios tell the story of the plateau. In every variant the runs still stuck on it are the ones whose bottom layer gets almost no gradient: a median $F_0/F_2$ of {glue:text}`stack_stuck_flow_none` for stuck stacks without an activation against {glue:text}`stack_solved_flow_none` for solved ones, and {glue:text}`stack_stuck_flow_relu` against {glue:text}`stack_solved_flow_relu` with ReLU. With ReLU the cut is often complete: in {glue:text}`stack_relu_cut` of the {glue:text}`stack_n_seeds` ReLU stacks the bottom layer gets less than $10^{-3}$ of the top's gradient, against {glue:text}`stack_none_cut` without an activation and {glue:text}`stack_tanh_cut` with tanh ({glue:text}`stack_cut_p`), and none of those stacks solved the task. They are the stacks whose ReLU boundary is nearly all zeros: a median of {glue:text}`stack_cut_zero_median:.0%` of the values read above it, against {glue:text}`stack_nocut_zero_median:.0%` in the other ReLU stacks. Almost no unit passes its value or its gradient across, and the layers below can no longer learn. This is the dying ReLU, placed between two LSTM layers.
#
# ### Cost per step
#
# An activation between layers is one more elementwise pass over a `(T, B, H)` array, forward and backward. Against an LSTM layer, with its matrix products and five activations per unit and step, it should be cheap. We time one forward-and-backward pass of a lone model (batch 16, $T = 10$) for each depth and each $\phi$; timings vary from run to run and machine to machine, so the printed times are not compared by the tests, and the check is a loose ratio.

# %% tags=["nbval-ignore-output"]
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

# %% [markdown]
# Timings are not a test: they move with the machine and its load. What the tests check instead is the same argument
# in operation counts, which depend only on the shapes. Per sample and step, an LSTM layer with $d$ inputs and $H$
# units does $4H(d + H)$ multiply-adds in its matrix products forward and about twice that backward; an activation
# between layers does $H$ evaluations forward and $H$ derivatives backward.

# %%
def layer_ops(d_in, H=HIDDEN):
    """Multiply-adds of one LSTM layer per sample and step, forward and backward (about 3x the forward products)."""
    return 3 * 4 * H * (d_in + H)


ops = {depth: layer_ops(2) + (depth - 1) * layer_ops(HIDDEN) for depth in (1, 2, 3)}
act_ops_share = 2 * (2 * HIDDEN) / ops[3]            # two boundaries, forward value and derivative
print(f"operations per sample and step: {ops}; an activation at both boundaries of 3 layers: {act_ops_share:.1%}")
assert ops[3] > 1.8 * ops[1], "cost per step grows with the number of layers (operation count)"
assert act_ops_share < 0.1, "an activation between layers is a small fraction of a step (operation count)"

# %% [markdown]
# On the machine that built this page a step took {glue:text}`stack_cost_d1_ms:.2f` ms for one layer and {glue:text}`stack_cost_d3_ms:.2f` ms for three. The activation itself, forward and derivative at both boundaries of a 3-layer stack, took {glue:text}`stack_cost_share_tanh:.1%` of that step for tanh and {glue:text}`stack_cost_share_relu:.1%` for ReLU: differences between the full step times of the three variants are within the timing noise. Whichever of the two is cheaper, the difference is a sliver of a step. Depth is what costs.
#
# ## Depth and time together
#
# The heat maps below show $G[l, t]$ for whole 3-layer stacks, over layers and time steps at once, at initialisation on longer sequences ($T = 30$), with no activation between the layers. The loss sits on the last step of the top layer; the gradient spreads back in time and down in depth from there. We compare the standard LSTM with the (tanh, relu) LSTM of the {doc}`ReLU-in-LSTM chapter <05-relu-in-lstm>`, whose output squash is $h = o \odot \mathrm{relu}(c)$ while its candidate stays tanh. The colour is the median of $\log_{10} G$ over the ten seeds.

# %% tags=["nbval-ignore-output"]
task30 = tasks.ProductTask(T=30)
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
# The loss enters at the last step of the top layer. In the standard stack the gradient spreads from there over the whole grid within about a decade; in the bottom layer it is even larger at early steps than at the last one, because $h^{(0)}_t$ collects gradient from every later step of the layers above: depth and time are not separate routes but one grid, and $h^{(0)}_t$ is reached from layer 1 at step $t$ and from layer 0 at step $t+1$ alike. From the loss to the first step of the bottom layer the standard stack loses {glue:text}`stack_heat_drop_tanh:.1f` decades (median over seeds) and the (tanh, relu) stack {glue:text}`stack_heat_drop_relu:.1f`. The reason is the squash's derivative, $\partial h_t / \partial c_t = o_t\, \mathrm{relu}'(c_t)$, which is zero for every cell whose state is negative, so the gradient arriving at $h$ reaches the cell of only part of the units in each layer; tanh's derivative is never zero. This is a snapshot at initialisation; how the (tanh, relu) LSTM fares in training is the subject of the ReLU-in-LSTM chapter.
#
# ### Explore: depth and what sits between the layers
#
# The explorer below shows the gradient norm $G[l, t]$ that reaches each layer at each step, at initialisation ($T = 20$, 8 units, median over five seeds), for stacks of one to four layers with nothing, tanh or ReLU between them. Move the depth with ReLU between the layers and watch the bottom layer fall away from the top one; with nothing or tanh between them it stays within a factor of a few.

# %% tags=["nbval-ignore-output"]
EXPLORE_T, EXPLORE_SEEDS, DEPTHS = 20, list(range(5)), (1, 2, 3, 4)
xs_e, ys_e = tasks.ProductTask(T=EXPLORE_T).sample(np.random.default_rng(EVAL_SEED + 6), 64)
flow_table = {}
for depth in DEPTHS:
    for b in BETWEEN:
        spec_e = stack.ModelSpec(input_size=2, hidden_size=8, output_size=1, layers=depth, between=b)
        G, _ = flow.gradient_flow(stack.init_population(spec_e, EXPLORE_SEEDS), spec_e, xs_e, ys_e)   # (L, T, S)
        flow_table[depth, LABEL[b]] = np.median(G, axis=-1)                                          # (L, T)

def gradient_per_layer(depth, between):
    """G[l, t] per layer at initialisation, median over seeds (precomputed above: a table look-up)."""
    G = flow_table[depth, between]
    steps = np.arange(1, EXPLORE_T + 1)
    return {("layer 0 (bottom)" if l == 0 else f"layer {l}"): (steps, G[l]) for l in range(depth)}

def bottom_over_top(depth, between):
    """F_0 / F_top: the gradient reaching the bottom layer over the one reaching the top, summed over time."""
    F = np.sqrt(np.sum(flow_table[depth, between] ** 2, axis=1))                                     # (L,)
    return float(F[0] / F[-1])

ex = explore.Explorer(gradient_per_layer, controls={"depth": DEPTHS, "between": ("none", "tanh", "relu")},
                      defaults={"depth": 3, "between": "relu"}, xlabel="time step t", ylabel="gradient norm G[l, t]",
                      title="Gradient reaching each layer at initialisation", ylog=True)
ratios_e = {(d, b): bottom_over_top(d, b) for d in DEPTHS[1:] for b in ("none", "tanh", "relu")}
for d in DEPTHS[1:]:
    glue(f"stack_explore_d{d}_none", round(ratios_e[d, "none"], 2))
    glue(f"stack_explore_d{d}_relu", round(ratios_e[d, "relu"], 3))

# %% tags=["nbval-ignore-output"]
ex.display()
print("F_0 / F_top at initialisation:", {f"{b}, depth {d}": round(r, 3) for (d, b), r in ratios_e.items()})

# %%
for d in DEPTHS[1:]:
    assert ratios_e[d, "relu"] < 0.8 * ratios_e[d, "none"], f"depth {d}: ReLU between layers passes less gradient down"
assert ratios_e[4, "relu"] < ratios_e[2, "relu"] / 2, "with ReLU between the layers the loss grows with every boundary"
assert all(abs(ratios_e[d, "tanh"] / ratios_e[d, "none"] - 1) < 0.1 for d in DEPTHS[1:]), \
    "tanh between the layers leaves the gradient reaching the bottom layer nearly unchanged at every depth"

# %% [markdown]
# With nothing between the layers the bottom layer of a 4-layer stack still receives {glue:text}`stack_explore_d4_none:.2f` of the top layer's gradient; with ReLU between them {glue:text}`stack_explore_d4_relu:.3f`, against {glue:text}`stack_explore_d2_relu:.3f` for two layers. Each ReLU boundary removes the gradient of the units whose $h$ is negative, so the losses compound with depth.
#
# ## Context: deep LSTMs in practice
#
# {cite:t}`graves2013speech` stacked LSTM layers for phoneme recognition on the TIMIT corpus: each layer's hidden sequence is the input sequence of the layer above, the construction of this chapter with nothing between the layers. They report a phoneme error rate of 17.7 % for their deepest LSTM on TIMIT, and that adding layers helped more than adding units per layer {cite:p}`graves2013speech`. That is the design C12 describes.
#
# Practical deep stacks do put something between LSTM layers, only not an activation function. {cite:t}`zaremba2014regularization` apply dropout to the connections between layers (and not to the recurrent ones); {cite:t}`wu2016gnmt` add residual connections between the layers of their eight-layer LSTM stacks for translation, to make such depths trainable; {cite:t}`ba2016layernorm` normalise the summed inputs of recurrent units (layer normalisation). None of these is a nonlinearity that the stack would otherwise lack; they regularise or ease the optimisation of deep stacks. This chapter does not test them: its stacks are at most three layers deep and its task has no overfitting to fight.
#
# ## Verdicts
#
# :::{admonition} C12 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-c12
#
# An LSTM layer's output $h = o \odot \tanh(c)$ is already nonlinear and bounded, so stacked LSTM layers do not collapse into one and need no activation between them; the only dense layer is the readout. Tested on the product task ($T = 10$, 8 units per layer, depths 2 and 3, Adam at $10^{-2}$ with clipping, 600 steps, {glue:text}`stack_n_seeds` independent seeds per configuration, stored grid): pooled over depths 2 and 3 the stacks solved the task in {glue:text}`stack_pooled_none` of runs with nothing between the layers, {glue:text}`stack_pooled_tanh` with tanh ({glue:text}`stack_pooled_p_tanh`) and {glue:text}`stack_pooled_relu` with ReLU ({glue:text}`stack_pooled_p_relu`): no activation helped, and no difference in the solved rate was detected ({numref}`fig-stack-loss`). A ReLU between three layers did hurt seed by seed (higher test loss in {glue:text}`stack_worse_relu_d3` of {glue:text}`stack_n_seeds` seeds, {glue:text}`stack_sign_p_relu_d3`) and cut the gradient path to the bottom layer in {glue:text}`stack_relu_cut_rate` of stacks, against {glue:text}`stack_none_cut_rate` without it ({glue:text}`stack_cut_p`). The caveat: practical deep stacks do add layers between LSTM layers that are not activations (dropout, residual connections, layer normalisation); this chapter tests none of them.
# :::
#
# :::{admonition} C13 (stacking part) · holds
# :class: verdict-holds
# :name: verdict-c13-stacking
#
# `return_sequences=True` makes a layer emit its hidden state at every step, `(T, B, H)`, and in a stack every layer but the last must do so, because the layer above needs an input at every step; fed only the last step, it has no sequence to run on ({ref}`stack-shapes`; shapes checked for a 3-layer stack, $T = 10$, batch 4, 16 units). The last layer returns every step for sequence-to-sequence output and only the last for sequence-to-one. The shape part of C13 has its own verdict in {doc}`01-lstm-anatomy` ({ref}`the C13 verdict of chapter 1 <verdict-c13>`).
# :::
#
# The solutions below use these numbers, computed here so that each stated result comes from a run:

# %% tags=["nbval-ignore-output"]
spec_l = stack.ModelSpec(input_size=2, hidden_size=HIDDEN, output_size=1, layers=3, between="leaky_relu")
xs_g, ys_g = task.sample(np.random.default_rng(EVAL_SEED + 2), 256)
G_l, _ = flow.gradient_flow(stack.init_population(spec_l, SEEDS), spec_l, xs_g, ys_g)
F_l = np.sqrt((G_l ** 2).sum(axis=1))                                            # (L, S)
leaky_ratio = float(np.median(F_l[0] / F_l[2]))
print(f"leaky ReLU between layers, F_0 / F_2 at initialisation: {leaky_ratio:.3f} "
      f"(stored grid: none {np.median(flow_ratio['init', None]):.3f}, ReLU {np.median(flow_ratio['init', 'relu']):.3f})")
glue("stack_leaky_ratio", round(leaky_ratio, 3))
closer_to_relu = abs(leaky_ratio - np.median(flow_ratio["init", "relu"])) < abs(leaky_ratio - np.median(flow_ratio["init", None]))
assert closer_to_relu, "a leaky ReLU (slope 0.01) blocks the negative half almost as fully as a ReLU"

# %% [markdown]
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
# A leaky ReLU passes a gradient of 0.01 instead of 0 for negative $h$, so it still blocks about half the downward gradient almost entirely. Measured over the ten seeds of this chapter (the cell before the exercises), the median ratio is {glue:text}`stack_leaky_ratio:.3f`, next to the ReLU value ({glue:text}`stack_flow_init_relu:.3f`) and far below the value without an activation ({glue:text}`stack_flow_init_none:.3f`):
#
# ```python
# spec_l = stack.ModelSpec(input_size=2, hidden_size=8, layers=3, between="leaky_relu")
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
# Some ReLU stacks above ended with a boundary whose ReLU outputs were nearly all zeros. Explain why such a stack can never leave the plateau, however long it trains. Which parameters still receive a nonzero gradient? Would a leaky ReLU between the layers change the answer?
# ::::
#
# ::::{solution} ex-stack-4
# :class: dropdown
#
# Above a dead boundary the next layer reads $u = 0$ at every step, so its input weights get the gradient $\sum_t u_t^\top \delta_t = 0$, and below it every path down is multiplied by $\mathrm{relu}'(h) = 0$: the layers below receive exactly zero gradient and, once Adam's momentum has decayed, stop moving, so their $h$ stays negative and the boundary stays dead. Only the layers above it (recurrent weights and biases) and the readout still learn, and they see an input that carries no information about the sequence, so the best they can do is the constant prediction: the baseline. A leaky ReLU keeps a slope of 0.01 for negative inputs, so a small gradient still passes and the stack can in principle recover, slowly; at initialisation it passes little more gradient down than the ReLU ({ref}`ex-stack-2`).
# ::::
#
# ## References
#
# - {cite:t}`graves2013speech`
# - {cite:t}`hochreiter1997lstm`
# - {cite:t}`zaremba2014regularization`
# - {cite:t}`wu2016gnmt`
# - {cite:t}`ba2016layernorm`
