"""A duality-gap bound for square-root LASSO from float64 products, proven under the error model (E1) of
``proofs_notes/float_enclosure.md`` (``proofs_notes/firenet_solver.md``, Theorem B).

``F(x) = lam ||x||_{1,w} + ||Ax - y||``; dual ``max <y, u>`` over ``||u|| <= 1``, ``|(A^T u)_i| <= lam w_i``. For a
float64 primal point ``x`` and any dual point ``u`` (scaled by ``s >= s(u)`` to feasibility) the functions here
return floats (as exact rationals) ``U >= F(x)`` and ``D <= <y, u>/s <= min F``. Every float64 product is a sum
evaluated in some order, with or without FMA (E1), bounded by Lemma 1 of ``float_enclosure.md``; every other step is
a correctly rounded float operation followed by one step up or down (``nextafter``, Lemma B2), so no exact
arithmetic is needed. The primal products run over the support of ``x`` only, and the
rounding of ``A^T u`` is bounded through proven upper bounds on the column norms of ``A`` (Cauchy-Schwarz), so no
``|A|`` is formed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from smale18.oracle import Smale18Error

from .._float_bounds import ETA, column_norms2_upper, float_at_least, gamma

#: the subnormal spacing ``2^-1074`` of IEEE binary64 (``_float_bounds.ETA`` is half of it)
_SPACING = 2 * ETA
#: entries of A, x, y, the dual point and the weights above this are refused: with ``max(m, N) <= 2^40`` every exact
#: sum and square formed here stays below ``2^1000``, far from overflow (the premise ``B <= realmax`` of Lemma 1)
ENTRY_LIMIT = 2.0**200
MAX_SIDE = 2**40


@functools.lru_cache(maxsize=256)
def _constants(n: int) -> tuple[float, float, float]:
    """Floats ``(g, d, a) >= (gamma_n, 1/(1 - gamma_n), gamma_n/(1 - gamma_n))``."""
    g = gamma(n)
    return float_at_least(g), float_at_least(1 / (1 - g)), float_at_least(g / (1 - g))


@functools.lru_cache(maxsize=256)
def _residual_floor(p: int) -> float:
    """A float ``>= p 2^-1074 (1 + a)``, ``a = gamma_{p+1}/(1 - gamma_{p+1})``: the additive part of the residual's
    rounding bound in :func:`objective_upper`."""
    return float_at_least(p * _SPACING * (1 + gamma(p + 1) / (1 - gamma(p + 1))))


def _up(v):
    """One float64 step up: ``>=`` the exact result of the correctly rounded operation that gave ``v`` (Lemma B2)."""
    return np.nextafter(v, np.inf)


def _dn(v):
    """One float64 step down: ``<=`` the exact result of the correctly rounded operation that gave ``v`` (Lemma B2)."""
    return np.nextafter(v, -np.inf)


def _tiny(p: int) -> float:
    """``p 2^-1074`` exactly (a float for ``p < 2^53``)."""
    return math.ldexp(p, -1074)


def _sum_up(computed: float, n: int, p: int) -> float:
    """A float ``>=`` the exact sum ``s`` of ``n`` non-negative terms (``p`` of them products of floats), given any
    float64 evaluation ``computed`` within (E1): ``s <= (computed + p 2^-1074)/(1 - gamma_n)`` (Lemma B1), evaluated
    with a step up after each operation (Lemma B2)."""
    return float(_up(_up(float(computed) + _tiny(p)) * _constants(n)[1]))


def _sqrt_up(v: float) -> float:
    return float(_up(math.sqrt(v)))


def check_range(*arrays) -> None:
    """Refuse entries above ``2^200`` (and NaN): the premise of Lemma 1 for every sum formed here."""
    for v in arrays:
        if v.size and not float(np.max(np.abs(v))) <= ENTRY_LIMIT:
            raise Smale18Error("an entry of y, x, the dual point or the weights is beyond 2^200 (or not finite); "
                               "rescale the problem for the duality-gap bound")


def column_norms_upper(A: np.ndarray) -> np.ndarray:
    """Float64 ``C`` with ``C_j >= ||A[:, j]||_2`` for every column (proven under (E1), Lemma B3): the float sums of
    squares ``q_j`` (``m`` non-negative products) satisfy ``||a_j||^2 <= (q_j + m 2^-1074)/(1 - gamma_m)`` (Lemma B1);
    that bound is evaluated with one step up after each correctly rounded ``+``, ``*`` and ``sqrt`` (Lemma B2). ``A``
    has finite entries of magnitude at most ``2^200`` (checked by the caller).

    >>> column_norms_upper(np.array([[3.0, 0.0], [4.0, 1.0]])) >= [5.0, 1.0]
    array([ True,  True])
    """
    squares, m = column_norms2_upper(A)  # finite: entries at most 2^200
    return column_norms_from_squares(squares, m)


def column_norms_from_squares(squares: np.ndarray, m: int) -> np.ndarray:
    """:func:`column_norms_upper` from the float sums of squares ``squares`` (each an (E1) evaluation over the ``m``
    entries of its column)."""
    return _up(np.sqrt(_up(_up(squares + _tiny(m)) * _constants(m)[1])))


@dataclass(frozen=True)
class GapBound:
    """Rigorous (under (E1)) bounds at a primal point ``x`` and a dual point ``dual / dual_scale``:
    ``objective_upper >= F(x)``, ``dual_lower <= <y, dual>/dual_scale <= min F``,
    ``gap = objective_upper - dual_lower``.
    """

    objective_upper: Fraction
    dual_lower: Fraction
    dual_scale: Fraction
    dual: np.ndarray = field(repr=False)

    @property
    def gap(self) -> Fraction:
        return self.objective_upper - self.dual_lower


def objective_upper(A, y, lam: float, w, x) -> tuple[Fraction, float, np.ndarray]:
    """``(U, F^, r^)``: ``U >= F(x)`` (the exact value of a float), the float64 value ``F^`` and residual
    ``r^ = fl(A_S x_S - y)`` over the support ``S`` of ``x`` (the same exact sum as ``Ax - y``, with ``k = |S| + 1``
    terms): ``|r^_i - r_i| <= gamma_k c_i + |S| 2^-1074`` with ``c = |A_S||x_S| + |y|`` (Lemma 1)."""
    m = A.shape[0]
    check_range(y, w, x)
    S = np.flatnonzero(x)
    AS, xs = A[:, S], x[S]
    ax = np.abs(xs)
    p = len(S)
    with np.errstate(over="ignore", invalid="ignore"):
        r = AS @ xs - y
        c = np.abs(AS) @ ax + np.abs(y)
        rr, cc, l1 = float(r @ r), float(c @ c), float(w[S] @ ax)
    a = _constants(p + 1)[2]  # e_i <= a c^_i + b  with  c_i <= (c^_i + p eta)/(1 - gamma_k)
    b = _residual_floor(p)
    r_norm = _sqrt_up(_sum_up(rr, m, m))
    c_norm = _sqrt_up(_sum_up(cc, m, m))
    e_norm = _up(_up(a * c_norm) + _up(b * _sqrt_up(float(m))))
    upper = _up(_up(_up(lam * _sum_up(l1, p, p)) + r_norm) + e_norm)
    return Fraction(float(upper)), lam * l1 + math.sqrt(rr), r


def observed_dual(y, lam_w, u, g) -> float:
    """The float64 value of ``<y, u>/s`` with ``g = fl(A^T u)`` (observed, for choosing between dual points)."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return float(y @ u) / max(1.0, math.sqrt(float(u @ u)), float(np.max(np.abs(g) / lam_w)))


