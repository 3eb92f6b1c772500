"""FIRENET as a solver: restarted Chambolle–Pock for square-root LASSO that converges on noisy data, and stops on a
duality gap bounded rigorously (``proofs_notes/firenet_solver.md``).

Problem, for a dense real ``A`` (``m x N``), ``y``, ``lam > 0`` and weights ``w > 0`` (all float64, read exactly):

    F(x) = lam ||x||_{1,w} + ||Ax - y||_2,     dual: max <y, u>  s.t.  ||u||_2 <= 1,  |(A^T u)_i| <= lam w_i.

FIRENET (:mod:`smale18.verify.nets.firenet`, the network Theorem 2 is about) restarts the dual at 0 in every block
and outputs the block's ergodic mean, on a fixed scale schedule; on noisy data with a fixed ``p`` its error stalls
(``firenet.md``, "Stalling"). The variant keeps the restarted primal–dual structure and changes four things:

1. the dual is **warm-started**: ``(x, z)`` is carried from block to block (no reset of ``z`` to 0);
2. the iterate is the **last** one of the over-relaxed Chambolle–Pock step ``v <- v + rho (T v - v)``,
   ``rho in (0, 2)`` — FIRENET's step ``T`` with the scale ``alpha`` of its blocks fixed to the primal weight ``omega``
   (``tau = eta/omega``, ``sigma = eta omega``, ``eta = (1 - 2^-20)/L_A``, ``L_A >= ||A||_2`` proven);
3. **adaptive restarts** on the duality gap: every ``window`` steps the gap is observed at the last iterate and at an
   extrapolation of the block's iterates (regularised nonlinear acceleration, a combination of the block's iterates
   with weights summing to 1 that minimises the combined step length); the better of the two becomes the new start
   only if its gap is at most ``restart_factor`` times the gap at the previous restart;
4. a **stopping rule from the duality gap**: when the observed gap meets the tolerance, the gap is recomputed with
   fresh products and an a-priori rounding bound (below); the run stops only when that bound meets it.

Guarantee (``firenet_solver.md``): in exact arithmetic the run stops for every ``tol > 0`` (Theorem A: the gap at
the restart points tends to 0, with or without infinitely many restarts). Whatever happened during the run,
``FirenetSolution.gap_bound >= F(x) - min F`` for the returned ``x``, *proven under the float64 error model (E1) of
``float_enclosure.md``* (IEEE binary64, round to nearest, BLAS sums in any order with or without FMA): every product
is a float64 ``A @ v`` whose error is bounded by ``|A| @ |v|`` (``float_enclosure.md`` Lemma 1), and every other
step is rounded upwards or done in exact rationals. :meth:`FirenetSolution.certify` re-checks the same primal and
dual points in exact/ball arithmetic (:class:`smale18.oracle.SqrtLasso`), independently of float64: that check is the
*certified* one. No a-priori iteration count is claimed: that was FIRENET's, under the rNSPL hypotheses of Theorem 2.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from smale18.oracle import Smale18Error, _arb
from smale18.oracle._errors import short_repr
from smale18.oracle._prox import soft_threshold

from ..balls import operator_norm_upper
from ._checks import MAX_NORM_SIDE, exact_float64_array, exact_rational, norm_bound_is_proven

__all__ = ["FirenetSolver", "FirenetSolution", "GapBound", "firenet_solver"]

#: ``u = 2^-53`` and the subnormal spacing ``2^-1074`` of IEEE binary64
_U = Fraction(1, 2**53)
_ETA = Fraction(1, 2**1074)
#: entries of A, x, y, the dual point and the weights above this are refused by the gap bound: with ``max(m, N) <=
#: 2^40`` every exact sum and square it forms then stays below ``2^1000``, far from overflow
_ENTRY_LIMIT = 2.0**200
MAX_ITER = 10_000_000
MAX_WINDOW = 100
#: ``L_A`` sources of a :class:`~smale18.verify.nets.Firenet` proven for its own float64 matrix
_PROVEN_SOURCES = ("derived", "checked")


@functools.lru_cache(maxsize=64)
def _gamma(n: int) -> Fraction:
    return n * _U / (1 - n * _U)


def _float_up(f: Fraction) -> float:
    """The smallest float64 ``>= f`` (``f`` finite, in range)."""
    v = float(f)
    return v if Fraction(v) >= f else float(np.nextafter(v, np.inf))


def _up(v):
    """One float64 step up: ``>=`` the exact result of the operation that rounded to nearest and gave ``v``."""
    return np.nextafter(v, np.inf)


def _sum_upper(computed: float, n: int, p: int) -> Fraction:
    """Upper bound on an exact sum ``s`` of ``n`` non-negative terms (``p`` of them products of floats), given any
    float64 evaluation ``computed`` within (E1): ``|computed - s| <= gamma_n s + p 2^-1074`` (Lemma 1)."""
    return (Fraction(float(computed)) + p * _ETA) / (1 - _gamma(n))


def _check_range(*arrays) -> None:
    """Refuse entries above ``2^200``: with ``max(m, N) <= 2^40`` this is the premise ``B <= realmax`` of Lemma 1 for
    every sum the bound forms (``A`` is checked once, when the solver is built)."""
    for v in arrays:
        if v.size and not float(np.max(np.abs(v))) <= _ENTRY_LIMIT:  # also catches NaN
            raise Smale18Error("an entry of y, x, the dual point or the weights is beyond 2^200 (or not finite); "
                               "rescale the problem for the duality-gap bound")


@dataclass(frozen=True)
class GapBound:
    """Rigorous (under (E1)) bounds at a primal point ``x`` and a dual point ``dual / dual_scale``:
    ``objective_upper >= F(x)``, ``dual_lower <= <y, dual>/dual_scale <= min F``, ``gap = objective_upper - dual_lower``.
    """

    objective_upper: Fraction
    dual_lower: Fraction
    dual_scale: Fraction
    dual: np.ndarray = field(repr=False)

    @property
    def gap(self) -> Fraction:
        return self.objective_upper - self.dual_lower


def _objective_upper(A, absA, y, lam: Fraction, w, x) -> tuple[Fraction, float, np.ndarray]:
    """``(U, F^, r^)``: ``U >= F(x)``, the float64 value ``F^`` and residual ``r^``. ``r^ = fl(A x - y)``,
    ``|r^ - r| <= gamma_{N+1} c + N 2^-1074`` with ``c = |A||x| + |y|`` (Lemma 1)."""
    m, N = A.shape
    _check_range(y, w, x)
    ax = np.abs(x)
    with np.errstate(over="ignore", invalid="ignore"):
        r = A @ x - y
        c = absA @ ax + np.abs(y)
        rr, cc, l1 = float(r @ r), float(c @ c), float(w @ ax)
    a = _gamma(N + 1) / (1 - _gamma(N + 1))  # e_i <= a c^_i + b  with  c_i <= (c^_i + N eta)/(1 - gamma_{N+1})
    b = N * _ETA * (1 + a)
    r_norm = _arb.sqrt_bounds(Fraction(0), _sum_upper(rr, m, m))[1]
    c_norm = _arb.sqrt_bounds(Fraction(0), _sum_upper(cc, m, m))[1]
    e_norm = a * c_norm + b * _arb.sqrt_bounds(Fraction(0), Fraction(m))[1]
    return lam * _sum_upper(l1, N, N) + r_norm + e_norm, float(lam) * l1 + math.sqrt(rr), r


def _observed_dual(y, lam_w, u, g) -> float:
    """The float64 value of ``<y, u>/s`` with ``g = fl(A^T u)`` (observed, for choosing between dual points)."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return float(y @ u) / max(1.0, math.sqrt(float(u @ u)), float(np.max(np.abs(g) / lam_w)))


