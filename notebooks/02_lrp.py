# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Why LRP disagrees, and differential relevance
#
# Chapter 1 asked three methods which of the TopoDNN's 90 inputs matter. Khot, Neubauer
# and Roy {cite}`Khot:2023` found that ΔAUC occlusion and SHAP broadly agree, while
# layer-wise relevance propagation (LRP) {cite}`Bach:2015` ranks the inputs differently
# and gives much of its relevance to constituent momenta. Their explanation: the methods
# answer *different questions*.
#
# SHAP and ΔAUC measure the effect of a feature's actual value **compared with an
# uninformative reference** — the mean, or a background sample. LRP instead divides the
# whole output among the inputs, including the part the network would produce for an
# average jet. Write the output as a sum of per-feature relevances $r$ and expand
# around the mean $\bar x_k$ of one feature:
#
# $$ f(\vec x) = \sum_i r(x_i) \;\approx\; f(\vec x_{\setminus k})
#    + \frac{\partial f}{\partial x_k}\,(x_k - \bar x_k), \qquad
#    f(\vec x_{\setminus k}) = \sum_{i \ne k} r(x_i) + r(\bar x_k), $$
#
# where $\vec x_{\setminus k}$ is the jet with $x_k$ replaced by $\bar x_k$. The relevance of
# $x_k$ splits into a **mean-behaviour** part $r(\bar x_k)$, present for every jet, and a
# **differential** part. This chapter
#
# 1. checks the decomposition on small models where every quantity is known exactly;
# 2. computes the mean-behaviour relevance of the TopoDNN (LRP of the all-means input)
#    and subtracts it from LRP;
# 3. computes the **differential relevance** $D_k(\vec x) = f(\vec x) - f(\vec x_{\setminus k})$
#    and its per-class mean absolute value, the **MAD relevance** — forward passes only;
# 4. looks at the feature correlations that limit the decomposition; and
# 5. measures what each method costs per explained jet.

# %% tags=["parameters"]
profile = "standard"
device = "auto"
seed = 0
data_source = "generated"
data_dir = ""

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers import xai
from helpers.data import load_task
from helpers.metrics import mean_std
from helpers.models import predict_logits
from helpers.notebook import start_chapter
from helpers.plots import attribution as xplots
from helpers.plots import jets as plotting
from helpers.plots.style import KIND_COLORS
from helpers.preprocessing import topodnn_feature_names, topodnn_features
from helpers.studies import attribution as attr
from helpers.studies import toy
from helpers.training.recipes import train_topodnn
from helpers.xai import agreement as ranks

prof, settings, device, seeds = start_chapter("topodnn", profile, device, seed, data_source)

# %% [markdown]
# ## Exact examples first
#
# ### A linear model
#
# Take three inputs and two Gaussian classes: $x_1$ separates them, $x_2$ is a noisier copy
# correlated with $x_1$ ($\rho = 0.8$), and $x_3$ is a "$p_T$-like" input with a large mean
# (5), a small spread and **no** information (same distribution in both classes). The
# model is fixed, $f(\vec x) = x_1 + 0.5\,x_2 + 2\,x_3 - 10$. For a linear model everything
# is known in closed form ($m_k$: the mean of $x_k$):
#
# | quantity | closed form |
# |---|---|
# | Shapley value = differential relevance | $w_k (x_k - m_k)$ |
# | LRP-ε ($\varepsilon \to 0$) | $w_k x_k$ |
# | mean-behaviour relevance | $w_k m_k$ |
# | AUC | $\Phi\big(\vec w\cdot(\vec\mu_S - \vec\mu_B) / \sqrt{2\,\vec w^\top \Sigma\,\vec w}\big)$; occluding $x_k$: same with $w_k = 0$ |
#
# So LRP − mean behaviour = Shapley value, *exactly*. The table runs the book's helpers on
# samples of this toy and reports the mean $|\text{attribution}|$ per input and the largest
# deviation from the closed form over all jets (for ΔAUC: from the infinite-sample value,
# so there the deviation is statistical).

