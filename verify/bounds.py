"""The theorems' constants as functions, and FIRENET's certified error bound (``proofs_notes/firenet_bound.md``).

Two kinds of function, kept apart:

**Formulas under a hypothesis** — exact rational *upper bounds* of the constants of a weighted rNSPL ``(rho, gamma)`` of
order ``(s, M)``; each is a statement "*if* A has the weighted rNSPL ``(rho, gamma)``, then ..." and certifies nothing
about a matrix by itself (square roots and fourth roots are the upper ends of Arb enclosures):

- :func:`distance_constants`: ``(C1, C2, Q)`` with ``||z - x||_2 <= C1 eta / sqrt(xi) + C2 ||A(z - x)||_2`` (Theorem 1),
  the better of the two tail estimates.
- :func:`sharpness_constant`: ``c(lam)`` with ``||z - x|| <= c (F(z) - F(x)) + 2c (lam sigma_{s,M}(x) + ||Ax - y||)``
  for ``F = lam ||.||_{l1,w} + ||A . - y||`` (Corollary); :func:`optimal_lambda`.
- :func:`delta_prime`: an upper bound of ``delta' = 2c(lam sigma_{s,M}(x)_{l1,w} + ||Ax - y||_2)`` for the given data.

**Certified** — these take only inputs they check:

- :func:`checked_rnsp`: a :class:`~smale18.verify.certificates.Certificate` of the rNSPL
  (``smale18.verify.rnsp.certify``) re-checked from its witness in ball arithmetic (its status field is never trusted),
  and ``L_A >= ||A||_2`` derived for the certificate's own matrix in ball arithmetic, or a given ``L_A`` proven to be
  one.
- :func:`firenet_guarantee`: Theorem 2's hypotheses checked exactly for ``(lam, tau, sigma, p, eps0, delta)``; the
  bounds ``eps_k`` on ``||psi_k - x||`` of the exact-arithmetic *weighted* FIRENET (the certificate's levels and
  weights) for every ``(x, y)`` with ``||x|| <= eps0`` and ``delta'(x, y) <= delta``.
- :func:`theorem2_run`: chooses Theorem 2's parameters for one ``(x, y)``, proves that ``(x, y)`` is covered, and runs
  that weighted FIRENET in float64; the errors it reports are *observed*.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import flint
import numpy as np

from smale18.oracle import ExactArray, Smale18Error, _arb
from smale18.oracle._errors import check_int_range, short_repr

from .certificates import Certificate, decode_floats, matrix_digest, parse_fraction
from .nets._checks import MAX_NORM_SIDE, exact_float64_array, exact_rational, norm_bound_is_proven
from .rnsp import KIND_CERT, SparsityInLevels

__all__ = ["distance_constants", "sharpness_constant", "optimal_lambda", "firenet_guarantee", "FirenetGuarantee",
           "delta_prime", "DistanceConstants", "theorem2_run", "Theorem2Run", "checked_rnsp", "CheckedRNSP"]

_PREC = 128
MAX_ENTRIES = 2**20  # m * N of a certificate's matrix used here
MAX_RESTARTS = 10_000
MAX_P = 10**12
MAX_RUN_WORK = 10**10  # restarts * p * m * N multiply-adds of theorem2_run's float64 FIRENET


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
    rho, gamma = exact_rational(rho, "rho"), exact_rational(gamma, "gamma")
    if not 0 <= rho < 1:
        raise Smale18Error(f"rho={rho} must lie in [0, 1)")
    if gamma <= 0:
        raise Smale18Error(f"gamma={gamma} must be positive")
    if not isinstance(lv, SparsityInLevels):
        raise Smale18Error("levels must be a SparsityInLevels (smale18.verify.rnsp)")
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
    """Theorem 1 under the hypothesis "A has the weighted rNSPL ``(rho, gamma)`` of order ``lv``": the pair (C1, C2) of
    the smaller C2 among the tail estimates (A) and (B), as exact upper bounds. ``rho in [0, 1)``, ``gamma > 0``
    (rationals; Smale18Error otherwise).

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
    """``c(lam) = max(C1/mu, gamma Q / (1 - 2 gamma mu / (1 + rho)))``, ``mu = lam sqrt(xi)``, minimised over the two
    tail estimates, under the hypothesis of :func:`distance_constants`; requires ``mu < (1 + rho)/(2 gamma)``
    (Corollary of Theorem 1). An exact upper bound."""
    rho, gamma = _check(rho, gamma, lv)
    lam = exact_rational(lam, "lam")
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
    """A rational close to ``C1 / (C2 sqrt(xi))`` (where ``c(lam) = C2``), rounded down to ``digits`` digits
    (``1 <= digits <= 100``). Any positive ``lam`` below the corollary's limit is admissible; this one is a choice."""
    digits = check_int_range(digits, "digits", 1, 100)
    d = distance_constants(rho, gamma, lv)
    with flint.ctx.workprec(_PREC):
        lam = _ball(d.C1) / (_ball(d.C2) * _ball(lv.xi).sqrt())
    from smale18.oracle import format_bound

    return Fraction(format_bound(_lo(lam), "down", digits))