def _dual_lower(A, absA, y, lam_w, lam_w_down, u, g) -> tuple[Fraction, Fraction, float]:
    """``(D, s, D^)`` with ``u/s`` dual feasible, ``D <= <y, u>/s`` (``D = 0`` when no positive bound is proven) and
    ``D^`` the float64 value of ``<y, u>/s``; ``g`` is ``A.T @ u`` as numpy computes it."""
    m, N = A.shape
    _check_range(y, u)
    with np.errstate(over="ignore", invalid="ignore"):  # no overflow by the range check; ratios may be inf
        h = absA.T @ np.abs(u)
        yu, ayu, uu = float(y @ u), float(np.abs(y) @ np.abs(u)), float(u @ u)
    a = _gamma(m) / (1 - _gamma(m))
    b = m * _ETA * (1 + a)
    # |g_i| <= |g^_i| + a h^_i + b, divided by a lower bound of lam w_i; every float step rounded upwards
    af, bf = _float_up(a), _float_up(b)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = _up(_up(_up(np.abs(g) + _up(af * h)) + bf) / lam_w_down)
    top = float(np.max(ratio))
    observed = _observed_dual(y, lam_w, u, g)
    if not math.isfinite(top):
        return Fraction(0), Fraction(1), observed
    scale = max(Fraction(1), _arb.sqrt_bounds(Fraction(0), _sum_upper(uu, m, m))[1], Fraction(top))
    inner = Fraction(yu) - _gamma(m) * _sum_upper(ayu, m, m) - m * _ETA
    return (inner / scale if inner > 0 else Fraction(0)), scale, observed


