"""The three sparse-regularisation problems (THEORY §1), evaluated rigorously, with duality-gap certificates.

- (P1) :class:`BasisPursuitDenoise`: ``min ||x||_{l1,w}  s.t. ||Ax - y||_2 <= eta``
- (P2) :class:`Lasso`:               ``min lam ||x||_{l1,w} + ||Ax - y||_2^2``
- (P3) :class:`SqrtLasso`:           ``min lam ||x||_{l1,w} + ||Ax - y||_2``

with ``||x||_{l1,w} = sum_i w_i |x_i|``, ``w_i > 0``. Every value is an :class:`~oracle.Interval` with exact endpoints
computed in ball arithmetic from the exact data. :meth:`certify_minimiser` proves ``F(x) - min F <= tol`` from a dual
point (weak duality; proofs in ``proofs_notes/problems.md``), or refutes it from a reference point.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from . import _arb
from ._errors import Smale18Error, check_prec_bits
from ._verdict import Interval, Status
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


def _positive_fraction(value, name: str) -> Fraction:
    try:
        f = Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise Smale18Error(f"{name}={value!r} must be a positive rational (int, Fraction, 'p/q' or finite float)") from None
    if isinstance(value, float) and not np.isfinite(value):
        raise Smale18Error(f"{name}={value!r} must be finite")
    if f <= 0:
        raise Smale18Error(f"{name}={value!r} must be positive")
    return f


def _column(source: ExactArray, prec_bits: int) -> list:
    m = source.enclose(prec_bits)
    return [m[i, 0] for i in range(m.nrows())]


def _as_point(x, N: int) -> ExactArray:
    if isinstance(x, np.ndarray) and x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        raise Smale18Error("x has a non-finite entry; a candidate point must be finite")
    x = as_exact(x)
    if x.shape != (N,):
        raise Smale18Error(f"x.shape={x.shape} must be ({N},)")
    return x


@dataclass(frozen=True)
class MinimiserCheck:
    """Evidence about a proposed minimiser ``x`` of a problem.

    ``status`` is CERTIFIED when ``F(x) - min F <= tol`` is proven (``x`` feasible and ``gap_upper <= tol``), REFUTED when
    ``F(x) - min F > tol`` is proven (by ``reference``, a rigorously feasible point with smaller objective, or by ``x``
    being infeasible), UNKNOWN otherwise. ``objective`` encloses ``F(x)``; ``dual_bound`` encloses the dual value of
    the feasible dual point ``dual / dual_scale`` (a lower bound on ``min F``).
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
        self.A = as_exact(A)
        self.y = as_exact(y)
        if len(self.A.shape) != 2:
            raise Smale18Error(f"A.shape={self.A.shape} must be (m, N)")
        m, N = self.A.shape
        if self.y.shape != (m,):
            raise Smale18Error(f"y.shape={self.y.shape} does not match A.shape={self.A.shape}; need ({m},)")
        if weights is None:
            weights = [1] * N
        w = RationalArray(weights)
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
        """Enclosures of <y,u>, ||u||^2 and max_i |(A^T u)_i| / w_i (upper)."""
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
        _as_point(x, self.shape[1])
        return Status.CERTIFIED

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
        A = np.asarray(self.A.approx(60), dtype=float)
        y = np.asarray(self.y.approx(60), dtype=float)
        w = np.array([float(v) for v in self.weights.values])
        primal, x, dual, u = self._cvxpy(A, y, w)
        primal.solve()
        dual.solve()
        if x.value is None or u.value is None:
            raise Smale18Error(f"cvxpy did not solve {self.name} (status {primal.status} / {dual.status})")
        xv = np.asarray(x.value, dtype=float)
        candidates = [np.asarray(u.value, dtype=float), self._dual_from_primal(A, y, xv)]
        candidates = [c for c in candidates if c is not None and np.all(np.isfinite(c))]
        best = max(candidates, key=lambda c: self.dual_bound(c, 128)[0].lower)
        return xv, best

    def _dual_from_primal(self, A, y, x) -> np.ndarray | None:
        """A dual point suggested by the optimality conditions at ``x`` (None when there is none)."""
        return None

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
        MinimiserCheck, whose status is CERTIFIED, REFUTED or UNKNOWN; certification rests only on the exact
        data and the dual point, never on the solver's own report.
        """
        prec_bits = check_prec_bits(prec_bits)
        tol = Fraction(tol)
        if tol < 0:
            raise Smale18Error(f"tol={tol} must be non-negative")
        N = self.shape[1]
        xs = _as_point(x, N)
        if dual is None or reference is None:
            x_ref, u_ref = self.solve_float()
            dual = u_ref if dual is None else dual
            reference = x_ref if reference is None else reference
        u = as_exact(dual)
        if u.shape != (self.shape[0],):
            raise Smale18Error(f"dual.shape={u.shape} must be ({self.shape[0]},)")
        feas = self.feasibility(xs, prec_bits)
        obj = self.objective(xs, prec_bits)
        dval, scale = self.dual_bound(u, prec_bits)
        gap = obj.upper - dval.lower
        ref_obj = None
        ref = _as_point(reference, N)
        if self.feasibility(ref, prec_bits) is Status.CERTIFIED:
            ref_obj = self.objective(ref, prec_bits)
        if feas is Status.REFUTED:
            status, reason = Status.REFUTED, "x is infeasible (proven)"
        elif feas is Status.CERTIFIED and gap <= tol:
            status, reason = Status.CERTIFIED, f"duality gap <= {float(gap):.3e} <= tol"
        elif ref_obj is not None and obj.lower - ref_obj.upper > tol:
            status, reason = Status.REFUTED, "a feasible reference point has objective smaller by more than tol"
        else:
            status, reason = Status.UNKNOWN, f"gap bound {float(gap):.3e} > tol and no refutation"
        return MinimiserCheck(self.name, status, tol, obj, dval, gap, u, scale, ref_obj, feas, reason, prec_bits)

    def distance_to_minimisers(self, z, prec_bits: int = 192) -> Interval:
        """Enclosure of ``dist(z, Xi)`` when the minimiser set is known in closed form (``minimisers=``)."""
        if self.minimisers is None:
            raise Smale18Error(f"this {self.name} instance was built without a closed-form minimiser set")
        return self.minimisers.distance(z, prec_bits)


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
        xs = _as_point(x, self.shape[1])
        with flint.ctx.workprec(prec_bits):
            l1 = self._weighted_l1(_column(xs, prec_bits), prec_bits)
        res = self._norm(self._residual_sq(xs, prec_bits), prec_bits)
        return Interval(self.lam * l1.lower + res.lower, self.lam * l1.upper + res.upper)

    def dual_bound(self, u, prec_bits=192):
        u = as_exact(u)
        yu, usq, ratio = self._dual_pieces(u, prec_bits)
        unorm_hi = _arb.sqrt_bounds(usq.lower, usq.upper, prec_bits)[1]
        s = max(Fraction(1), unorm_hi, ratio / self.lam)
        return Interval(yu.lower / s, yu.upper / s), s

    def _dual_from_primal(self, A, y, x):
        r = y - A @ x
        nr = np.linalg.norm(r)
        return r / nr if nr > 0 else None

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
        xs = _as_point(x, self.shape[1])
        with flint.ctx.workprec(prec_bits):
            l1 = self._weighted_l1(_column(xs, prec_bits), prec_bits)
        res = self._residual_sq(xs, prec_bits)
        return Interval(self.lam * l1.lower + res.lower, self.lam * l1.upper + res.upper)

    def dual_bound(self, u, prec_bits=192):
        u = as_exact(u)
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
    ``eta^2`` exactly when the data are rational, in ball arithmetic otherwise (a point on the boundary with
    irrational data is then UNKNOWN, so :meth:`certify_minimiser` accepts ``feas_tol``).
    """

    name = "P1"

    def __init__(self, A, y, eta, weights=None, minimisers=None, feas_tol=0):
        super().__init__(A, y, weights, minimisers)
        self.eta = _positive_fraction(eta, "eta")
        self.feas_tol = Fraction(feas_tol)
        if self.feas_tol < 0:
            raise Smale18Error(f"feas_tol={feas_tol} must be non-negative")

    def objective(self, x, prec_bits=192):
        xs = _as_point(x, self.shape[1])
        with flint.ctx.workprec(prec_bits):
            return self._weighted_l1(_column(xs, prec_bits), prec_bits)

    def feasibility(self, x, prec_bits=192):
        """CERTIFIED if ``||Ax-y|| <= eta + feas_tol`` is proven, REFUTED if ``||Ax-y|| > eta + feas_tol``."""
        xs = _as_point(x, self.shape[1])
        sq = self._residual_sq(xs, prec_bits)
        bound = (self.eta + self.feas_tol) ** 2
        if sq.upper <= bound:
            return Status.CERTIFIED
        if sq.lower > bound:
            return Status.REFUTED
        return Status.UNKNOWN

    def dual_bound(self, u, prec_bits=192):
        u = as_exact(u)
        yu, usq, ratio = self._dual_pieces(u, prec_bits)
        s = max(Fraction(1), ratio)
        nlo, nhi = _arb.sqrt_bounds(usq.lower, usq.upper, prec_bits)
        return Interval(yu.lower / s - self.eta * nhi / s, yu.upper / s - self.eta * nlo / s), s

    def _dual_from_primal(self, A, y, x):
        r = y - A @ x
        scale = np.max(np.abs(A.T @ r) / np.array([float(v) for v in self.weights.values]))
        return r / scale if scale > 0 else None

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
        self.point = as_exact(point)

    def distance(self, z, prec_bits: int = 192) -> Interval:
        zs = _as_point(z, self.point.shape[0])
        with flint.ctx.workprec(prec_bits):
            d = zs.enclose(prec_bits) - self.point.enclose(prec_bits)
            sq = _arb.norm2_bounds([d[i, 0] for i in range(d.nrows())])
        return Interval(*_arb.sqrt_bounds(*sq, prec_bits))


