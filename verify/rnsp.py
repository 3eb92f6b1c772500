"""The weighted robust null space property in levels (rNSPL): certify, refute.

Levels ``M = (M_1 < ... < M_r = N)``, local sparsities ``s_k``, weights ``w_(k) > 0`` constant on each level;
``xi = sum_k w_(k)^2 s_k``. ``A`` has the weighted rNSPL of order ``(s, M)`` with constants ``(rho, gamma)`` if for every
admissible support ``Delta`` (at most ``s_k`` indices in level k) and every ``v``

    ||v_Delta||_2 <= rho ||v_{Delta^c}||_{l1,w} / sqrt(xi) + gamma ||A v||_2.

:func:`certify` finds ``Y`` with cvxpy/HiGHS and proves ``(rho, gamma)`` from ``B = I - Y^T A`` in ball arithmetic
(``proofs_notes/rnsp.md``); :func:`refute` searches for a violating ``(v, Delta)`` and proves the violation in ball
arithmetic. Both return :class:`~smale18.verify.certificates.Certificate` objects whose ``check()`` needs only the
witness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import flint
import numpy as np

from smale18.oracle import ExactArray, Smale18Error, Status, _arb, format_bound

from . import _float_bounds
from .certificates import (
    Certificate,
    CheckResult,
    decode_floats,
    encode_floats,
    exact_rational,
    matrix_digest,
    parse_fraction,
    register_checker,
    register_validator,
)

__all__ = [
    "SparsityInLevels", "certify", "refute", "rnsp_violation", "nsp_constant", "NSPConstant", "KIND_CERT", "KIND_REFUTE",
    "MAX_DIM", "MAX_CHECK_WORK", "MAX_NSP_SLICES",
]

KIND_CERT = "rnsp-levels"
KIND_REFUTE = "rnsp-levels-violation"
_PREC = 64

#: largest number of rows or columns of a matrix that certify, refute and check accept
MAX_DIM = 1024
#: largest ``m * N^2`` (the size of the ball product ``Y^T A``) that certify and check accept: ``smale18 check`` of a
#: 512 x 1024 witness takes about 5 s on the 2-core machine (proofs_notes/rnsp.md, "Limits and their cost")
MAX_CHECK_WORK = 1 << 29
#: largest number of slices ``C(N, d - 1)`` that :func:`nsp_constant` enumerates
MAX_NSP_SLICES = 200_000


def _check_shape_limits(m: int, N: int, name: str = "A") -> None:
    if not (1 <= m <= MAX_DIM and 1 <= N <= MAX_DIM):
        raise Smale18Error(f"{name} has shape ({m}, {N}); each side must lie in [1, {MAX_DIM}]")
    if m * N * N > MAX_CHECK_WORK:
        raise Smale18Error(f"{name} has shape ({m}, {N}): m * N^2 = {m * N * N} exceeds the limit {MAX_CHECK_WORK} "
                           "(the check forms the N x N matrix Y^T A in ball arithmetic)")


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _int_tuple(values, name: str) -> tuple:
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise Smale18Error(f"{name}={values!r} must be a list of integers")
    out = []
    for k, v in enumerate(values):
        if not _is_int(v):
            raise Smale18Error(f"{name}[{k}]={v!r} must be an integer (not {type(v).__name__})")
        out.append(int(v))
    if len(out) > MAX_DIM:
        raise Smale18Error(f"{name} has {len(out)} entries, more than {MAX_DIM}")
    return tuple(out)


@dataclass(frozen=True)
class SparsityInLevels:
    """Level ends ``M`` (strictly increasing positive integers, last = N), local sparsities ``s`` (integers with
    ``0 <= s_k <= M_k - M_(k-1)``, not all zero) and exact positive level weights ``w``.

    Refused (:class:`Smale18Error` naming the argument): non-integers (bools, floats such as 20.9 or 1.9, strings),
    lengths that differ, more than ``MAX_DIM`` levels, and weights that are not exact positive rationals (see
    :func:`smale18.verify.certificates.exact_rational`)."""

    M: tuple
    s: tuple
    w: tuple

    def __post_init__(self):
        M, s = _int_tuple(self.M, "levels"), _int_tuple(self.s, "sparsity")
        if isinstance(self.w, (str, bytes, dict)) or not hasattr(self.w, "__iter__"):
            raise Smale18Error(f"weights={self.w!r} must be a list of positive rationals")
        w = tuple(exact_rational(v, f"weights[{k}]") for k, v in enumerate(self.w))
        if not (len(M) == len(s) == len(w) >= 1):
            raise Smale18Error(f"levels={M}, sparsity={s} and weights={tuple(map(str, w))} must have the same "
                               "positive length")
        prev = 0
        for k, (end, sk, wk) in enumerate(zip(M, s, w)):
            if end <= prev:
                raise Smale18Error(f"levels={M} must be strictly increasing positive integers")
            if not 0 <= sk <= end - prev:
                raise Smale18Error(f"sparsity[{k}]={sk} must lie in [0, {end - prev}] (the size of level {k})")
            if wk <= 0:
                raise Smale18Error(f"weights[{k}]={wk} must be positive")
            prev = end
        if sum(s) == 0:
            raise Smale18Error(f"sparsity={s} must not be all zero")
        object.__setattr__(self, "M", M)
        object.__setattr__(self, "s", s)
        object.__setattr__(self, "w", w)

    @property
    def N(self) -> int:
        return self.M[-1]

    @property
    def s_total(self) -> int:
        return sum(self.s)

    @property
    def xi(self) -> Fraction:
        return sum((wk * wk * sk for wk, sk in zip(self.w, self.s)), Fraction(0))

    def ranges(self):
        prev = 0
        for end in self.M:
            yield range(prev, end)
            prev = end

    def column_weights(self) -> list[Fraction]:
        out = []
        for r, wk in zip(self.ranges(), self.w):
            out.extend([wk] * len(r))
        return out

    def to_json(self) -> dict:
        return {"levels": list(self.M), "sparsity": list(self.s), "weights": [str(v) for v in self.w]}

    @classmethod
    def from_json(cls, d: dict) -> "SparsityInLevels":
        """From a certificate's ``data`` (levels and sparsity JSON integers, weights rational strings)."""
        if not isinstance(d, dict) or not all(k in d for k in ("levels", "sparsity", "weights")):
            raise Smale18Error("data must hold levels, sparsity and weights")
        weights = d["weights"]
        if not isinstance(weights, list) or len(weights) > MAX_DIM:
            raise Smale18Error(f"weights must be a list of at most {MAX_DIM} rationals")
        if not isinstance(d["levels"], list) or not isinstance(d["sparsity"], list):
            raise Smale18Error("levels and sparsity must be lists of integers")
        try:
            return cls(tuple(d["levels"]), tuple(d["sparsity"]),
                       tuple(parse_fraction(v, f"weights[{k}]") for k, v in enumerate(weights)))
        except Smale18Error as exc:
            raise Smale18Error(f"data.{exc}") from None

    @classmethod
    def make(cls, N: int, sparsity, levels=None, weights=None) -> "SparsityInLevels":
        """One level ``[N]`` by default. Default weights: 1 for one level; for several, the float64 value of
        ``sqrt(s / s_k)`` read exactly (the reference code's weights, as exact dyadics); a level with ``s_k = 0``
        then needs explicit weights."""
        if not _is_int(N) or not 1 <= N <= MAX_DIM:
            raise Smale18Error(f"N={N!r} must be an integer in [1, {MAX_DIM}]")
        s = (sparsity,) if _is_int(sparsity) else _int_tuple(sparsity, "sparsity")
        M = (int(N),) if levels is None else _int_tuple(levels, "levels")
        if not M or M[-1] != N:
            raise Smale18Error(f"levels={M} must end at N={N}")
        if weights is None:
            if len(s) == 1:
                weights = [1]
            else:
                if not all(sk >= 1 for sk in s):
                    raise Smale18Error(f"sparsity={s}: default weights sqrt(s/s_k) need one s_k >= 1 per level; "
                                       "give weights explicitly")
                total = sum(s)
                weights = [Fraction(float(np.sqrt(total / sk))) for sk in s]
        return cls(M, s, weights)