def _bound_pair(solver, y, x, duals, lam_w_down, lam_q, residual_dual=False):
    """The rigorous gap at ``x`` with the best (by float64 value) of the dual candidates (and ``(y - Ax)/||y - Ax||``
    if asked), and its floor: the bound minus the float64 gap at the same points (the rounding allowance)."""
    A, absA, w = solver.A, solver._absA, solver.weights
    lam_w = solver.lam * w
    F_up, F_obs, r = _objective_upper(A, absA, y, lam_q, w, x)
    candidates = [np.asarray(u, dtype=float) for u in duals]
    if residual_dual:
        nr = math.sqrt(float(r @ r))
        if nr > 0:
            candidates.append(-r / nr)  # r = Ax - y
    scored = [(u, A.T @ u) for u in candidates]
    u, g = max(scored, key=lambda ug: _observed_dual(y, lam_w, *ug)) if len(scored) > 1 else scored[0]
    D, scale, D_obs = _dual_lower(A, absA, y, lam_w, lam_w_down, u, g)
    best = GapBound(F_up, D, scale, np.array(u))
    return best, float(best.gap) - (F_obs - D_obs)


@dataclass(frozen=True, eq=False)
class FirenetSolution:
    """The output of :meth:`FirenetSolver.solve`.

    ``x`` (float64) and the dual point ``dual`` (``dual / dual_scale`` is dual feasible) with
    ``objective_upper >= F(x)`` and ``dual_lower <= min F``, so ``gap_bound = objective_upper - dual_lower >=
    F(x) - min F``: proven under the float64 error model (E1) (module docstring), not certified;
    :meth:`certify` is the independent check in exact/ball arithmetic. ``reached`` says whether ``gap_bound <=
    max(atol, tol * dual_lower)`` (then ``(F(x) - min F)/min F <= tol`` when ``atol = 0``); ``reason`` why the run
    stopped. ``history`` holds ``(iteration, observed gap)`` at every check (observed, float64).
    """

    x: np.ndarray
    dual: np.ndarray
    dual_scale: Fraction
    objective_upper: Fraction
    dual_lower: Fraction
    reached: bool
    reason: str
    tol: float
    atol: float
    iterations: int
    restarts: int
    extrapolations: int
    matvecs: int
    primal_weight: float
    tau: float
    sigma: float
    lam: float
    L_A: Fraction
    L_A_source: str
    history: tuple = field(repr=False, default=())
    _problem: tuple = field(repr=False, default=None)

    @property
    def gap_bound(self) -> Fraction:
        return self.objective_upper - self.dual_lower

    @property
    def relative_gap_bound(self) -> float:
        """``gap_bound / dual_lower`` rounded up to a float (``inf`` when ``dual_lower <= 0``): a bound on
        ``(F(x) - min F)/min F``."""
        return _float_up(self.gap_bound / self.dual_lower) if self.dual_lower > 0 else math.inf

    def certify(self, tol=None, prec_bits: int = 128):
        """The independent check: :meth:`smale18.oracle.SqrtLasso.certify_minimiser` of ``x`` with this dual point,
        on the exact problem (the float64 ``A, y, lam, w`` read exactly), in exact or ball arithmetic; default ``tol``
        the float gap bound. Returns its :class:`~smale18.oracle.MinimiserCheck` (CERTIFIED proves
        ``F(x) - min F <= tol``). Cost: exact rationals for every entry of ``A`` (4-6 s at 512 x 2048 on the 2-core
        machine: ``SqrtLasso`` construction plus check, timed by ``benchmarks/sqrt_lasso_solvers.py``)."""
        from smale18.oracle import SqrtLasso

        A, y, w = self._problem
        problem = SqrtLasso(A, y, self.lam, weights=w)
        return problem.certify_minimiser(self.x, tol=self.gap_bound if tol is None else tol, dual=self.dual,
                                         reference=self.x, prec_bits=prec_bits)


