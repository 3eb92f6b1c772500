"""certificate-check: the rigorous check of an rNSP certificate, python-flint balls against mpmath's interval context.

The check is ``B = I - Y^T A`` in interval/ball arithmetic from the exact float entries of ``Y`` and ``A``, then the
largest entry bound (and the witness's column norms). smale18 runs it at 512 x 1024; mpmath's ``iv`` context would take
hours there, so it is timed at a smaller size and scaled by the flop count ``N^2 m`` (said in the output).
"""

from __future__ import annotations

import time

import flint
import mpmath
import numpy as np

from smale18.verify.rnsp import SparsityInLevels, _bounds_from_witness

NAME = "certificate-check"
TARGET = 100.0


def _ours(A, Y):
    t = time.perf_counter()
    with flint.ctx.workprec(64):
        enc = flint.arb_mat(A.tolist())
    bounds = _bounds_from_witness(enc, Y, SparsityInLevels.make(A.shape[1], 1), "entrywise")
    return time.perf_counter() - t, bounds


def _mpmath_iv(A, Y):
    t = time.perf_counter()
    iv = mpmath.iv
    previous = iv.prec  # mpmath's interval context has no workprec(): set and restore
    iv.prec = 64
    try:
        P = iv.matrix(Y.T.tolist()) * iv.matrix(A.tolist())
        N = A.shape[1]
        worst = 0
        for i in range(N):
            for j in range(N):
                b = (1 if i == j else 0) - P[i, j]
                worst = max(worst, abs(b).b)
        for j in range(N):
            sum(iv.mpf(float(Y[i, j])) ** 2 for i in range(Y.shape[0]))
    finally:
        iv.prec = previous
    return time.perf_counter() - t, worst


def run(quick: bool = False) -> float:
    rng = np.random.default_rng(0)
    m, N = (128, 256) if quick else (512, 1024)
    A = rng.standard_normal((m, N)) / np.sqrt(m)
    Y = A + 0.01 * rng.standard_normal((m, N)) / np.sqrt(m)  # any witness: the check's cost does not depend on it
    t_ours, bounds = _ours(A, Y)
    ms, Ns = 32, 64
    t_small, _ = _mpmath_iv(A[:ms, :Ns], Y[:ms, :Ns])
    scale = (N * N * m) / (Ns * Ns * ms)
    t_theirs = t_small * scale
    print(f"{NAME}: {m}x{N}: python-flint balls {t_ours:.2f} s (q <= {float(bounds['q']):.4f}); mpmath iv measured "
          f"{t_small:.2f} s at {ms}x{Ns}, scaled by the flop count x{scale:.0f} to {t_theirs:.0f} s (estimate)")
    ratio = t_theirs / t_ours
    print(f"{NAME}: ratio={ratio:.0f} target={TARGET:g}")
    return ratio