def _top_sum(values: list[Fraction], k: int) -> Fraction:
    return sum(sorted(values, reverse=True)[:k], Fraction(0))


def _real_matrix(A, name: str = "A") -> np.ndarray:
    """``A`` as a float64 array holding exactly the given real numbers (float16/32/64, integers up to 2^53 or any
    integer a double holds, long doubles that are doubles); 2-D, finite, within the size limits. Complex, bool,
    object and string arrays are refused: rounding or dropping part of a matrix would certify another one."""
    if isinstance(A, (str, bytes)):
        raise Smale18Error(f"{name} must be a 2-D array of real numbers, not a string")
    try:
        arr = np.asarray(A)
    except (TypeError, ValueError) as exc:
        raise Smale18Error(f"{name} must be a 2-D array of real numbers: {str(exc)[:80]}") from None
    if np.iscomplexobj(arr):
        raise Smale18Error(f"{name} is complex: certify, refute and nsp_constant handle real matrices only "
                           "(proofs_notes/rnsp.md, 'Complex matrices')")
    if arr.ndim != 2:
        raise Smale18Error(f"{name} must be a 2-D array, got shape {arr.shape}")
    kind = arr.dtype.kind
    if kind not in "fiu":
        raise Smale18Error(f"{name} has dtype {arr.dtype}; pass a real float or integer array (or a named exact "
                           "matrix, smale18.verify.named)")
    _check_shape_limits(arr.shape[0], arr.shape[1], name)
    out = arr.astype(np.float64)
    if kind == "f" and arr.dtype.itemsize > 8:
        with np.errstate(invalid="ignore", over="ignore"):
            if not np.all((out.astype(arr.dtype) == arr) | ~np.isfinite(arr)):
                raise Smale18Error(f"{name} has long-double entries that float64 cannot hold exactly")
    if kind in "iu":
        big = np.abs(arr.astype(object)) > 2**53 if arr.dtype.itemsize >= 8 else np.zeros(arr.shape, bool)
        for v in arr[big].tolist():
            if int(float(v)) != int(v):
                raise Smale18Error(f"{name} has the integer entry {v}, which float64 cannot hold exactly")
    if not np.all(np.isfinite(out)):
        raise Smale18Error(f"{name} must be a finite 2-D float array (it has a NaN or infinite entry)")
    return out


def _matrix_and_data(A):
    """(float64 matrix, ball enclosure at _PREC+64 bits, data record)."""
    if isinstance(A, ExactArray):
        if len(A.shape) != 2:
            raise Smale18Error(f"A must be a matrix, got shape {A.shape}")
        _check_shape_limits(*A.shape)
        name = getattr(A, "name_for_certificate", None)
        if name is None:
            raise Smale18Error("an exact matrix needs a rebuildable name; use a named matrix or a float array")
        enc = A.enclose(_PREC + 64)
        approx = np.asarray(A.approx(60), dtype=float)
        return approx, enc, {"matrix": {"named": name}}
    arr = _real_matrix(A)
    with flint.ctx.workprec(_PREC):
        enc = flint.arb_mat(arr.tolist())
    return arr, enc, {"matrix": encode_floats(arr), "sha256": matrix_digest(arr)}


def _matrix_shape(data: dict) -> tuple[int, int]:
    """The shape of a certificate's matrix, without building it (a named one is only parsed), within the limits."""
    rec = data.get("matrix") if isinstance(data, dict) else None
    if not isinstance(rec, dict):
        raise Smale18Error("data.matrix must be an object: {named: ...} or {shape, hex}")
    if "named" in rec:
        from .named import named_shape

        m, N = named_shape(rec["named"])
    else:
        shape = rec.get("shape")
        if not (isinstance(shape, list) and len(shape) == 2 and all(type(d) is int for d in shape)):
            raise Smale18Error(f"data.matrix.shape={shape!r} must be two integers")
        m, N = shape
    _check_shape_limits(m, N, "data.matrix")
    return m, N


def _rebuild_matrix(data: dict):
    """(ball enclosure of the certificate's matrix, shape); a float matrix must match its SHA-256 digest."""
    m, N = _matrix_shape(data)
    rec = data["matrix"]
    if "named" in rec:
        from .named import named_matrix

        A = named_matrix(rec["named"])
        return A.enclose(_PREC + 64), A.shape
    arr = decode_floats(rec, "data.matrix", ndim=2)
    if data.get("sha256") != matrix_digest(arr):
        raise Smale18Error("the matrix does not match its sha256 digest")
    with flint.ctx.workprec(_PREC):
        return flint.arb_mat(arr.tolist()), arr.shape


# -- the rigorous bound from a witness Y ----------------------------------------------------------------------------
def _bounds_from_witness(A_enc, Y: np.ndarray, lv: SparsityInLevels, method: str, rigorous: str = "float") -> dict:
    """Exact upper bounds (q, rho, gamma) from ``B = I - Y^T A`` (Theorem 1 of proofs_notes/rnsp.md); rho and gamma
    are None when q >= 1, all three None when an entry bound of B overflows float64.

    ``A_enc``: a python-flint ball matrix enclosing A, or a float64 array holding A exactly. ``rigorous="float"``
    (default): B and the column norms of Y in float64 with proven a priori rounding-error bounds
    (proofs_notes/float_norm.md, Theorem 3; at most about ``m u`` relative looser than the ball path), falling back
    to the ball path when a float is not finite; ``"ball"``: python-flint balls (64 bits) and exact Fractions, the
    independent path (proofs_notes/rnsp.md, "The rigorous check")."""
    if isinstance(A_enc, np.ndarray):
        if A_enc.ndim != 2 or A_enc.dtype != np.float64 or not np.all(np.isfinite(A_enc)):
            raise Smale18Error("A must be a finite float64 matrix or a ball matrix")
        m, N = A_enc.shape
    else:
        m, N = A_enc.nrows(), A_enc.ncols()
    if lv.N != N:
        raise Smale18Error(f"levels end at {lv.N} but the matrix has {N} columns")
    if not isinstance(Y, np.ndarray) or Y.dtype != np.float64:
        raise Smale18Error("witness Y must be a float64 array")
    if Y.shape != (m, N):
        raise Smale18Error(f"witness Y has shape {Y.shape}, expected ({m}, {N})")
    if not np.all(np.isfinite(Y)):
        raise Smale18Error("witness Y has a non-finite entry")
    if method not in ("entrywise", "column"):
        raise Smale18Error(f"method={method!r} must be 'entrywise' or 'column'")
    if not isinstance(rigorous, str) or rigorous not in ("float", "ball"):
        raise Smale18Error(f"rigorous={rigorous!r} must be 'float' or 'ball'")
    squares = None
    if rigorous == "float":
        floats = (A_enc, Fraction(0), Fraction(0)) if isinstance(A_enc, np.ndarray) else (
            _float_bounds.floats_from_balls(A_enc))
        if floats is not None:
            squares = _float_bounds.rnsp_squares(Y, *floats, list(lv.ranges()), lv.s, lv.w, lv.s_total, lv.xi,
                                                 method)
    if squares is None:
        if isinstance(A_enc, np.ndarray):
            with flint.ctx.workprec(_PREC):
                A_enc = flint.arb_mat(A_enc.tolist())  # exact: float64 entries
        squares = _ball_squares(A_enc, Y, lv, method)
        if squares is None:
            return {"q": None, "rho": None, "gamma": None}
    q_arg, kappa2 = squares
    q = _arb.sqrt_bounds(q_arg, q_arg, 128)[1]
    kappa = _arb.sqrt_bounds(kappa2, kappa2, 128)[1]
    if q >= 1:
        return {"q": q, "rho": None, "gamma": None}
    return {"q": q, "rho": q / (1 - q), "gamma": kappa / (1 - q)}