class ConvexHull:
    """The convex hull of finitely many exact points; ``distance(z)`` encloses ``dist(z, hull)``.

    Upper bound: ``||z - p||`` for a point ``p = sum theta_i v_i`` with exact rational ``theta`` on the simplex.
    Lower bound: for any ``d != 0``, ``dist(z, hull) >= (<d,z> - max_i <d,v_i>) / ||d||`` (a separating hyperplane).
    Both are evaluated in ball arithmetic; ``theta`` and ``d`` come from a float projection (any choice is valid).
    """

    def __init__(self, vertices):
        self.vertices = [as_exact(v) for v in vertices]
        if not self.vertices:
            raise Smale18Error("a convex hull needs at least one vertex")
        shapes = {v.shape for v in self.vertices}
        if len(shapes) != 1 or len(next(iter(shapes))) != 1:
            raise Smale18Error(f"vertices must be vectors of one length, got shapes {sorted(shapes)}")

    def _project_float(self, z: np.ndarray) -> np.ndarray:
        V = np.stack([np.asarray(v.approx(60), dtype=float) for v in self.vertices], axis=1)
        k = V.shape[1]
        theta = np.full(k, 1.0 / k)
        # projected gradient on the simplex (small k); exactness is not needed, only a simplex point
        L = max(np.linalg.norm(V, 2) ** 2, 1e-300)
        for _ in range(2000):
            g = V.T @ (V @ theta - z)
            theta = _project_simplex(theta - g / L)
        return theta

    def distance(self, z, prec_bits: int = 192) -> Interval:
        N = self.vertices[0].shape[0]
        zs = _as_point(z, N)
        zf = np.asarray(zs.approx(60), dtype=float)
        theta_f = self._project_float(zf)
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
            V = np.stack([np.asarray(v.approx(60), dtype=float) for v in self.vertices], axis=1)
            d = DyadicArray.from_float64(zf - V @ theta_f)
            lower = Fraction(0)
            if any(int(v) for v in d.numerators.flat):
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