@dataclass(frozen=True, eq=False)
class FirenetSolver:
    """Restarted, warm-started Chambolle–Pock for square-root LASSO with one dense real ``A``; see the module
    docstring. Built once per matrix by :func:`firenet_solver` (which proves ``L_A >= ||A||_2``); ``solve(y)`` per
    data vector."""

    A: np.ndarray = field(repr=False)
    lam: float
    weights: np.ndarray = field(repr=False)
    L_A: Fraction
    L_A_source: str
    relaxation: float = 1.9
    window: int = 10
    restart_factor: float = 0.5
    _absA: np.ndarray = field(repr=False, default=None)

    def __post_init__(self):  # a solver made directly (not by firenet_solver): its L_A is the caller's hypothesis
        if self._absA is None:
            object.__setattr__(self, "_absA", np.abs(_matrix(self.A)))

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    @classmethod
    def from_firenet(cls, net, **options) -> "FirenetSolver":
        """The solver for a FIRENET's ``A``, ``lam``, weights and proven ``L_A`` (no second norm computation).
        Only a dense real float64 ``A`` whose ``L_A`` was proven for that matrix (``L_A_source`` "derived" or
        "checked") is accepted."""
        from .firenet import Firenet

        if not isinstance(net, Firenet):
            raise Smale18Error(f"net={short_repr(net)} must be a Firenet (smale18.verify.nets.firenet)")
        if not isinstance(net.A, np.ndarray) or net.A.dtype.kind == "c":
            raise Smale18Error("from_firenet needs a FIRENET of a dense real matrix")
        if net.L_A_source not in _PROVEN_SOURCES:
            raise Smale18Error(f"the FIRENET's L_A has source {net.L_A_source!r}, not proven for its float64 matrix; "
                               "build the solver with firenet_solver(A, lam)")
        A = exact_float64_array(np.asarray(net.A), "A")
        return _build(A, net.lam, net.weights, net.L_A, net.L_A_source, **options)

    def gap_bound(self, y, x, dual) -> GapBound:
        """Rigorous (under (E1)) bounds for any float64 primal point ``x`` and dual point ``dual`` (scaled to
        feasibility): ``objective_upper >= F(x)``, ``dual_lower <= min F``; ``.gap >= F(x) - min F``.

        >>> S = firenet_solver(np.array([[1.0, 0.0], [0.0, 2.0]]), lam=0.5)
        >>> b = S.gap_bound([1.0, 1.0], [1.0, 0.5], [0.5, 0.25])   # the exact minimiser and dual point
        >>> 0 <= b.gap < 1e-14
        True
        """
        m, N = self.A.shape
        y = _vector(y, m, "y")
        x = _vector(x, N, "x")
        u = _vector(dual, m, "dual")
        with np.errstate(under="ignore"):
            lam_w_down = np.nextafter(self.lam * self.weights, 0.0)
        return _bound_pair(self, y, x, [u], lam_w_down, Fraction(self.lam))[0]

    def solve(self, y, tol: float = 1e-8, atol: float = 0.0, max_iter: int = 100_000, primal_weight=None,
              callback=None) -> FirenetSolution:
        """Run until the gap bound is ``<= max(atol, tol * dual_lower)`` or ``max_iter`` steps (each one ``A`` and
        one ``A^T`` product). ``primal_weight`` is ``omega`` (default ``L_A/||y||``, the scale of ``||z||/||x||`` at a
        solution); ``callback(iteration, x, observed_gap)``, if given, is called at every check (``x`` is a view:
        copy it to keep it). ``tol = atol = 0`` runs exactly ``max_iter`` steps."""
        A, w = self.A, self.weights
        m, N = A.shape
        y = _vector(y, m, "y")
        tol = _nonnegative(tol, "tol")
        atol = _nonnegative(atol, "atol")
        if isinstance(max_iter, (bool, np.bool_)) or not isinstance(max_iter, (int, np.integer)) \
                or not 1 <= max_iter <= MAX_ITER:
            raise Smale18Error(f"max_iter={short_repr(max_iter)} must be an integer in [1, {MAX_ITER}]")
        if callback is not None and not callable(callback):
            raise Smale18Error(f"callback={short_repr(callback)} must be callable")
        lam_q = Fraction(self.lam)
        y_norm = float(np.linalg.norm(y))
        omega = float(self.L_A) / y_norm if primal_weight is None and y_norm > 0 else primal_weight
        omega = 1.0 if omega is None else _positive(omega, "primal_weight")
        tau, sigma = _steps(self.L_A, omega)
        with np.errstate(under="ignore"):
            lam_w_down = np.nextafter(self.lam * w, 0.0)
        state = _Run(self, y, tau, sigma, omega)
        if y_norm == 0:  # min F = 0 = F(0), attained at x = 0
            zero = GapBound(Fraction(0), Fraction(0), Fraction(1), np.zeros(m))
            return state.solution(np.zeros(N), zero, True, "y = 0: x = 0 is the minimiser", tol, atol, 0, ())
        rho, K, beta = self.relaxation, self.window, self.restart_factor
        x, z = np.zeros(N), np.zeros(m)
        Ax, Atz = np.zeros(m), np.zeros(N)
        t_lam = tau * self.lam * w
        win = _Window(K, N, m)
        win.start(x, z, Ax, Atz)
        g_restart = None
        best_bound = None
        retry_below = math.inf  # after a bound that failed the tolerance, wait for the observed gap to halve
        history = []
        it = 0
        reason = f"max_iter={max_iter} steps"
        while it < max_iter:
            x_new = soft_threshold(x - tau * Atz, t_lam)
            Ax_new = A @ x_new
            v = z + sigma * (2 * Ax_new - Ax - y)
            nv = math.sqrt(float(v @ v))
            z_new = v / nv if nv > 1 else v
            Atz_new = A.T @ z_new
            if rho != 1.0:
                x_new = x + rho * (x_new - x)
                Ax_new = Ax + rho * (Ax_new - Ax)
                z_new = z + rho * (z_new - z)
                Atz_new = Atz + rho * (Atz_new - Atz)
            x, z, Ax, Atz = x_new, z_new, Ax_new, Atz_new
            it += 1
            win.append(x, z, Ax, Atz)
            if win.steps < K and it < max_iter:
                continue
            # a check: the observed gap at the last iterate and at the block's extrapolation
            g_last, d_last = state.observed_gap(x, z, Ax, Atz)
            best = (g_last, d_last, x, z, Ax, Atz)
            extrapolated = win.extrapolate(omega)
            if extrapolated is not None:
                g_e, d_e = state.observed_gap(*extrapolated)
                if g_e < g_last:
                    best = (g_e, d_e, *extrapolated)
            g_best, d_best = best[0], best[1]
            history.append((it, g_best))
            if callback is not None:
                callback(it, best[2], g_best)
            if g_restart is None or g_best <= beta * g_restart:
                if best[2] is not x:
                    state.extrapolations += 1
                x, z, Ax, Atz = best[2:]
                state.restarts += g_restart is not None
                g_restart = g_best
            win.start(x, z, Ax, Atz)
            target = max(atol, tol * d_best)
            if (tol or atol) and g_best <= target and g_best < retry_below or it >= max_iter:
                x_b, gb, floor = state.bound(best[2], best[3], lam_w_down, lam_q)
                if best_bound is None or gb.gap < best_bound[1].gap:
                    best_bound = (x_b, gb)
                goal = max(Fraction(atol), Fraction(tol) * gb.dual_lower)
                if gb.gap <= goal and (tol or atol):
                    reason = "the gap bound met the tolerance"
                    break
                if goal > 0 and floor > float(goal) / 2:
                    reason = (f"the tolerance is below what the float64 bound can prove here (rounding allowance "
                              f"{floor:.1e}); certify() checks in ball arithmetic")
                    break
                retry_below = g_best / 2
        x_out, gb = best_bound
        reached = gb.gap <= max(Fraction(atol), Fraction(tol) * gb.dual_lower)
        return state.solution(x_out, gb, reached, reason, tol, atol, it, tuple(history))