def dual_lower(col_up, y, lam_w, lam_w_down, u, g) -> tuple[Fraction, Fraction, float]:
    """``(D, s, D^)`` with ``u/s`` dual feasible, ``D <= <y, u>/s`` (``D = 0`` when no positive bound is proven; both
    exact values of floats) and ``D^`` the float64 value of ``<y, u>/s``; ``g`` is ``A.T @ u`` as numpy computes it
    (``m`` terms each) and ``col_up`` proven upper bounds on the column norms (:func:`column_norms_upper`)."""
    m = len(y)
    check_range(y, u)
    with np.errstate(over="ignore", invalid="ignore"):  # no overflow by the range check; ratios may be inf
        yu, ayu, uu = float(y @ u), float(np.abs(y) @ np.abs(u)), float(u @ u)
    gamma_m = _constants(m)[0]
    u_norm = _sqrt_up(_sum_up(uu, m, m))
    # |g_i - g^_i| <= gamma_m sum_j |A_ji||u_j| + m eta <= gamma_m C_i ||u|| + m eta (Cauchy-Schwarz)
    af, bf = float(_up(gamma_m * u_norm)), _tiny(m)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = _up(_up(_up(np.abs(g) + _up(af * col_up)) + bf) / lam_w_down)
    top = float(np.max(ratio))
    observed = observed_dual(y, lam_w, u, g)
    if not math.isfinite(top):
        return Fraction(0), Fraction(1), observed
    scale = max(1.0, u_norm, top)
    # <y, u> >= fl(y.u) - gamma_m sum|y_i u_i| - m eta (Lemma 1), each step rounded down
    inner = float(_dn(_dn(yu - float(_up(gamma_m * _sum_up(ayu, m, m)))) - bf))
    lower = float(_dn(inner / scale)) if inner > 0 else 0.0
    return Fraction(max(lower, 0.0)), Fraction(scale), observed


def bound_pair(A, col_up, y, lam, w, x, duals, residual_dual=False) -> tuple[GapBound, float]:
    """The rigorous gap at ``x`` with the best (by float64 value) of the dual candidates (and ``(y - Ax)/||y - Ax||``
    if asked), and its floor: the bound minus the float64 gap at the same points (the rounding allowance)."""
    lam_w = lam * w
    with np.errstate(under="ignore"):
        lam_w_down = np.nextafter(lam_w, 0.0)
    F_up, F_obs, r = objective_upper(A, y, lam, w, x)
    candidates = [np.asarray(u, dtype=float) for u in duals]
    if residual_dual:
        nr = math.sqrt(float(r @ r))
        if nr > 0:
            candidates.append(-r / nr)  # r = Ax - y
    scored = [(u, A.T @ u) for u in candidates]
    u, g = max(scored, key=lambda ug: observed_dual(y, lam_w, *ug)) if len(scored) > 1 else scored[0]
    D, scale, D_obs = dual_lower(col_up, y, lam_w, lam_w_down, u, g)
    best = GapBound(F_up, D, scale, np.array(u))
    return best, float(best.gap) - (F_obs - D_obs)
