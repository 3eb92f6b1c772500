"""Exact dyadic arrays: integer numerators times one power of two.

An oracle's answer at precision ``n`` is a :class:`DyadicArray`. Its value is exact, so every conversion
below either is lossless or says in its name that it rounds.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import mpmath
import numpy as np

from ._errors import InexactConversionError, Smale18Error, check_finite_array, check_shape

__all__ = ["DyadicArray"]


def _as_int_array(numerators) -> np.ndarray:
    arr = np.array(numerators, dtype=object)
    flat = arr.reshape(-1)
    for i, v in enumerate(flat):
        if isinstance(v, (bool, np.bool_)):
            raise Smale18Error(f"numerators[{i}]={v!r} must be an integer, not a bool")
        if isinstance(v, (int, np.integer, flint.fmpz)):
            flat[i] = int(v)
        else:
            raise Smale18Error(f"numerators[{i}]={v!r} must be an integer")
    return arr


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
    oracle._errors.InexactConversionError: entry 0 = 1*2^-1100 is not exactly a float64; call rounded_float64() to round
    """

    __slots__ = ("_num", "_exp")

    def __init__(self, numerators, exponent: int = 0):
        num = _as_int_array(numerators)
        check_shape(num.shape, "numerators.shape")
        if isinstance(exponent, (bool, np.bool_)) or not isinstance(exponent, (int, np.integer)):
            raise Smale18Error(f"exponent={exponent!r} must be an integer")
        num.setflags(write=False)
        self._num = num
        self._exp = int(exponent)

    # -- construction -------------------------------------------------------------------------------------
    @classmethod
    def from_float64(cls, values) -> "DyadicArray":
        """Read float64 values as the exact dyadic rationals they are (no rounding)."""
        arr = check_finite_array(values, "values")
        check_shape(arr.shape, "values.shape")
        pairs = [float(v).as_integer_ratio() for v in arr.reshape(-1)]
        # as_integer_ratio gives p / 2^k with k >= 0
        k = max(q.bit_length() - 1 for _, q in pairs)
        num = [p << (k - (q.bit_length() - 1)) for p, q in pairs]
        return cls(np.array(num, dtype=object).reshape(arr.shape), -k)

    @classmethod
    def from_fractions(cls, values) -> "DyadicArray":
        """Exact dyadic rationals (denominators powers of two) as a DyadicArray; raise otherwise."""
        arr = np.array(values, dtype=object)
        check_shape(arr.shape, "values.shape")
        fr = [Fraction(v) for v in arr.reshape(-1)]
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
            return DyadicArray(np.zeros(self.shape, dtype=object) * 0, 0)
        shift = min((v & -v).bit_length() - 1 for v in nz)
        num = np.array([v >> shift for v in flat], dtype=object).reshape(self.shape)
        return DyadicArray(num, self._exp + shift)

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
        return DyadicArray((a + b).reshape(self.shape), e)

    def __sub__(self, other: "DyadicArray") -> "DyadicArray":
        a, b, e = self._aligned(other)
        return DyadicArray((a - b).reshape(self.shape), e)

    def __neg__(self) -> "DyadicArray":
        return DyadicArray(-self._num, self._exp)

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
        """Inverse of :meth:`to_json`."""
        try:
            shape = tuple(int(d) for d in data["shape"])
            num = np.array([int(s) for s in data["numerators"]], dtype=object).reshape(shape)
            return cls(num, int(data["exponent"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise Smale18Error(f"not a dyadic array record: {exc}") from None