def _real_vector(v, n: int, name: str) -> np.ndarray:
    if isinstance(v, (str, bytes)):
        raise Smale18Error(f"{name} must be a real vector of length {n}")
    try:
        raw = np.asarray(v)
    except (TypeError, ValueError):
        raise Smale18Error(f"{name} must be a real vector of length {n}") from None
    if raw.shape != (n,):
        raise Smale18Error(f"{name} must be a real vector of length {n}, got shape {raw.shape}")
    return exact_float64_array(raw, name)


def _enclosure(A) -> flint.arb_mat:
    """A ball matrix containing ``A`` (a real float64 array read exactly, an ExactArray, or an arb_mat)."""
    if isinstance(A, flint.arb_mat):
        return A
    if isinstance(A, ExactArray):
        if len(A.shape) != 2 or A.shape[0] * A.shape[1] > MAX_ENTRIES:
            raise Smale18Error(f"A has shape {A.shape}; at most {MAX_ENTRIES} entries here")
        return A.enclose(_PREC + 64)
    if not isinstance(A, np.ndarray) or A.ndim != 2 or 0 in A.shape:
        raise Smale18Error("A must be a non-empty 2-D real array (or a smale18.oracle.ExactArray)")
    if A.size > MAX_ENTRIES:
        raise Smale18Error(f"A has {A.size} entries; at most {MAX_ENTRIES} here")
    arr = exact_float64_array(A, "A")
    with flint.ctx.workprec(_PREC):
        return flint.arb_mat(arr.tolist())


def _sigma_tail(xf: list, lv: SparsityInLevels) -> Fraction:
    """``sigma_{s,M}(x)_{l1,w}`` exactly: per level, the weight times the sum of all but the ``s_k`` largest
    ``|x_i|``."""
    w = lv.column_weights()
    tail = Fraction(0)
    for r, sk in zip(lv.ranges(), lv.s):
        rest = sorted((abs(xf[i]) for i in r), reverse=True)[sk:]
        tail += w[r.start] * sum(rest, Fraction(0))
    return tail


def _delta_prime(enc: flint.arb_mat, x: np.ndarray, y: np.ndarray, lv: SparsityInLevels, lam: Fraction,
                 c: Fraction) -> Fraction:
    xf = [Fraction(float(v)) for v in x]
    tail = _sigma_tail(xf, lv)
    with flint.ctx.workprec(_PREC):
        r = enc * flint.arb_mat([[float(v)] for v in x]) - flint.arb_mat([[float(v)] for v in y])
        lo2, hi2 = _arb.norm2_bounds([r[i, 0] for i in range(r.nrows())])
    res = _arb.sqrt_bounds(lo2, hi2, _PREC)[1]
    return 2 * c * (lam * tail + res)


def delta_prime(A, x, y, lv: SparsityInLevels, lam, c) -> Fraction:
    """Exact upper bound of ``delta' = 2 c (lam sigma_{s,M}(x)_{l1,w} + ||A x - y||_2)`` for the given ``A`` (a real
    float64 array read exactly, or an :class:`smale18.oracle.ExactArray`), real float64 ``x`` (length N) and ``y``
    (length m), and rationals ``lam > 0``, ``c >= 0``; ball arithmetic at 128 bits. A formula: it does not check that
    ``c`` is a sharpness constant of ``A``."""
    if not isinstance(lv, SparsityInLevels):
        raise Smale18Error("levels must be a SparsityInLevels (smale18.verify.rnsp)")
    enc = _enclosure(A)
    m, N = enc.nrows(), enc.ncols()
    if lv.N != N:
        raise Smale18Error(f"levels end at {lv.N} but A has {N} columns")
    x, y = _real_vector(x, N, "x"), _real_vector(y, m, "y")
    lam, c = exact_rational(lam, "lam"), exact_rational(c, "c")
    if lam <= 0 or c < 0:
        raise Smale18Error(f"lam={lam} must be positive and c={c} non-negative")
    return _delta_prime(enc, x, y, lv, lam, c)


