"""The reproduction scorecard (the book's last page): every published number the chapters
measure, side by side with this build's value and a verdict, and the papers' qualitative
findings with the measured evidence.

It reads the chapters' result files (:mod:`helpers.results.record`) and the one table of
published values (:mod:`helpers.published`), so its verdicts follow each build's numbers.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import published
from ..cache import atomic_path
from ..published import CHENG_SAMPLES
from ..results.claims import Measurement, agrees_with
from ..results.record import load_results, measurement

#: the scorecard's own result file (not a chapter's)
SCORECARD = "scorecard"


@dataclass(frozen=True)
class Finding:
    """A qualitative finding of one of the papers, and where the book tests it."""

    #: ``"khot"`` or ``"cheng"`` (the prefix of the paper's keys in :mod:`helpers.published`)
    paper: str
    #: the finding, in the paper's terms
    statement: str
    #: the chapter that tests it (its result file records the verdict under ``key``)
    chapter: str
    key: str


#: the papers' qualitative findings, in reading order
FINDINGS = (
    Finding("khot", "SHAP and ΔAUC occlusion rank the TopoDNN's inputs alike, LRP differently",
            "01_topodnn", "finding_shap_dauc_lrp"),
    Finding("khot", "Subtracting the mean-behaviour relevance moves LRP's ranking towards SHAP "
            "and ΔAUC", "02_lrp", "finding_mad"),
    Finding("khot", "The re-optimised, smaller TopoDNN is less sparse at the same AUC",
            "03_nap", "finding_sparsity_reoptimised"),
    Finding("khot", "The PFN's latent correlations differ between top and QCD jets",
            "04_pfn", "finding_latent_correlations"),
    Finding("khot", "The first principal component of the PFN latents follows the jet mass",
            "04_pfn", "finding_pc1_mass"),
    Finding("khot", "The leaky preprocessing leaves a signature: a higher AUC and a large ΔAUC "
            "for the angles of the leading constituent, gone after the fix", "04_pfn",
            "finding_leak_signature"),
    Finding("cheng", "Linear probes: width, mass and τ1 read best from the resonance tasks' "
            "embeddings, multiplicity and $\\lambda^2_0$ ($p_T^D$) from quark/gluon's; the τ ratios poorly",
            "05_recnn", "finding_probe_pattern"),
    Finding("cheng", "Embeddings transfer well between W/QCD and top/QCD, less well to and from "
            "quark/gluon", "05_recnn", "finding_transfer_pattern"),
    Finding("cheng", "The Lund-plane saliency patterns differ from task to task", "05_recnn",
            "finding_saliency_by_task"),
    Finding("faucett", "A few energy flow polynomials, found by the guided search, reach the "
            "CNN's AUC", "06_efp", "finding_efp_closes_gap"),
    Finding("faucett", "The observable that closes the CNN's gap is IRC unsafe", "06_efp",
            "finding_efp_irc_unsafe"),
    Finding("komiske", "The PFN, free to use IRC-unsafe information, tags better than the "
            "IRC-safe EFN", "06_efp", "finding_efn_below_pfn"),
)


# ------------------------------------------------------------------------------ the runs
@dataclass
class Runs:
    """The chapters' result files of one build, and those left out for other settings."""

    #: chapter -> result file contents (same profile, seed and data source)
    used: dict[str, dict]
    #: chapter -> why its result file was not used
    skipped: dict[str, str]


def load_runs(folder: Path | str, profile: str, seed: int, data_source: str) -> Runs:
    """The result files in ``folder`` made with ``profile``, first training seed ``seed`` and
    ``data_source``; files of other settings are skipped (a partial rebuild must not mix
    runs) and the reason kept."""
    used, skipped = {}, {}
    for chapter, run in load_results(Path(folder)).items():
        if chapter == SCORECARD:
            continue
        theirs = (run["profile"], run["seeds"][0] if run["seeds"] else None, run["data_source"])
        if theirs != (profile, seed, data_source):
            skipped[chapter] = (f"made with profile {theirs[0]}, seed {theirs[1]}, data source "
                                f"{theirs[2]}")
        else:
            used[chapter] = run
    return Runs(used, skipped)


