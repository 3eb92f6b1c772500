"""A user's own solver: a few lines of ISTA for the LASSO, reading the inexact input at 52 bits."""

import numpy as np


def ista(inp, lam=0.1, steps=500):
    A = np.asarray(inp.A(52), dtype=float)
    y = np.asarray(inp.y(52), dtype=float)
    L = 2 * np.linalg.norm(A, 2) ** 2
    x = np.zeros(A.shape[1])
    if L == 0:  # A = 0 (Hypothesis found this case: without the guard the step is 0/0)
        return x
    for _ in range(steps):
        u = x - 2 * A.T @ (A @ x - y) / L
        x = np.sign(u) * np.maximum(np.abs(u) - lam / L, 0)
    return x


def solve(inp):
    """ISTA with the problem's own lambda when it states one (P2, P3: learnt from ``inp.problem``), else 0.1."""
    problem = getattr(inp, "problem", None)
    lam = float(problem.lam) if problem is not None and problem.lam is not None else 0.1
    return ista(inp, lam=lam)
