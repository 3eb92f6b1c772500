"""certificate-check: the rigorous check of an rNSP certificate, float64 with proven error bounds against balls.

The check is the bound of Theorem 1 (proofs_notes/rnsp.md) from ``B = I - Y^T A`` and the witness's column norms,
``smale18.verify.rnsp._bounds_from_witness`` on the same 512 x 1024 case (Gaussian ``A / sqrt(m)``, a witness ``Y``
near ``A``; the cost does not depend on the witness): ``rigorous="float"`` (two float64 products with a priori
rounding-error bounds, proofs_notes/float_norm.md, Theorem 3) given the float matrix, against ``rigorous="ball"``
(python-flint balls at 64 bits and exact Fraction column norms), whose time includes building the ball matrix from
the floats. Side by side in one process, alternating, median of same-process pairs, BLAS pinned to one thread
(threadpoolctl). Also printed: the float path given the ball matrix (what ``Certificate.check()`` passes it; the
conversion of 524,288 balls to floats dominates), and, at an equal small size (32 x 64), mpmath's interval context
against both (mpmath is not timed at 512 x 1024: hours). The ratio line is ball time over float time at 512 x 1024.
"""

from __future__ import annotations

import statistics
import time

import flint
import mpmath
import numpy as np

from smale18.verify.rnsp import SparsityInLevels, _bounds_from_witness

NAME = "certificate-check"
TARGET = 50.0


def _float(A, Y, enclose=False):
    lv = SparsityInLevels.make(A.shape[1], 1)
    if enclose:  # the ball matrix is given, as Certificate.check() gives it: time the check only
        with flint.ctx.workprec(64):
            A = flint.arb_mat(A.tolist())
    t = time.perf_counter()
    bounds = _bounds_from_witness(A, Y, lv, "entrywise")
    return time.perf_counter() - t, bounds


def _ball(A, Y):
    t = time.perf_counter()
    with flint.ctx.workprec(64):
        enc = flint.arb_mat(A.tolist())
    bounds = _bounds_from_witness(enc, Y, SparsityInLevels.make(A.shape[1], 1), "entrywise", rigorous="ball")
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


def _instance(m, N):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((m, N)) / np.sqrt(m)
    Y = A + 0.01 * rng.standard_normal((m, N)) / np.sqrt(m)
    return A, Y


def _pinned():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=1, user_api="blas")


def run(quick: bool = False) -> float:
    (m, N), pairs = ((128, 256), 3) if quick else ((512, 1024), 3)
    A, Y = _instance(m, N)
    pinned = _pinned()
    try:
        t_float, t_ball, t_float_balls = [], [], []
        for _ in range(pairs):
            tf, bf = _float(A, Y)
            tb, bb = _ball(A, Y)
            tfb, _ = _float(A, Y, enclose=True)
            t_float.append(tf)
            t_ball.append(tb)
            t_float_balls.append(tfb)
        ratio = statistics.median(b / f for f, b in zip(t_float, t_ball))
        ms, Ns = 32, 64
        As, Ys = A[:ms, :Ns], Y[:ms, :Ns]
        t_iv, _ = _mpmath_iv(As, Ys)
        t_small_ball = statistics.median(_ball(As, Ys)[0] for _ in range(3))
        t_small_float = statistics.median(_float(As, Ys)[0] for _ in range(3))
    finally:
        if pinned is not None:
            pinned.unregister()
    threads = "1 BLAS thread (threadpoolctl)" if pinned is not None else "default BLAS threads"
    print(f"{NAME}: {m}x{N}, entrywise, s = 1; median of {pairs} same-process pairs, {threads}")
    print(f"  float64, error-bounded (float matrix)  {statistics.median(t_float):8.3f} s   q <= {float(bf['q']):.15f}")
    print(f"  float64, error-bounded (ball matrix)   {statistics.median(t_float_balls):8.3f} s")
    print(f"  python-flint balls + Fractions         {statistics.median(t_ball):8.3f} s   q <= {float(bb['q']):.15f}")
    print(f"  float q / ball q - 1 = {float(bf['q'] / bb['q'] - 1):.1e}")
    print(f"  at {ms}x{Ns} (all measured): mpmath iv {t_iv:.3f} s, balls {t_small_ball:.4f} s "
          f"(x{t_iv / t_small_ball:.0f}), float {t_small_float:.5f} s (x{t_iv / t_small_float:.0f})")
    print(f"{NAME}: ratio={ratio:.0f} target={TARGET:g}")
    return ratio
