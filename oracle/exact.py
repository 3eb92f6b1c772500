"""Exact sources of matrices and vectors, and the 2^-n rounding that turns them into oracle answers.

An :class:`ExactArray` is a real matrix or vector known exactly: by rationals, by floats read as the dyadics they
are, by sympy expressions, by a closed form (the orthonormal DCT-II), or by a callable that returns rigorous balls at
any working precision. Its :meth:`~ExactArray.approx` returns a :class:`~smale18.oracle.dyadic.DyadicArray` ``A_n`` with

    ||A_n - A||_2 <= 2^-n        (operator 2-norm for matrices, Euclidean norm for vectors),

proven by ball arithmetic as described in ``proofs_notes/oracle.md``.

Inputs are read exactly: numpy integers of any width as integers, floats of any width (long double included) as the
dyadic rationals they are, strings ``"p/q"`` and decimals without a float in between; complex, bool, NaN/inf and
non-numeric entries are refused with a :class:`~smale18.oracle.Smale18Error` naming the argument. Every input is bounded
(``MAX_PRECISION``, ``MAX_ENTRIES``, ``MAX_ENTRY_BITS``, ``MAX_ORDER``, ``MAX_PREC_BITS``): see the note's
"Bounds on the work".
"""

from __future__ import annotations

import abc
import operator
from fractions import Fraction
from typing import Callable

import sys

import flint
import numpy as np


class _LazySympy:
    """``sympy`` imported on first use: it is a fifth of the package's import time, and a sealed candidate's process
    (which imports smale18.oracle) never needs it unless sympy data are used."""

    def __getattr__(self, name):
        import sympy as module

        return getattr(module, name)


sympy = _LazySympy()


def _sympy_loaded():
    """The sympy module if something has imported it, else None (then no value can be a sympy object)."""
    return sys.modules.get("sympy")

from . import _arb
from ._errors import (
    MAX_ENTRIES,
    MAX_EXPONENT,
    MAX_PREC_BITS,
    MAX_PRECISION,
    EnclosureError,
    PrecisionLoopError,
    Smale18Error,
    check_array_shape,
    check_bounded_prec_bits,
    check_bounded_precision,
    check_rational,
    check_rational_array,
    check_shape,
    object_array,
    short_repr,
)
from ._verdict import format_bound
from .dyadic import DyadicArray

__all__ = [
    "ExactArray",
    "RationalArray",
    "SympyArray",
    "BallArray",
    "ProductArray",
    "OrthonormalDCT2",
    "as_exact",
    "from_float64",
    "dct2",
    "hadamard",
    "hilbert",
    "distance_upper_bound",
    "is_within",
    "MAX_PRECISION",
    "MAX_ORDER",
]

#: largest order N of the named matrices dct2, hadamard, hilbert (N^2 = MAX_ENTRIES entries); at N = 2048,
#: ``approx(60)`` takes 0.9 s for dct2, 0.8 s for hadamard, 1.8 s for hilbert (measured on the 2-core machine)
MAX_ORDER = 2048


def _sqrt_guard_bits(count: int) -> int:
    """Smallest g >= 0 with count <= 4^g, i.e. sqrt(count) <= 2^g (exact integer arithmetic)."""
    g = 0
    while (1 << (2 * g)) < count:
        g += 1
    return g


def _round_ball_table(table, q: int):
    """Round each ball's midpoint to the grid 2^-q; return (integers, max radius as a Fraction).

    For every ball b with midpoint c and radius r, the integer k satisfies |k 2^-q - c| <= 2^-q-1, so
    |k 2^-q - v| <= 2^-q-1 + r for every v in b.
    """
    ints = []
    rmax = Fraction(0)
    for i, b in enumerate(table):
        if not b.is_finite():
            raise EnclosureError(f"entry ball {i} is not finite ({b}); the source is undefined there")
        man, exp = b.mid().man_exp()
        man, exp = int(man), int(exp)
        if man and exp + man.bit_length() > MAX_EXPONENT:
            raise EnclosureError(f"entry ball {i} has magnitude above 2^{MAX_EXPONENT}; too large to round exactly")
        s = exp + q
        if s >= 0:
            ints.append(man << s)
        elif -s - 1 >= man.bit_length():
            ints.append(0)  # |man 2^s| < 1/2 rounds to 0 (and 2^-s may be astronomically large)
        else:
            ints.append((man + (1 << (-s - 1))) >> (-s))  # floor(man/2^-s + 1/2)
        r = _arb.radius_fraction(b)
        if r > rmax:
            rmax = r
    return ints, rmax