def _ball_squares(A_enc: flint.arb_mat, Y: np.ndarray, lv: SparsityInLevels, method: str):
    """Exact upper bounds ``(q^2, kappa^2)`` from ``B`` in ball arithmetic and exact column norms of ``Y``; None when
    an entry bound of B overflows float64."""
    m, N = A_enc.nrows(), A_enc.ncols()
    w = lv.column_weights()
    with flint.ctx.workprec(_PREC):
        Yb = flint.arb_mat(Y.tolist())  # exact: float64 entries
        P = Yb.transpose() * A_enc
        B = -P
        for i in range(N):
            B[i, i] = 1 - P[i, i]
        rows = B.tolist()
    absB = _abs_upper_floats(rows)  # |B_ij| <= _safe_up(absB[i, j]), and _safe_up is increasing
    if not np.all(np.isfinite(absB)):  # an entry of B beyond the float range: no finite bound from this witness
        return None
    ranges = list(lv.ranges())
    if method == "entrywise":
        colmax = absB.max(axis=0)
        alpha = max(_safe_up(colmax[j]) / w[j] for j in range(N))
        q_arg = alpha * alpha * lv.s_total * lv.xi  # q^2
    else:
        beta2 = Fraction(0)
        for j in range(N):
            exact = Fraction(0)
            for r, sk in zip(ranges, lv.s):
                top = np.sort(absB[list(r), j])[::-1][:sk]  # the largest bounds are those of the largest floats
                exact += sum((_safe_up(u) ** 2 for u in top), Fraction(0))
            beta2 = max(beta2, exact / (w[j] * w[j]))
        q_arg = beta2 * lv.xi  # q^2
    norms2 = [sum((Fraction(float(Y[i, j])) ** 2 for i in range(m)), Fraction(0)) for j in range(N)]
    kappa2 = sum((_top_sum([norms2[j] for j in r], sk) for r, sk in zip(ranges, lv.s)), Fraction(0))
    return q_arg, kappa2


def _abs_upper_floats(rows) -> np.ndarray:
    """Float64 ``u_ij`` with ``|v| <= u_ij (1 + 2^-50) + 2^-1070`` for every v in ball ``rows[i][j]``.

    ``u = fl(fl(|mid|) + fl(rad))`` with round-to-nearest conversions: three roundings of relative size at most
    ``2^-53`` each (or an absolute ``2^-1074`` below the normal range), so the stated margin covers them.
    """
    return np.array([[abs(float(b.mid())) + float(b.rad()) for b in row] for row in rows], dtype=float)


def _safe_up(u: float) -> Fraction:
    """The exact margin of :func:`_abs_upper_floats` applied to one float."""
    return Fraction(float(u)) * (1 + Fraction(1, 2**50)) + Fraction(1, 2**1070)


# -- finding Y ---------------------------------------------------------------------------------------------------------
class _NoWitness(Exception):
    """The solver found no witness (its failure proves nothing: certify answers UNKNOWN)."""


def _find_Y(A: np.ndarray, lv: SparsityInLevels, method: str, workers: int = 1, dask=None,
            progress=None) -> np.ndarray:
    """A witness Y for ``A``: the solvers see ``A 2^-e`` (largest entry in [1/2, 1), an exact scaling up to
    underflow) and the answer is scaled back by ``2^-e``, so badly scaled matrices do not break them. Raises
    :class:`_NoWitness` when a solver fails. ``workers``, ``dask``, ``progress``: as in :func:`_find_Y_scaled`."""
    big = float(np.max(np.abs(A))) if A.size else 0.0
    e = math.frexp(big)[1] if big > 0 else 0
    Y = _find_Y_scaled(np.ldexp(A, -e), lv, method, workers=workers, dask=dask, progress=progress)
    with np.errstate(over="ignore", under="ignore"):
        Y = np.ldexp(Y, -e)
    if not np.all(np.isfinite(Y)):
        raise _NoWitness("the witness found has a non-finite entry")
    return Y


def _entrywise_columns(shared: tuple, start: int, count: int) -> list:
    """The entrywise witness's columns ``start .. start + count - 1`` for ``shared = (A, w)``: each a float64 vector
    of length m, or the failure message (str) of its first LP. One column's answer depends only on ``(A, w, i)``,
    never on which other columns share its job: the job unit of :func:`_find_Y_scaled`.

    Column i: LP 1 minimises ``t`` over ``(y, t)`` with ``|e_i - A^T y| <= t w`` entrywise; LP 2 takes, among the
    ``y`` with ``|e_i - A^T y| <= 1.02 t w + 1e-12``, one of least l1 norm (small gamma), as ``y+ - y-``; if LP 2
    fails, LP 1's ``y`` is kept."""
    from scipy.optimize import linprog

    A, w = shared
    m, N = A.shape
    c = np.zeros(m + 1)
    c[-1] = 1
    A_ub = np.block([[-A.T, -w[:, None]], [A.T, -w[:, None]]])
    c2 = np.ones(2 * m)
    A2 = np.block([[-A.T, A.T], [A.T, -A.T]])
    out = []
    for i in range(start, start + count):
        e = np.zeros(N)
        e[i] = 1
        try:
            res = linprog(c, A_ub=A_ub, b_ub=np.concatenate([-e, e]), bounds=[(None, None)] * m + [(0, None)],
                          method="highs")
        except (ValueError, ArithmeticError) as exc:
            out.append(f"the LP for column {i} failed: {type(exc).__name__}: {exc}")
            continue
        if res.status != 0:
            out.append(f"the LP for column {i} failed: {res.message}")
            continue
        t = res.x[-1]
        b2 = np.concatenate([-e + 1.02 * t * w + 1e-12, e + 1.02 * t * w + 1e-12])
        try:
            res2 = linprog(c2, A_ub=A2, b_ub=b2, bounds=[(0, None)] * (2 * m), method="highs")
        except (ValueError, ArithmeticError):
            res2 = None
        out.append(res2.x[:m] - res2.x[m:] if res2 is not None and res2.status == 0 else res.x[:m])
    return out


