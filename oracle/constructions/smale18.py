"""The well-conditioned classes Omega_K of the Smale-18 barrier (THEORY §2.1, §2.2a), for P1, P2 and P3.

One exact two-block class serves parts (i), (ii) and (iii) at once (proofs in ``proofs_notes/smale18_class.md``).
A member is ``A = D B``, ``y = D b`` with ``D`` the orthonormal DCT-II of order ``m = N2 + 2`` and

    B = [ a_c^T  p1   0      0    0       ]   coarse row: a_c = c 1 + eps1 e_{j1}  (N1 columns, one padding column)
        [ 0      0    a_f^T  p2   0       ]   fine row:   a_f = c_f 1 + eps2 e_{j2} (2 columns, one padding column)
        [ 0      0    0      0    R I_N2  ]

    b = (mu1, mu2, 0, ..., 0),   c = sqrt(2) 10^K / 3,   c_f = c sqrt(N1/2),   mu1 = 10,   mu2 = sqrt(N1/2),
    R = sqrt(N1 c^2 + 1),   p1 = sqrt(1 - 2 c eps1 - eps1^2),   p2 = sqrt(1 - 2 c_f eps2 - eps2^2).

Every row of B has norm R, so ``A A^T = R^2 I``: condition number exactly 1. ``eps1 = 2^-e1`` with ``e1 >= l0`` (the
coarse row is never tied), ``eps2 = 0`` (tied) or ``2^-e2`` with ``e2 >= l0``. The unique minimiser puts
``t_r / a_r`` on the top column of each row, with ``t_r`` given in closed form per problem; the fine vertices are
``sqrt(2) t_2 / a_2 ≈ 3 10^-K`` apart, the coarse ones ``≈ 3 10^-(K-1)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction

import flint
import numpy as np

from .. import _arb
from .._errors import MAX_PREC_BITS, Smale18Error, check_int_range, check_rational, short_repr
from ..exact import BallArray, ExactArray, ProductArray, RationalArray, dct2
from ..problems import BasisPursuitDenoise, ConvexHull, Lasso, PointSet, SqrtLasso

__all__ = ["Smale18Class", "Smale18Member", "CONSTRUCTIONS", "row_targets", "MAX_K", "MAX_DIGITS", "MAX_EXPONENT"]

_PROBLEMS = ("P1", "P2", "P3")


def _is_power_of_4(m: int) -> bool:
    return m >= 1 and m & (m - 1) == 0 and (m.bit_length() - 1) % 2 == 0


def _pow2(e: int | None) -> flint.arb:
    """Exact ball of 2^-e (0 when e is None)."""
    return flint.arb(0) if e is None else flint.arb(flint.fmpq(1, 1 << e))


#: the largest K a class is built for (its members' entries have ~3.3 K bits; a game must not hang the engine)
MAX_K = 1000
#: the largest N1 and N2 (the matrix is (N2 + 2) x (N1 + N2 + 4))
MAX_N1 = MAX_N2 = 1024
#: the largest exponent e of a member's eps = 2^-e (a game commits to at most cap + l0 + 192 + 3 * 512 ~ 2^14; the
#: training game to M + l0 + 256 with M <= 2^16)
MAX_EXPONENT = 1 << 17
#: the largest |D| of an accuracy 10^-D
MAX_DIGITS = 10_000
#: the most bits of a parameter lam, eta or a sample scale (numerator and denominator)
MAX_PARAMETER_BITS = 1024
#: the largest sample scale s of a training sample y = D b_s
MAX_SCALE = 1 << 32


def _index(value, name: str, hi: int) -> int:
    """An integer (not a bool) in ``[0, hi)``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not 0 <= value < hi:
        raise Smale18Error(f"{name}={short_repr(value)} must be an integer in [0, {hi})")
    return int(value)


def _parameter(value, name: str) -> Fraction:
    """An exact rational of at most MAX_PARAMETER_BITS bits (lam, eta, a scale)."""
    f = check_rational(value, name)
    if max(f.numerator.bit_length(), f.denominator.bit_length()) > MAX_PARAMETER_BITS:
        raise Smale18Error(f"{name}={short_repr(value)} has more than {MAX_PARAMETER_BITS} bits in its numerator or "
                           "denominator")
    return f


