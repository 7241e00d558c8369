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
# # 5. ReLU inside the LSTM
#
# **The question.** What actually happens when you swap tanh for ReLU inside an LSTM? Keras lets you do it with one argument, `activation='relu'`, and the folklore says you should not. This chapter explains the mechanism that could make it fail, then measures, over a grid of variants, horizons, learning rates and clipping, when it fails and when it does not.
#
# :::{admonition} Claims tested in this chapter
# - **C2** ReLUs "were thought to not be appropriate for RNNs such as the LSTM by default" [Q].
# - **C10** "Given that ReLUs can have quite large outputs, they have traditionally been regarded as inappropriate for use with LSTMs" [Q].
# - **D10** ReLUs "can have very large outputs, so they might be expected to be far more likely to explode than units that have bounded values" [L].
#
# The sources and the full list are in the {ref}`claim ledger <claims-ledger>`.
# :::
#
# The first cell imports `rnnlab`, fixes every seed and sets the book's plot style. All training here runs in float32, one population of models per `train` call.

# %%
import matplotlib.pyplot as plt
import numpy as np
from myst_nb import glue

from rnnlab import experiments, lstm, plotting, stack, tasks, train

experiments.single_thread_blas()     # many tiny matrices: one BLAS thread is much faster than several
plotting.use_book_style()

FULL = experiments.FULL              # the stored grid: results/relu_in_lstm.{json,npz}
LIVE = experiments.GridConfig(       # the grid trained live below: a slice of FULL, same settings
    variants=("tanh/tanh", "tanh/relu", "relu/relu"), horizons=(20,), clips=("none",),
    seeds=(0, 1, 2), steps=400)
STREAM_SEED = 7                      # the drifting-input stream
COLORS = {"tanh/tanh": plotting.color("tanh"), "tanh/relu": plotting.color("leaky_relu"),
          "relu/relu": plotting.color("relu"), "tanh/identity": plotting.color("identity"),
          "no forget gate": plotting.color("sigmoid"), "forget bias 0": plotting.color("softplus")}
KEY = {"tanh/tanh": "tt", "tanh/relu": "tr", "relu/relu": "rr", "tanh/identity": "ti",
       "no forget gate": "nofg", "forget bias 0": "fb0"}


def r3(x):
    """x rounded to three significant digits, so that glued values compare exactly."""
    return float(f"{x:.3g}")

# %% [markdown]
# ## Two tanh's, two roles
#
# An LSTM step computes one block of pre-activations $z_t = x_t W_x + h_{t-1} W_h + b$ and then
#
# $$
# c_t = f_t \odot c_{t-1} + i_t \odot g(z^g_t), \qquad h_t = o_t \odot \phi(c_t),
# $$
#
# with sigmoid gates $i_t, f_t, o_t \in (0, 1)$. The standard cell uses tanh twice: as the **candidate** $g$ (what is written into the cell) and as the **output squash** $\phi$ (how the cell is shown to the rest of the net). The cell state $c_t$ itself has no activation: it is a gated running sum ({doc}`01-lstm-anatomy`). Keras's `activation='relu'` replaces *both* tanh's at once; in `rnnlab` each role is its own keyword, so we can also swap one at a time.
#
# **Why tanh keeps the cell in check.** With $|g| < 1$, each step adds less than $i_t$ to $|c_t|$:
#
# $$
# |c_t| \le f_t\,|c_{t-1}| + i_t < f_{\max}\,|c_{t-1}| + 1 \quad\Longrightarrow\quad |c_t| < \frac{1}{1 - f_{\max}}\ \text{if } f_t \le f_{\max} < 1, \qquad |c_t| < t\ \text{without a forget gate.}
# $$
#
# So the cell grows at most linearly in time, and only when the forget gate stays open. Whatever it does, $h_t = o_t \tanh(c_t)$ stays in $(-1, 1)$: the next step's gates see a bounded $h_{t-1}$. {cite:t}`hochreiter1997lstm` already remarked that an identity output squash leaves the cell output's range unrestricted, and {cite:t}`gers2000forget` showed that without a forget gate the cell state drifts without bound on continual input.
#
# **What ReLU changes.** With $\phi = \mathrm{relu}$, $h_t = o_t\, \mathrm{relu}(c_t)$ is as large as the cell. With $g = \mathrm{relu}$ too, a large $h_{t-1}$ feeds back through $W_h$ into $z^g_t$ and makes the increment $i_t\, g_t$ large: **a loop $c \to h \to z^g \to g \to c$ with no bounded function anywhere in it.** For one unit with positive $c$ and constant gates, the loop is linear:
#
# $$
# c_t = \underbrace{(f + i\,o\,w)}_{\text{loop gain } \rho}\; c_{t-1} + i\,x, \qquad w = \text{the unit's own recurrent weight into } z^g,
# $$
#
# so $c_t$ settles when $\rho < 1$, grows linearly when $\rho = 1$ and grows geometrically when $\rho > 1$. With a tanh candidate the same loop can at most add $i$ per step. The cell below builds exactly this one-unit LSTM by hand ($i = o = 1/2$, $f = 0.9$, constant input 0.1) and runs it for 300 steps with three values of $w$.

# %%
def logit(p):
    return np.log(p / (1 - p))


def one_unit_lstm(w, i=0.5, f=0.9, o=0.5):
    """A hand-built LSTM with one input and one unit: z_g = x + w h, gates fixed at (i, f, o)."""
    return {"W_x": np.array([[1.0, 0.0, 0.0, 0.0]]),                 # (D=1, 4H): blocks [g, i, f, o]
            "W_h": np.array([[w, 0.0, 0.0, 0.0]]),                   # (H=1, 4H): only g sees h
            "b": np.array([0.0, logit(i), logit(f), logit(o)])}      # (4H,)