# -- the certified path -------------------------------------------------------------------------------------------
_TOKEN = object()


@dataclass(frozen=True, eq=False)
class CheckedRNSP:
    """A weighted rNSPL certificate that :func:`checked_rnsp` has re-checked from its witness, with what was proven:
    the matrix ``A`` of the certificate (``shape``; ``matrix`` names it by digest or name) has the weighted rNSPL
    ``(rho, gamma)`` of order ``levels``, and ``||A||_2 <= L_A`` (``L_A_source``: "derived" in ball arithmetic, or
    "checked": given and proven). Made by :func:`checked_rnsp` only."""

    rho: Fraction
    gamma: Fraction
    levels: SparsityInLevels
    shape: tuple
    L_A: Fraction
    L_A_source: str
    matrix: str
    check_reason: str
    _A_float: np.ndarray = field(repr=False)
    _A_exact: object = field(repr=False)
    _enc: flint.arb_mat = field(repr=False)
    _token: object = field(repr=False, default=None)

    def __post_init__(self):
        if self._token is not _TOKEN:
            raise Smale18Error("a CheckedRNSP is made by smale18.verify.bounds.checked_rnsp(cert) only")

    def matrix_float64(self) -> np.ndarray:
        """A copy of the certificate's matrix in float64 (exact for float matrices; nearest floats of a named one)."""
        return self._A_float.copy()


def _rebuild(data: dict):
    """``(float64 matrix, ExactArray or None, enclosure, description)`` of a certificate's matrix record."""
    rec = data.get("matrix")
    if not isinstance(rec, dict):
        raise Smale18Error("the certificate has no matrix record")
    if "named" in rec:
        from .named import named_matrix

        A = named_matrix(rec["named"])
        if len(A.shape) != 2 or A.shape[0] * A.shape[1] > MAX_ENTRIES:
            raise Smale18Error(f"the certificate's matrix has shape {A.shape}; at most {MAX_ENTRIES} entries here")
        approx = np.asarray(A.approx(60), dtype=float)
        return approx, A, A.enclose(_PREC + 64), f"named:{rec['named']}"
    arr = decode_floats(rec)
    if arr.ndim != 2 or arr.dtype.kind != "f" or 0 in arr.shape or not np.all(np.isfinite(arr)):
        raise Smale18Error("the certificate's matrix must be a finite, real, non-empty 2-D float64 array")
    if arr.size > MAX_ENTRIES:
        raise Smale18Error(f"the certificate's matrix has {arr.size} entries; at most {MAX_ENTRIES} here")
    digest = matrix_digest(arr)
    if data.get("sha256") != digest:
        raise Smale18Error("the certificate's matrix does not match its sha256 digest")
    with flint.ctx.workprec(_PREC):
        enc = flint.arb_mat(arr.tolist())
    arr.setflags(write=False)
    return arr, None, enc, f"sha256:{digest}"


