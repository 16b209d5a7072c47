"""Figures of chapter 6: drawings of the multigraphs behind energy flow polynomials
(vertices as dots, ``k`` parallel edges as ``k`` arcs bending apart;
:mod:`helpers.physics.efp`), the guided search's ADO per step and the observables it chose."""

from __future__ import annotations

import itertools
import math
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..physics.efp import EFPSpec, Graph
from ..studies.efp import CLASSIC, Candidates
from ..studies.recnn import PROBE_TABLE_LABELS, PROBES
from ..xai.ado import SearchResult
from .style import color


def _crossings(edges: Sequence[tuple[int, int]], slot: Sequence[int], n: int) -> int:
    """Edge pairs whose chords cross when vertex ``v`` sits at position ``slot[v]`` of ``n``
    on a circle."""
    chords = [tuple(sorted((slot[u], slot[v]))) for u, v in set(edges)]
    return sum(a < c < b < d or c < a < d < b for (a, b), (c, d) in itertools.combinations(chords, 2))


def _component_layout(graph: Graph) -> np.ndarray:
    """``(n, 2)`` positions of a connected graph in the unit disc: two vertices on a line,
    a star's centre in the middle of its arms, otherwise a regular polygon whose vertex
    order has the fewest crossing chords and the shortest edges."""
    n = graph.n_vertices
    if n == 1:
        return np.zeros((1, 2))
    if n == 2:
        return np.array([[-0.8, 0.0], [0.8, 0.0]])
    val = graph.valencies
    if graph.is_tree and max(val) == n - 1 and n >= 4:
        centre = val.index(n - 1)
        arms = [v for v in range(n) if v != centre]
        pos = np.zeros((n, 2))
        for i, v in enumerate(arms):
            a = math.pi / 2 + 2 * math.pi * i / len(arms)
            pos[v] = (math.cos(a), math.sin(a))
        return pos
    best, best_key = tuple(range(n)), None
    perms = itertools.permutations(range(n)) if n <= 7 else [tuple(range(n))]
    for slot in perms:
        length = sum(min(abs(slot[u] - slot[v]), n - abs(slot[u] - slot[v])) for u, v in graph.edges)
        key = (_crossings(graph.edges, slot, n), length)
        if best_key is None or key < best_key:
            best, best_key = slot, key
    angles = math.pi / 2 + 2 * math.pi * np.asarray(best) / n
    if n % 2 == 0:
        angles = angles + math.pi / n  # a flat bottom edge
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def graph_layout(graph: Graph) -> np.ndarray:
    """``(n_vertices, 2)`` positions: each connected component in its own unit disc, the
    components side by side."""
    pos = np.zeros((graph.n_vertices, 2))
    x = 0.0
    for comp_edges in _component_edges(graph):
        verts = sorted({v for e in comp_edges for v in e})
        names = {v: i for i, v in enumerate(verts)}
        sub = Graph(tuple(sorted((names[u], names[v]) for u, v in comp_edges)), len(verts))
        p = _component_layout(sub)
        for v, i in names.items():
            pos[v] = p[i] + (x, 0.0)
        x += 2.6
    return pos


def _component_edges(graph: Graph) -> list[list[tuple[int, int]]]:
    """The edges of each connected component, in vertex order."""
    if not graph.edges:
        return []
    group = list(range(graph.n_vertices))

    def find(v: int) -> int:
        while group[v] != v:
            v = group[v]
        return v

    for u, v in graph.edges:
        group[find(u)] = find(v)
    comps: dict[int, list] = {}
    for e in graph.edges:
        comps.setdefault(find(e[0]), []).append(e)
    return sorted(comps.values(), key=lambda c: min(c[0]))


def draw_graph(ax: Axes, graph: Graph, color: str = "black", vertex_size: float = 60,
               linewidth: float = 1.6, spread: float = 0.22) -> None:
    """``graph`` on ``ax``, small and clean: vertices as dots, ``k`` parallel edges as ``k``
    arcs ``spread`` apart at their middle (relative to the edge's length); axes off."""
    pos = graph_layout(graph)
    for (u, v), k in graph.multiplicities.items():
        p, q = pos[u], pos[v]
        normal = np.array([p[1] - q[1], q[0] - p[0]])  # perpendicular, the edge's length
        t = np.linspace(0, 1, 30)[:, None]
        for i in range(k):
            bend = (i - (k - 1) / 2) * spread
            ctrl = (p + q) / 2 + 2 * bend * normal  # quadratic Bezier: peak offset = bend
            curve = (1 - t) ** 2 * p + 2 * t * (1 - t) * ctrl + t**2 * q
            ax.plot(curve[:, 0], curve[:, 1], color=color, lw=linewidth, solid_capstyle="round",
                    zorder=1)
    if graph.n_vertices:
        ax.scatter(pos[:, 0], pos[:, 1], s=vertex_size, color=color, zorder=2)
    right = pos[:, 0].max() if graph.n_vertices else 0.0
    ax.set_xlim(-1.25, right + 1.25)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")