# %%
lin = toy.LinearToy(w=np.array([1.0, 0.5, 2.0]), bias=-10.0,
                    mu_sig=np.array([1.0, 0.8, 5.0]), mu_bkg=np.array([0.0, 0.0, 5.0]),
                    cov=np.array([[1.0, 0.8, 0.0], [0.8, 1.0, 0.0], [0.0, 0.0, 0.09]]))
X_toy, y_toy = lin.sample(20000, seed=seed)
toy_table = toy.linear_toy_comparison(lin, X_toy, y_toy, background=X_toy[-50:], n_explain=200,
                                      nsamples=20, seed=seed)
toy_table.style.format({"x1": "{:.3f}", "x2": "{:.3f}", "x3": "{:.3f}",
                        "max |helper − closed form|": "{:.1e}"})

# %% [markdown]
# Every helper reproduces its closed form to round-off (ΔAUC, whose row lists the AUC drop
# per input, within its statistical error), and the table shows the pitfall in
# miniature: $x_3$ carries no information, yet it receives by far the largest LRP
# relevance, $w_3 x_3 \approx 2 \times 5$ for every jet — pure mean behaviour. Shapley
# values, differential relevance and LRP minus the mean behaviour give it only its small
# fluctuation, and ΔAUC is even slightly negative: replacing $x_3$ by its mean removes
# noise. The correlated pair $x_1, x_2$ shows the other face of occlusion: the model uses
# $x_2$, with a weight half that of $x_1$, yet occluding it costs almost no AUC, because
# $x_1$ still carries nearly the same information.
#
# ### Two correlated inputs with an interaction
#
# The first-order expansion is exact for a linear model. With an interaction,
# $f = a_1 x_1 + a_2 x_2 + c\,x_1 x_2$, the differential relevances
# $D_1 = (x_1 - m_1)(a_1 + c\,x_2)$ and $D_2 = (x_2 - m_2)(a_2 + c\,x_1)$ no longer add up
# to the output's deviation from $f(\vec m)$: the sum exceeds it by
# $c\,(x_1 - m_1)(x_2 - m_2)$, which averages to $c\,\rho\,\sigma_1\sigma_2$. The same term
# separates the average output from the output at the average input,
# $\langle f\rangle = f(\vec m) + c\,\rho\,\sigma_1\sigma_2$. Both vanish for uncorrelated
# inputs: that is the condition under which "all features at their mean" stands for the
# mean behaviour. Shapley values, by contrast, always add up to $f(\vec x) - \langle f\rangle$
# (efficiency), whatever the correlation; they pay for it with $2^d$ model evaluations.

# %%
bil = toy.BilinearToy(a=(1.0, 0.5), c=1.0, m=(1.0, 2.0), s=(1.0, 0.5), rho=0.0)
rhos = np.linspace(-0.9, 0.9, 7)
measured, closed = toy.completeness_gap_scan(bil, rhos, n=20000, seed=seed)
fig, ax = plt.subplots(figsize=(8, 5.5))
xplots.gap_vs_correlation(ax, rhos, measured, closed,
                          r"$\langle \sum_k D_k - (f(\vec x) - f(\vec m)) \rangle$")
ax.set_title(r"$f = x_1 + 0.5\,x_2 + x_1 x_2$, $\sigma_1 = 1$, $\sigma_2 = 0.5$", fontsize=14)
fig.tight_layout()

bil_c = toy.BilinearToy(a=(1.0, 0.5), c=1.0, m=(1.0, 2.0), s=(1.0, 0.5), rho=0.8)
X_bil = bil_c.sample(2000, seed=seed)
bg_bil, X_exp_bil = X_bil[:100], X_bil[100:110]
phi_exact = xai.exact_shapley(bil_c.f, X_exp_bil, bg_bil)
phi_kernel = xai.kernel_shap(bil_c.f, X_exp_bil, bg_bil, nsamples=10, seed=seed)
phi_closed = bil_c.shapley(X_exp_bil, bg_bil)
print(f"rho = 0.8: max |exact Shapley - closed form| = {np.abs(phi_exact - phi_closed).max():.1e}, "
      f"max |KernelSHAP - closed form| = {np.abs(phi_kernel - phi_closed).max():.1e}")

