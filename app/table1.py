"""The paper's Table 1, reproduced on the barrier-game class: LISTA and FIRENET against ``Xi_3`` of the true member.

For each ``K in {1, 3, 6}`` and ``n in {10, 20, 30}`` (``proofs_notes/table1.md``):

* Omega_K for P3 (``lam = 1``, N1 = 2, N2 = 20: A is 22 x 26). Two members differ only in the fine row: the
  *perturbed* member P (fine top column 0) and the *true* member T (fine top column 1), both with
  ``eps2 = 2^-e2``, ``e2 = max(n + 2, l0)``, so ``||A_P - A_T|| <= sqrt(2) eps2 < 2^-(n+1)``.
* The data ``y = D (0, 1, 0, ..., 0)``: only the fine row is excited (the coarse target is 0), as in the paper's
  ``y = D e_1``. Xi_3(A_T, y) is the single point ``e_{fine 1} / a_2``.
* Inputs: ``A_n = A_P.approx(n+1)``, ``y_n = y.approx(n+1)``; they are within ``2^-n`` of *both* members.
* LISTA: 10 layers, trained on 8000 samples of P at precision n (labels P's minimisers, as the reference script does).
  FIRENET: the float64 fast path on ``(A_n, y_n)``.
* Each entry is ``dist(output, Xi_3(A_T, y))``, enclosed rigorously; beside it the ``10^-K`` that the theorem says no
  algorithm reaches on the whole class. The entries are *observations for one pair of members*; only the game
  proves failure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from smale18.oracle import BallArray, PointSet, ProductArray, Smale18Error, format_bound
from smale18.oracle._errors import check_int_range, short_repr
from smale18.oracle.constructions import Smale18Class

from smale18.verify.nets import firenet, train_lista

__all__ = ["Table1Row", "table1", "KS", "NS"]

KS = (1, 3, 6)
NS = (10, 20, 30)
#: bounds of :func:`table1`'s arguments
MAX_SEED, MAX_N, MAX_SAMPLES, MAX_ITERATIONS = 2**32 - 1, 60, 100_000, 100_000


@dataclass(frozen=True)
class Table1Row:
    """One entry pair. ``lista`` and ``firenet`` are the lower ends of rigorous enclosures of the distances
    (``*_upper`` the upper ends); ``bound`` is ``10^-K``."""

    K: int
    n: int
    lista: Fraction
    lista_upper: Fraction
    firenet: Fraction
    firenet_upper: Fraction
    bound: Fraction
    seconds: float

    def to_json(self) -> dict:
        return {
            "K": self.K,
            "n": self.n,
            "lista": float(format_bound(self.lista, "down", 8)),
            "firenet": float(format_bound(self.firenet, "down", 8)),
            "bound": float(self.bound),
            "lista_enclosure": [format_bound(self.lista, "down", 8), format_bound(self.lista_upper, "up", 8)],
            "firenet_enclosure": [format_bound(self.firenet, "down", 8), format_bound(self.firenet_upper, "up", 8)],
            "observed": True,
        }


def _fine_only_data(member):
    """``y = D (0, mu2, 0, ...)`` and the training samples' ``b`` with ``R v`` in the identity block."""
    om = member.omega

    def balls(prec_bits):
        return [flint.arb(0), flint.arb(flint.fmpq(om.N1, 2)).sqrt()] + [flint.arb(0)] * om.N2

    return ProductArray(member.D, BallArray((om.m,), balls))


def _fine_vertex(member):
    """Xi_3(A, D(0, mu2, 0...)) = {mu2 / a2 e_{fine j2}} for an untied member (proofs_notes/table1.md)."""
    om = member.omega

    def balls(prec_bits):
        c = om.c_ball()
        cf = c * flint.arb(flint.fmpq(om.N1, 2)).sqrt()
        a2 = cf + flint.arb(flint.fmpq(1, 1 << member.e2))
        x = [flint.arb(0)] * om.N
        x[om.fine_columns[member.j2]] = flint.arb(flint.fmpq(om.N1, 2)).sqrt() / a2
        return x

    return BallArray((om.N,), balls)


