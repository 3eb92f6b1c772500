"""Exact dyadic arrays: integer numerators times one power of two.

An oracle's answer at precision ``n`` is a :class:`DyadicArray`. Its value is exact, so every conversion
below either is lossless or says in its name that it rounds.
"""

from __future__ import annotations

import re
from fractions import Fraction

import flint
import mpmath
import numpy as np

from ._errors import (
    MAX_EXPONENT,
    InexactConversionError,
    Smale18Error,
    check_rational_array,
    check_shape,
    short_repr,
)

__all__ = ["DyadicArray"]


def _as_int_array(numerators) -> np.ndarray:
    """The numerators as a fresh object array of Python ints (one or two non-empty dimensions)."""
    if isinstance(numerators, np.ndarray) and numerators.dtype.kind in "iu":
        arr = np.array(numerators.tolist(), dtype=object)  # Python ints, exactly (never through float64)
    elif numerators is None or isinstance(numerators, (str, bytes, dict, set, frozenset)):
        raise Smale18Error(f"numerators={short_repr(numerators)} must be an array of integers")
    else:
        try:
            arr = np.array(numerators, dtype=object)
        except Exception as exc:  # noqa: BLE001 - whatever a hostile sequence raises, it is bad input
            raise Smale18Error(f"numerators is not a rectangular array: {type(exc).__name__}") from None
    check_shape(arr.shape, "numerators.shape")
    flat = arr.reshape(-1)
    if all(type(v) is int for v in flat):  # the common case, checked at C speed (bool is not exactly int)
        return arr
    for i, v in enumerate(flat):
        if isinstance(v, (bool, np.bool_)):
            raise Smale18Error(f"numerators[{i}]={v!r} must be an integer, not a bool")
        if isinstance(v, (int, np.integer, flint.fmpz)):
            flat[i] = int(v)
        elif isinstance(v, (list, tuple, np.ndarray)):
            raise Smale18Error("numerators is ragged: its rows have different lengths")
        else:
            raise Smale18Error(f"numerators[{i}]={short_repr(v)} must be an integer")
    return arr


def _check_exponent(exponent) -> int:
    if isinstance(exponent, (bool, np.bool_)) or not isinstance(exponent, (int, np.integer)):
        raise Smale18Error(f"exponent={short_repr(exponent)} must be an integer")
    if not -MAX_EXPONENT <= exponent <= MAX_EXPONENT:
        raise Smale18Error(
            f"exponent={short_repr(exponent)} must be in [-2^22, 2^22] (a bound on the work it can cause)"
        )
    return int(exponent)