class _Window:
    """The iterates ``v_0 .. v_j`` of the current block (``x, z`` and their products ``Ax, A^T z``), row by row."""

    def __init__(self, K, N, m):
        self.rows = [np.empty((K + 1, n)) for n in (N, m, m, N)]
        self.steps = 0

    def start(self, *v):
        for row, part in zip(self.rows, v):
            row[0] = part
        self.steps = 0

    def append(self, *v):
        self.steps += 1
        for row, part in zip(self.rows, v):
            row[self.steps] = part

    def extrapolate(self, omega):
        """Regularised nonlinear acceleration (Scieur, d'Aspremont, Bach 2016) of the block: ``sum_i c_i v_i`` over
        ``i >= 1`` with ``sum c_i = 1`` minimising ``||sum_i c_i (v_i - v_{i-1})||`` in the norm
        ``omega ||dx||^2 + ||dz||^2/omega`` (Tikhonov ``1e-10``); the products are the same combination, and ``z`` is
        scaled back into the unit ball if it left it. None if degenerate."""
        X, Z, AX, ATZ = (row[: self.steps + 1] for row in self.rows)
        DX, DZ = np.diff(X, axis=0), np.diff(Z, axis=0)
        G = omega * (DX @ DX.T) + (DZ @ DZ.T) / omega
        gn = float(np.linalg.norm(G))
        if not (gn > 0 and math.isfinite(gn)):
            return None
        try:
            c = np.linalg.solve(G / gn + 1e-10 * np.eye(len(G)), np.ones(len(G)))
        except np.linalg.LinAlgError:
            return None
        total = float(c.sum())
        if not (math.isfinite(total) and total != 0):
            return None
        c = c / total
        x, z, Ax, Atz = c @ X[1:], c @ Z[1:], c @ AX[1:], c @ ATZ[1:]
        nz = math.sqrt(float(z @ z))
        if nz > 1:
            z, Atz = z / nz, Atz / nz
        return x, z, Ax, Atz