def checked_rnsp(cert, L_A=None) -> CheckedRNSP:
    """Check an rNSPL certificate and bound the norm of its matrix; return what is then proven (:class:`CheckedRNSP`).

    ``cert``: a :class:`~smale18.verify.certificates.Certificate` of kind ``"rnsp-levels"`` (from
    :func:`smale18.verify.rnsp.certify` or read from JSON) or an already checked :class:`CheckedRNSP` (returned as is;
    then ``L_A`` must be None). The certificate is deep-copied, and ``check()`` re-derives ``(rho, gamma)`` on the copy
    from its witness in ball arithmetic: its status and claim are never taken on trust. ``L_A``: None to derive
    ``L_A >= ||A||_2`` in ball arithmetic (:func:`smale18.verify.balls.operator_norm_upper`, 8 squarings), or a
    rational that is then *proven* to bound ``||A||_2`` (``proofs_notes/firenet_bound.md``, Lemma 4) and refused
    otherwise. The matrix is the certificate's own (float64 entries read exactly, or the exact named matrix), at most
    ``2^20`` entries and ``min(m, N) <= 512``.

    Raises Smale18Error: not such a certificate, a certificate that does not check, an ``L_A`` not proven.
    """
    if isinstance(cert, CheckedRNSP):
        if L_A is not None:
            raise Smale18Error("L_A is given with an already checked certificate: pass it to checked_rnsp(cert, L_A)")
        return cert
    if not isinstance(cert, Certificate):
        raise Smale18Error(f"cert must be a smale18.verify.certificates.Certificate of kind {KIND_CERT!r} "
                           f"(smale18.verify.rnsp.certify), got {type(cert).__name__}")
    try:
        own = Certificate.from_json(copy.deepcopy(cert.to_json()))
    except Smale18Error as exc:
        raise Smale18Error(f"cert is not a well-formed certificate: {exc}") from None
    except (TypeError, ValueError, RecursionError, copy.Error) as exc:
        raise Smale18Error(f"cert cannot be copied: {type(exc).__name__}") from None
    if own.kind != KIND_CERT:
        raise Smale18Error(f"cert has kind {short_repr(own.kind)}; an rNSPL certificate has kind {KIND_CERT!r}")
    try:
        result = own.check()
    except (TypeError, ValueError, KeyError, IndexError, ArithmeticError, RecursionError) as exc:
        raise Smale18Error(f"the certificate could not be checked ({type(exc).__name__}): it is not accepted") from None
    if not result.valid:
        raise Smale18Error(f"the certificate does not check: {result.reason}")
    rho = parse_fraction(own.claim.get("rho"), "claim.rho")
    gamma = parse_fraction(own.claim.get("gamma"), "claim.gamma")
    if not (0 <= rho < 1 and gamma > 0):  # implied by a valid check; refused here all the same
        raise Smale18Error(f"the certificate's rho={rho} must lie in [0, 1) and gamma={gamma} be positive")
    try:
        lv = SparsityInLevels.from_json(own.data)
    except (TypeError, ValueError) as exc:
        raise Smale18Error(f"the certificate's levels are malformed ({type(exc).__name__})") from None
    A_float, A_exact, enc, name = _rebuild(own.data)
    if lv.N != A_float.shape[1]:
        raise Smale18Error(f"levels end at {lv.N} but the matrix has {A_float.shape[1]} columns")
    if min(A_float.shape) > MAX_NORM_SIDE:
        raise Smale18Error(f"the certificate's matrix has shape {A_float.shape}: a norm bound is derived or checked "
                           f"here only for min(m, N) <= {MAX_NORM_SIDE}")
    exact = A_exact if A_exact is not None else A_float
    if L_A is None:
        from .balls import operator_norm_upper

        L, source = operator_norm_upper(exact, squarings=8, prec_bits=_PREC), "derived"
    else:
        L = exact_rational(L_A, "L_A")
        if L <= 0 or not norm_bound_is_proven(exact, L):
            raise Smale18Error(f"L_A={float(L):.6g} is not proven to be >= ||A||_2 for the certificate's matrix; omit "
                               f"L_A to derive a certified bound")
        source = "checked"
    return CheckedRNSP(rho, gamma, lv, tuple(A_float.shape), L, source, name, result.reason, A_float, A_exact, enc,
                       _TOKEN)


