"""The three sparse-regularisation problems (THEORY §1), evaluated rigorously, with duality-gap certificates.

- (P1) :class:`BasisPursuitDenoise`: ``min ||x||_{l1,w}  s.t. ||Ax - y||_2 <= eta``
- (P2) :class:`Lasso`:               ``min lam ||x||_{l1,w} + ||Ax - y||_2^2``
- (P3) :class:`SqrtLasso`:           ``min lam ||x||_{l1,w} + ||Ax - y||_2``

with ``||x||_{l1,w} = sum_i w_i |x_i|``, ``w_i > 0``. Every value is an :class:`~smale18.oracle.Interval` with exact
endpoints computed in ball arithmetic from the exact data. :meth:`certify_minimiser` proves ``F(x) - min F <= tol`` from
a dual point (weak duality; proofs in ``proofs_notes/problems.md``), or refutes it from a reference point.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from . import _arb
from ._errors import Smale18Error, check_bounded_prec_bits, check_rational, short_repr
from ._verdict import Interval, Status, format_bound
from .dyadic import DyadicArray
from .exact import ExactArray, RationalArray, as_exact

__all__ = [
    "BasisPursuitDenoise",
    "Lasso",
    "SqrtLasso",
    "MinimiserCheck",
    "PointSet",
    "ConvexHull",
]


#: largest working precision (bits) the problems' checks accept; a 2 x 2 certificate with irrational data at 2^16 bits
#: takes 0.2 s (SqrtLasso) to 0.8 s (Lasso), measured on the 2-core machine
MAX_PROBLEM_PREC_BITS = 1 << 16


def _prec(prec_bits) -> int:
    return check_bounded_prec_bits(prec_bits, "prec_bits", MAX_PROBLEM_PREC_BITS)


def _positive_fraction(value, name: str) -> Fraction:
    return check_rational(value, name, positive=True)


def _column(source: ExactArray, prec_bits: int) -> list:
    m = source.enclose(prec_bits)
    return [m[i, 0] for i in range(m.nrows())]


def _fraction(q: flint.fmpq) -> Fraction:
    return Fraction(int(q.p), int(q.q))


def _rational_entries(xs: ExactArray) -> list[Fraction]:
    m = xs.to_fmpq_mat()
    return [_fraction(m[i, 0]) for i in range(m.nrows())]


def _as_point(x, N: int, name: str = "x") -> ExactArray:
    """``x`` as an exact vector of length ``N``, read without rounding (numpy integers of any width, long doubles)."""
    x = as_exact(x, name)
    if x.shape != (N,):
        raise Smale18Error(f"{name}.shape={x.shape} must be ({N},)")
    return x


@dataclass(frozen=True)
class MinimiserCheck:
    """Evidence about a proposed minimiser ``x`` of a problem.

    ``status`` is CERTIFIED when ``F(x) - min F <= tol`` is proven (``x`` feasible and ``gap_upper <= tol``),
    REFUTED when ``F(x) - min F > tol`` is proven (by ``reference``, a rigorously feasible point with smaller
    objective, or by ``x`` being infeasible), UNKNOWN otherwise. For P1 with ``feas_tol = tau > 0`` CERTIFIED proves
    ``||Ax - y|| <= eta + tau`` and ``||x||_{l1,w} <= V(eta) + tol``, ``V(eta)`` the optimal value of the problem as
    stated; REFUTED proves that this fails (hence also that ``x`` is no ``tol``-minimiser of the problem with
    ``eta``): the reference must then be feasible for ``eta`` itself (``proofs_notes/problems.md``, Lemma P1-tau).
    ``objective`` encloses ``F(x)``; ``dual_bound`` encloses the dual value of the feasible dual point
    ``dual / dual_scale`` (a lower bound on ``min F``).
    """

    problem: str
    status: Status
    tol: Fraction
    objective: Interval
    dual_bound: Interval | None
    gap_upper: Fraction | None
    dual: ExactArray | None
    dual_scale: Fraction | None
    reference_objective: Interval | None
    feasible: Status
    reason: str
    prec_bits: int

    def __bool__(self) -> bool:
        raise TypeError("a MinimiserCheck is three-valued; compare .status with Status.CERTIFIED")


class _Problem(abc.ABC):
    """Common data and rigorous evaluation of P1-P3."""

    name = "?"

    def __init__(self, A, y, weights=None, minimisers=None):
        self.A = as_exact(A, "A")
        self.y = as_exact(y, "y")
        if len(self.A.shape) != 2:
            raise Smale18Error(f"A.shape={self.A.shape} must be (m, N)")
        m, N = self.A.shape
        if self.y.shape != (m,):
            raise Smale18Error(f"y.shape={self.y.shape} does not match A.shape={self.A.shape}; need ({m},)")
        if weights is None:
            weights = [1] * N
        if minimisers is not None and not callable(getattr(minimisers, "distance", None)):
            raise Smale18Error(
                f"minimisers={short_repr(minimisers)} must be None or a minimiser set with .distance(z, prec_bits) "
                "(PointSet, ConvexHull)"
            )
        w = RationalArray(weights, "weights")
        if w.shape != (N,):
            raise Smale18Error(f"weights.shape={w.shape} must be ({N},)")
        for i, v in enumerate(w.values):
            if v <= 0:
                raise Smale18Error(f"weights[{i}]={v} must be positive")
        self.weights = w
        self.minimisers = minimisers

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    # -- rigorous pieces --------------------------------------------------------------------------------------
    def _l1(self, xs: ExactArray, prec_bits) -> Interval:
        """Enclosure of ``||x||_{l1,w}``; exact when ``x`` is rational."""
        if xs.is_rational:
            total = sum((w * abs(v) for w, v in zip(self.weights.values, _rational_entries(xs))), Fraction(0))
            return Interval(total, total)
        with flint.ctx.workprec(prec_bits):
            return self._weighted_l1(_column(xs, prec_bits), prec_bits)

    def _weighted_l1(self, xcol, prec_bits) -> Interval:
        lo = hi = Fraction(0)
        for wi, b in zip(self.weights.values, xcol):
            a_lo, a_hi = _arb.abs_bounds(b)
            lo += wi * a_lo
            hi += wi * a_hi
        return Interval(lo, hi)

    def _residual_sq(self, x: ExactArray, prec_bits) -> Interval:
        """Enclosure of ``||Ax - y||_2^2``; exact when A, x, y are rational."""
        if self.A.is_rational and self.y.is_rational and x.is_rational:
            r = self.A.to_fmpq_mat() * x.to_fmpq_mat() - self.y.to_fmpq_mat()
            s = sum((Fraction(int(v.p), int(v.q)) ** 2 for v in r.entries()), Fraction(0))
            return Interval(s, s)
        with flint.ctx.workprec(prec_bits):
            r = self.A.enclose(prec_bits) * x.enclose(prec_bits) - self.y.enclose(prec_bits)
            entries = [r[i, 0] for i in range(r.nrows())]
        return Interval(*_arb.norm2_bounds(entries))

    def _norm(self, sq: Interval, prec_bits) -> Interval:
        return Interval(*_arb.sqrt_bounds(sq.lower, sq.upper, prec_bits))

    def _dual_pieces(self, u: ExactArray, prec_bits):
        """Enclosures of <y,u>, ||u||^2 and max_i |(A^T u)_i| / w_i (upper); exact when A, y, u are rational."""
        if self.A.is_rational and self.y.is_rational and u.is_rational:
            uq = u.to_fmpq_mat()
            yu = _fraction((self.y.to_fmpq_mat().transpose() * uq)[0, 0])
            atu = self.A.to_fmpq_mat().transpose() * uq
            ratio = max((abs(_fraction(atu[i, 0])) / wi for i, wi in enumerate(self.weights.values)),
                        default=Fraction(0))
            usq = sum((_fraction(uq[i, 0]) ** 2 for i in range(uq.nrows())), Fraction(0))
            return Interval(yu, yu), Interval(usq, usq), ratio
        with flint.ctx.workprec(prec_bits):
            ucol = u.enclose(prec_bits)
            yu = (self.y.enclose(prec_bits).transpose() * ucol)[0, 0]
            atu = self.A.enclose(prec_bits).transpose() * ucol
            ratio = Fraction(0)
            for i, wi in enumerate(self.weights.values):
                ratio = max(ratio, _arb.abs_bounds(atu[i, 0])[1] / wi)
            usq = Interval(*_arb.norm2_bounds([ucol[i, 0] for i in range(ucol.nrows())]))
        return Interval.from_arb(yu), usq, ratio

    # -- what each problem defines ----------------------------------------------------------------------------
    @abc.abstractmethod
    def objective(self, x, prec_bits: int = 192) -> Interval:
        """Enclosure of the objective at ``x`` (for P1: of ``||x||_{l1,w}``; feasibility via :meth:`feasibility`)."""

    def feasibility(self, x, prec_bits: int = 192) -> Status:
        """CERTIFIED if ``x`` is proven feasible, REFUTED if proven infeasible (P2, P3: always feasible)."""
        _prec(prec_bits)
        _as_point(x, self.shape[1])
        return Status.CERTIFIED

    def _reference_feasibility(self, x, prec_bits: int) -> Status:
        """Feasibility for the problem exactly as stated (P1: ``eta`` itself, no tolerance)."""
        return self.feasibility(x, prec_bits)

    @abc.abstractmethod
    def dual_bound(self, u, prec_bits: int = 192) -> tuple[Interval, Fraction]:
        """``(value, s)``: ``u/s`` is a feasible dual point and ``value`` encloses its dual objective, a lower bound
        on the optimal value. ``s >= 1`` is the smallest dyadic-rational scale found that makes ``u/s`` feasible."""

    @abc.abstractmethod
    def _cvxpy(self, A: np.ndarray, y: np.ndarray, w: np.ndarray):
        """(primal problem, x variable, dual problem, u variable) in cvxpy, float64 data."""

    def solve_float(self) -> tuple[np.ndarray, np.ndarray]:
        """Primal and dual points found by cvxpy in float64 (*observed*, not certified): ``(x, u)``.

        The dual point is the better (by its rigorous dual bound) of cvxpy's dual solution and the one read off the
        primal by the optimality conditions (:meth:`_dual_from_primal`).
        """
        try:
            A = np.asarray(self.A.approx(60), dtype=float)
            y = np.asarray(self.y.approx(60), dtype=float)
            w = np.array([float(v) for v in self.weights.values])
        except (Smale18Error, OverflowError) as exc:
            raise Smale18Error(f"solve_float: the data do not fit float64 ({exc}); pass dual= and reference=") from None
        try:
            with np.errstate(all="ignore"):
                primal, x, dual, u = self._cvxpy(A, y, w)
                primal.solve()
                dual.solve()
        except Exception as exc:  # noqa: BLE001 - cvxpy's SolverError and friends: the solver only proposes
            raise Smale18Error(f"cvxpy failed on {self.name}: {type(exc).__name__}: {str(exc)[:80]}") from None
        if x.value is None or u.value is None or not np.all(np.isfinite(x.value)):
            raise Smale18Error(f"cvxpy did not solve {self.name} (status {primal.status} / {dual.status})")
        xv = np.asarray(x.value, dtype=float)
        with np.errstate(all="ignore"):
            candidates = [np.asarray(u.value, dtype=float), self._dual_from_primal(A, y, xv)]
        candidates = [c for c in candidates if c is not None and np.all(np.isfinite(c))]
        if not candidates:
            return xv, np.zeros(self.shape[0])
        best = max(candidates, key=lambda c: self.dual_bound(c, 128)[0].lower)
        return xv, best

    def _dual_from_primal(self, A, y, x) -> np.ndarray | None:
        """A dual point suggested by the optimality conditions at ``x`` (None when there is none)."""
        return None

    def _all_rational(self, *points: ExactArray) -> bool:
        return self.A.is_rational and self.y.is_rational and all(p.is_rational for p in points)

    def _exact_gap_at_most(self, xs: ExactArray, u: ExactArray, scale: Fraction, dval: Interval, tol: Fraction) -> bool:
        """Decide ``F(x) - D(u/s) <= tol`` exactly when the ball bound could not (rational data only; see the
        overrides). False means "not proven this way"."""
        return False

    def certify_minimiser(self, x, tol=Fraction(1, 10**6), dual=None, reference=None, prec_bits: int = 192):
        """Check rigorously whether ``F(x) - min F <= tol``.

        Parameters
        ----------
        x : candidate point (float array read exactly, DyadicArray, rationals, or an ExactArray)
        tol : non-negative rational tolerance
        dual : a dual point ``u`` (any vector; it is scaled to feasibility). Default: found by cvxpy.
        reference : a point used to refute (its objective must be rigorously below ``F(x) - tol``). Default: cvxpy's.

        Returns
        -------
        MinimiserCheck, whose status is CERTIFIED, REFUTED or UNKNOWN; certification rests only on the exact data and
        the dual point, never on the solver's own report. ``x``, ``dual`` and ``reference`` are read exactly
        (:func:`smale18.oracle.exact.as_exact`); ``tol`` is an exact non-negative rational (a float is read as the
        dyadic it is); ``prec_bits`` is at most ``MAX_PROBLEM_PREC_BITS``. If cvxpy fails while proposing the defaults,
        the zero dual point and ``x`` itself are used (the verdict is then at best UNKNOWN, never wrong).

        The comparisons are exact: CERTIFIED iff ``x`` is proven feasible and ``F(x)^+ - D^- <= tol`` (equality
        certifies); REFUTED iff ``x`` is proven infeasible, or ``F(x)^- - F(ref)^+ > tol`` (strictly) for a reference
        proven feasible for the problem as stated.
        """
        prec_bits = _prec(prec_bits)
        tol = check_rational(tol, "tol", nonnegative=True)
        N = self.shape[1]
        xs = _as_point(x, N)
        note = ""
        if dual is None or reference is None:
            try:
                x_ref, u_ref = self.solve_float()
            except Smale18Error as exc:
                x_ref, u_ref, note = xs, [0] * self.shape[0], f"; no solver proposal ({str(exc)[:60]})"
            dual = u_ref if dual is None else dual
            reference = x_ref if reference is None else reference
        u = _as_point(dual, self.shape[0], "dual")
        ref = _as_point(reference, N, "reference")
        feas = self.feasibility(xs, prec_bits)
        obj = self.objective(xs, prec_bits)
        dval, scale = self.dual_bound(u, prec_bits)
        gap = obj.upper - dval.lower
        if feas is Status.CERTIFIED and gap > tol and self._exact_gap_at_most(xs, u, scale, dval, tol):
            gap = tol  # proven exactly (square roots compared through their squares): tol bounds the gap
        ref_obj = None
        if self._reference_feasibility(ref, prec_bits) is Status.CERTIFIED:
            ref_obj = self.objective(ref, prec_bits)
        if feas is Status.REFUTED:
            status, reason = Status.REFUTED, "x is infeasible (proven)"
        elif feas is Status.CERTIFIED and gap <= tol:
            status, reason = Status.CERTIFIED, f"duality gap <= {format_bound(gap, 'up', 4)} <= tol"
        elif ref_obj is not None and obj.lower - ref_obj.upper > tol:
            status, reason = Status.REFUTED, "a feasible reference point has objective smaller by more than tol"
        else:
            status, reason = Status.UNKNOWN, f"gap bound {format_bound(gap, 'up', 4)} > tol and no refutation"
        return MinimiserCheck(self.name, status, tol, obj, dval, gap, u, scale, ref_obj, feas, reason + note,
                              prec_bits)

    def distance_to_minimisers(self, z, prec_bits: int = 192) -> Interval:
        """Enclosure of ``dist(z, Xi)`` when the minimiser set is known in closed form (``minimisers=``)."""
        if self.minimisers is None:
            raise Smale18Error(f"this {self.name} instance was built without a closed-form minimiser set")
        return self.minimisers.distance(z, _prec(prec_bits))


class SqrtLasso(_Problem):
    """(P3) square-root LASSO ``F(x) = lam ||x||_{l1,w} + ||Ax - y||_2``.

    Dual: ``max <y,u>`` s.t. ``||u||_2 <= 1``, ``|(A^T u)_i| <= lam w_i``; weak duality ``F(x) >= <y,u>``.

    >>> P = SqrtLasso([[1, 0], [0, 2]], [1, 1], lam="1/2")
    >>> x, u = ["1", "1/2"], ["1/2", "1/4"]
    >>> P.certify_minimiser(x, tol=0, dual=u, reference=x).status
    <Status.CERTIFIED: 'certified'>
    >>> P.certify_minimiser(["1", "1/4"], tol=0, dual=u, reference=x).status
    <Status.REFUTED: 'refuted'>
    """

    name = "P3"

    def __init__(self, A, y, lam, weights=None, minimisers=None):
        super().__init__(A, y, weights, minimisers)
        self.lam = _positive_fraction(lam, "lam")

    def objective(self, x, prec_bits=192):
        prec_bits = _prec(prec_bits)
        xs = _as_point(x, self.shape[1])
        l1 = self._l1(xs, prec_bits)
        res = self._norm(self._residual_sq(xs, prec_bits), prec_bits)
        return Interval(self.lam * l1.lower + res.lower, self.lam * l1.upper + res.upper)

    def dual_bound(self, u, prec_bits=192):
        prec_bits = _prec(prec_bits)
        u = _as_point(u, self.shape[0], "dual")
        yu, usq, ratio = self._dual_pieces(u, prec_bits)
        # ||u|| <= 1 is decided on the square (exact for rational u); only a larger norm needs a square-root bound
        unorm_hi = Fraction(1) if usq.upper <= 1 else _arb.sqrt_bounds(usq.lower, usq.upper, prec_bits)[1]
        s = max(Fraction(1), unorm_hi, ratio / self.lam)
        return Interval(yu.lower / s, yu.upper / s), s

    def _dual_from_primal(self, A, y, x):
        r = y - A @ x
        nr = np.linalg.norm(r)
        return r / nr if nr > 0 else None

    def _exact_gap_at_most(self, xs, u, scale, dval, tol):
        # F(x) <= tol + D  <=>  ||Ax - y|| <= c := tol + D - lam ||x||_1  <=>  c >= 0 and ||Ax - y||^2 <= c^2;
        # D = <y,u>/s is exact here (rational data, rational s), so dval.lower is D itself
        if not self._all_rational(xs, u) or dval.lower != dval.upper:
            return False
        c = tol + dval.lower - self.lam * self._l1(xs, 0).lower
        return c >= 0 and self._residual_sq(xs, 0).upper <= c * c

    def _cvxpy(self, A, y, w):
        import cvxpy as cp

        x = cp.Variable(A.shape[1])
        u = cp.Variable(A.shape[0])
        lam = float(self.lam)
        primal = cp.Problem(cp.Minimize(lam * cp.norm1(cp.multiply(w, x)) + cp.norm2(A @ x - y)))
        dual = cp.Problem(cp.Maximize(y @ u), [cp.norm2(u) <= 1, cp.abs(A.T @ u) <= lam * w])
        return primal, x, dual, u


class Lasso(_Problem):
    """(P2) LASSO ``F(x) = lam ||x||_{l1,w} + ||Ax - y||_2^2``.

    Dual: ``max <y,u> - ||u||^2/4`` s.t. ``|(A^T u)_i| <= lam w_i``.
    """

    name = "P2"

    def __init__(self, A, y, lam, weights=None, minimisers=None):
        super().__init__(A, y, weights, minimisers)
        self.lam = _positive_fraction(lam, "lam")

    def objective(self, x, prec_bits=192):
        prec_bits = _prec(prec_bits)
        xs = _as_point(x, self.shape[1])
        l1 = self._l1(xs, prec_bits)
        res = self._residual_sq(xs, prec_bits)
        return Interval(self.lam * l1.lower + res.lower, self.lam * l1.upper + res.upper)

    def dual_bound(self, u, prec_bits=192):
        prec_bits = _prec(prec_bits)
        u = _as_point(u, self.shape[0], "dual")
        yu, usq, ratio = self._dual_pieces(u, prec_bits)
        s = max(Fraction(1), ratio / self.lam)
        return Interval(yu.lower / s - usq.upper / (4 * s * s), yu.upper / s - usq.lower / (4 * s * s)), s

    def _dual_from_primal(self, A, y, x):
        return 2 * (y - A @ x)

    def _cvxpy(self, A, y, w):
        import cvxpy as cp

        x = cp.Variable(A.shape[1])
        u = cp.Variable(A.shape[0])
        lam = float(self.lam)
        primal = cp.Problem(cp.Minimize(lam * cp.norm1(cp.multiply(w, x)) + cp.sum_squares(A @ x - y)))
        dual = cp.Problem(cp.Maximize(y @ u - cp.sum_squares(u) / 4), [cp.abs(A.T @ u) <= lam * w])
        return primal, x, dual, u


class BasisPursuitDenoise(_Problem):
    """(P1) quadratically constrained basis pursuit ``min ||x||_{l1,w}`` s.t. ``||Ax - y||_2 <= eta``.

    Dual: ``max <y,u> - eta ||u||_2`` s.t. ``|(A^T u)_i| <= w_i``. ``feasibility`` compares ``||Ax-y||^2`` with
    ``(eta + feas_tol)^2`` exactly when the data are rational, in ball arithmetic otherwise (a point on the boundary
    with irrational data is then UNKNOWN, so :meth:`certify_minimiser` accepts ``feas_tol``).

    With ``feas_tol = tau > 0`` a CERTIFIED minimiser is feasible for ``eta + tau`` and within ``tol`` of the optimal
    value of the problem with ``eta``; a reference point refutes only if it is feasible for ``eta`` itself (a point
    feasible only for ``eta + tau`` may beat every feasible point: here ``1/4`` beats the exact minimiser ``1/2``):

    >>> P = BasisPursuitDenoise([[1]], [1], eta="1/2", feas_tol="1/4")
    >>> P.certify_minimiser(["1/2"], tol="1/10", dual=["0"], reference=["1/4"]).status
    <Status.UNKNOWN: 'unknown'>
    >>> P.certify_minimiser(["1/2"], tol=0, dual=["1"], reference=["1/4"]).status
    <Status.CERTIFIED: 'certified'>
    """

    name = "P1"

    def __init__(self, A, y, eta, weights=None, minimisers=None, feas_tol=0):
        super().__init__(A, y, weights, minimisers)
        self.eta = _positive_fraction(eta, "eta")
        self.feas_tol = check_rational(feas_tol, "feas_tol", nonnegative=True)

    def objective(self, x, prec_bits=192):
        prec_bits = _prec(prec_bits)
        xs = _as_point(x, self.shape[1])
        return self._l1(xs, prec_bits)

    def feasibility(self, x, prec_bits=192):
        """CERTIFIED if ``||Ax-y|| <= eta + feas_tol`` is proven, REFUTED if ``||Ax-y|| > eta + feas_tol``."""
        return self._feasibility_within(x, _prec(prec_bits), self.eta + self.feas_tol)

    def _reference_feasibility(self, x, prec_bits):
        # a refuting reference must be feasible for eta itself: V(eta + tau) may lie below V(eta)
        return self._feasibility_within(x, prec_bits, self.eta)

    def _feasibility_within(self, x, prec_bits, radius: Fraction) -> Status:
        xs = _as_point(x, self.shape[1])
        sq = self._residual_sq(xs, prec_bits)
        bound = radius**2
        if sq.upper <= bound:
            return Status.CERTIFIED
        if sq.lower > bound:
            return Status.REFUTED
        return Status.UNKNOWN

    def dual_bound(self, u, prec_bits=192):
        prec_bits = _prec(prec_bits)
        u = _as_point(u, self.shape[0], "dual")
        yu, usq, ratio = self._dual_pieces(u, prec_bits)
        s = max(Fraction(1), ratio)
        nlo, nhi = _arb.sqrt_bounds(usq.lower, usq.upper, prec_bits)
        return Interval(yu.lower / s - self.eta * nhi / s, yu.upper / s - self.eta * nlo / s), s

    def _dual_from_primal(self, A, y, x):
        r = y - A @ x
        scale = np.max(np.abs(A.T @ r) / np.array([float(v) for v in self.weights.values]))
        return r / scale if np.isfinite(scale) and scale > 0 else None

    def _exact_gap_at_most(self, xs, u, scale, dval, tol):
        # ||x||_1 - tol <= D = (<y,u> - eta ||u||)/s  <=>  eta ||u|| <= c := <y,u> - s (||x||_1 - tol)
        #                                             <=>  c >= 0 and eta^2 ||u||^2 <= c^2   (s > 0 exact)
        if not self._all_rational(xs, u):
            return False
        yu, usq, _ = self._dual_pieces(u, 0)
        c = yu.lower - scale * (self._l1(xs, 0).lower - tol)
        return c >= 0 and self.eta**2 * usq.upper <= c * c

    def _cvxpy(self, A, y, w):
        import cvxpy as cp

        x = cp.Variable(A.shape[1])
        u = cp.Variable(A.shape[0])
        eta = float(self.eta)
        primal = cp.Problem(cp.Minimize(cp.norm1(cp.multiply(w, x))), [cp.norm2(A @ x - y) <= eta])
        dual = cp.Problem(cp.Maximize(y @ u - eta * cp.norm2(u)), [cp.abs(A.T @ u) <= w])
        return primal, x, dual, u


# -- closed-form minimiser sets ---------------------------------------------------------------------------------
class PointSet:
    """A single exact point ``{p}``; ``distance(z)`` encloses ``||z - p||_2``."""

    def __init__(self, point):
        self.point = as_exact(point, "point")
        if len(self.point.shape) != 1:
            raise Smale18Error(f"point.shape={self.point.shape} must be a vector")

    def distance(self, z, prec_bits: int = 192) -> Interval:
        prec_bits = _prec(prec_bits)
        zs = _as_point(z, self.point.shape[0], "z")
        with flint.ctx.workprec(prec_bits):
            d = zs.enclose(prec_bits) - self.point.enclose(prec_bits)
            sq = _arb.norm2_bounds([d[i, 0] for i in range(d.nrows())])
        return Interval(*_arb.sqrt_bounds(*sq, prec_bits))


class ConvexHull:
    """The convex hull of finitely many exact points; ``distance(z)`` encloses ``dist(z, hull)``.

    Upper bound: ``||z - p||`` for a point ``p = sum theta_i v_i`` with exact rational ``theta`` on the simplex.
    Lower bound: for any ``d != 0``, ``dist(z, hull) >= (<d,z> - max_i <d,v_i>) / ||d||`` (a separating hyperplane).
    Both are evaluated in ball arithmetic; ``theta`` and ``d`` come from a float projection (any choice is valid; if
    the floats overflow, the uniform ``theta`` and the trivial lower bound 0 are used).
    """

    def __init__(self, vertices):
        if vertices is None or isinstance(vertices, (str, bytes, dict)) or not hasattr(vertices, "__iter__"):
            raise Smale18Error(f"vertices={short_repr(vertices)} must be a non-empty sequence of vectors")
        self.vertices = [as_exact(v, f"vertices[{i}]") for i, v in enumerate(vertices)]
        if not self.vertices:
            raise Smale18Error("a convex hull needs at least one vertex")
        shapes = {v.shape for v in self.vertices}
        if len(shapes) != 1 or len(next(iter(shapes))) != 1:
            raise Smale18Error(f"vertices must be vectors of one length, got shapes {sorted(shapes)}")

    def _floats(self):
        return np.stack([np.asarray(v.approx(60), dtype=float) for v in self.vertices], axis=1)

    def _project_float(self, z: np.ndarray) -> np.ndarray:
        V = self._floats()
        k = V.shape[1]
        theta = np.full(k, 1.0 / k)
        # projected gradient on the simplex (small k); exactness is not needed, only a simplex point
        L = max(np.linalg.norm(V, 2) ** 2, 1e-300)
        for _ in range(2000):
            g = V.T @ (V @ theta - z)
            theta = _project_simplex(theta - g / L)
        return theta

    def distance(self, z, prec_bits: int = 192) -> Interval:
        prec_bits = _prec(prec_bits)
        N = self.vertices[0].shape[0]
        k = len(self.vertices)
        zs = _as_point(z, N, "z")
        # float proposals for theta and d: any values give valid bounds, so failures only cost tightness
        theta_f, d = np.full(k, 1.0 / k), None
        try:
            with np.errstate(all="ignore"):
                zf = np.asarray(zs.approx(60), dtype=float)
                proposal = self._project_float(zf)
                if np.all(np.isfinite(proposal)):
                    theta_f = proposal
                direction = zf - self._floats() @ theta_f
            if np.all(np.isfinite(direction)):
                d = DyadicArray.from_float64(direction)
        except (Smale18Error, ArithmeticError, ValueError, IndexError):
            pass
        theta = [Fraction(float(t)) for t in np.maximum(theta_f, 0)]
        total = sum(theta)
        theta = [t / total for t in theta] if total > 0 else [Fraction(1)] + [Fraction(0)] * (len(theta) - 1)
        with flint.ctx.workprec(prec_bits):
            zc = zs.enclose(prec_bits)
            verts = [v.enclose(prec_bits) for v in self.vertices]
            p = verts[0] * _arb.arb_from_fraction(theta[0])
            for t, v in zip(theta[1:], verts[1:]):
                p = p + v * _arb.arb_from_fraction(t)
            diff = zc - p
            sq = _arb.norm2_bounds([diff[i, 0] for i in range(N)])
            upper = _arb.sqrt_bounds(*sq, prec_bits)[1]
            # separating direction d = z - p, any nonzero vector is valid; take the float difference exactly
            lower = Fraction(0)
            if d is not None and any(int(v) for v in d.numerators.flat):
                dc = d.to_arb_mat()
                dz = (dc.transpose() * zc)[0, 0]
                dv_max = max(_arb.upper_fraction((dc.transpose() * v)[0, 0]) for v in verts)
                dn = _arb.sqrt_bounds(*_arb.norm2_bounds([dc[i, 0] for i in range(N)]), prec_bits)[1]
                lower = max(Fraction(0), (_arb.lower_fraction(dz) - dv_max) / dn)
        return Interval(lower, upper)


def _project_simplex(v: np.ndarray) -> np.ndarray:
    """Euclidean projection onto the probability simplex (sort-based)."""
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1
    ind = np.arange(1, len(v) + 1)
    rho = np.nonzero(u - css / ind > 0)[0][-1]
    return np.maximum(v - css[rho] / (rho + 1), 0)