class _Run:
    """The per-solve helpers and counters (observed gaps, extrapolation, the rigorous bound)."""

    def __init__(self, solver: FirenetSolver, y, tau, sigma, omega):
        self.solver, self.y, self.tau, self.sigma, self.omega = solver, y, tau, sigma, omega
        self.restarts = self.extrapolations = self.extra_matvecs = 0
        self.lam_w = solver.lam * solver.weights

    def observed_gap(self, x, z, Ax, Atz) -> tuple[float, float]:
        """Float64 ``(F(x) - D(-z/s), D(-z/s))`` from the running products (observed, not bounded)."""
        s = self.solver
        F = s.lam * float(s.weights @ np.abs(x)) + math.sqrt(float((Ax - self.y) @ (Ax - self.y)))
        scale = max(1.0, math.sqrt(float(z @ z)), float(np.max(np.abs(Atz) / self.lam_w)))
        D = -float(self.y @ z) / scale
        return F - D, D

    def bound(self, x, z, lam_w_down, lam_q):
        """``(x, GapBound, floor)``: the better (larger dual bound) of the dual points ``-z`` and
        ``(y - Ax)/||y - Ax||``, bounded rigorously; ``floor`` is the part of the bound that is rounding allowance
        (bound minus the float64 gap at the same points)."""
        s = self.solver
        x = np.array(x)
        gb, floor = _bound_pair(s, self.y, x, [-z], lam_w_down, lam_q, residual_dual=True)
        self.extra_matvecs += 5
        return x, gb, floor

    def solution(self, x, gb: GapBound, reached, reason, tol, atol, iterations, history) -> FirenetSolution:
        s = self.solver
        return FirenetSolution(
            x=x, dual=gb.dual, dual_scale=gb.dual_scale, objective_upper=gb.objective_upper,
            dual_lower=gb.dual_lower, reached=bool(reached), reason=reason, tol=tol, atol=atol,
            iterations=iterations, restarts=self.restarts, extrapolations=self.extrapolations,
            matvecs=2 * iterations + self.extra_matvecs, primal_weight=self.omega, tau=self.tau, sigma=self.sigma,
            lam=s.lam, L_A=s.L_A, L_A_source=s.L_A_source, history=history, _problem=(s.A, self.y, s.weights))