@dataclass(frozen=True)
class FirenetGuarantee:
    """Theorem 2, certified (``proofs_notes/firenet_bound.md``). Let ``A`` be the matrix of the checked certificate
    (``rho``, ``gamma``, ``levels`` with their weights ``w``), ``F(z) = lam ||z||_{l1,w} + ||Az - y||_2``. For every
    ``(x, y)`` with ``||x||_2 <= eps0`` and ``delta'(x, y) = 2c(lam sigma_{s,M}(x)_{l1,w} + ||Ax - y||_2) <= delta``,
    the weighted FIRENET in exact arithmetic with step sizes ``tau, sigma`` (``tau sigma L_A^2 <= 1``, ``L_A >=
    ||A||_2`` proven), ``p >= p_min`` inner steps and the schedule ``eps_{k+1} = eps_k / e + delta`` satisfies
    ``||psi_k - x||_2 <= eps[k]`` for ``k = 0..restarts`` (``eps[k]`` rounded up). :meth:`covers` decides the
    hypothesis on ``(x, y)`` rigorously."""

    c: Fraction
    p_min: int
    eps: tuple
    rho: Fraction
    gamma: Fraction
    levels: SparsityInLevels
    lam: Fraction
    tau: Fraction
    sigma: Fraction
    p: int
    L_A: Fraction
    L_A_source: str
    eps0: Fraction
    delta: Fraction
    _instance: CheckedRNSP = field(repr=False, compare=False, default=None)

    def bound(self, k: int) -> Fraction:
        """``eps[k]``: the certified bound on ``||psi_k - x||_2``."""
        k = check_int_range(k, "k", 0, len(self.eps) - 1)
        return self.eps[k]

    def delta_prime(self, x, y) -> Fraction:
        """An exact upper bound of ``delta'(x, y)`` for the certificate's matrix (ball arithmetic)."""
        m, N = self._instance.shape
        return _delta_prime(self._instance._enc, _real_vector(x, N, "x"), _real_vector(y, m, "y"), self.levels,
                            self.lam, self.c)

    def covers(self, x, y) -> bool:
        """True iff ``||x||_2 <= eps0`` (exactly) and ``delta'(x, y) <= delta`` are proven, so the bounds hold for
        this ``(x, y)``; False means not proven (then nothing is claimed for it)."""
        m, N = self._instance.shape
        x = _real_vector(x, N, "x")
        if sum((Fraction(float(v)) ** 2 for v in x), Fraction(0)) > self.eps0 * self.eps0:
            return False
        return self.delta_prime(x, y) <= self.delta


def _positive(value, name, allow_zero=False) -> Fraction:
    v = exact_rational(value, name)
    if v < 0 or (v == 0 and not allow_zero):
        raise Smale18Error(f"{name}={short_repr(value)} must be {'non-negative' if allow_zero else 'positive'}")
    return v


def _p_min(c: Fraction, tau: Fraction, sigma: Fraction) -> int:
    """``ceil`` of an upper bound of ``2 e c / sqrt(tau sigma)`` (at least 1)."""
    with flint.ctx.workprec(_PREC):
        ball = 2 * flint.arb.const_e() * _ball(c) / (_ball(tau) * _ball(sigma)).sqrt()
        return max(1, math.ceil(_up(ball)))


def firenet_guarantee(cert, lam, tau, sigma, p: int, eps0, delta, restarts: int, L_A=None) -> FirenetGuarantee:
    """Theorem 2 for the matrix of an rNSPL certificate: check its hypotheses and return the certified ``eps_0..eps_n``.

    ``cert`` and ``L_A``: as in :func:`checked_rnsp` (the certificate is checked from its witness; ``L_A >= ||A||_2``
    derived or proven). ``lam, tau, sigma, eps0 > 0`` and ``delta >= 0`` are rationals (int, float, Fraction,
    ``"p/q"``); ``1 <= p <= 10^12`` and ``0 <= restarts <= 10^4`` integers. Checked exactly: ``lam`` admissible for the
    corollary, ``tau sigma L_A^2 <= 1``, ``p >= ceil(2 e c / sqrt(tau sigma))`` (Arb upper bound). ``eps_{k+1} =
    eps_k / e + delta`` is evaluated with ``1/e`` rounded up and each ``eps_k`` rounded up. The result holds for every
    ``(x, y)`` that :meth:`FirenetGuarantee.covers` accepts.
    """
    inst = checked_rnsp(cert, L_A)
    lam = _positive(lam, "lam")
    tau, sigma = _positive(tau, "tau"), _positive(sigma, "sigma")
    p = check_int_range(p, "p", 1, MAX_P)
    restarts = check_int_range(restarts, "restarts", 0, MAX_RESTARTS)
    eps0, delta = _positive(eps0, "eps0"), _positive(delta, "delta", allow_zero=True)
    c = sharpness_constant(inst.rho, inst.gamma, inst.levels, lam)
    if tau * sigma * inst.L_A * inst.L_A > 1:
        raise Smale18Error(f"tau*sigma*L_A^2 = {float(tau * sigma * inst.L_A ** 2):.7f} > 1 with L_A = "
                           f"{float(inst.L_A):.6g} >= ||A||_2 ({inst.L_A_source}): choose tau = sigma <= 1/L_A")
    p_min = _p_min(c, tau, sigma)
    if p < p_min:
        raise Smale18Error(f"p={p} is below Theorem 2's requirement p >= 2 e c / sqrt(tau sigma) = {p_min}")
    with flint.ctx.workprec(_PREC):
        inv_e = _up(1 / flint.arb.const_e())
        eps = [eps0]
        for _ in range(restarts):
            eps.append(_up(_ball(eps[-1] * inv_e + delta)))  # rounded up: the recursion is increasing in eps_k
    return FirenetGuarantee(c, p_min, tuple(eps), inst.rho, inst.gamma, inst.levels, lam, tau, sigma, p, inst.L_A,
                            inst.L_A_source, eps0, delta, inst)