def _has_failure(columns: list) -> bool:
    return any(isinstance(col, str) for col in columns)


def _find_Y_scaled(A: np.ndarray, lv: SparsityInLevels, method: str, workers: int = 1, dask=None,
                   progress=None) -> np.ndarray:
    """The witness for a matrix scaled into [1/2, 1). ``entrywise``: the independent column LPs of
    :func:`_entrywise_columns`, run as ranges of columns by :func:`smale18.verify._parallel.map_ranges` (in this
    process for ``workers=1``, on a pool of ``workers`` processes, or on the Dask cluster ``dask``); the witness is
    assembled in column order, so it is the same bits for every way of running them, and the first failing column
    (in column order) gives :class:`_NoWitness`, as a run in order would. ``column``: one SOCP in this process.
    ``progress(done, total)`` counts columns."""
    m, N = A.shape
    w = np.array([float(v) for v in lv.column_weights()])
    if method == "entrywise":
        from ._parallel import map_ranges

        chunks = map_ranges(_entrywise_columns, (A, w), N, workers=workers, dask=dask, progress=progress,
                            stop=_has_failure)
        columns = []
        for chunk in chunks:
            for col in chunk:
                if isinstance(col, str):
                    raise _NoWitness(col)
                columns.append(col)
        assert len(columns) == N
        Y = np.zeros((m, N))
        for i, col in enumerate(columns):
            Y[:, i] = col
        return Y
    if method == "column":
        import cvxpy as cp

        Yv = cp.Variable((m, N))
        t = cp.Variable()
        Bm = np.eye(N) - Yv.T @ A
        cons = []
        for j in range(N):
            terms = [cp.sum_largest(cp.square(Bm[list(r), j]), sk) for r, sk in zip(lv.ranges(), lv.s) if sk > 0]
            cons.append(cp.sum(cp.hstack(terms)) <= t * float(w[j]) ** 2)
        try:
            cp.Problem(cp.Minimize(t + 1e-4 * cp.sum_squares(Yv)), cons).solve()
        except (cp.error.SolverError, ArithmeticError, ValueError) as exc:
            raise _NoWitness(f"the column SOCP failed: {type(exc).__name__}: {exc}") from None
        if Yv.value is None:
            raise _NoWitness("the column SOCP returned no solution")
        if progress is not None:
            progress(N, N)
        return np.asarray(Yv.value, dtype=float)
    raise Smale18Error(f"method={method!r} must be 'entrywise' or 'column'")


def _plain_decimal(value: Fraction, direction: str, digits: int = 12) -> str:
    """``format_bound`` (outward rounding to ``digits`` significant digits) written without an exponent, so that it
    matches the schema's rational pattern: the same number, e.g. ``1.24E-8`` -> ``0.0000000124``."""
    return format(Decimal(format_bound(value, direction, digits)), "f")


#: by default (``workers=None``) the entrywise LPs use a process pool only from ``m * N`` of this size on: below it
#: (45 x 90: 2.5 s in one process, measured here) a worker's start (about 1 s of CPU) would cost about what it saves
_POOL_MIN_ENTRIES = 1 << 12


def _parallel_options(workers, dask, progress):
    """The checked ``(workers, dask, progress)`` of :func:`certify` and :func:`nsp_constant`."""
    from ._parallel import check_dask, check_progress, check_workers

    workers = check_workers(workers)
    dask = check_dask(dask)
    if workers is not None and dask is not None:
        shown = dask if isinstance(dask, str) else "<a Dask client>"
        raise Smale18Error(f"workers={workers} and dask={shown!r} were both given: a Dask cluster runs the jobs on its "
                           "own workers; give one of them")
    return workers, dask, check_progress(progress)


def certify(A, sparsity, levels=None, weights=None, method: str = "entrywise", *, workers: int | None = None,
            dask=None, progress=None) -> Certificate:
    """Search a certificate of the weighted rNSPL of order ``(s, M)``; return a CERTIFIED certificate if the proven
    ``rho`` is below 1, else an UNKNOWN one (never REFUTED: failing to certify proves nothing).

    ``A``: a real float or integer array (read exactly as float64; complex, object and non-finite arrays are
    refused, as are values float64 cannot hold), or a named exact matrix (:mod:`smale18.verify.named`); at most
    ``MAX_DIM`` rows and columns and ``m N^2 <= MAX_CHECK_WORK`` (what the check accepts). The claimed ``rho`` and
    ``gamma`` are upper ends of ball enclosures rounded up to 12 digits, written as plain decimals. A solver failure
    gives UNKNOWN with the reason in ``witness["failure"]``.

    The entrywise witness solves two LPs per column, independently: ``workers`` processes solve ranges of columns
    (default: all cores, ``os.cpu_count()``, when ``m N >= 4096``, else this process; ``workers=1``: this process, no
    pool; an integer in ``[1, 256]``), or the Dask cluster ``dask`` does (a ``dask.distributed.Client`` or a scheduler
    address such as ``tcp://host:8786``; needs the dask extra; not together with ``workers``). The certificate is the
    same, bit for bit, however the columns are run (proofs_notes/rnsp.md, "Parallel certify"); with more than one
    worker a script needs the ``if __name__ == "__main__":`` guard of :mod:`multiprocessing`. The column SOCP is one
    problem and always runs here. ``progress(done, total)`` is called in this process as columns finish.

    >>> rng = np.random.default_rng(0)
    >>> cert = certify(rng.standard_normal((30, 40)), 1)
    >>> cert.status, cert.check().valid
    (<Status.CERTIFIED: 'certified'>, True)
    >>> certify(np.ones((2, 3)) * 1j, 1)
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: A is complex: certify, refute and nsp_constant handle real matrices only ...
    """
    if method not in ("entrywise", "column"):
        raise Smale18Error(f"method={method!r} must be 'entrywise' or 'column'")
    workers, dask, progress = _parallel_options(workers, dask, progress)
    arr, enc, data = _matrix_and_data(A)
    lv = SparsityInLevels.make(arr.shape[1], sparsity, levels, weights)
    data.update(lv.to_json())
    from ._parallel import local_workers

    workers = local_workers(workers, worth_a_pool=arr.size >= _POOL_MIN_ENTRIES)
    try:
        Y = _find_Y(arr, lv, method, workers=workers, dask=dask, progress=progress)
    except _NoWitness as exc:
        reason = " ".join(str(exc).split())[:300]
        claim = {"rho": None, "gamma": None, "q": None}
        return Certificate(KIND_CERT, Status.UNKNOWN, claim, data, {"method": method, "failure": reason})
    bounds = _bounds_from_witness(enc, Y, lv, method)
    witness = {"method": method, "Y": encode_floats(Y)}
    if bounds["rho"] is None or bounds["rho"] >= 1:
        q = None if bounds["q"] is None else format_bound(bounds["q"], "up", 12)
        return Certificate(KIND_CERT, Status.UNKNOWN, {"rho": None, "gamma": None, "q": q}, data, witness)
    claim = {"rho": _plain_decimal(bounds["rho"], "up"), "gamma": _plain_decimal(bounds["gamma"], "up")}
    return Certificate(KIND_CERT, Status.CERTIFIED, claim, data, witness)


