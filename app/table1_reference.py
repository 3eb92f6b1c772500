"""The paper's Table 1 on the reference code's own 21 x 22 instance, so that it compares like for like with the
published numbers (``proofs_notes/table1.md``, "On the reference instance").

The instance, as the authors' reference code defines it (THEORY §2.3; restated here from its mathematics, in
float64 as there): ``delta = 1/6``, ``lam = 1``, ``N1 = 2``, ``N2 = 20``, ``gamma = sqrt(2)(1 - delta) 10^K/(3 lam)``,
``rho = 1 - delta``, ``eps = 2^-(n+1)``, ``t = u rho^2/(1 + u rho)`` with ``u = eps/(gamma lam)``. Member ``j`` (1 or
2) has the top row ``a = (gamma lam/rho) (1, 1)`` with ``a_j = gamma lam/(rho - t)`` (exactly ``eps`` more), and
``A_j = D [[a, 0], [0, ||a|| I_20]]`` (21 x 22), ``y = D e_1``, with ``D`` the orthonormal DCT-II along the rows.
The minimiser of member j is ``x_j = ((rho - t)/(gamma lam)) e_j``; ``||A_1 - A_2|| = sqrt(2) eps < 2^-n`` and the
two minimisers are ``3 (1 - t/rho) 10^-K`` apart.

The algorithms get member 2's ``(A_2, y)`` — a legitimate precision-n input for member 1 — and each entry is the
distance to member 1's minimiser (the pairing the reference script intends; it printed the wrong member's for K = 1,
3). FIRENET: the reference's schedule (``p = 50``, 30 restarts, ``delta = 1e-6``, ``eps_0 = ||y||``, through
``firenet(..., schedule="paper")`` with the reference's ``L = ||A_2||_2`` in float64) but valid step sizes
``tau = sigma = (1 - 2^-20)/L_A`` (the reference's ``sqrt(1/||A||) - 10^-4`` violate ``tau sigma ||A||^2 < 1``).
LISTA: 10 layers trained on ``samples`` pairs of member 2 (``x = x_2`` plus a 5-sparse Gaussian padding part divided
by ``||a||``, ``y = D (1, ||a|| x_pad)``), the reference's recipe. Every entry is an *observation*: the instance is
float64 data and the distance is enclosed exactly for those floats.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np
import scipy.fft

from smale18.oracle import Smale18Error
from smale18.oracle._arb import sqrt_bounds
from smale18.oracle._errors import check_int_range, short_repr

from smale18.verify.nets import firenet, train_lista

from .table1 import KS, MAX_N, NS, Table1Row, checked_arguments

__all__ = ["reference_member", "table1_reference", "REFERENCE_FIRENET"]

#: the reference script's FIRENET parameters (inner steps p, restarts, delta, and eps_0 = ||y|| in the paper's schedule)
REFERENCE_FIRENET = {"inner": 50, "restarts": 30, "delta": 1e-6}
_DELTA, _LAM, _N1, _N2, _SPARSITY = 1 / 6, 1.0, 2, 20, 5


def _row_dct(M: np.ndarray) -> np.ndarray:
    return scipy.fft.dct(M, type=2, axis=0, norm="ortho")


def _top_row(K: int, n: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Member j's top row ``a`` and minimiser ``x_j`` (module docstring), float64 as in the reference code."""
    gamma = math.sqrt(2) * (1 - _DELTA) * 10**K / (3 * _LAM)
    rho, eps = 1 - _DELTA, 2.0 ** -(n + 1)
    u = eps / (gamma * _LAM)
    t = u * rho * rho / (1 + u * rho)
    a = np.full(_N1, gamma * _LAM / rho)
    a[j - 1] = gamma * _LAM / (rho - t)
    x = np.zeros(_N1 + _N2)
    x[j - 1] = (rho - t) / (gamma * _LAM)
    return a, x


def reference_member(K: int, n: int, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A_j, y, x_j)`` of the reference instance (module docstring), float64; ``K`` in [1, 6], ``n`` in [1, 60],
    ``j`` in {1, 2}.

    >>> A1, y, x1 = reference_member(1, 10, 1)
    >>> A2, _, x2 = reference_member(1, 10, 2)
    >>> A1.shape, bool(np.linalg.norm(A1 - A2, 2) < 2.0**-10), round(float(np.linalg.norm(x1 - x2)), 4)
    ((21, 22), True, 0.3)
    """
    K = check_int_range(K, "K", 1, 6)
    n = check_int_range(n, "n", 1, MAX_N)
    if j not in (1, 2) or isinstance(j, bool):
        raise Smale18Error(f"j={short_repr(j)} must be 1 or 2")
    a, x = _top_row(K, n, j)
    B = np.zeros((_N2 + 1, _N1 + _N2))
    B[0, :_N1] = a
    B[1:, _N1:] = np.linalg.norm(a) * np.eye(_N2)
    e1 = np.zeros(_N2 + 1)
    e1[0] = 1.0
    return _row_dct(B), _row_dct(e1), x


def _training_set(na: float, x: np.ndarray, samples: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Member j's training pairs: ``x_k = x_j + v_k`` (v_k 5-sparse Gaussian / ||a|| on the padding),
    ``y_k = D (1, ||a|| v_k)`` (the minimiser of ``(A_j, y_k)``, by Lemma 2 of proofs_notes/table1.md)."""
    X = np.tile(x[:, None], (1, samples))
    Yb = np.zeros((_N2 + 1, samples))
    Yb[0] = 1.0
    for k in range(samples):
        where = _N1 + rng.choice(_N2, size=_SPARSITY, replace=False)
        X[where, k] = rng.standard_normal(_SPARSITY) / na
        Yb[1:, k] = na * X[_N1:, k]
    return _row_dct(Yb), X


def _distance(out: np.ndarray, x: np.ndarray) -> tuple[Fraction, Fraction]:
    """A rigorous enclosure of the Euclidean distance between two float64 vectors (exact rationals, then a square
    root enclosed in ball arithmetic)."""
    square = sum((Fraction(float(a)) - Fraction(float(b))) ** 2 for a, b in zip(out, x))
    return sqrt_bounds(square, square, 128)


def table1_reference(quick: bool = False, seed: int = 0, progress=None, ns=NS, samples: int | None = None,
                     iterations: int | None = None) -> list[Table1Row]:
    """The 18 entries on the reference instance (module docstring); the same arguments, bounds and rows as
    :func:`smale18.app.table1.table1`."""
    seed, ns, samples, iterations = checked_arguments(quick, seed, progress, ns, samples, iterations)
    rows = []
    for K in KS:
        for n in ns:
            t0 = time.perf_counter()
            A2, y, x2 = reference_member(K, n, 2)
            _, _, x1 = reference_member(K, n, 1)
            rng = np.random.default_rng([seed, K, n, 2])
            Ytr, Xtr = _training_set(float(np.linalg.norm(_top_row(K, n, 2)[0])), x2, samples, rng)
            lista = train_lista(A2, Ytr, Xtr, depth=10, iterations=iterations, batch=512, lr=1e-3,
                                seed=int(rng.integers(2**31)))
            fn = firenet(A2, lam=_LAM, eps0=float(np.linalg.norm(y)), schedule="paper",
                         schedule_norm=float(np.linalg.norm(A2, 2)), **REFERENCE_FIRENET)
            dl, df = _distance(lista(y), x1), _distance(fn.run(y), x1)
            row = Table1Row(K, n, dl[0], dl[1], df[0], df[1], Fraction(1, 10**K), time.perf_counter() - t0)
            rows.append(row)
            if progress:
                progress(row)
    return rows