# %% [markdown]
# ## The TopoDNN: mean-behaviour relevance
#
# Back to the tagger of chapter 1 — the same trained networks, loaded from the model cache.
# The mean-behaviour relevance is the LRP-ε relevance of the **all-means input**
# $\bar{\vec x}$ (means over the training set). It is one 90-vector, the same for every jet.
#
# The all-means input is not a jet (its constituents' momenta and positions are averages
# over different jets), and a network need not respond to it as to a typical jet. If every
# neuron of a hidden layer is off at $\bar{\vec x}$, the output there is a bias alone and
# LRP gives every input zero mean-behaviour relevance; the printout shows, per training
# seed, the logit at $\bar{\vec x}$ and how much of it reaches the inputs.

# %%
splits = load_task("top_qcd", prof, seed=seed, data_source=data_source, data_dir=data_dir)
train, val, test = splits["train"], splits["val"], splits["test"]
X_train, X_test = topodnn_features(train), topodnn_features(test)
y_test = test.labels
names = topodnn_feature_names()
classes = attr.CLASS_NAMES
models = [train_topodnn(train, val, prof, s, device)[0] for s in seeds]
model = models[0]
x_mean = X_train.mean(axis=0)

mb_runs = [xai.mean_behaviour_relevance(m, x_mean) for m in models]
for train_seed, m, mb in zip(seeds, models, mb_runs):
    print(f"seed {train_seed}: logit of the all-means input f(x̄) = "
          f"{predict_logits(m, x_mean[None])[0]:+.3f}, sum of its relevances = {mb.sum():+.3f}, "
          f"share in pT / eta / phi = "
          + " / ".join(f"{v:.0%}" for v in attr.kind_shares(mb).values()))
fig = xplots.feature_bars({"mean behaviour": mean_std(mb_runs)}, r"$R_k(\bar{\vec x})$",
                          title="LRP-ε relevance of the all-means input (± std over seeds)")

# %% [markdown]
# **Conservation.** LRP-ε conserves relevance layer by layer up to what the biases absorb
# (each neuron's bias keeps the share $b_k / z_k$ of the relevance passing through it) and
# the tiny stabiliser ε; with zero biases the input relevances of a jet sum exactly to its
# logit (tested in `tests/test_xai.py`, where the implementation is also cross-checked
# against captum's LRP). For the trained network, the scatter shows how much of each jet's
# logit reaches the inputs. Large excesses come from negative biases (they feed relevance
# back instead of absorbing it) and from neurons whose pre-activation is close to zero,
# by which the ε rule divides. A larger ε damps both at the price of conservation; the
# table shows how much the $p_T$ share of the relevance — the quantity at issue in this
# chapter — depends on that choice. The rest of the chapter uses ε = 10⁻⁹, as captum does.

# %%
logits = predict_logits(model, X_test)
R = xai.lrp(model, X_test, rules="epsilon")
fig, ax = plt.subplots(figsize=(7.5, 6.5))
xplots.diagonal_scatter(ax, logits, R.sum(axis=1), y_test, f"network output (logit), seed {seeds[0]}",
                        r"$\sum_k R_k$ (LRP-ε)", classes)
fig.tight_layout()
print(f"correlation of sum R with the logit: {np.corrcoef(logits, R.sum(1))[0, 1]:.3f} "
      f"(standard deviation of the logit: {logits.std():.3f})")