def _non_negative(value: Fraction, name: str) -> Fraction:
    if value < 0:
        raise Smale18Error(f"{name}={value} must be non-negative (the rNSP constants are >= 0)")
    return value


def _claim_context(cert: Certificate):
    """The rebuilt matrix enclosure, the levels and the claimed (rho, gamma) of a certificate (raises if malformed,
    including a negative rho or gamma)."""
    A_enc, _ = _rebuild_matrix(cert.data)
    lv = SparsityInLevels.from_json(cert.data)
    if lv.N != A_enc.ncols():
        raise Smale18Error(f"levels end at {lv.N} but the matrix has {A_enc.ncols()} columns")
    if not isinstance(cert.claim, dict):
        raise Smale18Error("claim must be an object with rho and gamma")
    rho = _non_negative(parse_fraction(cert.claim.get("rho"), "claim.rho"), "claim.rho")
    gamma = _non_negative(parse_fraction(cert.claim.get("gamma"), "claim.gamma"), "claim.gamma")
    return A_enc, lv, rho, gamma


@register_checker(KIND_CERT)
def _check_certificate(cert: Certificate, rigorous: str = "auto") -> CheckResult:
    """``rigorous="auto"``: the float64 proof, then, if it does not establish the claim, the ball proof (valid iff
    one proves it); ``"float"`` or ``"ball"``: that proof alone (:meth:`Certificate.check`)."""
    if rigorous == "auto":
        first = _check_certificate_with(cert, "float")
        if first.valid or cert.status is not Status.CERTIFIED:
            return first
        return _check_certificate_with(cert, "ball")  # valid, or invalid by the tighter of the two proofs
    return _check_certificate_with(cert, rigorous)


def _check_certificate_with(cert: Certificate, rigorous: str) -> CheckResult:
    """Valid iff the status is CERTIFIED, the claimed rho is below 1, and the bounds proven from the witness Y
    (Theorem 1 of proofs_notes/rnsp.md; in float64 with proven error bounds, or with ``rigorous="ball"`` in ball
    arithmetic: :func:`_bounds_from_witness`) are at most the claimed (rho, gamma)."""
    if cert.status is not Status.CERTIFIED:
        return CheckResult(False, {}, f"status is {cert.status}, nothing is claimed")
    A_enc, lv, rho, gamma = _claim_context(cert)
    witness = cert.witness if isinstance(cert.witness, dict) else {}
    Y = decode_floats(witness.get("Y"), "witness.Y", ndim=2)
    b = _bounds_from_witness(A_enc, Y, lv, str(witness.get("method")), rigorous)
    rec = {k: (None if v is None else format_bound(v, "up", 12)) for k, v in b.items()}
    if b["q"] is None:
        return CheckResult(False, rec, "an entry of B = I - Y^T A exceeds the float64 range: no bound")
    if b["rho"] is None:
        return CheckResult(False, rec, f"the witness gives q >= 1 ({rec['q']}): no bound")
    if not rho < 1:
        return CheckResult(False, rec, f"claimed rho={rho} is not below 1")
    hint = "" if rigorous == "ball" else " (float64 check; check(rigorous='ball') is slightly tighter)"
    if b["rho"] > rho:
        return CheckResult(False, rec, f"the witness proves rho <= {rec['rho']}, more than the claimed {float(rho):.6g}"
                                       + hint)
    if b["gamma"] > gamma:
        return CheckResult(False, rec, f"the witness proves gamma <= {rec['gamma']}, more than the claimed "
                                       f"{float(gamma):.6g}{hint}")
    how = "float64 with proven error bounds" if rigorous == "float" else "ball arithmetic"
    return CheckResult(True, rec, f"the witness proves the claim ({how})")


# -- refutation -------------------------------------------------------------------------------------------------------
def _support_indices(support, N: int, name: str = "support") -> list[int]:
    """``support`` as a list of distinct integer indices in ``[0, N)`` (JSON/Python integers, numpy integers; not
    bools, floats or strings), else :class:`Smale18Error`."""
    if isinstance(support, np.ndarray):
        support = support.tolist() if support.ndim == 1 else None
    if not isinstance(support, (list, tuple)):
        raise Smale18Error(f"{name} must be a list of integer indices")
    if len(support) > N:
        raise Smale18Error(f"{name} has {len(support)} entries, more than N={N}")
    out = []
    for k, i in enumerate(support):
        if not _is_int(i) or not 0 <= i < N:
            raise Smale18Error(f"{name}[{k}]={i!r} must be an integer index in [0, {N})")
        out.append(int(i))
    if len(set(out)) != len(out):
        raise Smale18Error(f"{name} repeats an index")
    return out


def _real_vector(v, N: int, name: str = "v") -> np.ndarray:
    """``v`` as a finite real float64 vector of length N, holding exactly the given values."""
    arr = _real_matrix(np.asarray(v).reshape(1, -1) if np.ndim(v) == 1 else v, name)
    if arr.shape != (1, N):
        raise Smale18Error(f"{name} must be a vector of length {N}, got shape {np.shape(v)}")
    return arr[0]


def rnsp_violation(A_enc: flint.arb_mat, v: np.ndarray, support, lv: SparsityInLevels, rho: Fraction,
                   gamma: Fraction) -> tuple[Fraction, Fraction]:
    """Exact ``(lo, hi)`` with ``lo <= ||v_D||_2 - rho ||v_{D^c}||_{1,w}/sqrt(xi) - gamma ||A v||_2 <= hi`` for every
    matrix ``A`` in the ball matrix ``A_enc``; a violation at ``D`` is proven when ``lo > 0``.

    ``v``: a real vector of length N read exactly as float64; ``support``: distinct integer indices in ``[0, N)``
    (admissibility for ``lv`` is the caller's check, :func:`_admissible`); ``rho, gamma``: exact rationals
    ``>= 0`` (the rounding directions below rely on the signs: with ``rho, gamma >= 0`` subtracting the upper bounds
    of ``tail/sqrt(xi)`` and ``||Av||`` gives a lower bound). Raises :class:`Smale18Error` otherwise."""
    if not isinstance(A_enc, flint.arb_mat):
        raise Smale18Error("A_enc must be a python-flint arb_mat")
    if not isinstance(lv, SparsityInLevels):
        raise Smale18Error("lv must be a SparsityInLevels")
    N = A_enc.ncols()
    if lv.N != N:
        raise Smale18Error(f"levels end at {lv.N} but the matrix has {N} columns")
    rho = _non_negative(exact_rational(rho, "rho"), "rho")
    gamma = _non_negative(exact_rational(gamma, "gamma"), "gamma")
    v = _real_vector(v, N)
    D = set(_support_indices(support, N))
    w = lv.column_weights()
    vf = [Fraction(float(x)) for x in v]
    head2 = sum((vf[i] ** 2 for i in D), Fraction(0))
    tail = sum((w[i] * abs(vf[i]) for i in range(N) if i not in D), Fraction(0))
    with flint.ctx.workprec(_PREC + 64):
        Av = A_enc * flint.arb_mat([[float(x)] for x in v])
        lo2, hi2 = _arb.norm2_bounds([Av[i, 0] for i in range(Av.nrows())])
    head_lo, head_hi = _arb.sqrt_bounds(head2, head2, 128)
    res_lo, res_hi = _arb.sqrt_bounds(lo2, hi2, 128)
    sxi_lo, sxi_hi = _arb.sqrt_bounds(lv.xi, lv.xi, 128)
    if sxi_lo <= 0:
        raise Smale18Error(f"xi={lv.xi} is too small to bound sqrt(xi) away from 0 at 128 bits")
    lo = head_lo - rho * tail / sxi_lo - gamma * res_hi
    hi = head_hi - rho * tail / sxi_hi - gamma * res_lo
    return lo, hi


