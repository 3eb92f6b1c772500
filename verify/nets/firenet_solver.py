"""FIRENET as a solver: restarted Chambolle–Pock for square-root LASSO that converges on noisy data, needs no norm of
``A``, and stops on a duality gap bounded rigorously (``proofs_notes/firenet_solver.md``).

Problem, for a dense real ``A`` (``m x N``), ``y``, ``lam > 0`` and weights ``w > 0`` (all float64, read exactly):

    F(x) = lam ||x||_{1,w} + ||Ax - y||_2,     dual: max <y, u>  s.t.  ||u||_2 <= 1,  |(A^T u)_i| <= lam w_i.

FIRENET (:mod:`smale18.verify.nets.firenet`, the network Theorem 2 is about) restarts the dual at 0 in every block
and outputs the block's ergodic mean, on a fixed scale schedule; on noisy data with a fixed ``p`` its error stalls
(``firenet.md``, "Stalling"). The variant keeps the restarted primal–dual structure and changes five things:

1. the dual is **warm-started**: ``(x, z)`` is carried from block to block (no reset of ``z`` to 0);
2. the iterate is the **last** one of the over-relaxed Chambolle–Pock step ``v <- v + rho (T v - v)``,
   ``rho in (0, 2)`` — FIRENET's step ``T`` with the scale ``alpha`` of its blocks fixed to the primal weight
   ``omega`` (``tau = eta/omega``, ``sigma = eta omega``);
3. **steps without a norm** (``steps="adaptive"``, default): ``eta`` is accepted for a step only if the step passes
   the local test ``2 |<A dx, dz>| <= (omega ||dx||^2 + ||dz||^2/omega)/eta`` (the Chambolle–Pock metric is positive
   on the step; every ``eta <= 1/||A||`` passes), and adapted after each step (Applegate et al., PDLP, 2021). Only if
   the run stalls (no restart for ``STALL_CHECKS`` checks, or ``MAX_REJECTIONS`` rejected steps in a row) does it
   switch to the **safe step** ``eta = (1 - 2^-20)/L_A`` with ``L_A >= ||A||_2`` proven
   (:func:`smale18.verify.balls.operator_norm_upper`, ``method="float"``, derived then and kept), until the next
   restart. ``steps="fixed"`` always uses the safe step (the norm is then derived when the solver is built);
4. **adaptive restarts** on the duality gap: every ``window`` accepted steps the gap is observed at the last iterate
   and at an extrapolation of the block's iterates (regularised nonlinear acceleration, a combination of the block's
   iterates with weights summing to 1 that minimises the combined step length); the better of the two becomes the new
   start only if its gap is at most ``restart_factor`` times the gap at the previous restart;
5. a **stopping rule from the duality gap**: when the observed gap meets the tolerance, the gap is recomputed with
   fresh products and an a-priori rounding bound (below); the run stops only when that bound meets it.

Guarantee (``firenet_solver.md``): in exact arithmetic the run stops for every ``tol > 0`` (Theorem A: the gap at
the restart points tends to 0; a stall brings the safe step, under which the iteration converges). Whatever happened
during the run, ``FirenetSolution.gap_bound >= F(x) - min F`` for the returned ``x``, *proven under the float64 error
model (E1) of ``float_enclosure.md``* (IEEE binary64, round to nearest, BLAS sums in any order with or without FMA;
Theorem B): every product is a float64 sum whose error is bounded a priori (``float_enclosure.md`` Lemma 1), and every
other step is a float operation followed by one step up or down (``nextafter``). :meth:`FirenetSolution.certify` re-checks the same primal
and dual points in exact/ball arithmetic (:class:`smale18.oracle.SqrtLasso`), independently of float64: that check is
the *certified* one. No a-priori iteration count is claimed: that was FIRENET's, under the rNSPL hypotheses of
Theorem 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._errors import short_repr

from ..balls import operator_norm_upper
from ._checks import MAX_NORM_SIDE, exact_float64_array, exact_rational, norm_bound_is_proven
from .._float_bounds import column_norms2_upper, float_at_least
from ._sqrt_lasso_gap import ENTRY_LIMIT, MAX_SIDE, GapBound, bound_pair, column_norms_from_squares

__all__ = ["FirenetSolver", "FirenetSolution", "GapBound", "firenet_solver"]

MAX_ITER = 10_000_000
MAX_WINDOW = 100
STEPS = ("adaptive", "fixed")
#: adaptive steps: the first ``eta`` is ``ETA_START / c`` and the primal weight ``OMEGA_START c/||y||``, with ``c``
#: the largest column norm of ``A`` (a lower bound on ``||A||_2``); chosen on the benchmark generator's seeds 1-8 at
#: 128 x 512, 256 x 1024 and 512 x 2048 (not the benchmark's seed 0), ``firenet_solver.md`` "Parameters"
ETA_START = 4.0
OMEGA_START = 2.0
#: ``eta`` never grows beyond this factor times its start (keeps ``tau``, ``sigma`` in the float64 range)
ETA_GROWTH_CAP = 2.0**20
#: the safe step is taken after this many checks without a restart, or this many rejected steps in a row
STALL_CHECKS = 20
MAX_REJECTIONS = 20
#: ``L_A`` sources of a :class:`~smale18.verify.nets.Firenet` proven for its own float64 matrix
_PROVEN_SOURCES = ("derived", "checked")


@dataclass(frozen=True, eq=False)
class FirenetSolution:
    """The output of :meth:`FirenetSolver.solve`.

    ``x`` (float64) and the dual point ``dual`` (``dual / dual_scale`` is dual feasible) with
    ``objective_upper >= F(x)`` and ``dual_lower <= min F``, so ``gap_bound = objective_upper - dual_lower >=
    F(x) - min F``: proven under the float64 error model (E1) (module docstring), not certified;
    :meth:`certify` is the independent check in exact/ball arithmetic. ``reached`` says whether ``gap_bound <=
    max(atol, tol * dual_lower)`` (then ``(F(x) - min F)/min F <= tol`` when ``atol = 0``); ``reason`` why the run
    stopped. ``iterations`` counts steps tried (each one ``A`` and one ``A^T`` product), ``rejected`` those the
    adaptive step test refused; ``matvecs`` the full products with ``A`` or ``A^T`` (two per step, two per rigorous
    bound; the bound's products over the support of ``x`` are not counted); ``safe_entries`` how often the safe step
    was taken (then ``L_A`` is the proven norm bound used, else ``None`` with adaptive steps); ``tau``, ``sigma`` are
    the last steps. ``history`` holds ``(iteration, observed gap)`` at every check (observed, float64).
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
    rejected: int
    restarts: int
    extrapolations: int
    safe_entries: int
    matvecs: int
    steps: str
    primal_weight: float
    tau: float
    sigma: float
    lam: float
    L_A: Fraction | None
    L_A_source: str | None
    history: tuple = field(repr=False, default=())
    _problem: tuple = field(repr=False, default=None)

    @property
    def gap_bound(self) -> Fraction:
        return self.objective_upper - self.dual_lower

    @property
    def relative_gap_bound(self) -> float:
        """``gap_bound / dual_lower`` rounded up to a float (``inf`` when ``dual_lower <= 0``): a bound on
        ``(F(x) - min F)/min F``."""
        return float_at_least(self.gap_bound / self.dual_lower) if self.dual_lower > 0 else math.inf

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
    docstring. Built once per matrix by :func:`firenet_solver`; ``solve(y)`` per data vector. ``L_A`` (a proven bound
    on ``||A||_2``, or ``None`` until a solve needs the safe step) and the proven column-norm bounds are kept."""

    A: np.ndarray = field(repr=False)
    lam: float
    weights: np.ndarray = field(repr=False)
    L_A: Fraction | None
    L_A_source: str | None
    steps: str = "adaptive"
    relaxation: float = 1.9
    window: int = 10
    restart_factor: float = 0.5
    _column_norms: np.ndarray = field(repr=False, default=None)
    _derived: dict = field(repr=False, default_factory=dict)  # the norm bound derived on the first safe step

    def __post_init__(self):  # a solver made directly (not by firenet_solver): its L_A is the caller's hypothesis
        if self._column_norms is None:
            A, columns = _matrix(self.A)
            object.__setattr__(self, "A", A)
            object.__setattr__(self, "_column_norms", columns)

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
        return _build(*_matrix(np.asarray(net.A)), net.lam, net.weights, net.L_A, net.L_A_source, **options)

    def proven_norm(self) -> tuple[Fraction, str]:
        """``(L_A, source)`` with ``L_A >= ||A||_2`` proven: the one given or derived when the solver was built, else
        derived now by ``operator_norm_upper(A, method="float")`` and kept (0.04 s at 512 x 2048)."""
        if self.L_A is not None:
            return self.L_A, self.L_A_source
        if "L_A" not in self._derived:
            self._derived["L_A"] = operator_norm_upper(self.A, method="float")
        return self._derived["L_A"], "derived"

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
        return bound_pair(self.A, self._column_norms, y, self.lam, self.weights, x, [u])[0]

    def solve(self, y, tol: float = 1e-8, atol: float = 0.0, max_iter: int = 100_000, primal_weight=None,
              callback=None) -> FirenetSolution:
        """Run until the gap bound is ``<= max(atol, tol * dual_lower)`` or ``max_iter`` steps tried (each one ``A``
        and one ``A^T`` product). ``primal_weight`` is ``omega`` (default: ``OMEGA_START c/||y||`` with ``c`` the
        largest column norm for adaptive steps, ``L_A/||y||`` for fixed ones — the scale of ``||z||/||x||`` at a
        solution); ``callback(iteration, x, observed_gap)``, if given, is called at every check (``x`` is a view:
        copy it to keep it). ``tol = atol = 0`` runs exactly ``max_iter`` steps."""
        m, N = self.A.shape
        y = _vector(y, m, "y")
        tol = _nonnegative(tol, "tol")
        atol = _nonnegative(atol, "atol")
        if isinstance(max_iter, (bool, np.bool_)) or not isinstance(max_iter, (int, np.integer)) \
                or not 1 <= max_iter <= MAX_ITER:
            raise Smale18Error(f"max_iter={short_repr(max_iter)} must be an integer in [1, {MAX_ITER}]")
        if callback is not None and not callable(callback):
            raise Smale18Error(f"callback={short_repr(callback)} must be callable")
        if primal_weight is not None:
            primal_weight = _positive(primal_weight, "primal_weight")
        run = _Run(self, y, primal_weight)
        if run.y_norm == 0:  # min F = 0 = F(0), attained at x = 0
            zero = GapBound(Fraction(0), Fraction(0), Fraction(1), np.zeros(m))
            return run.solution(np.zeros(N), zero, True, "y = 0: x = 0 is the minimiser", tol, atol, ())
        return run.until(tol, atol, int(max_iter), callback)


def _parts(N, m) -> tuple[slice, slice, slice, slice]:
    """Where ``x, z, Ax, A^T z`` sit in a row of :class:`_Window` (and in the step's buffers)."""
    return slice(0, N), slice(N, N + m), slice(N + m, N + 2 * m), slice(N + 2 * m, 2 * N + 2 * m)


class _Window:
    """The iterates ``v_0 .. v_j`` of the current block (``x, z`` and their products ``Ax, A^T z``), row by row; the
    state is always the last row, and a step writes the next one. A row is one contiguous vector ``[x, z, Ax, A^T z]``
    so that a step updates all four with two numpy calls."""

    def __init__(self, K, N, m):
        self.W = np.empty((K + 1, 2 * N + 2 * m))
        self.parts = _parts(N, m)
        self.X, self.Z, self.AX, self.ATZ = (self.W[:, part] for part in self.parts)
        self._rows = [tuple(self.W[j, part] for part in self.parts) for j in range(K + 1)]
        self.steps = 0

    def start(self, x, z, Ax, Atz):
        """Copy a state into row 0 (it may be a row of this window)."""
        for row, part in zip((self.X, self.Z, self.AX, self.ATZ), (x, z, Ax, Atz)):
            row[0] = part
        self.steps = 0

    def row(self, j):
        """``(x, z, Ax, A^T z)`` of row ``j``, as views."""
        return self._rows[j]


    def extrapolate(self, omega):
        """Regularised nonlinear acceleration (Scieur, d'Aspremont, Bach 2016) of the block: ``sum_i c_i v_i`` over
        ``i >= 1`` with ``sum c_i = 1`` minimising ``||sum_i c_i (v_i - v_{i-1})||`` in the norm
        ``omega ||dx||^2 + ||dz||^2/omega`` (Tikhonov ``1e-10``); the products are the same combination, and ``z`` is
        scaled back into the unit ball if it left it. None if degenerate."""
        X, Z, AX, ATZ = (row[: self.steps + 1] for row in (self.X, self.Z, self.AX, self.ATZ))
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
    """One solve: the step rule, the checks, the counters and the rigorous bound."""

    def __init__(self, solver: FirenetSolver, y, primal_weight):
        self.solver, self.y = solver, y
        self.y_norm = float(np.linalg.norm(y))
        self.lam_w = solver.lam * solver.weights
        self.uniform = bool(np.all(solver.weights == solver.weights[0]))
        self.restarts = self.extrapolations = self.extra_matvecs = self.rejected = self.safe_entries = 0
        self.L_A, self.L_A_source = None, None
        self.safe = False
        self.iterations = 0
        c = float(np.max(solver._column_norms))  # >= the largest column norm, a lower bound on ||A||_2 (nearly)
        if primal_weight is None:
            scale = float(solver.proven_norm()[0]) if solver.steps == "fixed" else OMEGA_START * c
            primal_weight = scale / self.y_norm if self.y_norm > 0 else 1.0
            if not (math.isfinite(primal_weight) and primal_weight > 0):
                primal_weight = 1.0
        self.omega = primal_weight
        self.eta = self.eta_start = ETA_START / c
        self.tau, self.sigma = self.eta / self.omega, self.eta * self.omega
        if solver.steps == "fixed" or not (math.isfinite(self.eta) and self.eta > 0):
            self.enter_safe()

    def enter_safe(self):
        """Take the safe step ``eta = (1 - 2^-20)/L_A`` (``L_A >= ||A||_2`` proven) until the next restart."""
        self.L_A, self.L_A_source = self.solver.proven_norm()
        self.tau, self.sigma = _steps(self.L_A, self.omega)
        self.safe = True
        self.safe_entries += 1

    def observed_gap(self, x, z, Ax, Atz) -> tuple[float, float]:
        """Float64 ``(F(x) - D(-z/s), D(-z/s))`` from the running products (observed, not bounded)."""
        s = self.solver
        r = Ax - self.y
        F = s.lam * float(s.weights @ np.abs(x)) + math.sqrt(float(r @ r))
        scale = max(1.0, math.sqrt(float(z @ z)), float(np.max(np.abs(Atz) / self.lam_w)))
        D = -float(self.y @ z) / scale
        return F - D, D

    def until(self, tol, atol, max_iter, callback) -> FirenetSolution:
        s = self.solver
        A, AT, y, lam_w = s.A, s.A.T, self.y, self.lam_w
        m, N = A.shape
        rho, K, beta = s.relaxation, s.window, s.restart_factor
        win = _Window(K, N, m)
        win.start(np.zeros(N), np.zeros(m), np.zeros(m), np.zeros(N))
        u, clipped, t_vec = (np.empty(N) for _ in range(3))
        H, D = np.empty(2 * N + 2 * m), np.empty(2 * N + 2 * m)  # T v, and T v - v, laid out as a row
        x_hat, z_hat, Ax_hat, Atz_hat = (H[part] for part in win.parts)
        dx, dz, dAx, _ = (D[part] for part in win.parts)
        eta_cap = ETA_GROWTH_CAP * self.eta_start
        g_restart = None
        best_bound = None
        retry_below = math.inf  # after a bound that failed the tolerance, wait for the observed gap to halve
        history = []
        it = since_restart = rejected_in_row = 0
        reason = f"max_iter={max_iter} steps"
        while it < max_iter:
            j = win.steps
            x, z, Ax, Atz = win.row(j)
            row = win.W[j]
            if not self.safe:
                self.tau, self.sigma = self.eta / self.omega, self.eta * self.omega
                if not (math.isfinite(self.tau) and math.isfinite(self.sigma) and self.tau > 0 and self.sigma > 0):
                    self.enter_safe()
            tau, sigma = self.tau, self.sigma
            # the Chambolle–Pock step T(x, z) = (x^, z^)
            np.multiply(Atz, tau, out=u)
            np.subtract(x, u, out=u)
            if self.uniform:
                t = tau * lam_w[0]
            else:
                t = np.multiply(lam_w, tau, out=t_vec)
            np.clip(u, -t, t, out=clipped)
            np.subtract(u, clipped, out=x_hat)  # soft-thresholding S_t(u)
            np.dot(A, x_hat, out=Ax_hat)
            np.multiply(Ax_hat, 2.0, out=z_hat)
            z_hat -= Ax  # A(2 x^ - x)
            z_hat -= y
            z_hat *= sigma
            z_hat += z
            nz = math.sqrt(float(z_hat @ z_hat))
            if nz > 1:
                z_hat /= nz
            np.dot(AT, z_hat, out=Atz_hat)
            np.subtract(H, row, out=D)  # dx, dz, dAx, dA^T z
            it += 1
            taken = True
            if not self.safe:  # the local test, and the next eta (PDLP's rule)
                cross = abs(float(dAx @ dz))
                metric = self.omega * float(dx @ dx) + float(dz @ dz) / self.omega
                eta_limit = metric / (2 * cross) if cross > 0 else math.inf
                taken = self.eta <= eta_limit
                self.eta = min((1 - (it + 1) ** -0.3) * eta_limit, (1 + (it + 1) ** -0.6) * self.eta, eta_cap)
                if taken:
                    rejected_in_row = 0
                else:
                    self.rejected += 1
                    rejected_in_row += 1
                    if rejected_in_row >= MAX_REJECTIONS:
                        self.enter_safe()
                    if it < max_iter:
                        continue
            if taken:  # v <- v + rho (T v - v), with the products, into the next row
                following = win.W[j + 1]
                np.multiply(D, rho, out=following)
                following += row
                win.steps += 1
            if win.steps < K and it < max_iter:
                continue
            # a check: the observed gap at the last iterate and at the block's extrapolation
            last = win.row(win.steps)
            g_last, d_last = self.observed_gap(*last)
            best, g_best, d_best, extrapolated = last, g_last, d_last, False
            candidate = win.extrapolate(self.omega) if win.steps >= 2 else None
            if candidate is not None:
                g_e, d_e = self.observed_gap(*candidate)
                if g_e < g_last:
                    best, g_best, d_best, extrapolated = candidate, g_e, d_e, True
            history.append((it, g_best))
            if callback is not None:
                callback(it, best[0], g_best)
            if g_restart is None or g_best <= beta * g_restart:
                self.extrapolations += extrapolated
                self.restarts += g_restart is not None
                g_restart = g_best
                since_restart = 0
                win.start(*best)
                if self.safe and s.steps == "adaptive":
                    self.safe = False  # back to adaptive steps, from where they were
            else:
                since_restart += 1
                win.start(*last)
                if not self.safe and since_restart >= STALL_CHECKS:
                    self.enter_safe()
            target = max(atol, tol * d_best)
            if (tol or atol) and g_best <= target and g_best < retry_below or it >= max_iter:
                gb, floor = bound_pair(A, s._column_norms, y, s.lam, s.weights, best[0], [-best[1]],
                                       residual_dual=True)
                self.extra_matvecs += 2
                if best_bound is None or gb.gap < best_bound[1].gap:
                    best_bound = (np.array(best[0]), gb)
                goal = max(Fraction(atol), Fraction(tol) * gb.dual_lower)
                if gb.gap <= goal and (tol or atol):
                    reason = "the gap bound met the tolerance"
                    break
                if goal > 0 and floor > float(goal) / 2:
                    reason = (f"the tolerance is below what the float64 bound can prove here (rounding allowance "
                              f"{floor:.1e}); certify() checks in ball arithmetic")
                    break
                retry_below = g_best / 2
        self.iterations = it
        x_out, gb = best_bound
        reached = gb.gap <= max(Fraction(atol), Fraction(tol) * gb.dual_lower)
        return self.solution(x_out, gb, reached, reason, tol, atol, tuple(history))

    def solution(self, x, gb: GapBound, reached, reason, tol, atol, history) -> FirenetSolution:
        s = self.solver
        iterations = self.iterations
        return FirenetSolution(
            x=x, dual=gb.dual, dual_scale=gb.dual_scale, objective_upper=gb.objective_upper,
            dual_lower=gb.dual_lower, reached=bool(reached), reason=reason, tol=tol, atol=atol,
            iterations=iterations, rejected=self.rejected, restarts=self.restarts,
            extrapolations=self.extrapolations, safe_entries=self.safe_entries,
            matvecs=2 * iterations + self.extra_matvecs, steps=s.steps, primal_weight=self.omega, tau=self.tau,
            sigma=self.sigma, lam=s.lam, L_A=self.L_A, L_A_source=self.L_A_source, history=history,
            _problem=(s.A, self.y, s.weights))


def firenet_solver(A, lam, weights=None, L_A=None, steps: str = "adaptive", relaxation: float = 1.9,
                   window: int = 10, restart_factor: float = 0.5) -> FirenetSolver:
    """Build the converging FIRENET variant for square-root LASSO with a dense real ``A``; see the module docstring.

    ``A``, ``lam``, ``weights`` are float64 numbers read exactly (``lam`` and the weights must *be* float64 values:
    the problem solved and bounded is exactly the one given); ``A`` is copied. ``steps="adaptive"`` (default) needs
    no norm: ``L_A >= ||A||_2`` is derived only if a solve stalls and takes the safe step. ``steps="fixed"`` takes the
    safe step always and derives ``L_A`` now (:func:`smale18.verify.balls.operator_norm_upper`, ``method="float"``:
    float64 with proven rounding bounds, falling back to ball arithmetic). A given ``L_A`` is proven as
    :func:`~smale18.verify.nets.firenet` proves one, else refused. ``relaxation`` ``rho in (0, 2)``, ``window``
    accepted steps between checks (2..100), ``restart_factor`` ``beta in (0, 1)``.

    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((20, 40)) / np.sqrt(20)
    >>> x0 = np.zeros(40); x0[:3] = [1.0, -2.0, 1.5]
    >>> y = A @ x0 + 0.01 * rng.standard_normal(20)
    >>> sol = firenet_solver(A, lam=0.3).solve(y, tol=1e-10)
    >>> sol.reached, sol.relative_gap_bound <= 1e-10, sol.L_A is None     # no norm was needed
    (True, True, True)
    >>> firenet_solver(A, lam=0.3, relaxation=2.0)
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: relaxation=2.0 must be a number in (0, 2)
    """
    A, columns = _matrix(A)
    lam = _float64_value(lam, "lam")
    w = _weights(weights, A.shape[1])
    _options(steps, relaxation, window, restart_factor)
    if L_A is None:
        L, source = (operator_norm_upper(A, method="float"), "derived") if steps == "fixed" else (None, None)
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
    return _build(A, columns, lam, w, L, source, steps=steps, relaxation=relaxation, window=window,
                  restart_factor=restart_factor)


def _build(A, columns, lam, w, L, source, steps="adaptive", relaxation=1.9, window=10,
           restart_factor=0.5) -> FirenetSolver:
    """``A, columns`` from :func:`_matrix` (a validated copy and its column-norm bounds)."""
    lam = _float64_value(lam, "lam")
    w = _weights(w, A.shape[1])
    steps, relaxation, window, restart_factor = _options(steps, relaxation, window, restart_factor)
    if steps == "fixed" and L is None:
        L, source = operator_norm_upper(A, method="float"), "derived"
    return FirenetSolver(A, lam, w, L, source, steps, relaxation, window, restart_factor, columns)


def _steps(L: Fraction, omega: float) -> tuple[float, float]:
    """``tau = eta/omega``, ``sigma = eta omega`` with ``tau sigma L^2 < 1`` checked in exact rationals."""
    eta = float((1 - Fraction(1, 2**20)) / L)
    tau, sigma = eta / omega, eta * omega
    if not (math.isfinite(tau) and math.isfinite(sigma) and tau > 0 and sigma > 0):
        raise Smale18Error(f"primal_weight={omega!r} gives step sizes outside the float64 range")
    if Fraction(tau) * Fraction(sigma) * L * L >= 1:  # rounding of eta/omega and eta*omega is far below 2^-20
        raise Smale18Error(f"tau*sigma*L_A^2 >= 1 for primal_weight={omega!r}")
    return tau, sigma


def _matrix(A) -> tuple[np.ndarray, np.ndarray]:
    """A read-only C-ordered float64 copy of ``A`` and proven upper bounds on its column norms (Lemma B3), refused
    unless every entry is a finite float64 number of magnitude at most ``2^200``, the sides at most ``2^40`` and some
    entry non-zero."""
    if not isinstance(A, np.ndarray):
        raise Smale18Error(f"A must be a dense real numpy array (m x N), got {type(A).__name__}; for a linear "
                           "operator use smale18.verify.nets.firenet")
    if A.ndim != 2 or 0 in A.shape:
        raise Smale18Error(f"A must be a non-empty 2-D array, got shape {A.shape}")
    if A.dtype.kind == "c":
        raise Smale18Error("A is complex; the solver takes a real matrix")
    if A.dtype.kind not in "iuf":
        raise Smale18Error(f"A has dtype {A.dtype}; pass a real float or integer array")
    if max(A.shape) > MAX_SIDE:
        raise Smale18Error(f"A has shape {A.shape}: a side beyond 2^40 is refused by the duality-gap bound")
    if A.dtype == np.float64:
        arr = np.array(A, dtype=np.float64, order="C")  # a copy: the solver's bounds are about this matrix
    else:
        arr = np.array(exact_float64_array(A, "A"), order="C")
    sums = column_norms2_upper(arr)  # the float column sums of squares, or None if one is not finite
    peak = float(np.max(sums[0])) if sums is not None else math.inf
    # 0 < peak <= 2^400 proves every |A_ij| <= 2^200 and A != 0 (a float sum of non-negative terms is at least each
    # rounded term, and fl(a^2) > 2^400 when |a| > 2^200); otherwise the entries decide
    if not 0 < peak <= ENTRY_LIMIT**2:
        top = max(float(arr.max()), -float(arr.min()))  # NaN propagates through max and min
        if not math.isfinite(top):
            raise Smale18Error("A has a non-finite entry (or one beyond the float64 range)")
        if top > ENTRY_LIMIT:
            raise Smale18Error("A has an entry beyond 2^200; rescale it for the duality-gap bound")
        if top == 0:
            raise Smale18Error("A is zero; the solver needs a non-zero matrix")
    arr.flags.writeable = False
    assert sums is not None  # entries within 2^200 and m <= 2^40: every column sum of squares is below 2^441
    return arr, column_norms_from_squares(*sums)


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


def _options(steps, relaxation, window, restart_factor) -> tuple[str, float, int, float]:
    if not isinstance(steps, str) or steps not in STEPS:
        raise Smale18Error(f"steps={short_repr(steps)} must be one of {STEPS}")
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
    return steps, float(relaxation), int(window), float(restart_factor)