class Theorem2Run(NamedTuple):
    """What :func:`theorem2_run` returns: the certified ``guarantee``, the *observed* float64 errors
    ``errors[k] = ||psi_k - x||_2`` (k = 0..restarts) and the FIRENET that was run."""

    guarantee: FirenetGuarantee
    errors: list
    net: object


def _float_up(f: Fraction, name: str) -> float:
    """The smallest float64 >= f (refused if there is none)."""
    v = float(f) if f < Fraction(2) ** 1000 else math.inf
    if math.isfinite(v) and Fraction(v) < f:
        v = math.nextafter(v, math.inf)
    if not math.isfinite(v):
        raise Smale18Error(f"{name} is too large for a float64 FIRENET run")
    return v


def theorem2_run(cert, x, y, restarts: int, L_A=None) -> Theorem2Run:
    """Theorem 2 on one signal: choose its parameters, prove that ``(x, y)`` satisfies its hypotheses, and run the
    weighted FIRENET it is about in float64.

    ``cert``/``L_A`` as in :func:`checked_rnsp`; ``x`` (length N) and ``y`` (length m) real float64 vectors; ``1 <=
    restarts <= 10^4``. Parameters: ``lam`` the optimal one rounded to a float (and ``c`` for that exact float);
    ``tau = sigma = (1 - 2^-20)/L_A`` as a float; ``p`` the smallest admissible; ``eps0 >= ||x||`` and ``delta >=
    delta'(x, y)`` the smallest floats above the exact upper bounds (``eps0 = 1`` if ``x = 0``). The run uses the
    certificate's matrix (its float64 values), its level weights (as float64: exact for the default weights) and
    these parameters; ``errors`` are observed, ``guarantee.bound(k)`` is certified for the exact iteration. Work:
    ``restarts * p * m * N <= 10^10`` multiply-adds, else a Smale18Error.
    """
    from .nets.firenet import _assemble

    inst = checked_rnsp(cert, L_A)
    m, N = inst.shape
    x, y = _real_vector(x, N, "x"), _real_vector(y, m, "y")
    restarts = check_int_range(restarts, "restarts", 1, MAX_RESTARTS)
    lv = inst.levels
    lam = Fraction(float(optimal_lambda(inst.rho, inst.gamma, lv)))
    step = Fraction(float((1 - Fraction(1, 2**20)) / inst.L_A))
    c = sharpness_constant(inst.rho, inst.gamma, lv, lam)
    delta = _float_up(_delta_prime(inst._enc, x, y, lv, lam, c), "delta'")
    x2 = sum((Fraction(float(v)) ** 2 for v in x), Fraction(0))
    eps0 = _float_up(_arb.sqrt_bounds(x2, x2, _PREC)[1], "||x||") if x2 else 1.0
    p = _p_min(c, step, step)
    if restarts * p * m * N > MAX_RUN_WORK:
        raise Smale18Error(f"the run would take restarts * p * m * N = {restarts * p * m * N} multiply-adds (p = {p}); "
                           f"at most {MAX_RUN_WORK}")
    guarantee = firenet_guarantee(inst, lam, step, step, p, eps0, delta, restarts)
    if not guarantee.covers(x, y):  # the parameters were chosen so that it is: reaching this is a bug
        raise RuntimeError("internal error: theorem2_run's parameters do not cover (x, y)")
    weights = np.array([float(w) for w in lv.column_weights()])
    net = _assemble(inst.matrix_float64(), float(lam), weights, restarts, p, eps0, delta, float(step), float(step),
                    inst.L_A, "certificate")
    errors = [float(np.linalg.norm(psi - x)) for psi in net.run(y, history=True)]
    return Theorem2Run(guarantee, errors, net)