def _admissible(support, lv: SparsityInLevels) -> bool:
    """True iff ``support`` is a list of distinct integer indices in ``[0, N)`` (not bools, floats or strings) with
    at most ``s_k`` of them in level ``k``."""
    try:
        D = _support_indices(support, lv.N)
    except Smale18Error:
        return False
    for r, sk in zip(lv.ranges(), lv.s):
        if sum(1 for i in D if i in r) > sk:
            return False
    return True


def _best_support(v, lv: SparsityInLevels) -> list[int]:
    """The s_k largest |v_i| of each level (floats or exact Fractions)."""
    out = []
    for r, sk in zip(lv.ranges(), lv.s):
        idx = sorted(r, key=lambda i: -abs(v[i]))[:sk]
        out.extend(idx)
    return sorted(out)


def _candidates(A: np.ndarray, lv: SparsityInLevels, rng):
    m, N = A.shape
    # pairs of (nearly) parallel columns: v = e_i - t e_j
    norms = np.linalg.norm(A, axis=0)
    An = A / np.where(norms > 0, norms, 1)
    G = An.T @ An
    np.fill_diagonal(G, 0)
    for flat in np.argsort(-np.abs(G), axis=None)[: min(40, N * N)]:
        i, j = divmod(int(flat), N)
        if norms[i] > 0 and norms[j] > 0:
            v = np.zeros(N)
            v[i] = 1.0
            v[j] = -np.sign(G[i, j]) * norms[i] / norms[j]
            yield v
        else:
            v = np.zeros(N)
            v[i if norms[i] == 0 else j] = 1.0
            yield v
    # kernel and near-kernel vectors
    _, sv, Vt = np.linalg.svd(A)
    for k in range(1, min(N, 8) + 1):
        yield Vt[-k]
    # errors of failed l1 recoveries: x sparse in levels, z = argmin ||z||_{1,w} s.t. A z = A x, v = z - x
    yield from _failed_recoveries(A, lv, rng, trials=6)
    # alternating LP: max <sign, v_Delta> s.t. A v = 0, ||v_{Delta^c}||_{1,w} <= 1, then Delta <- best support of v
    yield from _alternating_lp(A, lv, rng, starts=3)
    # sparse kernel vectors of small random column subsets
    for _ in range(30):
        size = min(N, lv.s_total + 1 + int(rng.integers(0, 3)))
        S = rng.choice(N, size=size, replace=False)
        _, _, V = np.linalg.svd(A[:, S])
        v = np.zeros(N)
        v[S] = V[-1]
        yield v


def _weighted_l1_lp(A, b, w):
    """min ||z||_{1,w} s.t. A z = b, as an LP in (z+, z-) (HiGHS); None if it fails."""
    from scipy.optimize import linprog

    m, N = A.shape
    res = linprog(np.concatenate([w, w]), A_eq=np.hstack([A, -A]), b_eq=b, bounds=[(0, None)] * (2 * N),
                  method="highs")
    return None if res.status != 0 else res.x[:N] - res.x[N:]


def _failed_recoveries(A, lv: SparsityInLevels, rng, trials: int):
    N = A.shape[1]
    w = np.array([float(v) for v in lv.column_weights()])
    for _ in range(trials):
        x = np.zeros(N)
        for r, sk in zip(lv.ranges(), lv.s):
            idx = rng.choice(list(r), size=sk, replace=False)
            x[idx] = rng.standard_normal(sk)
        z = _weighted_l1_lp(A, A @ x, w)
        if z is not None and np.linalg.norm(z - x) > 1e-9 * max(1.0, np.linalg.norm(x)):
            yield z - x


def _alternating_lp(A, lv: SparsityInLevels, rng, starts: int, rounds: int = 5):
    from scipy.optimize import linprog

    m, N = A.shape
    w = np.array([float(v) for v in lv.column_weights()])
    for _ in range(starts):
        D = sorted(int(i) for r, sk in zip(lv.ranges(), lv.s) for i in rng.choice(list(r), size=sk, replace=False))
        sign = rng.choice([-1.0, 1.0], size=N)
        for _ in range(rounds):
            # variables v = p - q (p, q >= 0): maximise sum_{i in D} sign_i v_i, A v = 0, sum_{i not in D} w_i (p_i+q_i) <= 1
            c = np.zeros(2 * N)
            c[D] = -sign[D]
            c[[N + i for i in D]] = sign[D]
            off = np.array([0.0 if i in D else w[i] for i in range(N)])
            res = linprog(c, A_ub=np.concatenate([off, off])[None, :], b_ub=[1.0], A_eq=np.hstack([A, -A]),
                          b_eq=np.zeros(m), bounds=[(0, 10.0)] * (2 * N), method="highs")
            if res.status != 0:
                break
            v = res.x[:N] - res.x[N:]
            yield v
            new_D = _best_support(v, lv)
            sign = np.where(v != 0, np.sign(v), sign)
            if new_D == D:
                break
            D = new_D


def refute(A, sparsity, rho, gamma, levels=None, weights=None, seed: int = 0) -> Certificate:
    """Search ``(v, Delta)`` violating the rNSPL with constants ``(rho, gamma)``; REFUTED (with the exact vector and
    support) when a violation is proven in ball arithmetic, UNKNOWN otherwise.

    ``A`` as in :func:`certify` (real only); ``rho, gamma``: exact non-negative rationals; ``seed``: an integer in
    ``[0, 2^63)``.

    >>> A = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])   # two equal columns
    >>> refute(A, 1, rho="1/2", gamma=10).status
    <Status.REFUTED: 'refuted'>
    """
    rho = _non_negative(exact_rational(rho, "rho"), "rho")
    gamma = _non_negative(exact_rational(gamma, "gamma"), "gamma")
    if not _is_int(seed) or not 0 <= seed < 2**63:
        raise Smale18Error(f"seed={seed!r} must be an integer in [0, 2^63)")
    arr, enc, data = _matrix_and_data(A)
    lv = SparsityInLevels.make(arr.shape[1], sparsity, levels, weights)
    data.update(lv.to_json())
    claim = {"rho": str(rho), "gamma": str(gamma)}
    rng = np.random.default_rng(int(seed))
    for v in _candidates(arr, lv, rng):
        if not np.all(np.isfinite(v)) or not np.any(v):
            continue
        D = _best_support(v, lv)
        lo, _ = rnsp_violation(enc, v, D, lv, rho, gamma)
        if lo > 0:
            witness = {"v": encode_floats(v), "support": D, "margin": format_bound(lo, "down", 8)}
            return Certificate(KIND_REFUTE, Status.REFUTED, claim, data, witness)
    return Certificate(KIND_REFUTE, Status.UNKNOWN, claim, data, {})


