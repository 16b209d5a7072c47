"""Chapter 5: probing across architectures (Cheng, arXiv:1911.01872, appendix).

Cheng probed a fully connected network, an LSTM and a CNN besides the RecNN.  Here every
tagger of the book is probed on the same top/QCD jets (chapter 5's), with the same
observables and probes: the jet representation of each (:data:`REPRESENTATIONS`) is
regressed linearly onto each observable, and the test R^2 is reported with its spread over
the training seeds.  The TopoDNN and the PFN are chapters 1 and 4's models (same cache
entries); the RecNN is this chapter's; the LSTM and the CNN are trained here on the
chapter's jets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..config import Profile
from ..data import JetSet
from ..metrics import aggregate, format_mean_std
from ..models import predict_logits
from ..preprocessing import cnn_features, lstm_features, pfn_features, topodnn_features
from ..preprocessing.recnn import TaskTrees
from ..results.claims import Measurement, auc_measurement, pick, ranked
from ..training.recipes import cnn_config, lstm_config, train_cnn, train_lstm, train_pfn, train_topodnn
from ..xai.nap import iter_hidden_activations
from .latent import latent_and_logits
from .recnn import leading_group, probe_r2

#: the architectures, in the order of the table, and which layer is probed as the jet's
#: representation
REPRESENTATIONS = {
    "TopoDNN": "second hidden layer",
    "PFN": "latent sum over particles",
    "RecNN": "jet embedding",
    "LSTM": "final hidden state",
    "CNN": "dense layer",
}
#: index of the TopoDNN's probed hidden layer (300, 102, 12, 6)
TOPODNN_LAYER = 1

Representation = tuple[np.ndarray, np.ndarray, np.ndarray]  # (Z probe, Z test, test logits)


@dataclass
class ArchitectureProbes:
    """Per architecture: the test AUC and the probe R² (mean, std over seeds) per observable."""

    auc: dict[str, Measurement]
    r2: dict[str, dict[str, tuple[float, float]]]
    n_seeds: int
    #: numbers in each probed representation (a wider one gives a probe more directions)
    widths: dict[str, int] | None = None


def recipes(profile: Profile | str, seed: int) -> str:
    """The LSTM's and the CNN's architecture and training settings, one line each."""
    keys = ("lr", "batch_size", "max_epochs", "patience")
    lstm, cnn = lstm_config(profile, seed), cnn_config(profile, seed)
    return "\n".join([
        f"LSTM: {lstm['n_constituents']} leading constituents, hidden state {lstm['hidden']}, "
        f"head {lstm['head']}; " + ", ".join(f"{k} {lstm[k]}" for k in keys),
        f"CNN: {cnn['npix']}x{cnn['npix']} images, channels {cnn['channels']}, dense "
        f"{cnn['dense']}; " + ", ".join(f"{k} {cnn[k]}" for k in keys)])


def _first_layer(model, X: np.ndarray, layer: int = 0) -> np.ndarray:
    """Activations of hidden layer ``layer`` of a model with ``return_activations``."""
    return np.concatenate([acts[layer] for acts in iter_hidden_activations(model, X, 4096)])


def _with_logits(model, X: np.ndarray, layer: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return _first_layer(model, X, layer), predict_logits(model, X, 4096)


def representations(task: TaskTrees, splits: Mapping[str, JetSet],
                    recnn_preds: Mapping[int, Mapping[str, Mapping[str, np.ndarray]]],
                    profile: Profile | str, seeds: Sequence[int], device: str, n_probe: int
                    ) -> dict[str, list[Representation]]:
    """Per architecture, one ``(Z of the first n_probe training jets, Z of the test jets,
    test logits)`` per seed, all on the jets of ``task``.  ``splits`` are the unmatched
    top/QCD splits chapters 1 and 4 trained on; ``recnn_preds`` the RecNN's predictions per
    seed (:func:`~helpers.studies.recnn.train_all`)."""
    probe, test = task.jets["train"].subset(slice(0, n_probe)), task.jets["test"]
    y = {s: splits[s].labels for s in ("train", "val")}
    particles = {s: pfn_features(splits[s]) for s in ("train", "val")}
    n_lstm, npix = lstm_config(profile, 0)["n_constituents"], cnn_config(profile, 0)["npix"]
    inputs = {"TopoDNN": (topodnn_features(probe), topodnn_features(test)),
              "PFN": (pfn_features(probe), pfn_features(test)),
              "LSTM": (lstm_features(probe, n_lstm), lstm_features(test, n_lstm)),
              "CNN": (cnn_features(probe, npix), cnn_features(test, npix))}
    out: dict[str, list[Representation]] = {name: [] for name in REPRESENTATIONS}
    for s in seeds:
        topo = train_topodnn(splits["train"], splits["val"], profile, s, device)[0]
        pfn = train_pfn(particles["train"], y["train"], particles["val"], y["val"], profile, s,
                        device)[0]
        lstm = train_lstm(task.jets["train"], task.jets["val"], profile, s, device)[0]
        cnn = train_cnn(task.jets["train"], task.jets["val"], profile, s, device)[0]
        models = {"TopoDNN": (topo, TOPODNN_LAYER), "LSTM": (lstm, 0), "CNN": (cnn, 0)}
        for name, (model, layer) in models.items():
            X_probe, X_test = inputs[name]
            out[name].append((_first_layer(model, X_probe, layer),
                              *_with_logits(model, X_test, layer)))
        out["PFN"].append((latent_and_logits(pfn, inputs["PFN"][0])[0],
                           *latent_and_logits(pfn, inputs["PFN"][1])))
        p = recnn_preds[s]
        out["RecNN"].append((p["train"]["embedding"][:n_probe], p["test"]["embedding"],
                             p["test"]["logit"]))
    return out


def architecture_probes(reps: Mapping[str, Sequence[Representation]], task: TaskTrees,
                        obs: Mapping[str, Mapping[str, np.ndarray]], names: Sequence[str]
                        ) -> ArchitectureProbes:
    """Test AUC and probe R² (:func:`~helpers.studies.recnn.probe_r2`) of every architecture."""
    y = task.labels("test")
    n_seeds = len(next(iter(reps.values())))
    return ArchitectureProbes(
        {a: auc_measurement(y, [logits for _, _, logits in runs]) for a, runs in reps.items()},
        {a: aggregate([probe_r2(zp, zt, obs, len(zp), names) for zp, zt, _ in runs])
         for a, runs in reps.items()},
        n_seeds, {a: int(runs[0][0].shape[1]) for a, runs in reps.items()})


def r2_table(result: ArchitectureProbes, labels: Mapping[str, str]) -> pd.DataFrame:
    """Probe R² (mean ± std over seeds) per observable (rows) and architecture (columns),
    then each architecture's test AUC and the width of its probed representation."""
    table = pd.DataFrame({a: {labels[o]: format_mean_std(*v, 2) for o, v in r2.items()}
                          for a, r2 in result.r2.items()})
    table.loc["test AUC"] = {a: m.text() for a, m in result.auc.items()}
    if result.widths:
        table.loc["representation width"] = {a: str(w) for a, w in result.widths.items()}
    return table


