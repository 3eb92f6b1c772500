"""norm-bound: a certified upper bound on ||A||_2, float64 with proven error bounds against ball arithmetic.

Both are ``smale18.verify.balls.operator_norm_upper`` on the same Gaussian ``A / sqrt(m)`` (seeded):
``method="float"`` (float Gram matrix, Lanczos, a Cholesky factor and its a priori residual bound;
proofs_notes/float_norm.md) and ``method="ball"`` (the default: the Gram matrix and 6 squarings in 64-bit balls).
Timed side by side in one process, alternating, the median of several same-process pairs, with BLAS pinned to one
thread (threadpoolctl) so that the float path's time does not swing with the load of the other core. Each bound's
relative excess over numpy's ``np.linalg.norm(A, 2)`` (an observed float value) is printed. The ratio line is the
smallest of the per-size median ratios (ball time over float time).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from smale18.verify.balls import operator_norm_upper

NAME = "norm-bound"
TARGET = 50.0


def _timed(A, method):
    t = time.perf_counter()
    bound = operator_norm_upper(A, method=method)
    return time.perf_counter() - t, bound


def _pinned():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # not installed: BLAS runs with its default threads (said in the output)
        return None
    return threadpool_limits(limits=1, user_api="blas")


def run(quick: bool = False) -> float:
    sizes, pairs = ([(128, 512), (256, 1024)], 3) if quick else ([(256, 1024), (512, 2048)], 5)
    pinned = _pinned()
    rows, ratios = [], []
    try:
        for m, N in sizes:
            A = np.random.default_rng(0).standard_normal((m, N)) / np.sqrt(m)
            exact = np.linalg.norm(A, 2)
            t_float, t_ball = [], []
            for _ in range(pairs):
                tf, bf = _timed(A, "float")
                tb, bb = _timed(A, "ball")
                t_float.append(tf)
                t_ball.append(tb)
            ratio = statistics.median(b / f for f, b in zip(t_float, t_ball))
            ratios.append(ratio)
            rows.append((f"{m}x{N}", statistics.median(t_float), statistics.median(t_ball), ratio,
                         float(bf) / exact - 1, float(bb) / exact - 1))
    finally:
        if pinned is not None:
            pinned.unregister()
    threads = "1 BLAS thread (threadpoolctl)" if pinned is not None else "default BLAS threads"
    print(f"{NAME}: median of {pairs} same-process pairs, {threads}")
    header = ("size", "float [s]", "ball [s]", "ratio", "float excess", "ball excess")
    print("  {:>10}  {:>10}  {:>9}  {:>6}  {:>12}  {:>11}".format(*header))
    for size, tf, tb, ratio, ef, eb in rows:
        print(f"  {size:>10}  {tf:10.4f}  {tb:9.3f}  {ratio:6.0f}  {ef:12.1e}  {eb:11.1e}")
    ratio = min(ratios)
    print(f"{NAME}: ratio={ratio:.0f} target={TARGET:g}")
    return ratio