def runs_table(runs: Runs) -> pd.DataFrame:
    """One row per chapter: profile, data source, training seeds, jets and package versions."""
    rows = {}
    for chapter, run in runs.used.items():
        jets = run["jets"]
        rows[chapter] = {
            "profile": run["profile"], "data source": run["data_source"],
            "training seeds": ", ".join(map(str, run["seeds"])),
            "training jets": f"{sum(v for k, v in jets.items() if 'train' in k):,}",
            "test jets": f"{sum(v for k, v in jets.items() if 'test' in k):,}",
            "measurements": len(run["measurements"]), "findings": len(run["findings"])}
    for chapter, why in runs.skipped.items():
        rows[chapter] = {"profile": f"not used: {why}"}
    return pd.DataFrame(rows).T.rename_axis("chapter").fillna("")


# ---------------------------------------------------------------------- the verdicts
AGREES, DIFFERS, NOT_COMPARABLE = "agrees within uncertainty", "differs", "not comparable"
#: how many spreads a value may lie from the paper's and still agree
N_SIGMA = 2.0
#: quantities fixed by the architecture: compared exactly, on any samples
EXACT = ("parameters", "hidden")
#: what each source's numbers were measured on, for the reason of "not comparable"
GENERATED = "particle-level Pythia 8 jets without detector simulation"


def _sample_reason(key: str, data_source: str) -> str:
    """Why the samples differ ('' when they are the paper's)."""
    if key.split(".")[-1] in EXACT or key.split(".")[-2] in EXACT:
        return ""
    if key.startswith("cheng."):
        return f"{GENERATED}, pT 550-650 GeV (this book) vs {CHENG_SAMPLES}"
    if data_source == "benchmark":
        return ""
    return f"{GENERATED} (this book) vs the Delphes benchmark (paper)"


def quantity_verdict(key: str, m: Measurement, data_source: str, caveat: str = "") -> tuple[str, str]:
    """``(verdict, reason)`` for this build's measurement ``m`` of the published ``key``:
    exact quantities agree or differ exactly; a caveat, the leaky-PFN flag (for a value not
    measured on our own leaky PFN) or other samples make it *not comparable*; otherwise it
    agrees when within :data:`N_SIGMA` spreads."""
    entry = published.entry(key)
    paper = float(entry.value) if not isinstance(entry.value, tuple) else float("nan")
    exact = key.split(".")[-1] in EXACT
    if exact:
        return (AGREES if m.value == paper else DIFFERS), caveat or "fixed by the architecture"
    if caveat:
        return NOT_COMPARABLE, caveat
    if entry.leaky and "leaky" not in key:
        return NOT_COMPARABLE, "the paper's value predates the leak fix"
    samples = _sample_reason(key, data_source)
    if samples:
        return NOT_COMPARABLE, samples
    ok = agrees_with(m, paper, N_SIGMA)
    if ok is None:
        return NOT_COMPARABLE, "a single run gives no spread to judge by"
    return (AGREES if ok else DIFFERS), f"within {N_SIGMA:g} spreads" if ok else ""


def quantity_frame(runs: Runs) -> pd.DataFrame:
    """Every recorded measurement that names a published value: paper, quantity, the
    paper's value, this build's (mean ± spread, over how many), the pull, the verdict and
    its reason, and the chapter section that discusses it."""
    rows = []
    for chapter, run in runs.used.items():
        for key, info in run.get("published", {}).items():
            m = measurement(run, key)
            entry = published.entry(info["key"])
            verdict, reason = quantity_verdict(info["key"], m, run["data_source"], info["caveat"])
            paper = float(entry.value)
            pull = (m.value - paper) / m.spread if m.spread and np.isfinite(m.spread) else np.nan
            rows.append({
                "paper": info["key"].split(".")[0], "quantity": info["key"],
                "where": entry.where, "paper value": paper, "fmt": info["fmt"],
                "this book": m.text(info["fmt"]),
                "value": m.value, "spread": m.spread, "pull": pull, "verdict": verdict,
                "reason": reason, "chapter": chapter, "section": info["section"]})
    order = {k: i for i, k in enumerate(published.PUBLISHED)}
    rows.sort(key=lambda r: order[r["quantity"]])
    return pd.DataFrame(rows)