class ExactArray(abc.ABC):
    """A real matrix or vector known exactly; answers ``approx(n)`` within ``2^-n``.

    Subclasses implement :meth:`_ball_table`, or override :meth:`_rounded` when they can round exactly.

    Examples
    --------
    >>> A = RationalArray([["1/3", "2/3"], ["-1/7", "5"]])
    >>> A10 = A.approx(10)
    >>> distance_upper_bound(A10, A) <= Fraction(1, 2**10)
    True
    >>> A.approx(-1)
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: n=-1 must be a non-negative integer (error bound 2^-n)
    """

    #: give up raising the working precision beyond this many times the target grid's bits (plus 4096) ...
    MAX_PREC_FACTOR = 32
    #: ... or beyond twice the grid's bits plus this many, whichever is smaller
    MAX_PREC_EXTRA = 1 << 16

    def __init__(self, shape):
        self._shape = check_array_shape(check_shape(shape), "shape")
        self._cache: dict[int, DyadicArray] = {}

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def size(self) -> int:
        return int(np.prod(self._shape))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shape={self.shape})"

    # -- what subclasses provide ----------------------------------------------------------------------------
    @abc.abstractmethod
    def _ball_table(self, prec_bits: int) -> tuple[list, np.ndarray]:
        """Return ``(table, index)``: balls (flint ``arb``) enclosing distinct entry values at ``prec_bits``,
        and an integer array of this array's shape with ``entry[i] in table[index[i]]``."""

    def _rounded(self, q: int, prec_bits: int) -> tuple[np.ndarray, Fraction]:
        """Integers ``k`` of this shape and a bound ``e`` with ``|k 2^-q - a| <= e`` entrywise."""
        with flint.ctx.workprec(prec_bits):
            table, index = self._ball_table(prec_bits)
        ints, rmax = _round_ball_table(table, q)
        tab = np.empty(len(ints), dtype=object)
        tab[:] = ints
        return tab[index], Fraction(1, 1 << (q + 1)) + rmax

    # -- public ---------------------------------------------------------------------------------------------
    def enclose(self, prec_bits: int = 128) -> flint.arb_mat:
        """Ball matrix enclosing every entry, at ``prec_bits`` working precision (vectors as m x 1 columns).

        ``prec_bits`` is an integer in ``[2, MAX_PREC_BITS]`` (2^22).
        """
        prec_bits = check_bounded_prec_bits(prec_bits)
        with flint.ctx.workprec(prec_bits):
            table, index = self._ball_table(prec_bits)
            idx = index if index.ndim == 2 else index.reshape(-1, 1)
            return flint.arb_mat([[table[k] for k in row] for row in idx.tolist()])

    def approx(self, n: int) -> DyadicArray:
        """A dyadic array within ``2^-n`` of this one, in operator 2-norm (matrices) or Euclidean norm (vectors).

        The answer lies on the grid ``2^-(n+g+1)`` with ``sqrt(size) <= 2^g``; each entry is within
        ``2^-(n+g+2) + r`` of the true entry, where ``r`` is the largest ball radius, and the working precision is
        doubled until ``size * (2^-(n+g+2) + r)^2 <= 4^-n``, which bounds the Frobenius (hence operator) norm of
        the error. Answers are cached per ``n``; the same ``n`` always gives the same answer.

        ``n`` is an integer in ``[0, MAX_PRECISION]`` (2^20); the working precision never exceeds
        ``min(32 (q + 64) + 4096, 2 (q + 64) + 2^16)`` bits, past which :class:`PrecisionLoopError` is raised.
        """
        n = check_bounded_precision(n)
        if n in self._cache:
            return self._cache[n]
        g = _sqrt_guard_bits(self.size)
        q = n + g + 1
        prec = q + 64
        limit = min(self.MAX_PREC_FACTOR * (q + 64) + 4096, 2 * (q + 64) + self.MAX_PREC_EXTRA)
        budget = Fraction(1, 1 << (2 * n))
        while True:
            ints, err = self._rounded(q, prec)
            if self.size * err * err <= budget:
                break
            if prec >= limit:
                raise PrecisionLoopError(
                    f"could not enclose the entries tightly enough for n={n}: at prec_bits={prec} the entrywise "
                    f"error bound is {format_bound(err, 'up', 4)} > 2^-{n}/sqrt({self.size}); "
                    "the source's balls do not tighten"
                )
            prec = min(2 * prec, limit)
        answer = DyadicArray._unchecked(ints.reshape(self.shape), -q)  # fresh Python ints; |q| <= MAX_EXPONENT
        self._cache[n] = answer
        return answer

    def to_fmpq_mat(self) -> flint.fmpq_mat:
        """The exact rational matrix (vectors as columns); raise if the entries are not known to be rational."""
        raise Smale18Error(f"{type(self).__name__} has no exact rational form")

    @property
    def is_rational(self) -> bool:
        """True when :meth:`to_fmpq_mat` gives the exact entries."""
        return False

    def __matmul__(self, other: "ExactArray") -> "ProductArray":
        return ProductArray(self, as_exact(other, "other"))