class DyadicArray:
    """An exact array ``numerators * 2**exponent`` (one or two dimensions).

    Immutable. Conversions to :class:`fractions.Fraction`, python-flint ``fmpq_mat``/``arb_mat`` and mpmath are
    lossless; :meth:`to_float64` is lossless or raises :class:`InexactConversionError`; :meth:`rounded_float64`
    (and ``np.asarray(d, dtype=float)``) rounds each entry to the nearest float64, ties to even.

    Examples
    --------
    >>> d = DyadicArray([[3, -1], [0, 5]], exponent=-2)
    >>> d.to_fractions()[0, 0]
    Fraction(3, 4)
    >>> np.asarray(d, dtype=float)
    array([[ 0.75, -0.25],
           [ 0.  ,  1.25]])
    >>> DyadicArray([1], exponent=-1100).to_float64()
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.InexactConversionError: entry 0 = 1*2^-1100 is not exactly a float64; call rounded_float64() to round

    The exponent given to the constructor is an integer with ``|exponent| <= MAX_EXPONENT`` (2^22), so no conversion
    can be asked to build a number of more than about 2^22 bits beyond its numerators.
    """

    __slots__ = ("_num", "_exp")

    def __init__(self, numerators, exponent: int = 0):
        num = _as_int_array(numerators)
        exponent = _check_exponent(exponent)
        num.setflags(write=False)
        self._num = num
        self._exp = exponent

    @classmethod
    def _unchecked(cls, num: np.ndarray, exponent: int) -> "DyadicArray":
        """Internal results (normalisation may move the exponent past the constructor's bound by the numerators'
        bit length, which the caller already paid for)."""
        out = cls.__new__(cls)
        num.setflags(write=False)
        out._num = num
        out._exp = int(exponent)
        return out

    # -- construction -------------------------------------------------------------------------------------
    @classmethod
    def from_float64(cls, values) -> "DyadicArray":
        """Read float values as the exact dyadic rationals they are (no rounding).

        Any numpy dtype is read exactly: integers as integers (an int64 above 2^53 is not rounded), float16 to long
        double as dyadics. NaN/inf, bools, complex numbers and strings are refused.
        """
        return cls.from_fractions(check_rational_array(values, "values", strings=False))

    @classmethod
    def from_fractions(cls, values) -> "DyadicArray":
        """Exact dyadic rationals (denominators powers of two) as a DyadicArray; raise otherwise.

        Entries are read by :func:`smale18.oracle._errors.check_rational_array` (exact, bounded); a non-dyadic entry
        raises :class:`InexactConversionError`.
        """
        arr = values if _is_fraction_array(values) else check_rational_array(values, "values")
        fr = list(arr.reshape(-1))
        for i, f in enumerate(fr):
            if f.denominator & (f.denominator - 1):
                raise InexactConversionError(f"values[{i}]={f} is not a dyadic rational; round it first")
        k = max(f.denominator.bit_length() - 1 for f in fr)
        num = [f.numerator << (k - (f.denominator.bit_length() - 1)) for f in fr]
        return cls(np.array(num, dtype=object).reshape(arr.shape), -k)

    # -- basic properties ---------------------------------------------------------------------------------
    @property
    def numerators(self) -> np.ndarray:
        """The integer numerators (read-only object array)."""
        return self._num

    @property
    def exponent(self) -> int:
        """The common exponent: value = numerators * 2**exponent."""
        return self._exp

    @property
    def shape(self) -> tuple[int, ...]:
        return self._num.shape

    @property
    def ndim(self) -> int:
        return self._num.ndim

    @property
    def size(self) -> int:
        return self._num.size

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def bits(self) -> int:
        """Largest bit length of a numerator: the size of this answer."""
        return max(int(v).bit_length() for v in self._num.reshape(-1))

    def __repr__(self) -> str:
        return f"DyadicArray(shape={self.shape}, exponent={self._exp}, bits={self.bits})"

    def normalized(self) -> "DyadicArray":
        """The same value with the largest possible exponent (numerators not all even)."""
        flat = [int(v) for v in self._num.reshape(-1)]
        nz = [v for v in flat if v]
        if not nz:
            return DyadicArray._unchecked(np.array([0] * len(flat), dtype=object).reshape(self.shape), 0)
        shift = min((v & -v).bit_length() - 1 for v in nz)
        num = np.array([v >> shift for v in flat], dtype=object).reshape(self.shape)
        return DyadicArray._unchecked(num, self._exp + shift)

    def __eq__(self, other) -> bool:
        if not isinstance(other, DyadicArray):
            return NotImplemented
        if self.shape != other.shape:
            return False
        a, b = self.normalized(), other.normalized()
        return a._exp == b._exp and all(int(x) == int(y) for x, y in zip(a._num.flat, b._num.flat))

    def __hash__(self) -> int:
        a = self.normalized()
        return hash((a.shape, a._exp, tuple(int(v) for v in a._num.flat)))

    # -- exact arithmetic ---------------------------------------------------------------------------------
    def _aligned(self, other: "DyadicArray"):
        if not isinstance(other, DyadicArray):
            raise Smale18Error(f"cannot combine a DyadicArray with {type(other).__name__}")
        if self.shape != other.shape:
            raise Smale18Error(f"shape mismatch: {self.shape} vs {other.shape}")
        e = min(self._exp, other._exp)
        a = np.array([int(v) << (self._exp - e) for v in self._num.flat], dtype=object)
        b = np.array([int(v) << (other._exp - e) for v in other._num.flat], dtype=object)
        return a, b, e

    def __add__(self, other: "DyadicArray") -> "DyadicArray":
        a, b, e = self._aligned(other)
        return DyadicArray._unchecked((a + b).reshape(self.shape), e)  # Python ints, fresh

    def __sub__(self, other: "DyadicArray") -> "DyadicArray":
        a, b, e = self._aligned(other)
        return DyadicArray._unchecked((a - b).reshape(self.shape), e)

    def __neg__(self) -> "DyadicArray":
        return DyadicArray._unchecked(-self._num, self._exp)

    # -- lossless conversions -----------------------------------------------------------------------------
    def to_fractions(self) -> np.ndarray:
        """Object array of :class:`fractions.Fraction`, exactly equal entry by entry."""
        if self._exp >= 0:
            vals = [Fraction(int(v) << self._exp) for v in self._num.flat]
        else:
            d = 1 << -self._exp
            vals = [Fraction(int(v), d) for v in self._num.flat]
        return np.array(vals, dtype=object).reshape(self.shape)

    def _rows(self) -> list[list[int]]:
        num = self._num if self.ndim == 2 else self._num.reshape(-1, 1)
        return [[int(v) for v in row] for row in num]

    def to_fmpz_mat(self) -> flint.fmpz_mat:
        """The numerators as a python-flint ``fmpz_mat`` (vectors become columns)."""
        return flint.fmpz_mat(self._rows())

    def to_fmpq_mat(self) -> flint.fmpq_mat:
        """Exact python-flint ``fmpq_mat`` (vectors become m x 1 columns)."""
        m = flint.fmpq_mat(self.to_fmpz_mat())
        if self._exp >= 0:
            return m * flint.fmpz(1 << self._exp)
        return m / flint.fmpz(1 << -self._exp)

    def to_arb_mat(self) -> flint.arb_mat:
        """Exact python-flint ``arb_mat`` (radius zero; vectors become m x 1 columns).

        The working precision is raised locally to the numerators' bit length, so no entry is rounded.
        """
        with flint.ctx.workprec(max(self.bits, 2) + 8):
            m = flint.arb_mat(self.to_fmpz_mat())
            return m * flint.arb(flint.fmpq(2) ** self._exp)

    def to_mpmath(self) -> mpmath.matrix:
        """Exact ``mpmath.matrix`` (each ``mpf`` carries the full numerator; vectors become columns).

        Arithmetic on the result still rounds at mpmath's working precision, as mpmath always does.
        """
        from mpmath.libmp import from_man_exp

        rows = self._rows()
        # mpmath.matrix converts assigned values at the context precision: raise it locally so nothing rounds
        with mpmath.mp.workprec(max(self.bits, 2) + 8):
            out = mpmath.matrix(len(rows), len(rows[0]))
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    out[i, j] = mpmath.mp.make_mpf(from_man_exp(v, self._exp))
        return out

    # -- float64 ------------------------------------------------------------------------------------------
    def rounded_float64(self) -> np.ndarray:
        """Nearest float64 to each entry (Python's correctly rounded integer division; overflow raises)."""
        try:
            if self._exp >= 0:
                vals = [float(int(v) << self._exp) for v in self._num.flat]
            else:
                d = 1 << -self._exp
                vals = [int(v) / d for v in self._num.flat]
        except OverflowError:
            raise InexactConversionError("an entry exceeds the float64 range") from None
        return np.array(vals, dtype=float).reshape(self.shape)

    def to_float64(self) -> np.ndarray:
        """The entries as float64 if every one is exactly representable, else raise InexactConversionError."""
        out = self.rounded_float64()
        for i, (v, f) in enumerate(zip(self._num.flat, out.flat)):
            p, q = float(f).as_integer_ratio()
            # exact comparison v * 2^exp == p / q
            lhs = Fraction(int(v)) * (Fraction(2) ** self._exp)
            if lhs != Fraction(p, q):
                raise InexactConversionError(
                    f"entry {i} = {int(v)}*2^{self._exp} is not exactly a float64; call rounded_float64() to round"
                )
        return out

    def __array__(self, dtype=None, copy=None):
        out = self.rounded_float64()
        return out if dtype is None else out.astype(dtype)

    # -- serialisation ------------------------------------------------------------------------------------
    def to_json(self) -> dict:
        """A JSON-ready dict; numerators as decimal strings so nothing is lost."""
        return {
            "type": "dyadic",
            "shape": list(self.shape),
            "exponent": self._exp,
            "numerators": [str(int(v)) for v in self._num.flat],
        }

    @classmethod
    def from_json(cls, data: dict) -> "DyadicArray":
        """Inverse of :meth:`to_json`, strict: ``shape`` a list of one or two positive JSON integers, ``exponent`` a
        JSON integer, ``numerators`` one decimal string (or JSON integer) per entry, of at most 4300 digits each."""
        if not isinstance(data, dict):
            raise Smale18Error(f"not a dyadic array record: {short_repr(data)} is not an object")
        missing = [k for k in ("shape", "exponent", "numerators") if k not in data]
        if missing:
            raise Smale18Error(f"not a dyadic array record: missing {missing}")
        shape, exponent, numerators = data["shape"], data["exponent"], data["numerators"]
        if not (isinstance(shape, list) and len(shape) in (1, 2)
                and all(type(d) is int and d >= 1 for d in shape)):
            raise Smale18Error(
                f"not a dyadic array record: shape={short_repr(shape)} must list 1 or 2 positive integers"
            )
        if type(exponent) is not int:
            raise Smale18Error(f"not a dyadic array record: exponent={short_repr(exponent)} must be an integer")
        size = int(np.prod(shape))
        if not isinstance(numerators, list) or len(numerators) != size:
            raise Smale18Error(f"not a dyadic array record: numerators must list {size} integers")
        ints = []
        for i, v in enumerate(numerators):
            if type(v) is int:
                ints.append(v)
            elif isinstance(v, str) and _DECIMAL_INT.fullmatch(v):
                ints.append(int(v))
            else:
                raise Smale18Error(
                    f"not a dyadic array record: numerators[{i}]={short_repr(v)} must be a decimal integer string"
                )
        return cls(np.array(ints, dtype=object).reshape(tuple(shape)), exponent)


def _is_fraction_array(values) -> bool:
    return (isinstance(values, np.ndarray) and values.dtype.kind == "O" and values.ndim in (1, 2) and values.size > 0
            and all(type(v) is Fraction for v in values.reshape(-1)))


_DECIMAL_INT = re.compile(r"-?[0-9]{1,4300}")