def epsilon_row(eps: float) -> dict[str, float]:
    R_eps = xai.lrp(model, X_test, epsilon=eps)
    shares = {c: attr.kind_shares(v)["pT"] for c, v in attr.class_summary(R_eps, y_test).items()}
    return {"mean |Σ R − logit|": np.abs(R_eps.sum(1) - logits).mean(),
            **{f"pT share, {c}": v for c, v in shares.items()}}


pd.DataFrame({f"{eps:g}": epsilon_row(eps) for eps in (1e-9, 1e-2, 1e-1)}).T.rename_axis("ε").style.format(
    {"mean |Σ R − logit|": "{:.3f}", "pT share, top": "{:.0%}", "pT share, QCD": "{:.0%}"})

# %% [markdown]
# ## Differential relevance and MAD relevance
#
# The differential relevance needs no backward pass and no rule: for each jet and input $k$,
# one forward pass with $x_k$ replaced by its training-set mean,
# $D_k(\vec x) = f(\vec x) - f(\vec x_{\setminus k})$, on the logit. Its per-class mean absolute
# value is the **MAD relevance**.
#
# *Outliers.* A mean of absolute values can be dominated by a few jets. We use **no outlier
# treatment**; the check below compares the ranking with one where each feature's $|D_k|$
# is clipped at its 99th percentile within the class.

# %%
D = xai.differential_relevance(model, X_test, x_mean)
mad_raw = xai.mad_relevance(D, y_test)
mad_clipped = xai.mad_relevance(D, y_test, clip_quantile=0.99)
for label, c in classes.items():
    both = {"raw": mad_raw[label], "clipped": mad_clipped[label]}
    tail = np.abs(D[y_test == label]).max(0).sum() / mad_raw[label].sum()
    print(f"{c} (seed {seeds[0]}): Spearman(MAD, MAD clipped at 99%) = "
          f"{ranks.rank_agreement(both).loc['raw', 'clipped']:.3f}; "
          f"summed max|D| / summed mean|D| = {tail:.0f}")

# every method for every seed's network (the SHAP values come from chapter 1's cache)
shap_settings = {"n_per_class": settings["shap_jets_per_class"], "n_background": prof.n_background,
                 "nsamples": settings["shap_nsamples"], "seed": seed}
methods = ("ΔAUC", "SHAP", "LRP-ε", "LRP-ε − MB", "MAD")
per_model = [attr.method_summaries(m, X_test, y_test, X_train, methods, shap_settings) for m in models]
runs = {method: [p[method] for p in per_model] for method in methods}
stats = {method: attr.seed_summary(r) for method, r in runs.items()}
fig = xplots.feature_bars(stats["MAD"], "MAD relevance",
                          title="MAD relevance per class (± std over seeds)")

# %% [markdown]
# ## Does subtracting the mean behaviour move LRP towards SHAP and ΔAUC?
#
# The SHAP values and ΔAUC are those of chapter 1 (same networks, same explained jets),
# every method averaged over the training seeds. To compare the *shapes* of the importance
# profiles, every method's vector is divided by its sum over the 90 inputs.

# %%
importances = {c: {m: stats[m][c][0] for m in methods} for c in classes.values()}


def normalised(v: np.ndarray) -> np.ndarray:
    return v / np.abs(v).sum()


for c, imp in importances.items():
    fig = xplots.feature_bars({m: (normalised(v), None) for m, v in imp.items()},
                              "share", title=f"{c} jets: importance profiles (each sums to 1)")

# %%
fig, axes = plt.subplots(1, 2, figsize=(15, 5), sharey=True)
for ax, (c, imp) in zip(axes, importances.items()):
    xplots.kind_share_bars(ax, {m: attr.kind_shares(v) for m, v in imp.items()})
    ax.set_title(f"{c} jets", fontsize=14)
fig.tight_layout()

fig = xplots.rank_heatmaps(importances)
agreement = {c: ranks.rank_agreement(imp) for c, imp in importances.items()}
weighted = {c: ranks.rank_agreement(imp, "weighted") for c, imp in importances.items()}