class RationalArray(ExactArray):
    """Exact rational entries, each read exactly by :func:`smale18.oracle._errors.check_rational`.

    Accepted entries: ints and numpy integers of any width, :class:`~fractions.Fraction`, strings like ``"-3/7"`` or
    ``"1.25e-3"``, floats of any width (float16 to long double, read as the dyadics they are). Refused, naming the
    index: bools, NaN/inf, complex numbers, None and other objects, entries of more than ``MAX_ENTRY_BITS`` bits.
    Rounding to the grid is done in exact integer arithmetic (error at most ``2^-q-1`` per entry, no balls).

    >>> RationalArray(["1/3", 2]).approx(4).to_fractions().tolist()
    [Fraction(21, 64), Fraction(2, 1)]
    >>> RationalArray(np.array([2**60 + 1])).values[0] - 2**60
    Fraction(1, 1)
    """

    def __init__(self, values, name: str = "values"):
        fr = check_rational_array(values, name)
        super().__init__(fr.shape)
        self._values = fr

    @classmethod
    def _trusted(cls, fractions: np.ndarray) -> "RationalArray":
        """From an object array of Fractions already checked by ``check_rational_array`` (no second pass)."""
        out = cls.__new__(cls)
        ExactArray.__init__(out, fractions.shape)
        out._values = fractions
        return out

    @property
    def values(self) -> np.ndarray:
        """The exact entries as Fractions (a copy)."""
        return self._values.copy()

    @property
    def is_rational(self) -> bool:
        return True

    def _ball_table(self, prec_bits):
        table = [flint.arb(flint.fmpq(f.numerator, f.denominator)) for f in self._values.flat]
        return table, np.arange(self.size).reshape(self.shape)

    def _rounded(self, q, prec_bits):
        out = np.empty(self.size, dtype=object)
        for i, f in enumerate(self._values.flat):
            # nearest integer to f 2^q, ties up: floor((2 p 2^q + d) / (2 d))
            out[i] = ((f.numerator << (q + 1)) + f.denominator) // (2 * f.denominator)
        return out.reshape(self.shape), Fraction(1, 1 << (q + 1))

    def to_fmpq_mat(self) -> flint.fmpq_mat:
        vals = self._values if self._values.ndim == 2 else self._values.reshape(-1, 1)
        return flint.fmpq_mat([[flint.fmpq(f.numerator, f.denominator) for f in row] for row in vals])

    def to_json(self) -> dict:
        return {"type": "rational", "shape": list(self.shape), "values": [str(f) for f in self._values.flat]}


def from_float64(values) -> RationalArray:
    """Float values read as the exact dyadic rationals they are (NaN/inf, bools, complex and strings rejected).

    Any numpy dtype is read exactly: integers as integers (never through float64), float16 to long double as dyadics.
    """
    return RationalArray._trusted(check_rational_array(values, "values", strings=False))


# -- sympy expressions ----------------------------------------------------------------------------------------
_UNARY_NAMES = ("cos", "sin", "tan", "exp", "log", "atan", "cosh", "sinh", "tanh")
_UNARY: dict = {}  # sympy function class -> the arb method of the same name, filled on first use


def _unary():
    if not _UNARY:
        _UNARY.update({getattr(sympy, name): name for name in _UNARY_NAMES})
    return _UNARY