def firenet_solver(A, lam, weights=None, L_A=None, relaxation: float = 1.9, window: int = 10,
                   restart_factor: float = 0.5) -> FirenetSolver:
    """Build the converging FIRENET variant for square-root LASSO with a dense real ``A``; see the module docstring.

    ``A``, ``lam``, ``weights`` are float64 numbers read exactly (``lam`` and the weights must *be* float64 values:
    the problem solved and bounded is exactly the one given). ``L_A >= ||A||_2``: derived by
    :func:`smale18.verify.balls.operator_norm_upper` (``method="float"``: float64 with proven rounding bounds, falling
    back to ball arithmetic) when omitted, or given and then proven as :func:`~smale18.verify.nets.firenet` proves a
    given bound, else refused. ``relaxation`` ``rho in (0, 2)``, ``window`` steps between checks
    (2..100), ``restart_factor`` ``beta in (0, 1)``.

    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((20, 40)) / np.sqrt(20)
    >>> x0 = np.zeros(40); x0[:3] = [1.0, -2.0, 1.5]
    >>> y = A @ x0 + 0.01 * rng.standard_normal(20)
    >>> sol = firenet_solver(A, lam=0.3).solve(y, tol=1e-10)
    >>> sol.reached, sol.relative_gap_bound <= 1e-10
    (True, True)
    >>> firenet_solver(A, lam=0.3, relaxation=2.0)
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: relaxation=2.0 must be a number in (0, 2)
    """
    A = _matrix(A)
    lam = _float64_value(lam, "lam")
    w = _weights(weights, A.shape[1])
    _options(relaxation, window, restart_factor)
    if L_A is None:
        L, source = operator_norm_upper(A, method="float"), "derived"
    else:
        L = exact_rational(L_A, "L_A")
        if L <= 0:
            raise Smale18Error(f"L_A={short_repr(L_A)} must be positive")
        if min(A.shape) > MAX_NORM_SIDE:
            raise Smale18Error(f"A has shape {A.shape}: a given L_A is checked only for min(m, N) <= {MAX_NORM_SIDE}; "
                               "omit L_A to derive one")
        if not norm_bound_is_proven(A, L):
            raise Smale18Error(f"L_A={short_repr(L_A)} is not proven to be >= ||A||_2; omit L_A to derive a bound")
        source = "checked"
    return _build(A, lam, w, L, source, relaxation=relaxation, window=window, restart_factor=restart_factor)


def _build(A, lam, w, L, source, relaxation=1.9, window=10, restart_factor=0.5) -> FirenetSolver:
    lam = _float64_value(lam, "lam")
    w = _weights(w, A.shape[1])
    relaxation, window, restart_factor = _options(relaxation, window, restart_factor)
    if L <= 0:
        raise Smale18Error("A is zero; the solver needs a non-zero matrix")
    if float(np.max(np.abs(A))) > _ENTRY_LIMIT or max(A.shape) > 2**40:
        raise Smale18Error("A has an entry beyond 2^200 (or a side beyond 2^40); rescale it for the duality-gap bound")
    return FirenetSolver(A, lam, w, L, source, relaxation, window, restart_factor, np.abs(A))