def _training_set(member, n, samples, rng):
    """Samples (y_k, x_k): x_k = (0, mu2/a2 e_{fine j2}, v_k), v_k 5-sparse Gaussian / R; y_k = D(0, mu2, R v_k)
    rounded to the grid 2^-(n+1) (float64)."""
    om = member.omega
    D = np.asarray(member.D.approx(60), dtype=float)
    vert = np.asarray(_fine_vertex(member).approx(80), dtype=float)
    with flint.ctx.workprec(80):
        R = float((om.N1 * om.c_ball() ** 2 + 1).sqrt().mid())
    mu2 = float(np.sqrt(om.N1 / 2))
    X = np.zeros((om.N, samples))
    B = np.zeros((om.m, samples))
    for k in range(samples):
        v = np.zeros(om.N2)
        v[rng.choice(om.N2, size=min(5, om.N2), replace=False)] = rng.standard_normal(min(5, om.N2)) / R
        X[:, k] = vert
        X[om.N1 + 4:, k] = v
        B[1, k] = mu2
        B[2:, k] = R * v
    Y = D @ B
    grid = 2.0 ** (n + 1)
    return np.round(Y * grid) / grid, X


def checked_arguments(quick, seed, progress, ns, samples, iterations) -> tuple:
    """``(seed, ns, samples, iterations)`` of :func:`table1` checked, with the defaults filled in (a Smale18Error
    naming the argument otherwise)."""
    if not isinstance(quick, bool):
        raise Smale18Error(f"quick={short_repr(quick)} must be True or False")
    seed = check_int_range(seed, "seed", 0, MAX_SEED)
    if progress is not None and not callable(progress):
        raise Smale18Error(f"progress={short_repr(progress)} must be None or callable as progress(row)")
    if isinstance(ns, (str, bytes, dict)) or not hasattr(ns, "__len__") or not 1 <= len(ns) <= 8:
        raise Smale18Error(f"ns={short_repr(ns)} must be a sequence of 1 to 8 precisions")
    ns = tuple(check_int_range(n, "ns", 1, MAX_N) for n in ns)
    samples = (2000 if quick else 8000) if samples is None else check_int_range(samples, "samples", 1, MAX_SAMPLES)
    iterations = ((800 if quick else 3000) if iterations is None
                  else check_int_range(iterations, "iterations", 1, MAX_ITERATIONS))
    return seed, ns, samples, iterations


def table1(quick: bool = False, seed: int = 0, progress=None, ns=NS, samples: int | None = None,
           iterations: int | None = None) -> list[Table1Row]:
    """Compute the 18 entries (9 rows). ``quick`` trains LISTA on fewer samples and iterations; ``ns`` restricts the
    precisions (the tour's quick mode shows n = 10 only).

    Bounds (each keeps the work finite): ``seed`` in ``[0, 2^32 - 1]``; ``ns`` 1 to 8 distinct precisions in
    ``[1, 60]`` (float64 inputs: finer grids are the same numbers); ``samples`` in ``[1, 100000]``; ``iterations`` in
    ``[1, 100000]``; ``progress`` None or a callable taking each row."""
    seed, ns, samples, iterations = checked_arguments(quick, seed, progress, ns, samples, iterations)
    rows = []
    for K in KS:
        omega = Smale18Class("P3", K)
        for n in ns:
            t0 = time.perf_counter()
            e2 = max(n + 2, omega.l0)
            P = omega.member(0, omega.l0, 0, e2)
            T = omega.member(0, omega.l0, 1, e2)
            y = _fine_only_data(P)
            An = np.asarray(P.A.approx(n + 1), dtype=float)
            yn = np.asarray(y.approx(n + 1), dtype=float)
            truth = PointSet(_fine_vertex(T))
            rng = np.random.default_rng([seed, K, n])
            Ytr, Xtr = _training_set(P, n, samples, rng)
            lista = train_lista(An, Ytr, Xtr, depth=10, iterations=iterations, batch=512, lr=1e-3,
                                seed=int(rng.integers(2**31)))
            out_lista = lista(yn)
            fn = firenet(An, lam=1.0, restarts=60, inner=40, eps0=1.0, delta=0.0)
            out_fire = fn.run(yn)
            dl, df = truth.distance(out_lista), truth.distance(out_fire)
            row = Table1Row(K, n, dl.lower, dl.upper, df.lower, df.upper, Fraction(1, 10**K),
                            time.perf_counter() - t0)
            rows.append(row)
            if progress:
                progress(row)
    return rows
