"""The theorems' constants as functions: the rNSPL distance lemma and FIRENET's error bound.

Every function takes the exact constants of a weighted rNSPL ``(rho, gamma)`` of order ``(s, M)`` (as a certificate
proves them) and returns exact rational *upper bounds* (square roots and fourth roots are the upper ends of Arb
enclosures). Statements and complete proofs: ``proofs_notes/firenet_bound.md``.

- :func:`distance_constants`: ``(C1, C2, Q)`` with ``||z - x||_2 <= C1 eta / sqrt(xi) + C2 ||A(z - x)||_2`` (Theorem 1),
  the better of the two tail estimates.
- :func:`sharpness_constant`: ``c(lam)`` with ``||z - x|| <= c (F(z) - F(x)) + 2c (lam sigma_{s,M}(x) + ||Ax - y||)``
  for ``F = lam ||.||_{l1,w} + ||A . - y||`` (Corollary).
- :func:`firenet_guarantee`: the hypotheses of Theorem 2 checked for given ``(lam, tau, sigma, p, eps0, delta)``, and the
  bounds ``eps_k`` on ``||psi_k - x||``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from oracle import Smale18Error, _arb

from .rnsp import SparsityInLevels

__all__ = ["distance_constants", "sharpness_constant", "optimal_lambda", "firenet_guarantee", "FirenetGuarantee",
           "delta_prime", "DistanceConstants", "theorem2_run"]

_PREC = 128


def _ball(f: Fraction) -> flint.arb:
    return _arb.arb_from_fraction(Fraction(f))


def _up(b: flint.arb) -> Fraction:
    return _arb.upper_fraction(b)


def _lo(b: flint.arb) -> Fraction:
    return _arb.lower_fraction(b)


@dataclass(frozen=True)
class DistanceConstants:
    """Upper bounds of Theorem 1's constants for one tail estimate (``variant`` "A" or "B")."""

    C1: Fraction
    C2: Fraction
    P: Fraction
    Q: Fraction
    variant: str


def _check(rho, gamma, lv):
    rho, gamma = Fraction(rho), Fraction(gamma)
    if not 0 <= rho < 1 or gamma <= 0:
        raise Smale18Error(f"rho={rho} must lie in [0, 1) and gamma={gamma} must be positive")
    if not isinstance(lv, SparsityInLevels):
        raise Smale18Error("levels must be a SparsityInLevels (verify.rnsp)")
    return rho, gamma


def _tail_estimates(rho: Fraction, lv: SparsityInLevels):
    """Balls ``(variant, P, Q, C1)`` of the tail estimates (A) and (B) at the current working precision."""
    zeta = min(wk * wk * sk for wk, sk in zip(lv.w, lv.s))
    k, r = _ball(lv.xi / zeta), _ball(rho)
    for variant in ("A", "B"):
        if variant == "A":
            P, Q = r + k.sqrt() / 2, flint.arb(1)
        else:
            k4 = k.root(4)
            P, Q = r + (1 + r) * k4 / 2, 1 + k4 / 2
        yield variant, P, Q, (1 + r) * P / (1 - r)


def distance_constants(rho, gamma, lv: SparsityInLevels) -> DistanceConstants:
    """Theorem 1: the pair (C1, C2) of the smaller C2 among the tail estimates (A) and (B), as exact upper bounds.

    >>> lv = SparsityInLevels.make(10, 1)
    >>> d = distance_constants(Fraction(1, 5), Fraction(1, 4), lv)
    >>> d.variant, float(d.C1) > 0
    ('A', True)
    """
    rho, gamma = _check(rho, gamma, lv)
    out = []
    with flint.ctx.workprec(_PREC):
        for variant, P, Q, C1 in _tail_estimates(rho, lv):
            C2 = _ball(gamma) * (Q + 2 * P / (1 - _ball(rho)))
            out.append(DistanceConstants(_up(C1), _up(C2), _up(P), _up(Q), variant))
    return min(out, key=lambda d: (d.C2, d.C1))


def sharpness_constant(rho, gamma, lv: SparsityInLevels, lam) -> Fraction:
    """``c(lam) = max(C1/mu, gamma Q / (1 - 2 gamma mu / (1 + rho)))``, ``mu = lam sqrt(xi)``, minimised over the two tail
    estimates; requires ``mu < (1 + rho)/(2 gamma)`` (Corollary of Theorem 1)."""
    rho, gamma = _check(rho, gamma, lv)
    lam = Fraction(lam)
    if lam <= 0:
        raise Smale18Error(f"lam={lam} must be positive")
    best = None
    with flint.ctx.workprec(_PREC):
        mu = _ball(lam) * _ball(lv.xi).sqrt()
        limit = (1 + _ball(rho)) / (2 * _ball(gamma))
        if not _up(mu) < _lo(limit):
            raise Smale18Error(f"lam={float(lam):.6g} is too large: need lam sqrt(xi) < (1 + rho)/(2 gamma) = "
                               f"{float(_lo(limit)):.6g}")
        for _, P, Q, C1 in _tail_estimates(rho, lv):
            first = C1 / mu
            second = _ball(gamma) * Q / (1 - 2 * _ball(gamma) * mu / (1 + _ball(rho)))
            c = max(_up(first), _up(second))
            best = c if best is None else min(best, c)
    return best