toy_xs = np.full((300, 1, 1), 0.1)                                   # (T, B, D)
toy = {}
for w in (0.2, 0.4, 0.6):
    for cand, squash in (("tanh", "tanh"), ("tanh", "relu"), ("relu", "relu")):
        _, cache = lstm.forward(one_unit_lstm(w), toy_xs, cand=cand, squash=squash)
        toy[w, f"{cand}/{squash}"] = cache.cs[1:, 0, 0]                # (T,)
print(f"{'w':>4s} {'loop gain':>9s} " + " ".join(f"{v + ' c_300':>16s}" for v in ("tanh/tanh", "tanh/relu", "relu/relu")))
for w in (0.2, 0.4, 0.6):
    print(f"{w:4.1f} {0.9 + 0.25 * w:9.2f} " + " ".join(f"{toy[w, v][-1]:16.3g}" for v in ("tanh/tanh", "tanh/relu", "relu/relu")))

# %%
for w in (0.2, 0.4, 0.6):
    assert toy[w, "tanh/tanh"].max() < 0.5 / (1 - 0.9), "a tanh candidate keeps |c| below i / (1 - f)"
    assert toy[w, "tanh/relu"].max() < 0.5 / (1 - 0.9), "a tanh candidate bounds c whatever the output squash"
assert toy[0.2, "relu/relu"][-1] < 2 * toy[0.2, "relu/relu"][50], "loop gain < 1: the ReLU cell settles"
assert toy[0.6, "relu/relu"][-1] > 1e4 * toy[0.6, "relu/relu"][50], "loop gain > 1: the ReLU cell grows geometrically"
glue("relu_toy_c300", r3(toy[0.6, "relu/relu"][-1]), display=False)
glue("relu_toy_tanh_c300", r3(toy[0.6, "tanh/relu"][-1]), display=False)

# %% [markdown]
# With loop gain 1.05 the (relu, relu) cell reaches $c_{300} \approx$ {glue:text}`relu_toy_c300` while the same weights with a tanh candidate stop at {glue:text}`relu_toy_tanh_c300`. The mechanism is real. Whether it *matters* depends on whether training produces loop gains above 1, and that is an empirical question.
#
# ## The experiment
#
# We train every variant below on the adding problem (two marked values in a sequence of $T$ uniform values; the target is their sum; the constant prediction 1 scores MSE $1/6$, {cite:p}`arjovsky2016unitary`):
#
# | variant | candidate $g$ | output squash $\phi$ | forget gate |
# |---|---|---|---|
# | `tanh/tanh` | tanh | tanh | yes, bias 1 {cite:p}`jozefowicz2015empirical` |
# | `tanh/relu` | tanh | ReLU | yes, bias 1 |
# | `relu/relu` (Keras `activation='relu'`) | ReLU | ReLU | yes, bias 1 |
# | `tanh/identity` (NOAF in {cite:t}`greff2017odyssey`) | tanh | none | yes, bias 1 |
# | `no forget gate` | tanh | tanh | none ($f = 1$) |
# | `forget bias 0` | tanh | tanh | yes, bias 0 |
#
# Each model is a one-layer LSTM with 16 units and a linear readout, trained with Adam on minibatches of 32. The outcome of a run is read off its training loss:
# - **final MSE**: the median training loss over the last 50 steps;
# - **success**: final MSE below one tenth of the baseline, $1/60 \approx$ {glue:text}`relu_threshold:.4f` (the model explains 90 % of the target's variance);
# - **divergence**: the loss or the gradient norm became inf or NaN, or the loss exceeded 100 times the baseline (`rnnlab.train` stops such a model and records the step). A diverged run counts as a failure.
#
# The stored grid crosses the six variants with two horizons, two learning rates and clipping on or off, five seeds per cell, and 1000 steps. It is too big for a 60-second chapter, so it was produced offline by one command, and its provenance is stored with it. This chapter trains a slice of it live and checks that both agree.

# %%
# NBVAL_IGNORE_OUTPUT
doc, arrays = experiments.load("../results/relu_in_lstm")
prov = doc["provenance"]
print("command:  ", prov["command"])
print("git rev:  ", prov["git_revision"], "| date:", prov["date_utc"], "| runtime:", prov["runtime_s"], "s")

# %%
P = prov["parameters"]
glue("relu_grid_complete", "complete" if prov["complete"] else "incomplete", display=False)
assert P["steps"] == FULL.steps and tuple(P["horizons"]) == FULL.horizons and tuple(P["lrs"]) == FULL.lrs, \
    "the stored grid must have been made with the grid defined in rnnlab.experiments.FULL"
print("stored grid:", len(P["variants"]), "variants x horizons", P["horizons"], "x lrs", P["lrs"], "x clip", P["clips"],
      "x", len(P["seeds"]), "seeds,", P["steps"], "steps:", len(doc["models"]), "runs")
glue("relu_n_runs", len(doc["models"]), display=False)
glue("relu_threshold", round(doc["threshold"], 4), display=False)

# %% [markdown]
# ## The live slice: three variants at $T = 20$
#
# The live run trains the standard cell, the ReLU output squash and the Keras swap at horizon 20, without clipping, at both learning rates and three seeds each: {glue:text}`relu_live_n` runs, 400 steps each. One `train` call trains a whole population (both learning rates, all seeds) of one variant on the same stream of minibatches.

# %%
live = {v: experiments.run_cell(v, 20, "none", LIVE) for v in LIVE.variants}
n_seeds = len(LIVE.seeds)
print(f"{'variant':10s} {'lr':>6s} {'success':>8s} {'diverged':>9s} {'median MSE':>11s} {'range':>17s} {'max|c|':>7s} {'max|h|':>7s}")
live_summary = {}
for v, r in live.items():
    for j, lr in enumerate(LIVE.lrs):
        sl = slice(j * n_seeds, (j + 1) * n_seeds)
        s = experiments.summarize(r["final"][sl], r["diverged_at"][sl], LIVE.threshold)
        s.update(max_c=float(np.nanmax(r["max_c"][sl])), max_h=float(np.nanmax(r["max_h"][sl])))
        live_summary[v, lr] = s
        print(f"{v:10s} {lr:6.0e} {s['success']:8.0%} {s['diverged']:9.0%} {s['median_final']:11.4f} "
              f"[{s['min_final']:.4f}, {s['max_final']:.4f}] {s['max_c']:7.2f} {s['max_h']:7.2f}")