def _sympy_to_arb(expr, memo: dict) -> flint.arb:
    """Ball enclosing a real sympy expression at the current flint working precision."""
    hit = memo.get(expr)
    if hit is not None:
        return hit
    if expr.is_Integer:
        out = flint.arb(int(expr))
    elif expr.is_Rational:
        out = flint.arb(flint.fmpq(int(expr.p), int(expr.q)))
    elif expr.is_Float:
        sign, man, exp, _ = expr._mpf_
        if not man and exp:
            raise Smale18Error(f"expression {short_repr(expr)} is not finite")
        out = flint.arb((-int(man) if sign else int(man), int(exp)))  # exact: arb holds (man, exp) as it is
    elif expr is sympy.pi:
        out = flint.arb.pi()
    elif expr is sympy.E:
        out = flint.arb.const_e()
    elif expr.is_Add:
        out = flint.arb(0)
        for a in expr.args:
            out = out + _sympy_to_arb(a, memo)
    elif expr.is_Mul:
        out = flint.arb(1)
        for a in expr.args:
            out = out * _sympy_to_arb(a, memo)
    elif expr.is_Pow:
        base, e = expr.args
        b = _sympy_to_arb(base, memo)
        if e.is_Integer:
            out = b ** int(e) if int(e) >= 0 else 1 / (b ** (-int(e)))
        elif e.is_Rational and int(e.q) <= 1 << 30:
            r = b.root(int(e.q)) if e.q != 2 else b.sqrt()
            out = r ** int(e.p) if e.p >= 0 else 1 / (r ** (-int(e.p)))
        else:
            out = (b.log() * _sympy_to_arb(e, memo)).exp()
    elif type(expr) in _unary():
        (arg,) = expr.args
        if type(expr) is sympy.cos and (arg / sympy.pi).is_Rational:
            r = arg / sympy.pi
            out = flint.arb.cos_pi_fmpq(flint.fmpq(int(r.p), int(r.q)))
        elif type(expr) is sympy.sin and (arg / sympy.pi).is_Rational:
            r = arg / sympy.pi
            out = flint.arb.sin_pi_fmpq(flint.fmpq(int(r.p), int(r.q)))
        else:
            out = getattr(_sympy_to_arb(arg, memo), _UNARY[type(expr)])()
    elif expr.is_number and expr.is_real is False:
        raise Smale18Error(f"expression {short_repr(expr)} is not real; smale18's exact sources are real")
    else:
        raise Smale18Error(
            f"cannot enclose {short_repr(expr)} ({type(expr).__name__}) in ball arithmetic; "
            "supported: rationals, floats, pi, E, "
            "+, *, powers, " + ", ".join(sorted(_UNARY_NAMES))
        )
    memo[expr] = out
    return out


class SympyArray(ExactArray):
    """Entries given by exact real sympy expressions (sqrt, cos(pi*p/q), exp, log, ...).

    Enclosed by translating each distinct expression to python-flint balls; identical entries are enclosed once. Entries
    that are not sympy expressions are read exactly as rationals (:func:`smale18.oracle._errors.check_rational`);
    strings are read as rationals only, never handed to ``sympify`` (which evaluates code). An expression that cannot be
    enclosed (unsupported function, non-real value, exponent or nesting too large) raises Smale18Error.

    >>> A = SympyArray([[sympy.sqrt(2), sympy.cos(sympy.pi / 7)]])
    >>> A.approx(20).to_fractions()[0, 0]
    Fraction(2965821, 2097152)
    """

    def __init__(self, values, name: str = "values"):
        if isinstance(values, sympy.MatrixBase):
            arr = np.array(values.tolist(), dtype=object)
            check_array_shape(arr.shape, name)
        else:
            arr = object_array(values, name)
        super().__init__(arr.shape)
        exprs = [_sympy_entry(v, f"{name}[{i}]") for i, v in enumerate(arr.reshape(-1))]
        distinct: dict = {}
        index = np.array([distinct.setdefault(e, len(distinct)) for e in exprs], dtype=np.int64)
        self._exprs = list(distinct)
        self._index = index.reshape(self.shape)
        self._values = np.array(exprs, dtype=object).reshape(self.shape)

    @classmethod
    def _from_table(cls, exprs: list, index: np.ndarray) -> "SympyArray":
        """Distinct checked expressions and an index array (for closed forms with few distinct entries)."""
        out = cls.__new__(cls)
        ExactArray.__init__(out, index.shape)
        out._exprs = list(exprs)
        out._index = index
        table = np.empty(len(exprs), dtype=object)
        table[:] = exprs
        out._values = table[index]
        return out

    def to_sympy(self) -> sympy.Matrix:
        """The exact entries as a sympy Matrix (vectors as columns)."""
        vals = self._values if self._values.ndim == 2 else self._values.reshape(-1, 1)
        return sympy.Matrix(vals.tolist())

    @property
    def is_rational(self) -> bool:
        return all(e.is_Rational for e in self._exprs)

    def to_fmpq_mat(self) -> flint.fmpq_mat:
        if not self.is_rational:
            raise Smale18Error("SympyArray has irrational entries; no exact rational form")
        vals = self._values if self._values.ndim == 2 else self._values.reshape(-1, 1)
        return flint.fmpq_mat([[flint.fmpq(int(e.p), int(e.q)) for e in row] for row in vals])

    def _ball_table(self, prec_bits):
        memo: dict = {}
        try:
            return [_sympy_to_arb(e, memo) for e in self._exprs], self._index
        except Smale18Error:
            raise
        except (RecursionError, OverflowError, ValueError, TypeError, ZeroDivisionError, ArithmeticError) as exc:
            raise Smale18Error(
                f"cannot enclose a SympyArray entry in ball arithmetic ({type(exc).__name__}: {str(exc)[:80]})"
            ) from None


