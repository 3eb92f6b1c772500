"""FIRENET's exponential convergence, measured: error per restart on a square-root LASSO instance with a unique,
well-separated minimiser, the fitted rate, and a figure.

Everything here is *observed*. The reference minimiser is FIRENET's own long run (its limit), cross-checked by a
rigorous duality-gap certificate (:meth:`smale18.oracle.SqrtLasso.certify_minimiser`) so that the limit is known to be a
minimiser up to the certified gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from smale18.oracle import SqrtLasso, Status

from smale18.verify.nets import firenet

__all__ = ["ConvergenceRun", "convergence_run", "convergence_figure"]


@dataclass(frozen=True)
class ConvergenceRun:
    """Errors ``||psi_k - x*||`` for ``k = 0..n``; ``rate`` is the least-squares factor per restart (``exp`` of the
    slope of ``log error``) over ``k = fitted_from..fitted_to``, the restarts whose error is above ``1e3`` times the
    floor; ``gap_certified`` the duality-gap bound proven for the reference point."""

    errors: tuple
    rate: float
    intercept: float
    fitted_from: int
    fitted_to: int
    floor: float
    gap_certified: Fraction
    m: int
    N: int
    lam: float


def convergence_run(m: int = 60, N: int = 120, sparsity: int = 5, lam: float = 0.05, restarts: int = 40,
                    inner: int = 40, seed: int = 0) -> ConvergenceRun:
    """A Gaussian ``m x N`` instance with a ``sparsity``-sparse ``x0`` and ``y = A x0`` (seeded), run through FIRENET."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, N)) / np.sqrt(m)
    x0 = np.zeros(N)
    x0[rng.choice(N, sparsity, replace=False)] = rng.choice([-1.0, 1.0], sparsity) * (1 + rng.random(sparsity))
    y = A @ x0
    net = firenet(A, lam=lam, restarts=restarts, inner=inner, eps0=float(np.linalg.norm(x0)) * 2, delta=0.0)
    ref = firenet(A, lam=lam, restarts=3 * restarts, inner=inner, eps0=float(np.linalg.norm(x0)) * 2, delta=0.0,
                  L_A=net.L_A).run(y)
    check = SqrtLasso(A, y, Fraction(lam)).certify_minimiser(ref, tol=Fraction(1, 10**9))
    if check.status is not Status.CERTIFIED:
        raise RuntimeError(f"the reference point is not certified: {check.reason}")
    errors = [float(np.linalg.norm(p - ref)) for p in net.run(y, history=True)]
    floor = max(min(errors), 1e-300)
    above = [k for k, e in enumerate(errors) if e > 1e3 * floor]
    lo, hi = (max(above[0], 1), above[-1]) if len(above) >= 3 else (1, len(errors) - 1)  # psi_0 = 0 is not fitted
    ks = np.arange(lo, hi + 1)
    slope, intercept = np.polyfit(ks, np.log(np.asarray(errors[lo:hi + 1])), 1)
    return ConvergenceRun(tuple(errors), float(np.exp(slope)), float(intercept), lo, hi, floor, check.gap_upper, m, N,
                          lam)


def convergence_figure(run: ConvergenceRun, path: str) -> str:
    """Write the error-per-restart plot (log scale, with the fitted rate) to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    ks = np.arange(len(run.errors))
    ax.semilogy(ks, run.errors, "o-", ms=3, label="FIRENET  $\\|\\psi_k - x^*\\|_2$ (observed)")
    fit = np.exp(run.intercept) * run.rate**ks
    ax.semilogy(ks[run.fitted_from:run.fitted_to + 1], fit[run.fitted_from:run.fitted_to + 1], "--",
                label=f"fit: factor {run.rate:.3f} per restart ($e^{{-1}}$ = {np.exp(-1):.3f})")
    ax.set_xlabel("restart k")
    ax.set_ylabel("error")
    ax.set_title(f"FIRENET on square-root LASSO, Gaussian {run.m}x{run.N}, lam={run.lam:g}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