@register_checker(KIND_REFUTE)
def _check_refutation(cert: Certificate, rigorous: str = "ball") -> CheckResult:
    """Valid iff the status is REFUTED, the claimed rho and gamma are non-negative, the support is admissible
    (distinct integer indices, at most s_k per level) and the lower end of the violation's enclosure is > 0 (in ball
    arithmetic whatever ``rigorous`` says: one product ``Av``)."""
    if cert.status is not Status.REFUTED:
        return CheckResult(False, {}, f"status is {cert.status}, nothing is claimed")
    A_enc, lv, rho, gamma = _claim_context(cert)
    witness = cert.witness if isinstance(cert.witness, dict) else {}
    v = decode_floats(witness.get("v"), "witness.v", ndim=1)
    if v.shape != (lv.N,):
        raise Smale18Error(f"witness.v has shape {list(v.shape)}, expected [{lv.N}]")
    D = witness.get("support")
    if not _admissible(D, lv):
        return CheckResult(False, {}, "the support is not admissible for the levels (distinct integer indices in "
                                      f"[0, {lv.N}), at most s_k={list(lv.s)} per level)")
    lo, hi = rnsp_violation(A_enc, v, D, lv, rho, gamma)
    rec = {"margin_lower": format_bound(lo, "down", 8)}
    if lo > 0:
        return CheckResult(True, rec, "the vector violates the inequality (proven)")
    return CheckResult(False, rec, "the violation is not proven")


@register_validator(KIND_CERT)
@register_validator(KIND_REFUTE)
def _validate_record(cert: Certificate) -> None:
    """The structural conditions the schema cannot state (run by ``Certificate.from_json`` after the schema): the
    matrix's shape within the limits (a named matrix is parsed, not built), its hex list of m*N entries, levels
    ending at N with valid sparsities and weights, the witness's shapes, support indices below N."""
    m, N = _matrix_shape(cert.data)
    rec = cert.data["matrix"]
    if "hex" in rec and len(rec["hex"]) != m * N:
        raise Smale18Error(f"data.matrix.hex has {len(rec['hex'])} entries; shape [{m}, {N}] needs {m * N}")
    lv = SparsityInLevels.from_json(cert.data)
    if lv.N != N:
        raise Smale18Error(f"data.levels={list(lv.M)} must end at N={N}, the number of columns of the matrix")
    if cert.status is not Status.UNKNOWN:
        for key in ("rho", "gamma"):
            _non_negative(parse_fraction(cert.claim.get(key), f"claim.{key}"), f"claim.{key}")
    w = cert.witness
    if cert.kind == KIND_CERT and "Y" in w:
        if w["Y"]["shape"] != [m, N]:
            raise Smale18Error(f"witness.Y.shape={w['Y']['shape']} must be [{m}, {N}], the matrix's shape")
        if len(w["Y"]["hex"]) != m * N:
            raise Smale18Error(f"witness.Y.hex has {len(w['Y']['hex'])} entries; shape [{m}, {N}] needs {m * N}")
    if cert.kind == KIND_REFUTE and "v" in w:
        if w["v"]["shape"] != [N] or len(w["v"]["hex"]) != N:
            raise Smale18Error(f"witness.v must have shape [{N}] and {N} entries (the matrix has {N} columns)")
        _support_indices(w["support"], N, "witness.support")


# -- exact decision for small N ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NSPConstant:
    """The exact best null-space constant ``rho*`` in levels (proofs_notes/rnsp.md, "Exact decision"):
    ``rho*^2 = max over v in ker A, admissible Delta of xi ||v_Delta||_2^2 / ||v_{Delta^c}||_{l1,w}^2`` as an exact
    rational (``rho2``; ``None`` when ker A contains an (s, M)-sparse vector, i.e. rho* is infinite). Every valid
    rNSPL pair ``(rho, gamma)`` has ``rho >= rho*``; ``vector`` and ``support`` attain the maximum (they refute any
    smaller rho)."""

    rho2: Fraction | None
    vector: tuple
    support: tuple
    nullity: int

    @property
    def rho_upper(self) -> Fraction | None:
        return None if self.rho2 is None else _arb.sqrt_bounds(self.rho2, self.rho2, 128)[1]


def _integer_matrix(A) -> flint.fmpz_mat:
    """An integer matrix with the kernel of ``A``: ``A`` times the common denominator of its entries, in Python
    integers / fmpz (a float64 matrix is read exactly: denominators are powers of two up to 2^1074, far past int64).
    ``A``: a rational :class:`~smale18.oracle.ExactArray` or a real float/integer array as in :func:`certify`."""
    if isinstance(A, ExactArray):
        if len(A.shape) != 2:
            raise Smale18Error(f"A must be a matrix, got shape {A.shape}")
        _check_shape_limits(*A.shape)
        if not A.is_rational:
            raise Smale18Error("the exact decision needs a rational matrix")
        num, _ = A.to_fmpq_mat().numer_denom()
        return num
    arr = _real_matrix(A)
    fr = [[Fraction(float(v)) for v in row] for row in arr.tolist()]
    den = math.lcm(*(v.denominator for row in fr for v in row))
    return flint.fmpz_mat([[int(v * den) for v in row] for row in fr])


def _slice_vectors(K: flint.fmpz_mat, coords):
    """For each T in ``coords`` (tuples of size d - 1): the kernel vector with v_T = 0, if that slice is a line."""
    N, d = K.nrows(), K.ncols()
    for T in coords:
        if d == 1:
            c = flint.fmpz_mat([[1]])
        else:
            KT = flint.fmpz_mat([[K[i, j] for j in range(d)] for i in T])
            ns, nullity = KT.nullspace()
            if nullity != 1:
                continue
            c = flint.fmpz_mat([[ns[j, 0]] for j in range(d)])
        v = K * c
        vec = [int(v[i, 0]) for i in range(N)]  # an integer kernel vector
        if any(vec):
            yield T, vec


def _ratio2(vec, D, lv: SparsityInLevels, w):
    head2 = sum((vec[i] ** 2 for i in D), Fraction(0))
    tail = sum((w[i] * abs(vec[i]) for i in range(len(vec)) if i not in D), Fraction(0))
    if tail == 0:
        return None if head2 > 0 else Fraction(0)
    return lv.xi * head2 / (tail * tail)


def _combination_at(n: int, k: int, rank: int) -> tuple:
    """The ``rank``-th k-subset of ``range(n)`` in the order of ``itertools.combinations(range(n), k)``
    (``0 <= rank < C(n, k)``)."""
    assert 0 <= rank < math.comb(n, k)
    out, x = [], 0
    for slot in range(k):
        while True:
            with_x = math.comb(n - x - 1, k - slot - 1)  # the subsets whose next element is x
            if rank < with_x:
                break
            rank -= with_x
            x += 1
        out.append(x)
        x += 1
    return tuple(out)