#: the deepest expression tree (longest chain of nested operations) a SympyArray entry may have; sympy's own
#: recursive methods (free_symbols, hashing) and the ball translator recurse once per level
MAX_EXPRESSION_DEPTH = 200
#: the most distinct sub-expressions of one SympyArray entry
MAX_EXPRESSION_NODES = 100_000


def _check_expression(expr, name: str) -> None:
    """Walk ``expr`` without recursion: bound its depth and its number of distinct nodes, and refuse free symbols
    (sympy's recursive ``free_symbols`` would hit Python's recursion limit on deep expressions)."""
    depth: dict[int, int] = {}
    state: dict[int, int] = {}  # 1: children pending, 2: done
    symbols = []
    stack = [expr]
    while stack:
        node = stack[-1]
        key = id(node)
        seen = state.get(key)
        if seen is None:
            state[key] = 1
            if len(state) > MAX_EXPRESSION_NODES:
                raise Smale18Error(f"{name} has more than {MAX_EXPRESSION_NODES} distinct sub-expressions")
            if getattr(node, "is_Symbol", False):
                symbols.append(node)
            stack.extend(a for a in node.args if id(a) not in state)
            continue
        stack.pop()
        if seen == 1:
            state[key] = 2
            depth[key] = 1 + max((depth.get(id(a), 0) for a in node.args), default=0)
            if depth[key] > MAX_EXPRESSION_DEPTH:
                raise Smale18Error(f"{name} is nested more than {MAX_EXPRESSION_DEPTH} levels deep")
    if symbols:
        raise Smale18Error(f"entry {name} = {short_repr(expr)} has free symbols {sorted(map(str, symbols))[:5]}")


def _sympy_entry(value, name: str):
    """One SympyArray entry: a real sympy expression without free symbols, or an exact rational (never a string
    handed to sympify, which evaluates code and can build astronomically large numbers)."""
    if isinstance(value, sympy.Basic):
        if not isinstance(value, sympy.Expr):
            raise Smale18Error(f"{name}={short_repr(value)} is not a sympy expression of a number")
        _check_expression(value, name)
        return value
    f = check_rational(value, name)
    return sympy.Rational(f.numerator, f.denominator)