@dataclass(frozen=True)
class Smale18Class:
    """The class Omega_K for one problem.

    Parameters
    ----------
    problem : "P1", "P2" or "P3"
    K : accuracy exponent, ``K >= 1`` (no algorithm reaches ``10^-K`` on the whole class)
    N1 : competing coarse columns (>= 2); N2 : size of the identity block (>= 0)
    lam : the regularisation of P2/P3 (default 1); eta : the noise level of P1 (default 1/4)

    >>> omega = Smale18Class("P3", K=3)
    >>> member = omega.member(j1=0, e1=omega.l0, j2=1, e2=40)
    >>> member.A.shape, member.y.shape
    ((22, 26), (22,))
    """

    problem: str
    K: int
    N1: int = 2
    N2: int = 20
    lam: Fraction = Fraction(1)
    eta: Fraction = Fraction(1, 4)
    rotation: str = "dct"
    _cache: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __post_init__(self):
        if not isinstance(self.problem, str) or self.problem not in _PROBLEMS:
            raise Smale18Error(f"problem={short_repr(self.problem)} must be one of {', '.join(_PROBLEMS)}")
        for name, lo, hi in (("K", 1, MAX_K), ("N1", 2, MAX_N1), ("N2", 0, MAX_N2)):
            v = getattr(self, name)
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise Smale18Error(f"{name}={short_repr(v)} must be an integer in [{lo}, {hi}]")
            object.__setattr__(self, name, int(v))
        object.__setattr__(self, "lam", _parameter(self.lam, "lam"))
        object.__setattr__(self, "eta", _parameter(self.eta, "eta"))
        if not 0 < self.lam <= 1:
            raise Smale18Error(f"lam={self.lam} must lie in (0, 1] (the closed forms need lam < a_r)")
        if not isinstance(self.rotation, str) or self.rotation not in ("dct", "hadamard"):
            raise Smale18Error(f"rotation={short_repr(self.rotation)} must be 'dct' or 'hadamard'")
        if self.rotation == "hadamard" and not _is_power_of_4(self.N2 + 2):
            raise Smale18Error(f"rotation='hadamard' needs N2 + 2 a power of 4 (N2 = 2, 14, 62, ...), got N2={self.N2}")
        if not 0 < self.eta <= Fraction(1, 4):
            raise Smale18Error(f"eta={self.eta} must lie in (0, 1/4] (the fine vertices must stay > 2 10^-K apart)")

    # -- sizes ----------------------------------------------------------------------------------------------
    @property
    def m(self) -> int:
        return self.N2 + 2

    @property
    def N(self) -> int:
        return self.N1 + self.N2 + 4

    @property
    def coarse_columns(self) -> range:
        return range(0, self.N1)

    @property
    def fine_columns(self) -> range:
        return range(self.N1 + 1, self.N1 + 3)

    @property
    def name(self) -> str:
        return f"smale18-{self.problem.lower()}"

    # -- constants ------------------------------------------------------------------------------------------
    def c_ball(self) -> flint.arb:
        """Ball of ``c = sqrt(2) 10^K / 3`` at the current working precision."""
        return flint.arb(2).sqrt() * (10**self.K) / 3

    @property
    def l0(self) -> int:
        """Least exponent allowed: ``2^l0 >= 4 c_f + 2``, so every ``eps <= 2^-l0`` keeps ``p_r^2 >= 1/2``."""
        with flint.ctx.workprec(64):
            cf_upper = _arb.upper_fraction(self.c_ball() * flint.arb(flint.fmpq(self.N1, 2)).sqrt())
        bound = 4 * cf_upper + 2
        l0 = 0
        while (1 << l0) < bound:
            l0 += 1
        return l0

    def rotation_matrix(self) -> ExactArray:
        """The exact orthogonal D: the orthonormal DCT-II, or the Walsh-Hadamard matrix scaled by 2^-k (m = 4^k),
        whose entries are exact dyadics so that rotated roundings of B are exact oracle answers."""
        if self.rotation == "dct":
            return dct2(self.m)
        key = ("rotation",)
        if key not in self._cache:
            H = np.array([[1]], dtype=object)
            while H.shape[0] < self.m:
                H = np.block([[H, H], [H, -H]])
            k = (self.m.bit_length() - 1) // 2
            self._cache[key] = RationalArray([[Fraction(int(v), 1 << k) for v in row] for row in H])
        return self._cache[key]

    def digits_bound(self, digits: int) -> Fraction:
        """The accuracy ``10^-digits`` a candidate is judged at, exactly (``digits`` an integer in
        ``[-MAX_DIGITS, MAX_DIGITS]``; a negative one, e.g. ``K - 2`` for K = 1, is an accuracy coarser than 1)."""
        if isinstance(digits, (bool, np.bool_)) or not isinstance(digits, (int, np.integer)) \
                or not -MAX_DIGITS <= digits <= MAX_DIGITS:
            raise Smale18Error(f"digits={short_repr(digits)} must be an integer in [{-MAX_DIGITS}, {MAX_DIGITS}]")
        digits = int(digits)
        return Fraction(1, 10**digits) if digits >= 0 else Fraction(10 ** (-digits))

    # -- members --------------------------------------------------------------------------------------------
    def member(self, j1: int, e1: int, j2: int, e2: int | None) -> "Smale18Member":
        """The member with coarse top column ``j1``, ``eps1 = 2^-e1``, fine top column ``j2`` (0 or 1) and
        ``eps2 = 2^-e2`` (``e2=None``: the tied fine row, whose minimiser set is a segment)."""
        _index(j1, "j1", self.N1)
        if isinstance(j2, (bool, np.bool_)) or not (isinstance(j2, (int, np.integer)) and 0 <= j2 < 2):
            raise Smale18Error(f"j2={short_repr(j2)} must be 0 or 1")
        for name, e in (("e1", e1), ("e2", e2)):
            if e is None and name == "e2":
                continue
            if isinstance(e, (bool, np.bool_)) or not isinstance(e, (int, np.integer)) \
                    or not self.l0 <= e <= MAX_EXPONENT:
                raise Smale18Error(f"{name}={short_repr(e)} must be an integer >= l0={self.l0} and <= {MAX_EXPONENT} "
                                   f"(eps = 2^-{name})")
        key = (int(j1), int(e1), int(j2), None if e2 is None else int(e2))
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = Smale18Member(self, *key)
        return self._cache[key]

    def tied(self, j1: int, e1: int) -> "Smale18Member":
        """The member whose fine row is tied (``eps2 = 0``)."""
        return self.member(j1, e1, 0, None)

    def __reduce__(self):
        # pickled as its record (a candidate's process rebuilds the class; caches stay behind)
        return (Smale18Class.from_json, (self.to_json(),))

    def to_json(self) -> dict:
        return {
            "construction": self.name,
            "K": self.K,
            "N1": self.N1,
            "N2": self.N2,
            "lam": str(self.lam),
            "eta": str(self.eta),
            "rotation": self.rotation,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Smale18Class":
        """Inverse of :meth:`to_json`, strict: integers must be integers (not ``"3"``, ``3.0`` or ``True``), ``lam``
        and ``eta`` rationals (``"p/q"``); refused with a Smale18Error naming the field."""
        if not isinstance(data, dict):
            raise Smale18Error(f"not a smale18 class record: {short_repr(data)} is not an object")
        missing = [k for k in ("construction", "K", "N1", "N2", "lam", "eta") if k not in data]
        if missing:
            raise Smale18Error(f"not a smale18 class record: missing {missing}")
        problems = {"smale18-p1": "P1", "smale18-p2": "P2", "smale18-p3": "P3"}
        name = data["construction"]
        if not isinstance(name, str) or name not in problems:
            raise Smale18Error(f"not a smale18 class record: construction={short_repr(name)} must be one of "
                               f"{', '.join(problems)}")
        for key in ("K", "N1", "N2"):
            if type(data[key]) is not int:
                raise Smale18Error(f"not a smale18 class record: {key}={short_repr(data[key])} must be an integer")
        for key in ("lam", "eta"):
            if not isinstance(data[key], (str, int)) or isinstance(data[key], bool):
                raise Smale18Error(f"not a smale18 class record: {key}={short_repr(data[key])} must be a rational "
                                   'written as "p/q"')
        return cls(problems[name], data["K"], data["N1"], data["N2"], data["lam"], data["eta"],
                   data.get("rotation", "dct"))


def _scale_arg(scale) -> Fraction:
    s = _parameter(scale, "scale")
    if not 1 <= s <= MAX_SCALE:
        raise Smale18Error(f"scale={short_repr(scale)} must be a rational in [1, {MAX_SCALE}]")
    return s


def row_targets(omega: "Smale18Class", a1: flint.arb, a2: flint.arb, mu1: flint.arb, mu2: flint.arb):
    """Balls of Theorem 3's row targets ``(t1, t2)`` for top coefficients ``a1, a2`` and row data ``mu1, mu2``
    (proofs_notes/smale18_class.md): P3 ``t = mu``; P2 ``t_r = mu_r - lam/(2 a_r)``; P1 ``t = mu - eta g/||g||`` with
    ``g = (1/a1, 1/a2)``. Valid for balls: each is evaluated in ball arithmetic at the current working precision."""
    if omega.problem == "P3":
        return mu1, mu2
    if omega.problem == "P2":
        lam = flint.arb(flint.fmpq(omega.lam.numerator, omega.lam.denominator))
        return mu1 - lam / (2 * a1), mu2 - lam / (2 * a2)
    eta = flint.arb(flint.fmpq(omega.eta.numerator, omega.eta.denominator))
    g = (1 / (a1 * a1) + 1 / (a2 * a2)).sqrt()
    return mu1 - eta / (a1 * g), mu2 - eta / (a2 * g)


class _BlockMatrix(ExactArray):
    """The exact matrix B of a member (entries enclosed from the closed forms)."""

    def __init__(self, member: "Smale18Member"):
        omega = member.omega
        super().__init__((omega.m, omega.N))
        self._member = member

    def _ball_table(self, prec_bits):
        mem, om = self._member, self._member.omega
        c = om.c_ball()
        cf = c * flint.arb(flint.fmpq(om.N1, 2)).sqrt()
        e1, e2 = _pow2(mem.e1), _pow2(mem.e2)
        R = (om.N1 * c * c + 1).sqrt()
        p1 = (1 - 2 * c * e1 - e1 * e1).sqrt()
        p2 = (1 - 2 * cf * e2 - e2 * e2).sqrt()
        table = [flint.arb(0), c, c + e1, p1, cf, cf + e2, p2, R]
        index = np.zeros((om.m, om.N), dtype=np.int64)
        for j in om.coarse_columns:
            index[0, j] = 2 if j == mem.j1 else 1
        index[0, om.N1] = 3
        for k, j in enumerate(om.fine_columns):
            index[1, j] = 5 if (k == mem.j2 and mem.e2 is not None) else 4
        index[1, om.N1 + 3] = 6
        for i in range(om.N2):
            index[2 + i, om.N1 + 4 + i] = 7
        return table, index


class Smale18Member:
    """One exact member ``(A, y)`` of Omega_K with its problem, its minimiser set and their constants.

    Attributes: ``A`` (= D B, an ExactArray), ``y`` (= D b), ``B``, ``problem`` (an :mod:`smale18.oracle.problems`
    object carrying the closed-form minimiser set), ``minimisers`` (PointSet, or ConvexHull for the tied fine row).
    """

    def __init__(self, omega: Smale18Class, j1: int, e1: int, j2: int, e2: int | None):
        self.omega, self.j1, self.e1, self.j2, self.e2 = omega, j1, e1, j2, e2
        D = omega.rotation_matrix()
        self.D = D
        self.B = _BlockMatrix(self)
        self.A = ProductArray(D, self.B)
        self.b = self.b_scaled(1)
        self.y = ProductArray(D, self.b)
        self.minimisers = self._minimiser_set()
        P = omega.problem
        if P == "P3":
            self.problem = SqrtLasso(self.A, self.y, omega.lam, minimisers=self.minimisers)
        elif P == "P2":
            self.problem = Lasso(self.A, self.y, omega.lam, minimisers=self.minimisers)
        else:
            # the minimiser lies on the boundary ||Ax - y|| = eta, undecidable in ball arithmetic: allow 2^-120
            self.problem = BasisPursuitDenoise(
                self.A, self.y, omega.eta, minimisers=self.minimisers, feas_tol=Fraction(1, 2**120)
            )

    def __repr__(self) -> str:
        e2 = "tied" if self.e2 is None else f"2^-{self.e2}"
        return f"Smale18Member({self.omega.name}, K={self.omega.K}, j1={self.j1}, eps1=2^-{self.e1}, j2={self.j2}, eps2={e2})"

    @property
    def is_tied(self) -> bool:
        return self.e2 is None

    def b_scaled(self, scale) -> BallArray:
        """``b`` with both targets scaled: ``(s mu1, s mu2, 0, ...)`` (training samples use
        ``1 <= s <= MAX_SCALE``)."""
        om, s = self.omega, _scale_arg(scale)

        def balls(prec_bits):
            sb = flint.arb(flint.fmpq(s.numerator, s.denominator))
            return [10 * sb, sb * flint.arb(flint.fmpq(om.N1, 2)).sqrt()] + [flint.arb(0)] * om.N2

        return BallArray((om.m,), balls)

    def y_scaled(self, scale) -> ExactArray:
        """The data ``y = D b_s`` of the training sample with scale ``s``."""
        return ProductArray(self.D, self.b_scaled(scale))

    # -- closed forms ---------------------------------------------------------------------------------------
    def _row_tops(self, scale=1):
        """Balls of (a_1, a_2, t_1, t_2) at the current working precision: top coefficients and row targets."""
        om = self.omega
        c = om.c_ball()
        cf = c * flint.arb(flint.fmpq(om.N1, 2)).sqrt()
        a1, a2 = c + _pow2(self.e1), cf + _pow2(self.e2)
        s = Fraction(scale)
        sb = flint.arb(flint.fmpq(s.numerator, s.denominator))
        mu1, mu2 = 10 * sb, sb * flint.arb(flint.fmpq(om.N1, 2)).sqrt()
        t1, t2 = row_targets(om, a1, a2, mu1, mu2)
        return a1, a2, t1, t2

    def _vertex(self, j2: int, scale=1) -> BallArray:
        om = self.omega
        if isinstance(j2, (bool, np.bool_)) or not (isinstance(j2, (int, np.integer)) and 0 <= j2 < 2):
            raise Smale18Error(f"j2={short_repr(j2)} must be 0 or 1")
        j2 = int(j2)
        scale = _scale_arg(scale)

        def balls(prec_bits):
            a1, a2, t1, t2 = self._row_tops(scale)
            x = [flint.arb(0)] * om.N
            x[self.j1] = t1 / a1
            x[om.fine_columns[j2]] = t2 / a2
            return x

        return BallArray((om.N,), balls)

    def _minimiser_set(self, scale=1):
        scale = _scale_arg(scale)
        if self.is_tied:
            return ConvexHull([self._vertex(0, scale), self._vertex(1, scale)])
        return PointSet(self._vertex(self.j2, scale))

    def vertex(self, j2: int | None = None, scale=1) -> ExactArray:
        """The exact minimiser (for a tied member: the vertex with all fine mass on column ``j2``); ``scale`` picks
        the training sample ``y = D b_s``."""
        return self._vertex(self.j2 if j2 is None else j2, scale)

    def dual_point(self) -> ExactArray:
        """The exact optimal dual point ``u = D w``, ``w = (s/a_1, s/a_2, 0, ...)`` with ``s = lam`` (P2, P3) or 1 (P1):
        with :meth:`vertex` it closes the duality gap (``proofs_notes/smale18_class.md``)."""
        om = self.omega

        def balls(prec_bits):
            a1, a2, _, _ = self._row_tops()
            s = flint.arb(1) if om.problem == "P1" else flint.arb(flint.fmpq(om.lam.numerator, om.lam.denominator))
            return [s / a1, s / a2] + [flint.arb(0)] * om.N2

        return ProductArray(self.D, BallArray((om.m,), balls))

    def distance(self, z, prec_bits: int = 256, scale=1):
        """Enclosure (:class:`~smale18.oracle.Interval`) of ``dist(z, Xi(A, y_s))`` for this member's problem
        (``scale=1``: the member's own ``y``)."""
        prec_bits = check_int_range(prec_bits, "prec_bits", 2, MAX_PREC_BITS)
        scale = _scale_arg(scale)
        sets = self.minimisers if scale == 1 else self._minimiser_set(scale)
        return sets.distance(z, prec_bits)

    # -- serialisation --------------------------------------------------------------------------------------
    def to_json(self) -> dict:
        """Exact description: the class and the four integers that pick the member (eps = 2^-e)."""
        return dict(self.omega.to_json(), j1=self.j1, e1=self.e1, j2=self.j2, e2=self.e2)

    @classmethod
    def from_json(cls, data: dict) -> "Smale18Member":
        """Inverse of :meth:`to_json`, strict (integers must be integers; ``e2`` an integer or null)."""
        omega = Smale18Class.from_json(data)
        missing = [k for k in ("j1", "e1", "j2", "e2") if k not in data]
        if missing:
            raise Smale18Error(f"not a smale18 member record: missing {missing}")
        for key in ("j1", "e1", "j2", "e2"):
            if not (type(data[key]) is int or (key == "e2" and data[key] is None)):
                raise Smale18Error(f"not a smale18 member record: {key}={short_repr(data[key])} must be an integer"
                                   + (" or null" if key == "e2" else ""))
        return omega.member(data["j1"], data["e1"], data["j2"], data["e2"])

    def dumps(self) -> str:
        return json.dumps(self.to_json())


def _make(problem):
    def make(K: int, **kwargs) -> Smale18Class:
        return Smale18Class(problem, K, **kwargs)

    return make


#: constructions by CLI name
CONSTRUCTIONS = {f"smale18-{p.lower()}": _make(p) for p in _PROBLEMS}