glue("relu_live_n", sum(len(r["final"]) for r in live.values()), display=False)
for v in LIVE.variants:
    for lr in LIVE.lrs:
        k = f"relu_live_{KEY[v]}_{'lo' if lr == min(LIVE.lrs) else 'hi'}"
        glue(k + "_med", r3(live_summary[v, lr]["median_final"]), display=False)
        glue(k + "_maxh", r3(live_summary[v, lr]["max_h"]), display=False)
        glue(k + "_maxc", r3(live_summary[v, lr]["max_c"]), display=False)

# %% mystnb={"figure": {"caption": "Training loss of the live slice (horizon 20, no clipping): median over three seeds with the full range shaded, on a log scale. The dashed line is the constant-prediction baseline 1/6, the dotted line the success threshold (one tenth of it).", "name": "fig-relu-curves"}, "image": {"alt": "Two panels of training curves, for learning rates 0.001 and 0.01. Each shows three coloured bands for tanh/tanh, tanh/relu and relu/relu, starting near the baseline of 1/6. At learning rate 0.001 the relu/relu curve leaves the baseline first and the tanh/tanh curve stays on the plateau; at 0.01 most runs of all three drop below the success threshold, relu/relu earliest."}}
steps = np.arange(LIVE.steps)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
for ax, (j, lr) in zip(axes, enumerate(LIVE.lrs)):
    for v, r in live.items():
        runs = r["loss"][:, j * n_seeds:(j + 1) * n_seeds].T                  # (seeds, steps)
        plotting.spread(ax, steps, runs, name=v, log=True)
        ax.get_lines()[-1].set_color(COLORS[v])
        ax.collections[-1].set_color(COLORS[v])
    ax.axhline(1 / 6, color="k", ls="--", lw=1)
    ax.axhline(LIVE.threshold, color="k", ls=":", lw=1)
    ax.set_title(f"Adam, lr = {lr:g}")
    ax.set_xlabel("training step")
axes[0].set_ylabel("training MSE")
axes[1].legend(loc="lower left")
plt.show()

# %% [markdown]
# On this short horizon **nothing explodes, and ReLU is not worse: it learns sooner.** At the small learning rate the (relu, relu) runs reach a median MSE of {glue:text}`relu_live_rr_lo_med` after 400 steps, while the standard cell is still on the baseline plateau at {glue:text}`relu_live_tt_lo_med`. The price shows in the state: the largest $|h|$ seen during training is {glue:text}`relu_live_rr_lo_maxh` for (relu, relu) against {glue:text}`relu_live_tt_lo_maxh` for the standard cell, whose $|h|$ can never reach 1.

# %%
for lr in LIVE.lrs:
    assert live_summary["relu/relu", lr]["diverged"] == 0, "at T = 20 no (relu, relu) run diverges"
    assert live_summary["relu/relu", lr]["median_final"] < live_summary["tanh/tanh", lr]["median_final"], \
        "at T = 20 the Keras ReLU swap learns at least as fast as the standard cell"
    assert live_summary["tanh/tanh", lr]["max_h"] < 1 < live_summary["relu/relu", lr]["max_h"], \
        "tanh bounds |h| below 1; the ReLU output leaves that range"

# %% [markdown]
# ### Live and stored agree
#
# Training is deterministic and step by step, and model $k$ of a population is exactly the lone model with seed $k$. So the first 400 steps of the stored 1000-step runs with seeds 0 to 2 must reproduce the live runs.

# %%
def stored_cell(variant, T, clip):
    """Index of a stored cell."""
    return next(c["index"] for c in doc["cells"] if (c["variant"], c["T"], c["clip"]) == (variant, T, clip))


n_full = len(FULL.seeds)
cols = [j * n_full + s for j in range(len(FULL.lrs)) for s in range(n_seeds)]   # the live (lr, seed) pairs
worst = 0.0
for v, r in live.items():
    i = stored_cell(v, 20, "none")
    stored_loss = arrays[f"loss_{i}"][:LIVE.steps, cols]                   # (400, 6)
    stored_div = np.array([m["diverged_at"] if m["diverged_at"] is not None else -1
                           for m in doc["models"] if m["cell"] == i])[cols]
    stored_final = experiments.final_mse(stored_loss, stored_div, LIVE.final_window)
    worst = max(worst, float(np.nanmax(np.abs(stored_final - r["final"]) / r["final"])))
    assert np.array_equal(np.isnan(stored_final), np.isnan(r["final"])), "the same runs diverge live and stored"
print("largest relative difference in final MSE, live vs stored:", "< 1e-6" if worst < 1e-6 else f"{worst:.1e}")
assert worst < 1e-4, "the live slice must reproduce the stored grid"

# %% [markdown]
# ## The full grid
#
# Now the stored grid: {glue:text}`relu_n_runs` runs. Each square below is one variant under one condition, five seeds; the number is how many of the five runs succeeded (left) or diverged (right).

# %%
conds = [(T, clip, lr) for T in FULL.horizons for clip in FULL.clips for lr in FULL.lrs]
summ = {(s["variant"], s["T"], s["clip"], s["lr"]): s for s in doc["summary"]}
missing = {"success": np.nan, "diverged": np.nan, "median_final": np.nan}   # a cell the stored run did not reach


def grid_array(field):
    """One summary field as a (variants, conditions) array, NaN where the stored grid has no result."""
    return np.array([[summ.get((v, T, c, lr), missing)[field] for (T, c, lr) in conds] for v in FULL.variants])