def graph_row(specs: Sequence[EFPSpec | Graph], titles: Sequence[str] | None = None,
              ncols: int | None = None, panel_size: float = 1.7,
              fontsize: float = 10) -> Figure:
    """Small drawings of the graphs of ``specs`` (or graphs), a row of at most ``ncols``
    (default: all, up to 8) per line, each titled with its label or ``titles[i]``."""
    graphs = [s.graph if isinstance(s, EFPSpec) else s for s in specs]
    if titles is None:
        titles = [s.label for s in specs]
    if len(titles) != len(graphs):
        raise ValueError(f"{len(titles)} titles for {len(graphs)} graphs")
    ncols = ncols or max(1, min(len(graphs), 8))
    nrows = max(1, math.ceil(len(graphs) / ncols))
    # panels widen (up to twice) for graphs of several components, which are drawn smaller
    wide = min(2.0, max([0.6 + 0.4 * len(_component_edges(g)) for g in graphs], default=1.0))
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(panel_size * ncols * max(wide, 1.0), panel_size * nrows * 1.15))
    for ax in axes.flat[len(graphs):]:
        ax.axis("off")
    for ax, g, title in zip(axes.flat, graphs, titles):
        draw_graph(ax, g)
        ax.set_title(title, fontsize=fontsize)
    fig.tight_layout()
    return fig


#: the classic observables' names in the figures' math (the fonts lack unicode subscripts)
CLASSIC_TEX = {PROBE_TABLE_LABELS[o]: PROBES[o] for o in CLASSIC}


def ado_steps(steps: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """ADO with the network after each step of the guided search, one line per network:
    ``steps[name] = (mean per step, spread per step)``."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for i, (name, (mean, spread)) in enumerate(steps.items()):
        k = np.arange(1, len(mean) + 1) + 0.06 * (i - len(steps) / 2)
        ax.errorbar(k, mean, yerr=np.nan_to_num(spread), fmt="o-", color=color(name, i),
                    capsize=3, label=name)
    n = max(len(m) for m, _ in steps.values())
    ax.set_xticks(np.arange(1, n + 1))
    ax.set(xlabel="step of the guided search (observables chosen)",
           ylabel="ADO with the network")
    ax.legend(loc="lower right")
    return fig


def chosen_graphs(searches: Mapping[str, Sequence[SearchResult]], cands: Candidates,
                  max_steps: int | None = None) -> Figure:
    """One row per network: the observables its first seed's search chose, in order, drawn
    as graphs (EFPs) or named (classic observables)."""
    rows = {name: runs[0] for name, runs in searches.items()}
    n_cols = max(1, max_steps or max(max(r.n_useful, 1) for r in rows.values()))
    fig, axes = plt.subplots(len(rows), n_cols, figsize=(2.3 * n_cols + 1.5, 2.2 * len(rows)),
                             squeeze=False)
    for row, (name, result) in zip(axes, rows.items()):
        row[0].text(-0.15, 0.5, name, ha="right", va="center", fontsize=14,
                    transform=row[0].transAxes)
        for k, ax in enumerate(row):
            ax.set_xticks([]), ax.set_yticks([])
            for side in ax.spines.values():
                side.set_visible(False)
            if k >= max(result.n_useful, 1) or k >= len(result.chosen):
                continue
            spec = cands.specs[result.chosen[k]]
            sign = "−" if result.orientation[k] < 0 else ""
            if spec is None:
                name = CLASSIC_TEX.get(result.names[k], result.names[k])
                ax.text(0.5, 0.5, f"{k + 1}. {sign}{name}", ha="center", va="center",
                        fontsize=12, transform=ax.transAxes)
                continue
            draw_graph(ax, spec.graph)
            exponents = "" if (spec.kappa, spec.beta) == (1.0, 1.0) else \
                f"\nκ={spec.kappa:g}, β={spec.beta:g}"
            ax.set_title(f"{k + 1}. {sign}{spec.graph.description}{exponents}", fontsize=10)
    fig.tight_layout()
    return fig


def constituent_importance(network: np.ndarray, translation: np.ndarray,
                           occlusion: np.ndarray) -> Figure:
    """AUC lost per leading constituent, three panels: the TopoDNN and its translation when
    the constituent is removed, and the TopoDNN's ΔAUC occlusion of the constituent's inputs
    (each ``(n_runs, K)``: mean over runs, error bars their spread)."""
    panels = [("TopoDNN, constituent removed", network),
              ("its translation, constituent removed", translation),
              ("TopoDNN, inputs occluded (chapter 1)", occlusion)]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), sharex=True)
    for i, (ax, (title, values)) in enumerate(zip(axes, panels)):
        k = np.arange(values.shape[1])
        spread = values.std(axis=0, ddof=1) if len(values) > 1 else None  # one run: no bars
        ax.bar(k, values.mean(axis=0), yerr=spread, color=color(title, i), capsize=2)
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set(title=title, xlabel="constituent (0 = hardest)", xticks=k)
    axes[0].set_ylabel(r"$\Delta$AUC")
    fig.tight_layout()
    return fig