# %% [markdown]
# The decisive numbers: rank correlations of plain LRP, of LRP minus the mean behaviour and
# of MAD with SHAP and with ΔAUC (Spearman's ρ over all inputs, and the top-weighted
# Kendall τ of chapter 1), and — for scale — each method's agreement with itself between
# training seeds.

# %%
rows = {}
for c, imp in importances.items():
    top10 = ranks.top_k_overlap(imp, 10)
    for m in ("LRP-ε", "LRP-ε − MB", "MAD"):
        per_seed = [r[c] for r in runs[m]]
        rows[(c, m)] = {"ρ vs SHAP": agreement[c].loc[m, "SHAP"],
                        "weighted τ vs SHAP": weighted[c].loc[m, "SHAP"],
                        "ρ vs ΔAUC": agreement[c].loc[m, "ΔAUC"],
                        "weighted τ vs ΔAUC": weighted[c].loc[m, "ΔAUC"],
                        "top-10 shared with ΔAUC": top10.loc[m, "ΔAUC"],
                        "weighted τ seed vs seed": ranks.seed_agreement(per_seed, "weighted")}
shift_table = pd.DataFrame(rows).T
shift_table.style.format("{:.2f}", na_rep="—")

# %% [markdown]
# ## Where correlations break the decomposition
#
# The expansion treats one input at a time. The TopoDNN's inputs are far from
# independent: the $p_T$ of neighbouring constituents are tied together by the ordering and
# by momentum conservation, and the positions of the hard constituents define the jet's
# prongs. The correlation matrices per class are drawn with all $p_T$, then all $\eta$, then
# all $\phi$ inputs. The table lists, for the five inputs that ΔAUC ranks highest, their two
# most strongly correlated partners (signed, per class). Where an important input has a
# strongly correlated partner, occluding it alone understates its role, because the
# partner still carries part of the same information — as $x_1$ and $x_2$ in the linear toy.

# %%
fig, axes = plt.subplots(1, 2, figsize=(16, 7))
corr = {}
for ax, (label, c) in zip(axes, classes.items()):
    corr[c] = attr.feature_correlation(X_test[y_test == label])
    xplots.correlation_heatmap(ax, corr[c], title=f"{c} jets")
fig.tight_layout()

top_dauc = np.argsort(-importances["top"]["ΔAUC"])[:5]
print("inputs ranked highest by ΔAUC:", ", ".join(names[i] for i in top_dauc))
attr.strongest_partners(corr, names, top_dauc, n=2).style.format("{:+.2f}")

# %% [markdown]
# Two consequences, measured on the test jets:
#
# 1. **Occlusion leaves the data.** Replacing one constituent's $p_T$ by its mean usually
#    produces an input that no jet can have: the $p_T$ ordering breaks, or a constituent
#    appears in a slot where the jet has none (for the last slot only the second can be
#    checked: the 31st constituent is not an input). The network is then evaluated off its
#    training distribution — a caveat for ΔAUC and differential relevance alike (SHAP's
#    background replacement has the same issue).
# 2. **The differential relevances do not add up.** For a jet, $\sum_k D_k$ would equal
#    $f(\vec x) - f(\bar{\vec x})$ if the network were additive; the difference measures
#    interactions between inputs, and its average over jets picks up their correlations
#    (as in the toy above). The mean-behaviour shortcut has the same limitation: the
#    logit of the average jet is not the average logit.

# %%
broken = attr.impossible_after_occlusion(X_test, x_mean)
gap = D.sum(axis=1) - (logits - predict_logits(model, x_mean[None])[0])  # per jet
fig, axes = plt.subplots(1, 2, figsize=(16, 5.5))
axes[0].bar(np.arange(len(broken)), broken, color=KIND_COLORS["pT"])
axes[0].set(xlabel="constituent index $i$ (0 = hardest)", ylabel="share of test jets", ylim=(0, 1.05))
axes[0].set_title(r"jets made impossible by $p_{T,i} \to \langle p_{T,i} \rangle$", fontsize=14)
plotting.hist_classes(axes[1], {c: gap[y_test == label] for label, c in classes.items()},
                      np.linspace(np.percentile(gap, 1), np.percentile(gap, 99), 41),
                      r"$\sum_k D_k - (f(\vec x) - f(\bar{\vec x}))$ (logit units)")