class BallArray(ExactArray):
    """Entries given by a callable ``fn(prec_bits)`` returning rigorous balls (flint ``arb_mat`` or nested ``arb``).

    Contract on ``fn``: every returned ball contains the true entry, and the radii tend to zero as ``prec_bits``
    grows. If they do not, :meth:`approx` raises :class:`PrecisionLoopError` instead of looping forever.

    >>> third = BallArray((1,), lambda prec_bits: [flint.arb(1) / 3])
    >>> third.approx(8).to_fractions()[0]
    Fraction(171, 512)
    """

    def __init__(self, shape, fn: Callable[[int], object]):
        super().__init__(shape)
        if not callable(fn):
            raise Smale18Error(f"fn={short_repr(fn)} must be callable as fn(prec_bits)")
        self._fn = fn

    def _ball_table(self, prec_bits):
        try:
            raw = self._fn(prec_bits)
        except Smale18Error:
            raise
        except Exception as exc:  # noqa: BLE001 - the caller's function broke its contract: say so, once
            raise Smale18Error(f"fn({prec_bits}) raised {type(exc).__name__}: {str(exc)[:80]}") from exc
        if isinstance(raw, flint.arb_mat):
            flat = [raw[i, j] for i in range(raw.nrows()) for j in range(raw.ncols())]
        else:
            if isinstance(raw, (str, bytes, dict)) or raw is None:
                raise Smale18Error(f"fn({prec_bits}) returned {short_repr(raw)}, not a list of balls")
            try:
                items = np.array(raw, dtype=object).reshape(-1)
            except Exception:  # noqa: BLE001
                raise Smale18Error(f"fn({prec_bits}) returned {short_repr(raw)}, not a list of balls") from None
            flat = [
                b if isinstance(b, flint.arb) else _arb.arb_from_fraction(check_rational(b, f"fn({prec_bits})[{i}]"))
                for i, b in enumerate(items)
            ]
        if len(flat) != self.size:
            raise Smale18Error(f"fn({prec_bits}) returned {len(flat)} balls, expected {self.size} for shape {self.shape}")
        return flat, np.arange(self.size).reshape(self.shape)


class ProductArray(ExactArray):
    """The exact product ``left @ right`` of two exact sources (matrix-matrix or matrix-vector).

    Enclosed as the product of the factors' ball enclosures, so it is exact whenever the factors are.
    """

    def __init__(self, left: ExactArray, right: ExactArray):
        left, right = as_exact(left, "left"), as_exact(right, "right")
        if len(left.shape) != 2 or left.shape[1] != right.shape[0]:
            raise Smale18Error(f"shape mismatch in product: {left.shape} @ {right.shape}")
        super().__init__((left.shape[0],) + right.shape[1:])
        self.left, self.right = left, right

    @property
    def is_rational(self) -> bool:
        return self.left.is_rational and self.right.is_rational

    def to_fmpq_mat(self) -> flint.fmpq_mat:
        return self.left.to_fmpq_mat() * self.right.to_fmpq_mat()

    def _ball_table(self, prec_bits):
        prod = self.left.enclose(prec_bits) * self.right.enclose(prec_bits)
        flat = [prod[i, j] for i in range(prod.nrows()) for j in range(prod.ncols())]
        return flat, np.arange(self.size).reshape(self.shape)


class OrthonormalDCT2(ExactArray):
    """The exact orthonormal DCT-II matrix of order N.

    ``D[k, j] = s_k cos(pi (2j+1) k / (2N))`` with ``s_0 = sqrt(1/N)`` and ``s_k = sqrt(2/N)`` otherwise, so
    ``D D^T = I``. Only the ``4N`` distinct cosines and two scales are enclosed (python-flint ``cos_pi_fmpq``), which is
    what makes ``approx`` fast.

    >>> D = OrthonormalDCT2(4)
    >>> sympy.simplify(D.to_sympy() * D.to_sympy().T) == sympy.eye(4)
    True
    """

    def __init__(self, N: int):
        N = _check_order(N)
        super().__init__((N, N))
        self.N = N
        k = np.arange(N, dtype=np.int64).reshape(-1, 1)
        j = np.arange(N, dtype=np.int64).reshape(1, -1)
        self._index = np.where(k == 0, 0, 4 * N) + ((2 * j + 1) * k) % (4 * N)

    def _ball_table(self, prec_bits):
        N = self.N
        cos = [flint.arb.cos_pi_fmpq(flint.fmpq(t, 2 * N)) for t in range(4 * N)]
        s0, s1 = (flint.arb(1) / N).sqrt(), (flint.arb(2) / N).sqrt()
        return [s0 * c for c in cos] + [s1 * c for c in cos], self._index

    def entry(self, k: int, j: int) -> sympy.Expr:
        """The exact entry ``D[k, j]`` as a sympy expression."""
        def index(v, name):
            try:
                i = operator.index(v) if not isinstance(v, (bool, np.bool_)) else None
            except TypeError:
                i = None
            if i is None or not 0 <= i < self.N:
                raise Smale18Error(f"{name}={short_repr(v)} must be an integer in [0, {self.N - 1}]")
            return i

        k, j = index(k, "k"), index(j, "j")
        s = sympy.sqrt(sympy.Rational(1 if k == 0 else 2, self.N))
        return s * sympy.cos(sympy.pi * sympy.Rational((2 * j + 1) * k, 2 * self.N))

    def to_sympy(self) -> sympy.Matrix:
        """The exact matrix as sympy expressions."""
        return sympy.Matrix(self.N, self.N, lambda k, j: self.entry(k, j))

    def to_json(self) -> dict:
        return {"type": "dct2", "N": self.N}