succ, div, med = grid_array("success"), grid_array("diverged"), grid_array("median_final")   # (V, C) each
n_missing = int(np.isnan(succ).sum())
print(f"{len(summ)} of {len(FULL.variants) * len(conds)} squares stored; missing: {n_missing}")
print("success / diverged, runs out of", n_full)
print(f"{'variant':15s} " + " ".join(f"{T:>3d}{'c' if c == 'norm' else ' '}{lr:<5g}" for T, c, lr in conds))
for k, v in enumerate(FULL.variants):
    print(f"{v:15s} " + " ".join("   –/–    " if np.isnan(succ[k, j]) else f"   {round(succ[k, j] * n_full)}/{round(div[k, j] * n_full)}    "
                                 for j in range(len(conds))))

# %% mystnb={"figure": {"caption": "The stored grid: success rate (left) and divergence rate (right) of each variant (rows) under each condition (columns: horizon T, clipping by global norm at 1 or none, Adam learning rate), five seeds per square. The numbers count runs out of five.", "name": "fig-relu-grid"}, "image": {"alt": "Two heat maps with six rows (the variants) and eight columns (the conditions). The left map shows success counts, the right map divergence counts, each square labelled with a count from 0 to 5."}}
labels = [f"T={T}\n{'clip' if c == 'norm' else 'no clip'}\n{lr:g}" for T, c, lr in conds]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, data, title, cmap in ((axes[0], succ, "success", "Greens"), (axes[1], div, "divergence", "Reds")):
    ax.imshow(data, vmin=0, vmax=1, cmap=cmap, aspect="auto")
    ax.grid(False)
    for (a, b), val in np.ndenumerate(data):
        ax.text(b, a, "–" if np.isnan(val) else f"{round(val * n_full)}", ha="center", va="center", fontsize=9,
                color="white" if val > 0.6 else "black")
    ax.set_xticks(range(len(conds)), labels, fontsize=7)
    ax.set_yticks(range(len(FULL.variants)), FULL.variants if ax is axes[0] else [""] * len(FULL.variants))
    ax.set_title(f"{title} (runs out of {n_full})")
plt.show()

# %%
T_SHORT, T_LONG = FULL.horizons
ALL = FULL.variants
UNBOUNDED = ("tanh/relu", "relu/relu", "tanh/identity")                 # h is not squashed
BOUNDED = ("tanh/tanh", "no forget gate", "forget bias 0")              # h = o tanh(c)


def pooled(field, variants, T, clip=None):
    """Mean of a summary field over the stored squares of some variants at horizon T (both lrs; one or both clips)."""
    vals = [summ[v, T, c, lr][field] for v in variants for c in FULL.clips for lr in FULL.lrs
            if (v, T, c, lr) in summ and clip in (None, c)]
    return float(np.mean(vals)) if vals else float("nan")


print(f"{'variant':15s} {'div T=' + str(T_SHORT):>9s} {'div T=' + str(T_LONG):>9s} {'(clip)':>7s} {'succ T=' + str(T_SHORT):>10s} {'succ T=' + str(T_LONG):>10s}")
for v in ALL:
    print(f"{v:15s} {pooled('diverged', [v], T_SHORT):9.0%} {pooled('diverged', [v], T_LONG, 'none'):9.0%} "
          f"{pooled('diverged', [v], T_LONG, 'norm'):7.0%} {pooled('success', [v], T_SHORT):10.0%} {pooled('success', [v], T_LONG):10.0%}")
    for name, val in (("div_long", pooled("diverged", [v], T_LONG, "none")), ("div_long_clip", pooled("diverged", [v], T_LONG, "norm")),
                      ("succ_short", pooled("success", [v], T_SHORT)), ("succ_long", pooled("success", [v], T_LONG))):
        glue(f"relu_{name}_{KEY[v]}", round(val, 3), display=False)
max_h_long = {v: max((summ[v, T_LONG, c, lr]["max_h"] for c in FULL.clips for lr in FULL.lrs      # largest |h| in training
                      if (v, T_LONG, c, lr) in summ and summ[v, T_LONG, c, lr]["max_h"] is not None), default=np.nan)
              for v in ALL}
glue("relu_div_short", round(pooled("diverged", ALL, T_SHORT), 3), display=False)
glue("relu_maxh_long_rr", r3(max_h_long["relu/relu"]), display=False)
glue("relu_maxh_long_tr", r3(max_h_long["tanh/relu"]), display=False)
glue("relu_maxh_long_tt", r3(max_h_long["tanh/tanh"]), display=False)
glue("relu_maxc_long_nofg", r3(max(summ["no forget gate", T_LONG, c, lr]["max_c"] for c in FULL.clips for lr in FULL.lrs
                                   if ("no forget gate", T_LONG, c, lr) in summ)), display=False)

# %%
div_long = {v: pooled("diverged", [v], T_LONG, "none") for v in ALL}
assert pooled("diverged", ALL, T_SHORT) == 0, "at the short horizon no run of any variant diverges"
assert all(pooled("diverged", [v], T) == 0 for v in BOUNDED for T in FULL.horizons), \
    "no run with a tanh output squash diverges anywhere in the grid"
assert pooled("success", ["relu/relu"], T_LONG) >= max(pooled("success", [v], T_LONG) for v in ALL), \
    "at the long horizon the Keras ReLU swap succeeds at least as often as any other variant"
assert div_long["relu/relu"] > max(div_long[v] for v in ALL if v != "relu/relu"), \
    "at the long horizon without clipping the Keras ReLU swap diverges most often"
assert pooled("success", ["relu/relu"], T_SHORT) >= pooled("success", ["tanh/tanh"], T_SHORT), \
    "at the short horizon the Keras ReLU swap succeeds at least as often as the standard cell"