def _combinations_from(n: int, k: int, start: int, count: int):
    """``itertools.islice(itertools.combinations(range(n), k), start, start + count)`` without walking the first
    ``start`` subsets."""
    if count <= 0 or start >= math.comb(n, k):
        return
    c = list(_combination_at(n, k, start))
    for _ in range(count):
        yield tuple(c)
        i = k - 1
        while i >= 0 and c[i] == n - k + i:
            i -= 1
        if i < 0:
            return
        c[i] += 1
        for j in range(i + 1, k):
            c[j] = c[j - 1] + 1


def _nsp_slices(shared: tuple, start: int, count: int) -> tuple:
    """The slices ``T`` of ranks ``start .. start + count - 1`` (in ``itertools.combinations`` order) for
    ``shared = (kernel basis rows, levels, d)``: ``("sparse", None, v, D)`` at the first slice whose vector has an
    empty tail (rho* infinite), else ``("best", r, v, D)`` with the first strict maximum ``r`` of the ratio in the
    range, or ``("none", None, None, None)`` if no slice of the range is a line. The job unit of
    :func:`nsp_constant`."""
    rows, lv, d = shared
    K = flint.fmpz_mat(rows)
    N = len(rows)
    # _ratio2 in integers: with L the common denominator of the weights and w_i L = wn_i, the ratio of an integer
    # vector is xi head2 / (tail / L)^2 = (xi_num L^2 head2) / (xi_den tail^2), tail = sum wn_i |v_i| off D; ratios
    # are compared by cross-multiplication, and one Fraction is made per range (issue 17: no Fraction per entry)
    w = lv.column_weights()
    L = math.lcm(*(f.denominator for f in w))
    wn = [int(f * L) for f in w]
    xn, xd = lv.xi.numerator * L * L, lv.xi.denominator
    best_num, best_den, best_v, best_D = -1, 1, None, None
    for _, vec in _slice_vectors(K, _combinations_from(N, d - 1, start, count)):
        D = _best_support(vec, lv)
        head2 = sum(vec[i] * vec[i] for i in D)
        in_D = set(D)
        tail = sum(wn[i] * abs(vec[i]) for i in range(N) if i not in in_D)
        if tail == 0:
            if head2 > 0:
                return ("sparse", None, tuple(Fraction(x) for x in vec), tuple(D))
            num, den = 0, 1
        else:
            num, den = xn * head2, xd * tail * tail
        if num * best_den > best_num * den:
            best_num, best_den, best_v, best_D = num, den, vec, D
    if best_v is None:
        return ("none", None, None, None)
    return ("best", Fraction(best_num, best_den), tuple(Fraction(x) for x in best_v), tuple(best_D))


def _is_sparse(result: tuple) -> bool:
    return result[0] == "sparse"


#: by default (``workers=None``) :func:`nsp_constant` uses a process pool only from this many slices on: a worker's
#: start costs about 1 s of CPU; measured here, the 11,440 slices of a Gaussian 8 x 16 take 2.8-4.0 s in one process
#: and 2.1-2.4 s on 2 workers while no other session is busy (proofs_notes/rnsp.md, "Parallel certify")
_NSP_POOL_MIN_SLICES = 1 << 13


def nsp_constant(A, sparsity, levels=None, weights=None, *, workers: int | None = None, dask=None,
                 progress=None) -> NSPConstant:
    """The exact ``rho*`` for a rational matrix (small N): enumerate the lines ``ker A ∩ {v_T = 0}``, ``|T| = d - 1``
    (the vertices of every cross-section polytope), each with its best admissible support.

    ``A``: a real float/integer array (read exactly) or a rational exact matrix; complex matrices are refused. The
    constant is over real kernel vectors. At most ``MAX_NSP_SLICES`` slices ``C(N, d - 1)`` are enumerated
    (``d = dim ker A``); more raises :class:`Smale18Error`.

    The slices are independent: ``workers``, ``dask`` and ``progress`` (slices done) split them into ranges as in
    :func:`certify` (default: all cores from ``C(N, d - 1) >= 8192`` slices on, else this process). The ranges are
    combined in slice order, so the answer -- the constant, and the vector and support attaining it (the first in
    slice order) -- is identical for every way of running them.

    >>> nsp_constant(np.array([[1.0, 1.0, 1.0]]), 1).rho2    # ker = {v1 + v2 + v3 = 0}: |v_i| <= the other two
    Fraction(1, 1)
    """
    from ._parallel import local_workers, map_ranges

    workers, dask, progress = _parallel_options(workers, dask, progress)
    M = _integer_matrix(A)
    N = M.ncols()
    lv = SparsityInLevels.make(N, sparsity, levels, weights)
    K, d = M.nullspace()
    if d == 0:
        return NSPConstant(Fraction(0), tuple([Fraction(0)] * N), tuple(), 0)
    slices = math.comb(N, d - 1)
    if slices > MAX_NSP_SLICES:
        raise Smale18Error(f"the exact decision would enumerate C({N}, {d - 1}) = {slices} slices, more than "
                           f"MAX_NSP_SLICES={MAX_NSP_SLICES}; it is for small N (the problem is NP-hard)")
    rows = [[int(K[i, j]) for j in range(d)] for i in range(N)]
    workers = local_workers(workers, worth_a_pool=slices >= _NSP_POOL_MIN_SLICES)
    results = map_ranges(_nsp_slices, (rows, lv, d), slices, workers=workers, dask=dask, progress=progress,
                         stop=_is_sparse)
    best, best_v, best_D = Fraction(-1), None, None
    for result in results:
        if result is None:  # after a range that stopped the enumeration
            break
        kind, r, vec, D = result
        if kind == "sparse":
            return NSPConstant(None, vec, D, d)
        if kind == "best" and r > best:
            best, best_v, best_D = r, vec, D
    return NSPConstant(best, tuple(best_v), tuple(best_D), d)


def _nsp_constant_bruteforce(A, sparsity, levels=None, weights=None) -> Fraction | None:
    """The same constant by the double enumeration over admissible supports Delta and slices T inside Delta^c
    (no pruning) — for tests only."""
    import itertools

    M = _integer_matrix(A)
    N = M.ncols()
    lv = SparsityInLevels.make(N, sparsity, levels, weights)
    w = lv.column_weights()
    K, d = M.nullspace()
    if d == 0:
        return Fraction(0)
    K = flint.fmpz_mat([[K[i, j] for j in range(d)] for i in range(N)])
    per_level = [list(itertools.combinations(r, sk)) for r, sk in zip(lv.ranges(), lv.s)]
    best = Fraction(0)
    for parts in itertools.product(*per_level):
        D = sorted(i for part in parts for i in part)
        comp = [i for i in range(N) if i not in D]
        # unbounded cross-section: a kernel vector vanishing off Delta
        KD = flint.fmpz_mat([[K[i, j] for j in range(d)] for i in comp]) if comp else None
        if KD is None or KD.rank() < d:
            return None
        for _, vec in _slice_vectors(K, itertools.combinations(comp, d - 1)):
            r = _ratio2(vec, D, lv, w)
            if r is None:
                return None
            best = max(best, r)
    return best