def dct2(N: int) -> OrthonormalDCT2:
    """The exact orthonormal DCT-II of order ``N`` (see :class:`OrthonormalDCT2`)."""
    return OrthonormalDCT2(N)


def _check_order(N) -> int:
    if not isinstance(N, (int, np.integer)) or isinstance(N, (bool, np.bool_)) or not 1 <= N <= MAX_ORDER:
        raise Smale18Error(f"N={short_repr(N)} must be a positive integer at most {MAX_ORDER}")
    return int(N)


def hadamard(N: int) -> SympyArray:
    """The exact orthonormal Walsh-Hadamard matrix ``H_N / sqrt(N)`` (Sylvester order, ``N`` a power of two,
    ``N <= MAX_ORDER``): entry ``(i, j)`` is ``(-1)^popcount(i & j) / sqrt(N)``."""
    if not isinstance(N, (int, np.integer)) or isinstance(N, (bool, np.bool_)) or not 1 <= N <= MAX_ORDER \
            or N & (N - 1):
        raise Smale18Error(f"N={short_repr(N)} must be a power of two in [1, {MAX_ORDER}]")
    N = int(N)
    i = np.arange(N, dtype=np.int64).reshape(-1, 1)
    j = np.arange(N, dtype=np.int64).reshape(1, -1)
    index = (np.bitwise_count(i & j) & 1).astype(np.int64)
    s = 1 / sympy.sqrt(N)
    return SympyArray._from_table([s, -s], index)


def hilbert(N: int) -> RationalArray:
    """The exact Hilbert matrix ``1/(i+j+1)`` of order ``N <= MAX_ORDER`` (badly conditioned; a classic test)."""
    N = _check_order(N)
    table = [Fraction(1, k + 1) for k in range(2 * N - 1)]
    values = np.empty((N, N), dtype=object)
    for i in range(N):
        values[i, :] = table[i:i + N]
    return RationalArray._trusted(values)


def as_exact(value, name: str = "value") -> ExactArray:
    """Coerce a value to an exact source, without rounding anything; ``name`` is used in error messages.

    ExactArray is returned as is; a DyadicArray becomes a RationalArray of its values; a sympy Matrix becomes a
    SympyArray; a numpy array of any real dtype is read exactly (integers of any width as integers, floats of any
    width, long double included, as the dyadics they are; NaN/inf, bool and complex dtypes refused); other nested
    sequences become a RationalArray if every entry is rational, else a SympyArray (entries as in
    :func:`smale18.oracle._errors.check_rational`).

    >>> as_exact(np.array([2**60 + 100])).values[0] == 2**60 + 100
    True
    >>> as_exact(np.array([1 + 2j]), "y")
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: y has complex dtype complex128; smale18's exact inputs are real (pass .real if you mean it)
    """
    if isinstance(value, ExactArray):
        return value
    if isinstance(value, DyadicArray):
        return RationalArray._trusted(value.to_fractions())
    loaded = _sympy_loaded()
    if loaded is not None and isinstance(value, loaded.MatrixBase):
        return SympyArray(value, name)
    if isinstance(value, np.ndarray) and value.dtype.kind != "O":
        return RationalArray._trusted(check_rational_array(value, name))
    arr = object_array(value, name)
    if loaded is not None and any(isinstance(v, loaded.Basic) and not v.is_Rational for v in arr.reshape(-1)):
        return SympyArray(arr, name)
    return RationalArray._trusted(check_rational_array(arr, name))