def findings_frame(runs: Runs) -> pd.DataFrame:
    """One row per :data:`FINDINGS` entry: the paper's finding, this build's verdict and the
    measured evidence (``not run in this build`` when its chapter's result is missing)."""
    rows = []
    for f in FINDINGS:
        got = runs.used.get(f.chapter, {}).get("findings", {}).get(f.key)
        rows.append({"paper": f.paper, "finding": f.statement, "chapter": f.chapter,
                     "verdict": got["verdict"] if got else "not run in this build",
                     "evidence": got["evidence"] if got else ""})
    return pd.DataFrame(rows)


def verdict_counts(quantities: pd.DataFrame, findings: pd.DataFrame) -> dict[str, dict[str, int]]:
    """How many quantities and findings got each verdict."""
    return {"quantities": quantities["verdict"].value_counts().to_dict() if len(quantities) else {},
            "findings": findings["verdict"].value_counts().to_dict()}


# -------------------------------------------------------------------------- as HTML
PAPERS = {"khot": "Khot, Neubauer & Roy", "benchmark": "Top-tagging benchmark (Kasieczka et al.)",
          "cheng": "Cheng", "faucett": "Faucett, Thaler & Whiteson",
          "komiske": "Komiske, Metodiev & Thaler"}


def _math(text: str) -> str:
    """Markdown's ``$...$`` as MathJax's ``\\(...\\)`` (the page's HTML output is typeset by
    MathJax, not parsed as markdown)."""
    return re.sub(r"\$([^$]+)\$", r"\\(\1\\)", html.escape(text, quote=False))


def _link(chapter: str, section: str = "") -> str:
    return f'<a href="{chapter}.html{"#" + section if section else ""}">{chapter}</a>'


METRICS = {"auc": "AUC", "accuracy": "accuracy",
           "rejection_0.3": r"$1/\varepsilon_B$ at $\varepsilon_S = 0.3$",
           "parameters": "parameters", "sparsity": "NAP sparsity",
           "angle_delta_auc": "ΔAUC of the leading constituent's angles",
           "angle_delta_auc_max": "largest angle ΔAUC", "rho_mass": "ρ(PC1, jet mass)",
           "rho_multiplicity": "ρ(PC1, multiplicity)"}
#: probed observables in TeX (typeset by MathJax on the page, by mathtext in the figure)
OBSERVABLES = {"multiplicity": r"multiplicity $\lambda^0_0$", "width": r"width $\lambda^1_1$",
               "mass_angularity": r"mass-like $\lambda^1_2$", "pTD2": r"$\lambda^2_0$ ($p_T^D$ in the paper)",
               "tau1": r"$\tau_1$", "tau2": r"$\tau_2$", "tau3": r"$\tau_3$",
               "tau21": r"$\tau_{21}$", "tau32": r"$\tau_{32}$"}
MODELS = {"topodnn": "TopoDNN", "topodnn_reoptimised": "re-optimised TopoDNN", "pfn": "PFN",
          "pfn_leaky": "leaky PFN", "pca": "PFN latent PCA"}


def describe(key: str) -> str:
    """A published key in words (``cheng.transfer.w_qcd.top_qcd`` -> ``transfer AUC,
    W/QCD → top/QCD``)."""
    from ..data import TASKS

    parts = key.split(".")
    if parts[0] == "cheng":
        kind, rest = parts[1], parts[2:]
        if kind == "auc":
            return f"RecNN AUC, {TASKS[rest[0]].title}"
        if kind == "r2":
            return f"probe R², {TASKS[rest[0]].title}: {OBSERVABLES.get(rest[1], rest[1])}"
        if kind == "transfer":
            return f"transfer AUC, {TASKS[rest[0]].title} → {TASKS[rest[1]].title}"
        return key
    model, metric = MODELS.get(parts[1], parts[1]), ".".join(parts[2:])
    if parts[0] == "benchmark":
        model = f"benchmark paper's {model}"
    for name, words in sorted(METRICS.items(), key=lambda kv: -len(kv[0])):
        if metric == name or metric.startswith(name + "."):
            suffix = metric[len(name) + 1:]
            return f"{model} {words}" + (f" ({suffix})" if suffix else "")
    return f"{model} {metric}"