def architecture_claims(result: ArchitectureProbes, labels: Mapping[str, str]
                        ) -> dict[str, str]:
    """``architectures_best``: per observable, which architecture reads it best (clearly, or
    a group indistinguishable at this statistics); ``architectures_mean``: the ranking by
    the mean R² over observables."""
    def m(a: str, o: str) -> Measurement:
        v, sd = result.r2[a][o]
        return Measurement(float(v), float(sd), result.n_seeds)

    archs = list(result.r2)
    observables = list(next(iter(result.r2.values())))
    parts = []
    for o in observables:
        values = {a: m(a, o) for a in archs}
        group = leading_group(values, archs)
        parts.append(f"{labels[o]}: {' / '.join(group)} ({values[group[0]].value:.2f})")
    means = {a: Measurement(float(np.mean([result.r2[a][o][0] for o in observables])),
                            float(np.mean([result.r2[a][o][1] for o in observables])),
                            result.n_seeds) for a in archs}
    order, clear = ranked(means)
    ranking = ", ".join(f"{a} {means[a].text('{:.2f}')}" for a in order)
    head = (f"{order[0]} is clearly the most readable overall" if clear else
            f"no architecture is clearly the most readable overall ({order[0]} leads)")
    note = "" if result.n_seeds > 1 else " (One training seed: no spread, so no lead is clear.)"
    return {"architectures_best": "Best read per observable — " + "; ".join(parts) + "." + note,
            "architectures_mean": f"Averaged over the observables, {head}: {ranking}.",
            "architectures_pixels": pixel_claim(result)}


def pixel_claim(result: ArchitectureProbes, observable: str = "multiplicity",
                pixels: str = "CNN", particles: Sequence[str] = ("TopoDNN", "PFN", "LSTM")
                ) -> str:
    """Whether the network on pixels reads the constituent count worse than the best network
    on particles: pixels merge nearby particles, so one expects it to."""
    def m(a: str) -> Measurement:
        v, sd = result.r2[a][observable]
        return Measurement(float(v), float(sd), result.n_seeds)

    best = max(particles, key=lambda a: m(a).value)
    verdict = pick(m(pixels), m(best), "reads it better than", "reads it worse than",
                   "is indistinguishable from", "cannot be told apart (one seed) from")
    return (f"Pixels merge nearby particles, so a network on jet images should find the "
            f"constituent multiplicity harder to read than one on the particles: here the "
            f"{pixels} (R² {m(pixels).text('{:.2f}')}) {verdict} the best network on particles, "
            f"the {best} ({m(best).text('{:.2f}')}).")