# %% [markdown]
# Reading the grid row by row:
# - At $T = 20$ **no run of any variant diverged**, with or without clipping, and (relu, relu) succeeded in {glue:text}`relu_succ_short_rr:.0%` of its runs against {glue:text}`relu_succ_short_tt:.0%` for the standard cell (pooled over learning rates and clipping). The standard cell's failures at this horizon are runs at the small learning rate that had not yet reached the threshold after 1000 steps, not instabilities.
# - At $T = 80$ without clipping, the variants split by their output. No run with a tanh output squash diverged, including the cell with no forget gate, whose $|c|$ reached {glue:text}`relu_maxc_long_nofg` in training. Among the unsquashed outputs, (relu, relu) diverged in {glue:text}`relu_div_long_rr:.0%` of its runs, (tanh, relu) in {glue:text}`relu_div_long_tr:.0%` and NOAF in {glue:text}`relu_div_long_ti:.0%`.
# - At $T = 80$ (relu, relu) is also the variant that succeeded most often ({glue:text}`relu_succ_long_rr:.0%`, against {glue:text}`relu_succ_long_tt:.0%` for the standard cell): the ReLU candidate passes a marked value into the cell almost linearly, which is exactly what the adding problem asks for. The same openness that helps it learn lets it blow up.

# %% [markdown]
# ### Does clipping save the Keras swap at $T = 80$?
#
# Gradient clipping is the usual remedy for exploding gradients {cite:p}`pascanu2013difficulty`. The (relu, relu) row, learning rate by learning rate:

# %%
LO, HI = min(FULL.lrs), max(FULL.lrs)
rr = {(c, lr): summ["relu/relu", T_LONG, c, lr] for c in FULL.clips for lr in FULL.lrs}
for (c, lr), x in rr.items():
    print(f"T={T_LONG} clip={c:4s} lr={lr:g}: success {round(x['success'] * n_full)}/{n_full}, diverged {round(x['diverged'] * n_full)}/{n_full}")
    glue(f"relu_rr80_{c}_{'lo' if lr == LO else 'hi'}_succ", round(x["success"], 3), display=False)
    glue(f"relu_rr80_{c}_{'lo' if lr == LO else 'hi'}_div", round(x["diverged"], 3), display=False)
div_steps = sorted(m["diverged_at"] for m in doc["models"]
                   if m["variant"] == "relu/relu" and m["T"] == T_LONG and m["diverged_at"] is not None)
print("steps at which (relu, relu) runs diverged at T =", T_LONG, ":", div_steps)
glue("relu_rr80_n_div", len(div_steps), display=False)
glue("relu_rr80_n_early", int(sum(d < 10 for d in div_steps)), display=False)

# %%
assert rr["norm", LO]["diverged"] == 0 and rr["norm", LO]["success"] > 0.5, \
    "with the small learning rate and clipping, most (relu, relu) runs learn the long horizon and none diverges"
assert rr["norm", HI]["diverged"] >= rr["none", HI]["diverged"] > 0, \
    "at the large learning rate clipping by global norm does not prevent (relu, relu) from diverging"
assert rr["norm", HI]["diverged"] + rr["none", HI]["diverged"] > rr["norm", LO]["diverged"] + rr["none", LO]["diverged"], \
    "(relu, relu) diverges more often at the larger learning rate"

# %% [markdown]
# Where do the early divergences come from? Training is deterministic, so we can replay each run that diverged within its first ten steps up to that step and look at the batch on which it failed: the forward loss and the largest $|c|$, against the largest $|c|$ one step earlier.

# %%
from rnnlab import losses

early = [m for m in doc["models"] if m["variant"] == "relu/relu" and m["T"] == T_LONG
         and m["diverged_at"] is not None and m["diverged_at"] < 10]
replay = []
for m in early:
    spec = experiments.spec_for("relu/relu", FULL.hidden_size)
    cfg = train.TrainConfig(steps=m["diverged_at"], batch_size=FULL.batch_size, lr=(m["lr"],),
                            clip=None if m["clip"] == "none" else m["clip"], clip_threshold=FULL.clip_threshold)
    rng = np.random.default_rng(FULL.data_seed)
    task = tasks.AddingTask(T_LONG)
    p, hist = train.train(stack.init_population(spec, [m["seed"]]), spec, task, cfg, rng)
    xs, ys = task.sample(rng, FULL.batch_size)            # the batch of the step at which the stored run diverged
    with np.errstate(all="ignore"):
        y, cache = stack.forward(p, xs, spec)
        loss = float(losses.mse(y, ys)[0][0])
    replay.append((m, float(hist.max_c[-1, 0]), float(np.abs(cache.layer_caches[0].cs).max()), loss))
    print(f"seed {m['seed']} lr {m['lr']:g} clip {m['clip']:4s} step {m['diverged_at']}: max|c| {replay[-1][1]:5.1f} -> "
          f"{replay[-1][2]:6.1f}, forward loss {loss / (1 / 6):6.0f} x baseline")
glue("relu_replay_n", len(replay), display=False)

# %%
assert len(replay) > 0 and all(loss > FULL.diverge_factor / 6 for *_, loss in replay), \
    "the early divergences of (relu, relu) are forward-pass blow-ups: the loss itself exceeds the limit"
assert all(c1 > 5 * c0 for _, c0, c1, _ in replay), "the cell state jumps within a single update"

# %% [markdown]
# Clipping is not the lever here; the learning rate is. With Adam at 0.001 and clipping, (relu, relu) learned the long horizon in {glue:text}`relu_rr80_norm_lo_succ:.0%` of its runs without a single divergence. At 0.01 it diverged in {glue:text}`relu_rr80_none_hi_div:.0%` of its runs without clipping and in {glue:text}`relu_rr80_norm_hi_div:.0%` with it. Two facts explain why clipping does not help. Under Adam the size of a step is set by the learning rate, not by the size of the gradient, so rescaling the gradient barely limits how far the weights move. And {glue:text}`relu_rr80_n_early` of the {glue:text}`relu_rr80_n_div` divergences came within the first ten steps; in each of them the replay shows the *forward* loss above the limit and the cell state multiplied within a single update. A few steps of size 0.01 were enough to push the $c \to h \to g$ loop over 80 steps past the point of no return. Clipping acts on the gradient; it cannot stop a state that explodes on the way forward.