def distance_upper_bound(
    answer: DyadicArray, source, prec_bits: int | None = None, stop_below: Fraction | None = None
) -> Fraction:
    """Rigorous upper bound on ``||answer - source||`` (operator 2-norm, or Euclidean for vectors).

    Computed in ball arithmetic: the difference is formed from the source's enclosure at ``prec_bits`` (default:
    enough for the answer's grid, or for ``stop_below`` when it is coarser, at most ``MAX_PREC_BITS``), scaled by an
    exact power of two, and bounded by :func:`smale18.oracle._arb.spectral_norm_upper` at ``min(prec_bits,
    SQUARING_BITS)`` bits (proofs_notes/oracle.md, Lemma 3 "as implemented"); returned as an exact Fraction. Independent of :meth:`approx`. With
    ``stop_below=t`` (an exact non-negative rational) the search for a tighter bound stops once the bound is ``<= t``.
    Any precision gives a valid bound; precision only decides how tight it is.
    """
    if not isinstance(answer, DyadicArray):
        raise Smale18Error(f"answer must be a DyadicArray, not {type(answer).__name__}")
    source = as_exact(source, "source")
    if answer.shape != source.shape:
        raise Smale18Error(f"answer.shape={answer.shape} does not match the source's shape {source.shape}")
    if isinstance(stop_below, Fraction):  # 2^-n for n up to MAX_PRECISION: beyond one input entry's size bound
        if stop_below < 0 or max(stop_below.numerator.bit_length(), stop_below.denominator.bit_length()) > (
                MAX_PRECISION + 64):
            raise Smale18Error(f"stop_below={short_repr(stop_below)} must be a non-negative rational of at most "
                               f"{MAX_PRECISION + 64} bits")
    elif stop_below is not None:
        stop_below = check_rational(stop_below, "stop_below", nonnegative=True)
    if prec_bits is None:
        grid = -answer.exponent
        magnitude = max(0, answer.bits + answer.exponent)  # |entries| < 2^magnitude
        prec_bits = max(128, grid + answer.bits + 64)
        if stop_below:
            target = max(0, stop_below.denominator.bit_length() - stop_below.numerator.bit_length() + 1)
            prec_bits = min(prec_bits, max(128, magnitude + 2 * target + _sqrt_guard_bits(answer.size) + 64))
        prec_bits = min(prec_bits, MAX_PREC_BITS)
    prec_bits = check_bounded_prec_bits(prec_bits)
    with flint.ctx.workprec(prec_bits):
        diff = answer.to_arb_mat() - source.enclose(prec_bits)
        # scale by an exact power of two so the entries are below 1 and near it: the squarings then need no more
        # than SQUARING_BITS (the difference, formed at prec_bits, is small; its relative accuracy is what counts)
        # and their powers cannot leave arb's exponent range (2^-(2^20) squared five times would)
        E = _arb.magnitude_exponent(diff)
        if E is None:
            return Fraction(0)
        diff = diff * (flint.arb(2) ** -E)  # exact: a power of two
    bits = min(prec_bits, SQUARING_BITS)
    scale2 = Fraction(2) ** (2 * E)
    stop2 = None if stop_below is None else Fraction(stop_below) ** 2 / scale2
    bound2 = _arb.spectral_norm_upper(diff, prec_bits=bits, stop_below=stop2)
    # sqrt upper bound, exactly: a dyadic s with s^2 >= bound2, scaled back by 2^E
    with flint.ctx.workprec(bits):
        return _arb.upper_fraction(_arb.arb_from_fraction(bound2).sqrt()) * Fraction(2) ** E


#: working precision of :func:`distance_upper_bound`'s squarings, after the difference is formed and scaled
SQUARING_BITS = 128


def is_within(answer: DyadicArray, source, n: int) -> bool:
    """True if ``||answer - source|| <= 2^-n`` is proven (operator 2-norm, or Euclidean for vectors).

    First a ball-arithmetic upper bound (:func:`distance_upper_bound`); if that is inconclusive and the source is
    rational, the exact decision of :func:`smale18.oracle._arb.exact_opnorm_at_most`. False means "not proven", which
    for a rational source is "false". ``n`` is an integer in ``[0, MAX_PRECISION]``; ``source`` is anything
    :func:`as_exact` reads (exactly: a numpy int64 entry above 2^53 is that integer, not its float64 rounding).

    >>> is_within(DyadicArray([[2**60]]), np.array([[2**60 + 100]]), 1)
    False
    """
    n = check_bounded_precision(n)
    t = Fraction(1, 1 << n)
    source = as_exact(source, "source")
    if distance_upper_bound(answer, source, stop_below=t) <= t:
        return True
    if source.is_rational:
        return _arb.exact_opnorm_at_most(answer.to_fmpq_mat() - source.to_fmpq_mat(), t)
    return False