def optimal_lambda(rho, gamma, lv: SparsityInLevels, digits: int = 12) -> Fraction:
    """A rational close to ``C1 / (C2 sqrt(xi))`` (where ``c(lam) = C2``), rounded down to ``digits`` digits."""
    d = distance_constants(rho, gamma, lv)
    with flint.ctx.workprec(_PREC):
        lam = _ball(d.C1) / (_ball(d.C2) * _ball(lv.xi).sqrt())
    from oracle import format_bound

    return Fraction(format_bound(_lo(lam), "down", digits))


def delta_prime(A: np.ndarray, x: np.ndarray, y: np.ndarray, lv: SparsityInLevels, lam, c: Fraction) -> Fraction:
    """Upper bound of ``delta' = 2 c (lam sigma_{s,M}(x)_{l1,w} + ||A x - y||_2)`` for exact (float64) A, x, y."""
    w = lv.column_weights()
    xf = [Fraction(float(v)) for v in x]
    tail = Fraction(0)
    for r, sk in zip(lv.ranges(), lv.s):
        rest = sorted((abs(xf[i]) for i in r), reverse=True)[sk:]
        tail += w[r.start] * sum(rest, Fraction(0))
    with flint.ctx.workprec(_PREC):
        Ab = flint.arb_mat(np.asarray(A, dtype=float).tolist())
        r = Ab * flint.arb_mat([[float(v)] for v in x]) - flint.arb_mat([[float(v)] for v in y])
        lo2, hi2 = _arb.norm2_bounds([r[i, 0] for i in range(r.nrows())])
    res = _arb.sqrt_bounds(lo2, hi2, _PREC)[1]
    return 2 * Fraction(c) * (Fraction(lam) * tail + res)


@dataclass(frozen=True)
class FirenetGuarantee:
    """Theorem 2 for one choice of parameters: ``eps[k]`` bounds ``||psi_k - x||`` for every ``(x, y)`` with
    ``||x|| <= eps0`` and ``delta' <= delta``; ``c`` is the sharpness constant, ``p_min`` the smallest admissible ``p``."""

    c: Fraction
    p_min: int
    eps: tuple

    def bound(self, k: int) -> Fraction:
        return self.eps[k]


def firenet_guarantee(rho, gamma, lv: SparsityInLevels, lam, tau, sigma, L_A, p: int, eps0, delta,
                      restarts: int) -> FirenetGuarantee:
    """Check Theorem 2's hypotheses and return the bounds ``eps_0..eps_n`` (exact upper bounds).

    Hypotheses checked: ``tau sigma L_A^2 <= 1`` with ``L_A >= ||A||`` certified (caller's), ``lam`` admissible for the
    corollary, ``p >= 2 e c / sqrt(tau sigma)``. ``eps_{k+1} = eps_k / e + delta`` is evaluated with ``1/e`` rounded up.
    """
    c = sharpness_constant(rho, gamma, lv, lam)
    tau, sigma, L_A = Fraction(tau), Fraction(sigma), Fraction(L_A)
    if tau <= 0 or sigma <= 0 or tau * sigma * L_A * L_A > 1:
        raise Smale18Error("need tau, sigma > 0 and tau*sigma*L_A^2 <= 1")
    with flint.ctx.workprec(_PREC):
        p_min_ball = 2 * flint.arb.const_e() * _ball(c) / (_ball(tau) * _ball(sigma)).sqrt()
        p_min = math.ceil(_up(p_min_ball))
        inv_e = _up(1 / flint.arb.const_e())
    if p < p_min:
        raise Smale18Error(f"p={p} is below Theorem 2's requirement p >= 2 e c / sqrt(tau sigma) = {p_min}")
    eps = [Fraction(eps0)]
    for _ in range(restarts):
        eps.append(eps[-1] * inv_e + Fraction(delta))
    return FirenetGuarantee(c, p_min, tuple(eps))


def theorem2_run(A: np.ndarray, L_A, rho, gamma, lv: SparsityInLevels, x: np.ndarray, y: np.ndarray, restarts: int):
    """Run FIRENET on ``(A, y)`` with Theorem 2's parameters for the signal ``x`` and return ``(guarantee, errors)``:
    ``lam`` the optimal one rounded to a float (and the corollary's ``c`` for that exact float), ``tau = sigma =
    (1 - 2^-20)/L_A``, the smallest admissible ``p``, ``eps0 >= ||x||`` and ``delta >= delta'`` (both floats rounded
    up). ``errors[k] = ||psi_k - x||`` is observed (float64); ``guarantee.bound(k)`` is the certified bound."""
    from .nets import firenet

    lam = Fraction(float(optimal_lambda(rho, gamma, lv)))
    step = float((1 - Fraction(1, 2**20)) / Fraction(L_A))
    c = sharpness_constant(rho, gamma, lv, lam)
    delta = math.nextafter(float(delta_prime(A, x, y, lv, lam, c)), math.inf)
    x2 = sum((Fraction(float(v)) ** 2 for v in x), Fraction(0))
    eps0 = math.nextafter(float(_arb.sqrt_bounds(x2, x2, _PREC)[1]), math.inf)
    p = firenet_guarantee(rho, gamma, lv, lam, step, step, L_A, 10**9, eps0, delta, 0).p_min
    guarantee = firenet_guarantee(rho, gamma, lv, lam, step, step, L_A, p, eps0, delta, restarts)
    net = firenet(A, lam=float(lam), restarts=restarts, inner=p, eps0=eps0, delta=delta, tau=step, sigma=step,
                  L_A=L_A)
    errors = [float(np.linalg.norm(psi - x)) for psi in net.run(y, history=True)]
    return guarantee, errors