axes[1].set_title("completeness gap of the differential relevances", fontsize=14)
fig.tight_layout()
f_of_mean = predict_logits(model, x_mean[None])[0]
print(f"mean logit over the test jets - logit of the mean jet: {logits.mean() - f_of_mean:+.3f} "
      f"(standard deviation of the logit: {logits.std():.2f})")
print("mean completeness gap per class: "
      + ", ".join(f"{c} {gap[y_test == label].mean():+.3f}" for label, c in classes.items()))

# %% [markdown]
# ## What each method costs
#
# All methods timed in one run, on the same network, jets and CPU threads. ΔAUC is a
# global measure, so its time is divided by all the test jets it used. KernelSHAP is timed
# without the cache on a few jets, and MAD is timed again on exactly those jets, so that the
# ratio compares equal jet counts. (`benchmarks/bench_xai.py` measures the same on synthetic
# jets from the command line.)

# %%
explain_idx, background, _ = attr.explained_shap(model, X_test, y_test, X_train, **shap_settings)
X_explain, y_explain = X_test[explain_idx], y_test[explain_idx]
costs = attr.time_methods(model, X_test, y_test, X_train, X_explain, y_explain, background,
                          settings["shap_nsamples"], settings["timing_shap_jets"], seed=seed)
cost = attr.cost_table(costs, reference="MAD, SHAP's jets")
shap_ratio = cost.loc["KernelSHAP", "per jet [ms]"] / cost.loc["MAD, SHAP's jets", "per jet [ms]"]
print(f"KernelSHAP (nsamples = {settings['shap_nsamples']}, {len(background)} background jets) costs "
      f"{shap_ratio:,.0f}x the differential relevance per jet at equal jet count "
      f"({'meets' if shap_ratio >= 100 else 'misses'} the goal of >= 100x)")
cost.style.format({"total [s]": "{:.3f}", "per jet [ms]": "{:.3f}", cost.columns[-1]: "{:,.1f}"})

# %% [markdown]
# The forward-only differential relevance costs one batched pass of 90 modified copies
# of each jet; KernelSHAP evaluates the network on `nsamples` coalitions times the whole
# background for every jet, and then solves a weighted regression.
#
# ## Summary
#
# Generated from this run. The paper's claim to check: LRP minus the mean-behaviour
# relevance, and MAD, should recover the ranking of SHAP and ΔAUC (higher rank correlation
# than plain LRP).

# %%
for c, imp in importances.items():
    print(f"{c} jets:")
    for m, v in imp.items():
        print(f"  {m:>10}: top 3 = {', '.join(ranks.top_features(v, names, 3)):<24}"
              f" pT share {attr.kind_shares(v)['pT']:.0%}; weighted tau vs SHAP "
              f"{weighted[c].loc[m, 'SHAP']:+.2f}, vs ΔAUC {weighted[c].loc[m, 'ΔAUC']:+.2f}")
    for ref in ("SHAP", "ΔAUC"):
        before, after = weighted[c].loc["LRP-ε", ref], weighted[c].loc["LRP-ε − MB", ref]
        verdict = ("does not move LRP relative to" if abs(after - before) < 0.005
                   else "moves LRP towards" if after > before else "moves LRP away from")
        print(f"  subtracting the mean behaviour {verdict} {ref}: weighted tau {before:+.2f} -> {after:+.2f}")
print("cost per jet relative to MAD at equal jet count: "
      + ", ".join(f"{m} {r:,.1f}x" for m, r in cost.iloc[:, -1].items()))