# %% [markdown]
# ## Inside a trained cell
#
# What do $|c|$ and $|h|$ look like inside trained cells? We take the live-trained standard and (relu, relu) populations (all six runs each) and follow a fresh batch of test sequences.

# %% mystnb={"figure": {"caption": "Largest |c| (left) and |h| (right) over 64 test sequences at each step, inside the live-trained standard and (relu, relu) LSTMs (horizon 20, both learning rates, three seeds: median and range of the six runs).", "name": "fig-relu-state"}, "image": {"alt": "Two panels against time step 1 to 20. Both bands start together; in later steps the relu/relu band rises above the tanh/tanh band, whose |h| levels off below 1."}}
xs_test, _ = tasks.AddingTask(20).sample(np.random.default_rng(STREAM_SEED), 64)        # (T, B, 2)
inside = {}
for v in ("tanh/tanh", "relu/relu"):
    spec = experiments.spec_for(v, LIVE.hidden_size)
    _, cache = stack.forward(live[v]["params"], xs_test, spec)
    layer = cache.layer_caches[0]
    inside[v] = {"c": np.abs(layer.cs[1:]).max(axis=(-2, -1)), "h": np.abs(layer.hs[1:]).max(axis=(-2, -1))}  # (T, S)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
t = np.arange(1, 21)
for ax, q in zip(axes, ("c", "h")):
    for v in inside:
        plotting.spread(ax, t, inside[v][q].T, name=v)
        ax.get_lines()[-1].set_color(COLORS[v])
        ax.collections[-1].set_color(COLORS[v])
    ax.set_xlabel("time step t")
    ax.set_title(f"max |{q}_t| over the batch")
axes[0].legend()
plt.show()

# %% [markdown]
# Within the training horizon the two cells look alike for the first few steps; after that the (relu, relu) state keeps rising with every step it is carried, while the standard cell's $|h|$ levels off below 1. That rise is the loop at work, and the next experiment follows it further.

# %% [markdown]
# ## A drifting input: running past the training horizon
#
# The models were trained on sequences of length 20, always starting from $h_0 = c_0 = 0$. In deployment an LSTM often runs on a continuing stream without resets. We feed each trained cell 50 adding-problem sequences laid end to end, 1000 steps without a reset, and track the largest $|c_t|$, $|h_t|$ and readout $|y_t|$ over a batch of 16 streams. The trained cells are the stored ones at horizon 20, without clipping, both learning rates, all five seeds: ten per variant. Runs that diverged in training are left out.

# %%
n_seg, batch = 50, 16
drift = {}
for v in FULL.variants:
    i = stored_cell(v, 20, "none")
    ok = np.array([m["diverged_at"] is None for m in doc["models"] if m["cell"] == i])
    out = experiments.drift(experiments.cell_params(arrays, i), experiments.spec_for(v, FULL.hidden_size),
                            20, n_seg, batch, np.random.default_rng(STREAM_SEED))
    drift[v] = {q: a[:, ok] for q, a in out.items()}                          # (L, S_ok)
first = slice(0, 20)
last = slice(20 * (n_seg - 1), 20 * n_seg)
print(f"{'variant':15s} {'runs':>4s} {'max|h|, seg 1':>13s} {'max|h|, seg 50':>14s} {'x10 growth':>10s} {'overflow':>8s} {'max|c|, seg 50':>14s}")
growth, blown, overflow = {}, {}, {}
for v, d in drift.items():
    with np.errstate(all="ignore"):
        h1, h50 = d["h"][first].max(0), d["h"][last].max(0)                    # (S_ok,): nan once overflowed
        c50 = d["c"][last].max(0)
    bad = ~np.isfinite(d["h"]).all(0)                                         # overflowed to inf/NaN
    g = np.where(bad, np.inf, h50 / h1)                                        # growth of max|h| from seg 1 to seg 50
    growth[v], blown[v], overflow[v] = g, float(np.mean(g > 10)), float(np.mean(bad))
    print(f"{v:15s} {len(g):4d} {np.median(h1):13.2f} {np.median(np.where(bad, np.inf, h50)):14.3g} {blown[v]:10.0%} "
          f"{overflow[v]:8.0%} {np.median(np.where(bad, np.inf, c50)):14.3g}")
    glue(f"relu_drift_{KEY[v]}_blown", round(blown[v], 3), display=False)
    glue(f"relu_drift_{KEY[v]}_overflow", round(overflow[v], 3), display=False)
    glue(f"relu_drift_{KEY[v]}_c50", r3(np.median(np.where(bad, np.inf, c50))), display=False)