def sample_note(paper: str, data_source: str) -> str:
    """The samples this build and ``paper`` measured on, when they differ ('' otherwise)."""
    reason = _sample_reason(f"{paper}.x.auc", data_source)
    return (f"Samples: {reason}. Values measured on them are therefore *not comparable* as "
            "numbers (the figure and the pull still show how far apart they are); the "
            "findings below compare what the papers concluded." if reason else "")


def quantity_html(quantities: pd.DataFrame, paper: str, data_source: str = "generated") -> str:
    """The rows of one paper as an HTML table, after the note on the samples (verdict
    *differs* links the section that discusses it)."""
    rows = quantities[quantities["paper"] == paper] if len(quantities) else quantities
    if not len(rows):
        return "<p>No chapter of this build measured these values.</p>"
    note = sample_note(paper, data_source)
    out = []
    for _, r in rows.iterrows():
        verdict = r["verdict"]
        if verdict == DIFFERS:
            why = f"{html.escape(r['reason'])}; " if r["reason"] else ""
            verdict = f'{verdict}: {why}see {_link(r["chapter"], r["section"])}'
        elif r["reason"] and not (note and r["reason"] == _sample_reason(r["quantity"], data_source)):
            verdict = f"{verdict}: {html.escape(r['reason'])}"
        elif note and verdict == NOT_COMPARABLE:
            verdict = "not comparable (samples)"
        out.append({"quantity": f'<span title="{html.escape(r["quantity"])}">'
                                f'{_math(describe(r["quantity"]))}</span>',
                    "where": html.escape(r["where"]),
                    "paper": r["fmt"].format(r["paper value"]), "this book": r["this book"],
                    "pull": "" if not np.isfinite(r["pull"]) else f"{r['pull']:+.1f}",
                    "verdict": verdict, "chapter": _link(r["chapter"])})
    table = pd.DataFrame(out).to_html(index=False, escape=False, classes="scorecard")
    return _typeset((f"<p>{_math(note).replace('*not comparable*', '<em>not comparable</em>')}</p>"
                     if note else "") + table)


def findings_html(findings: pd.DataFrame) -> str:
    """The findings as an HTML table."""
    out = [{"paper": PAPERS[r["paper"]], "finding": _math(r["finding"]),
            "verdict": r["verdict"], "evidence": _math(r["evidence"]),
            "chapter": _link(r["chapter"])} for _, r in findings.iterrows()]
    return _typeset(pd.DataFrame(out).to_html(index=False, escape=False, classes="scorecard"))


def _typeset(fragment: str) -> str:
    """Mark an HTML output for MathJax (the book's MathJax typesets only marked elements)."""
    return f'<div class="mathjax_process">{fragment}</div>'


def save_scorecard(quantities: pd.DataFrame, findings: pd.DataFrame, folder: Path | str) -> Path:
    """Write the verdicts to ``<folder>/scorecard.json`` (atomically), for tests and notes."""
    path = Path(folder) / f"{SCORECARD}.json"
    data = {"quantities": quantities.drop(columns=["fmt"]).replace({np.nan: None})
            .to_dict(orient="records"),
            "findings": findings.to_dict(orient="records")}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1) + "\n")
    return path


def counts_html(counts: dict[str, dict[str, int]]) -> str:
    """:func:`verdict_counts` as one line per kind."""
    return "".join(f"<p><b>{what}</b>: " + ", ".join(f"{n} {html.escape(v)}" for v, n in c.items())
                   + "</p>" for what, c in counts.items())
