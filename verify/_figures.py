"""Small figures for the tour's report (matplotlib, Agg)."""

from __future__ import annotations

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def game_figure(results, K: int, path: str) -> str:
    """Certified distance lower bounds of each candidate's output against 10^-K and 10^-(K-1)."""
    plt = _plt()
    names = [r.candidate.replace("builtin:", "") + ("" if r.digits == K else f"\n(judged at 10^-{r.digits})")
             for r in results]
    lows = [float(r.distance.lower) if r.distance is not None else np.nan for r in results]
    fig, ax = plt.subplots(figsize=(7, 3.4), dpi=110)
    ax.bar(names, lows, color=["tab:red" if r.outcome.value == "defeated" else "tab:green" for r in results])
    ax.axhline(10.0**-K, color="k", ls="--", lw=1, label=f"10^-{K} (no algorithm on the class)")
    ax.axhline(10.0 ** -(K - 1), color="gray", ls=":", lw=1, label=f"10^-{K - 1}")
    ax.set_yscale("log")
    ax.set_ylabel("certified dist(output, Xi) >=")
    ax.set_title(f"Barrier game on Omega_{K} (square-root LASSO): red = defeated at its accuracy, green = not",
                 fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def table_figure(rows, path: str) -> str:
    """Table 1 entries against K (observed), with 10^-K."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=110)
    for n, marker in zip(sorted({r.n for r in rows}), "os^"):
        sel = [r for r in rows if r.n == n]
        ax.semilogy([r.K for r in sel], [float(r.lista) for r in sel], marker, color="tab:red", ms=5,
                    label=f"LISTA, n={n}")
        ax.semilogy([r.K for r in sel], [float(r.firenet) for r in sel], marker, color="tab:blue", ms=5, mfc="none",
                     label=f"FIRENET, n={n}")
    Ks = sorted({r.K for r in rows})
    ax.semilogy(Ks, [10.0**-k for k in Ks], "k--", lw=1, label="10^-K")
    ax.set_xlabel("K")
    ax.set_ylabel("distance to Xi_3 of the true member")
    ax.set_title("Table 1 (observed for one pair of members)", fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def certificate_figure(entries, path: str) -> str:
    """Certified rho (and the exact rho* where known) per sparsity."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=110)
    labels = [e[0] for e in entries]
    ax.bar(labels, [float(e[1]) for e in entries], color="tab:blue", label="certified rho (upper end)")
    ax.axhline(1, color="k", ls="--", lw=1, label="rho < 1 needed")
    ax.set_ylabel("rho")
    ax.set_title("weighted rNSP in levels: certified constants", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