# %% mystnb={"figure": {"caption": "A continuing stream of 1000 steps (50 training horizons, no reset) through cells trained at horizon 20: the largest |h_t| over 16 streams, one line per trained run, log scale. A cross marks a run that overflowed float32 (its line ends there). The dotted line is |h| = 1, the ceiling of a tanh output squash.", "name": "fig-relu-drift"}, "image": {"alt": "Six small panels, one per variant, each with ten lines against stream time on a log scale. The three variants with a tanh output squash stay flat below 1. The tanh/relu and tanh/identity panels show several lines rising steadily to between ten and a thousand. In the relu/relu panel several lines shoot up by many orders of magnitude and end in crosses where they overflow."}}
fig, axes = plt.subplots(2, 3, figsize=(10, 5), sharex=True, sharey=True)
steps_stream = np.arange(1, n_seg * 20 + 1)
for ax, v in zip(axes.flat, ALL):
    h = drift[v]["h"]                                                         # (L, S_ok)
    for k in range(h.shape[1]):
        fin = np.isfinite(h[:, k]) & (h[:, k] < 1e38)
        end = np.argmin(fin) if not fin.all() else len(fin)                   # first non-finite step
        ax.plot(steps_stream[:end], h[:end, k], color=COLORS[v], lw=0.9, alpha=0.8)
        if end < len(fin):
            ax.plot(steps_stream[end - 1], h[end - 1, k], "x", color="k", ms=6)
    ax.axhline(1, color="k", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_title(v)
for ax in axes[1]:
    ax.set_xlabel("step of the stream")
for ax in axes[:, 0]:
    ax.set_ylabel("max |h_t|")
plt.show()

# %%
for v in BOUNDED:
    assert np.nanmax(drift[v]["h"]) < 1, "a tanh output squash keeps |h| below 1 on any stream"
    assert blown[v] == 0, "no cell with a tanh output squash grows on the stream"
for v in UNBOUNDED:
    assert blown[v] > 0, "cells with an unsquashed output grow on a stream longer than their training horizon"
assert overflow["relu/relu"] > 0, "some (relu, relu) cells overflow float32 within 50 training horizons"
assert overflow["tanh/relu"] == 0 and overflow["tanh/identity"] == 0, \
    "a tanh candidate limits growth to linear: no overflow without the ReLU candidate"
assert np.median(np.where(np.isfinite(drift["no forget gate"]["c"][-1]), drift["no forget gate"]["c"][-1], np.inf)) > \
    10 * np.median(drift["tanh/tanh"]["c"][-1]), "without a forget gate the cell state drifts (Gers et al. 2000)"

# %% [markdown]
# The stream separates the variants cleanly, and it does so along the line the mechanism predicts:
# - **A tanh output squash** (standard, no forget gate, forget bias 0) keeps every $|h_t|$ below 1 for the whole stream. Without a forget gate the *cell* still drifts, to a median $\max|c|$ of {glue:text}`relu_drift_nofg_c50` in the last segment, the effect {cite:t}`gers2000forget` described, but the squash hides it from the rest of the net.
# - **An unsquashed output with a tanh candidate** (`tanh/relu`, `tanh/identity`) grows: in {glue:text}`relu_drift_tr_blown:.0%` and {glue:text}`relu_drift_ti_blown:.0%` of the trained cells, $\max|h|$ in the last segment is more than ten times its value in the first. The growth is at most linear (each step adds less than $i_t$), so nothing overflows.
# - **The Keras swap** (`relu/relu`) closes the loop: {glue:text}`relu_drift_rr_blown:.0%` of the cells grow more than tenfold and {glue:text}`relu_drift_rr_overflow:.0%` overflow float32 altogether, within 50 training horizons.
#
# These are the same cells that trained well. Training at horizon 20 from a zero state never showed them a long stream, so nothing in training pushed their loop gain below 1.
#
# ## Verdicts
#
# Across the grid, the conditions under which ReLU inside the LSTM fails, and those under which it does not, are:
# - **short horizon, reset state ($T = 20$):** no run of any variant diverged ({glue:text}`relu_div_short:.0%`), and the ReLU variants learned at least as well as the standard cell: success {glue:text}`relu_succ_short_rr:.0%` for (relu, relu) against {glue:text}`relu_succ_short_tt:.0%` for (tanh, tanh), pooled over learning rates and clipping;
# - **long horizon ($T = 80$), no clipping:** (relu, relu) diverged in {glue:text}`relu_div_long_rr:.0%` of its runs, the standard cell in {glue:text}`relu_div_long_tt:.0%`. Over all runs at this horizon the largest $|h|$ seen in training was {glue:text}`relu_maxh_long_rr` and {glue:text}`relu_maxh_long_tr` for the two ReLU outputs, {glue:text}`relu_maxh_long_tt` for tanh;
# - **long horizon, clipping by global norm:** (relu, relu) never diverged at learning rate 0.001 and diverged in {glue:text}`relu_rr80_norm_hi_div:.0%` of its runs at 0.01: the learning rate, not clipping, decided;
# - **a continuing stream past the training horizon:** only cells whose output is not squashed grew (tenfold or more in {glue:text}`relu_drift_tr_blown:.0%` of the (tanh, relu), {glue:text}`relu_drift_ti_blown:.0%` of the NOAF and {glue:text}`relu_drift_rr_blown:.0%` of the (relu, relu) cells), and only (relu, relu) overflowed, in {glue:text}`relu_drift_rr_overflow:.0%` of the cells.
#
# :::{admonition} C2 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-c2
#
# The caution has a real basis: with ReLU in both roles the LSTM contains a feedback loop with no bounded function in it, and that loop overflowed in {glue:text}`relu_drift_rr_overflow:.0%` of trained cells on a continuing stream ({numref}`fig-relu-drift`) and made {glue:text}`relu_div_long_rr:.0%` of unclipped runs diverge at $T = 80$. But "not appropriate by default" overstates it: at $T = 20$ every variant trained without a single divergence, and (relu, relu) learned fastest ({numref}`fig-relu-curves`, {numref}`fig-relu-grid`).
# :::
#
# :::{admonition} C10 · holds with a caveat
# :class: verdict-caveat
# :name: verdict-c10
#
# ReLU outputs are indeed large: the largest $|h|$ in training reached {glue:text}`relu_maxh_long_rr` for (relu, relu) against a hard ceiling of 1 for tanh, and on a long stream they keep growing ({numref}`fig-relu-state`, {numref}`fig-relu-drift`). The large outputs matter where the state is carried far: at the long horizon and past the training horizon. On short, reset sequences they did no harm.
# :::
#
# :::{admonition} D10 (inside the LSTM) · holds with a caveat
# :class: verdict-caveat
# :name: verdict-d10-lstm
#
# Inside the LSTM, the ReLU variants were more likely to explode than the bounded ones: at $T = 80$ without clipping (relu, relu) diverged in {glue:text}`relu_div_long_rr:.0%` of runs against {glue:text}`relu_div_long_tt:.0%` for the standard cell, and only the (relu, relu) cells overflowed on the stream. No run with a tanh output squash diverged anywhere in the grid. The caveat is the condition: at $T = 20$ no variant diverged, so the risk grows with the horizon over which the state is carried, and with the learning rate; and what explodes is the forward state, which gradient clipping did not prevent ({glue:text}`relu_rr80_norm_hi_div:.0%` of clipped runs diverged at learning rate 0.01). The eigenvalue side of D10, in plain RNNs, is in {doc}`04-eigenvalues`.
# :::
#
# **If you must use ReLU in an LSTM.** The grid supports four rules:
# 1. Keep the output squash bounded if you can. Only unbounded-output cells grew on the stream; every tanh-squash cell stayed below 1 and no tanh-squash run diverged in training. A ReLU candidate behind a tanh squash is bounded by the same argument as the standard cell ({ref}`ex-relu-3`).
# 2. If you swap both (Keras `activation='relu'`), train on horizons as long as those you will run on, and reset the state at that horizon: the same weights that trained well at $T = 20$ overflowed on a 1000-step stream.
# 3. Keep the learning rate small. At $T = 80$, Adam at 0.001 with clipping trained (relu, relu) without a single divergence; at 0.01 clipping did not prevent divergence. Clipping by norm is still cheap insurance against gradient spikes, but it does not bound the forward state. Watch $\max|h|$ during training: a steadily rising $\max|h|$ is the loop gain above 1.
# 4. Expect a faster start, not a free lunch: (relu, relu) often learned the adding problem first, and it also diverged most often at the long horizon.
#
# ## Exercises
#
# ::::{exercise}
# :label: ex-relu-1
#
# In the one-unit cell of the first experiment, the loop gain is $\rho = f + i\,o\,w$. For $\rho < 1$, what value does $c_t$ settle to under constant input $x$? Check it against the run with $w = 0.2$.
# ::::
#
# ::::{solution} ex-relu-1
# :class: dropdown
#
# At a fixed point $c = \rho c + i x$, so $c^* = i x / (1 - \rho)$. With $i = 0.5$, $x = 0.1$, $f = 0.9$, $o = 0.5$, $w = 0.2$: $\rho = 0.95$ and $c^* = 0.05 / 0.05 = 1$. `toy[0.2, "relu/relu"][-1]` is 1.0 to six digits.
# ::::
#
# ::::{exercise}
# :label: ex-relu-2
#
# Repeat the drifting-input test, but reset the state to zero every 20 steps, as in training. Do the (relu, relu) cells stay bounded?
# ::::
#
# ::::{solution} ex-relu-2
# :class: dropdown
#
# Resetting every 20 steps is the same as running 50 independent sequences of length 20, so stack them on the batch axis instead of the time axis:
#
# ```python
# i = stored_cell("relu/relu", 20, "none")
# xs, _ = tasks.AddingTask(20).sample(np.random.default_rng(STREAM_SEED), 50 * 16)        # (20, 800, 2)
# hs, _ = lstm.forward({k: arrays[f"params_{i}_l0.{k}"] for k in lstm.KEYS}, xs.astype("float32"),
#                      cand="relu", squash="relu")
# print(np.abs(hs).max(axis=(0, 2, 3)))                                                   # one max |h| per trained cell
# ```
#
# Every cell's largest $|h|$ stays of order 1, the size it had in the first segment of the unbroken stream: the growth comes from carrying the state past the horizon the cell was trained on, not from the ReLU alone.
# ::::
#
# ::::{exercise}
# :label: ex-relu-3
#
# Consider the one variant the grid leaves out: a ReLU candidate with a tanh output squash, `ModelSpec(cand="relu", squash="tanh")`. Show that its cell state grows at most linearly in time, and check it with `experiments.drift` on a population trained for 400 steps at $T = 20$.
# ::::
#
# ::::{solution} ex-relu-3
# :class: dropdown
#
# With $|h_{t-1}| < 1$, the pre-activation $z^g_t = x_t W_x + h_{t-1} W_h + b$ is bounded by some $G$ that depends only on the weights and the input range, so $0 \le g_t \le G$ and $|c_t| \le f_t |c_{t-1}| + G$: the same argument as for the standard cell, with $G$ in place of 1. The loop $c \to h \to g$ is cut by the tanh.
#
# ```python
# spec = stack.ModelSpec(hidden_size=16, cand="relu", squash="tanh")
# pop = stack.init_population(spec, range(3))
# pop, hist = train.train(pop, spec, tasks.AddingTask(20), train.TrainConfig(steps=400, lr=1e-2),
#                         np.random.default_rng(FULL.data_seed))
# out = experiments.drift(pop, spec, 20, 50, 16, np.random.default_rng(STREAM_SEED))
# print(out["h"].max(axis=0), out["c"][-20:].max(axis=0))    # |h| < 1; |c| bounded by G / (1 - f)
# ```
# ::::
#
# ## References
#
# - {cite:t}`hochreiter1997lstm`: the LSTM, its constant error carousel, and the remark that an identity output squash leaves the cell output unrestricted.
# - {cite:t}`gers2000forget`: the forget gate, and the unbounded growth of the cell state on continual streams without it.
# - {cite:t}`greff2017odyssey`: eight LSTM variants, including NOAF; the forget gate and the output activation matter most.
# - {cite:t}`jozefowicz2015empirical`: a forget-gate bias of 1.
# - {cite:t}`arjovsky2016unitary`: the adding-problem recipe and its 1/6 baseline.
# - {cite:t}`pascanu2013difficulty`: clipping by global norm.