def _steps(L: Fraction, omega: float) -> tuple[float, float]:
    """``tau = eta/omega``, ``sigma = eta omega`` with ``tau sigma L^2 < 1`` checked in exact rationals."""
    eta = float((1 - Fraction(1, 2**20)) / L)
    tau, sigma = eta / omega, eta * omega
    if not (math.isfinite(tau) and math.isfinite(sigma) and tau > 0 and sigma > 0):
        raise Smale18Error(f"primal_weight={omega!r} gives step sizes outside the float64 range")
    if Fraction(tau) * Fraction(sigma) * L * L >= 1:  # rounding of eta/omega and eta*omega is far below 2^-20
        raise Smale18Error(f"tau*sigma*L_A^2 >= 1 for primal_weight={omega!r}")
    return tau, sigma


def _matrix(A) -> np.ndarray:
    if not isinstance(A, np.ndarray):
        raise Smale18Error(f"A must be a dense real numpy array (m x N), got {type(A).__name__}; for a linear "
                           "operator use smale18.verify.nets.firenet")
    if A.ndim != 2 or 0 in A.shape:
        raise Smale18Error(f"A must be a non-empty 2-D array, got shape {A.shape}")
    if A.dtype.kind == "c":
        raise Smale18Error("A is complex; the solver takes a real matrix")
    if A.dtype.kind not in "iuf":
        raise Smale18Error(f"A has dtype {A.dtype}; pass a real float or integer array")
    return np.ascontiguousarray(exact_float64_array(A, "A"))


def _vector(v, n: int, name: str) -> np.ndarray:
    try:
        raw = np.asarray(v)
    except (TypeError, ValueError):
        raise Smale18Error(f"{name} must be a real vector of length {n}") from None
    if raw.shape != (n,) or raw.dtype.kind not in "iuf":
        raise Smale18Error(f"{name} must be a real vector of length {n}, got shape {raw.shape} and dtype {raw.dtype}")
    return exact_float64_array(raw, name)


def _weights(weights, N: int) -> np.ndarray:
    if weights is None:
        return np.ones(N)
    w = _vector(weights, N, "weights")
    if np.any(w <= 0):
        raise Smale18Error(f"weights must be {N} positive finite numbers")
    return w


def _positive(v, name: str) -> float:
    bad = Smale18Error(f"{name}={short_repr(v)} must be a positive finite number")
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise bad
    try:
        f = float(v)
    except OverflowError:
        raise bad from None
    if not (math.isfinite(f) and f > 0):
        raise bad
    return f


def _nonnegative(v, name: str) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)) \
            or not (math.isfinite(float(v)) and float(v) >= 0):
        raise Smale18Error(f"{name}={short_repr(v)} must be a non-negative finite number")
    return float(v)


def _float64_value(v, name: str) -> float:
    """A positive float64 number, given as one exactly (an int, float or Fraction equal to its float64 value)."""
    if isinstance(v, Fraction):
        f = float(v)
        if Fraction(f) != v or not f > 0:
            raise Smale18Error(f"{name}={short_repr(v)} must be a positive float64 number (read exactly); "
                               f"pass float({name}) to solve the problem with that value")
        return f
    f = _positive(v, name)
    if isinstance(v, (int, np.integer)) and Fraction(f) != int(v):
        raise Smale18Error(f"{name}={short_repr(v)} is not a float64 number exactly")
    return f


def _options(relaxation, window, restart_factor) -> tuple[float, int, float]:
    if isinstance(relaxation, (bool, np.bool_)) or not isinstance(relaxation, (int, float, np.integer, np.floating)) \
            or not 0 < float(relaxation) < 2:
        raise Smale18Error(f"relaxation={short_repr(relaxation)} must be a number in (0, 2)")
    if isinstance(window, (bool, np.bool_)) or not isinstance(window, (int, np.integer)) \
            or not 2 <= window <= MAX_WINDOW:
        raise Smale18Error(f"window={short_repr(window)} must be an integer in [2, {MAX_WINDOW}]")
    if isinstance(restart_factor, (bool, np.bool_)) \
            or not isinstance(restart_factor, (int, float, np.integer, np.floating)) \
            or not 0 < float(restart_factor) < 1:
        raise Smale18Error(f"restart_factor={short_repr(restart_factor)} must be a number in (0, 1)")
    return float(relaxation), int(window), float(restart_factor)
