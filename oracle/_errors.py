"""The toolkit's error types and the shared argument checks (validate at the boundary)."""

from __future__ import annotations

import decimal
import itertools
import numbers
import re
from fractions import Fraction

import numpy as np

__all__ = [
    "Smale18Error",
    "InexactConversionError",
    "PrecisionCapExceeded",
    "PrecisionLoopError",
    "InconsistentAnswerError",
    "EngineError",
    "check_precision",
    "check_int_range",
    "check_positive_number",
    "check_prec_bits",
    "check_shape",
    "check_finite_array",
    "EnclosureError",
    "MAX_PRECISION",
    "MAX_EXPONENT",
    "MAX_ENTRY_BITS",
    "MAX_ENTRIES",
    "MAX_PREC_BITS",
    "check_bounded_precision",
    "check_bounded_prec_bits",
    "check_rational",
    "check_rational_array",
    "check_array_shape",
    "object_array",
    "short_repr",
]

#: largest ``n`` (error bound ``2^-n``) an exact source answers or a check is asked about: 2^20 bits (the adversary's
#: largest precision cap). At this precision ``dct2(8).approx(n)`` takes 0.5 s and ``is_within`` on it 1.3 s
#: (measured on the 2-core machine; proofs_notes/oracle.md, "Bounds on the work").
MAX_PRECISION = 1 << 20
#: largest ``|exponent|`` of a DyadicArray (answers at ``n <= MAX_PRECISION`` sit on grids ``2^-(n+g+1)``, ``g <= 11``;
#: the same bound as the sealed judge's wire format, ``oracle/_protocol.py``)
MAX_EXPONENT = 1 << 22
#: largest bit length of the numerator, and of the denominator, of one exact input entry (about 19,700 digits;
#: 10^400 has 1,329 bits, every float64 and long double fits)
MAX_ENTRY_BITS = 1 << 16
#: largest number of entries of one exact array (2048 x 2048)
MAX_ENTRIES = 1 << 22
#: largest working precision (bits) a caller may ask for explicitly
MAX_PREC_BITS = 1 << 22

# decimal digits that can still fit MAX_ENTRY_BITS bits (2^65536 has 19,729 digits)
_MAX_DIGITS = 19_729
_MAX_STRING = 2 * _MAX_DIGITS + 64
_RATIO = re.compile(r"\s*([+-]?)([0-9]+)/([0-9]+)\s*\Z")
_DECIMAL = re.compile(r"\s*([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]{1,12}))?\s*\Z")


class Smale18Error(ValueError):
    """Base class of every error smale18 raises on bad input."""


class InexactConversionError(Smale18Error):
    """A value cannot be converted without loss and no rounding was asked for."""


class PrecisionCapExceeded(Smale18Error):
    """A query asked for more precision than the oracle's cap allows."""

    def __init__(self, name: str, n: int, cap: int):
        self.name, self.n, self.cap = name, n, cap
        super().__init__(
            f"{name}={n} exceeds the precision cap of {cap} bits; "
            f"raise precision_cap (at your own risk) or ask for n <= {cap}"
        )


class PrecisionLoopError(Smale18Error):
    """Ball arithmetic did not reach the requested accuracy within the working-precision limit."""


class InconsistentAnswerError(Smale18Error):
    """A scripted answer is not within 2^-n of the instance it claims to approximate."""


class EngineError(Smale18Error):
    """The game engine could not reach a verdict it can stand behind (never reported as a verdict)."""


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_precision(n, name: str = "n") -> int:
    """Return ``n`` as an ``int`` if it is a non-negative integer, else raise naming the argument."""
    if not _is_integer(n) or n < 0:
        raise Smale18Error(f"{name}={short_repr(n)} must be a non-negative integer (error bound 2^-{name})")
    return int(n)


def check_int_range(value, name: str, lo: int, hi: int) -> int:
    """Return ``value`` as an ``int`` if it is an integer (not a bool) in ``[lo, hi]``, else raise naming it."""
    if not _is_integer(value) or not lo <= value <= hi:
        raise Smale18Error(f"{name}={short_repr(value)} must be an integer in [{lo}, {hi}]")
    return int(value)


def check_positive_number(value, name: str, upper: float) -> float:
    """Return ``value`` if it is a finite real number in ``(0, upper]``, else raise naming it."""
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise Smale18Error(f"{name}={short_repr(value)} must be a number in (0, {upper:g}]")
    if isinstance(value, numbers.Integral):  # compared exactly: np.isfinite cannot take a 400-digit int
        ok = 0 < int(value) <= upper
    else:
        try:
            ok = bool(np.isfinite(float(value))) and 0 < value <= upper
        except (OverflowError, ValueError, TypeError):
            ok = False
    if not ok:
        raise Smale18Error(f"{name}={short_repr(value)} must be a number in (0, {upper:g}]")
    return value


def check_prec_bits(prec_bits, name: str = "prec_bits") -> int:
    """Return a working precision in bits (an integer >= 2)."""
    if not _is_integer(prec_bits) or prec_bits < 2:
        raise Smale18Error(f"{name}={short_repr(prec_bits)} must be an integer number of bits >= 2")
    return int(prec_bits)


def check_shape(shape, name: str = "shape") -> tuple[int, ...]:
    """Return a shape of one or two positive dimensions."""
    try:
        shape = tuple(itertools.islice(iter(shape), 3))  # never more than 3 items from an arbitrary iterable
    except TypeError:
        raise Smale18Error(f"{name}={short_repr(shape)} must be a tuple of one or two positive integers") from None
    if len(shape) not in (1, 2) or not all(_is_integer(d) and d >= 1 for d in shape):
        raise Smale18Error(f"{name}={short_repr(shape)} must be a tuple of one or two positive integers")
    return tuple(int(d) for d in shape)


def check_finite_array(values, name: str) -> np.ndarray:
    """Return ``values`` as a float64 array, raising if any entry is NaN or infinite."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise Smale18Error(f"{name} must be an array of real numbers: {exc}") from None
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise Smale18Error(
            f"{name} has a non-finite entry {float(arr[tuple(bad)])} at index {tuple(int(i) for i in bad)}; "
            "exact inputs must be finite"
        )
    return arr


def check_dense_layers(layers) -> tuple:
    """``layers`` as a tuple of ``(W, b)`` float arrays: finite, ``b`` of W's height, consecutive widths matching."""
    fixed, width = [], None
    for i, (W, b) in enumerate(layers):
        W, b = np.array(W, dtype=float), np.array(b, dtype=float)
        if W.ndim != 2 or b.shape != (W.shape[0],) or not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise Smale18Error(f"layer {i}: W must be a finite matrix and b a finite vector of its height")
        if width is not None and W.shape[1] != width:
            raise Smale18Error(f"layer {i}: W has {W.shape[1]} columns, the previous layer has width {width}")
        width = W.shape[0]
        fixed.append((W, b))
    return tuple(fixed)


class EnclosureError(Smale18Error, ArithmeticError):
    """A ball enclosure is not finite, or its endpoints are beyond the exponent range smale18 handles exactly."""


def short_repr(value, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters; safe for huge integers and objects whose ``repr`` fails."""
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        try:
            bits = int(value).bit_length()
        except Exception:  # noqa: BLE001 - a hostile int subclass
            bits = 0
        if bits > 200:
            return f"<integer of {bits} bits>"
    if isinstance(value, Fraction) and max(value.numerator.bit_length(), value.denominator.bit_length()) > 200:
        return f"<fraction of {value.numerator.bit_length()}/{value.denominator.bit_length()} bits>"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a hostile __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    text = " ".join(text.split()) if "\n" in text else text  # error messages are one line
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_bounded_precision(n, name: str = "n", hi: int = MAX_PRECISION) -> int:
    """``n`` as an ``int`` if it is an integer (not a bool) in ``[0, hi]``; the upper bound keeps the work finite."""
    n = check_precision(n, name)
    if n > hi:
        raise Smale18Error(
            f"{name}={short_repr(n)} exceeds the largest supported precision {hi} bits (error bound 2^-{hi}); "
            f"ask for {name} <= {hi}"
        )
    return n


def check_bounded_prec_bits(prec_bits, name: str = "prec_bits", hi: int = MAX_PREC_BITS) -> int:
    """A working precision in bits, an integer in ``[2, hi]``."""
    prec_bits = check_prec_bits(prec_bits, name)
    if prec_bits > hi:
        raise Smale18Error(f"{name}={short_repr(prec_bits)} exceeds the largest working precision {hi} bits; "
                           "ask for less")
    return prec_bits


class _Refusal(Exception):
    """Internal: why one value is not an exact rational (turned into a Smale18Error that names the argument)."""


def _digits_to_int(digits: str) -> int:
    """A decimal digit string as an int, in chunks (Python refuses str -> int beyond 4300 digits at once)."""
    value = 0
    for i in range(0, len(digits), 4000):
        chunk = digits[i:i + 4000]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


def _parse_rational_string(text: str) -> Fraction:
    if len(text) > _MAX_STRING:
        raise _Refusal(f"is a string of {len(text)} characters; exact entries have at most {_MAX_DIGITS} digits")
    m = _RATIO.match(text)
    if m:
        sign, p, q = m.groups()
        if len(p.lstrip("0")) > _MAX_DIGITS or len(q.lstrip("0")) > _MAX_DIGITS:
            raise _Refusal(f"has more than {_MAX_DIGITS} digits in its numerator or denominator")
        den = _digits_to_int(q)
        if den == 0:
            raise _Refusal("has a zero denominator")
        num = _digits_to_int(p)
        return Fraction(-num if sign == "-" else num, den)
    m = _DECIMAL.match(text)
    if m and (m.group(2) or m.group(3)):
        sign, whole, frac, exp = m.group(1), m.group(2) or "", m.group(3) or "", m.group(4)
        mantissa = (whole + frac).lstrip("0")
        if not mantissa:
            return Fraction(0)
        shift = (int(exp) if exp else 0) - len(frac)
        if len(mantissa) > _MAX_DIGITS or shift + len(mantissa) > _MAX_DIGITS + 1 or -shift > 2 * _MAX_DIGITS:
            raise _Refusal(f"is beyond the size of an exact entry (at most {_MAX_ENTRY_BITS_TEXT})")
        value = _digits_to_int(mantissa)
        f = Fraction(value * 10**shift) if shift >= 0 else Fraction(value, 10**-shift)
        return -f if sign == "-" else f
    raise _Refusal("is not a rational written as 'p/q' or a decimal such as '-1.25e-3'")


_MAX_ENTRY_BITS_TEXT = f"{MAX_ENTRY_BITS} bits in numerator and denominator"


def _extended_float_fraction(v) -> Fraction:
    """Exact value of a finite numpy float wider than float64 (long double, float128), checked two ways.

    ``frexp`` splits ``v = m 2^e`` exactly; ``M = |m| 2^digits`` is an integer read 32 bits at a time with ``fmod``
    and exact subtractions; the result must agree with numpy's own ``as_integer_ratio``.
    """
    kind = type(v)
    m, e = np.frexp(v)
    digits = int(np.finfo(kind).nmant) + 1
    M = np.ldexp(abs(m), digits)
    if M != np.floor(M):
        raise _Refusal(f"is a {kind.__name__} whose significand is not {digits} bits; cannot convert it exactly")
    two32 = kind(1 << 32)
    out, shift = 0, 0
    while M != 0:
        low = np.fmod(M, two32)  # exact: an integer < 2^32
        out |= int(float(low)) << shift
        M = (M - low) / two32  # exact: clears the low 32 bits, then divides by a power of two
        shift += 32
    f = Fraction(out) * Fraction(2) ** (int(e) - digits)
    if m < 0:
        f = -f
    p, q = v.as_integer_ratio()
    if Fraction(int(p), int(q)) != f:
        raise _Refusal(f"is a {kind.__name__} that two exact conversions read differently; refusing to guess")
    return f


def _to_fraction(value) -> Fraction:
    """The exact rational ``value`` is, or raise :class:`_Refusal`; no rounding anywhere."""
    if isinstance(value, (bool, np.bool_)):
        raise _Refusal("must be a number, not a bool")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise _Refusal("is not finite; exact inputs must be finite")
        if isinstance(value, (float, np.float32, np.float16)):
            return Fraction(float(value))  # float16/32/64 -> Python float is exact
        return _extended_float_fraction(value)
    if isinstance(value, (complex, np.complexfloating)):
        raise _Refusal("is complex; smale18's exact inputs are real (pass the real part if that is what you mean)")
    if isinstance(value, str):
        return _parse_rational_string(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise _Refusal("is not finite; exact inputs must be finite")
        sign, digits, exp = value.as_tuple()
        if len(digits) > _MAX_DIGITS or abs(exp) > 2 * _MAX_DIGITS:
            raise _Refusal(f"is beyond the size of an exact entry (at most {_MAX_ENTRY_BITS_TEXT})")
        return Fraction(value)
    if getattr(value, "is_Rational", None) is True and hasattr(value, "p") and hasattr(value, "q"):  # sympy
        return Fraction(int(value.p), int(value.q))
    if type(value).__module__.startswith("sympy"):  # other sympy objects (no recursive sympy property is asked)
        raise _Refusal("is a sympy expression that is not a rational number; use SympyArray for irrational entries")
    if type(value).__module__.startswith("flint"):
        if hasattr(value, "p") and hasattr(value, "q"):  # fmpq
            return Fraction(int(value.p), int(value.q))
        if isinstance(value, numbers.Integral) or type(value).__name__ == "fmpz":
            return Fraction(int(value))
        raise _Refusal(f"is a python-flint {type(value).__name__}, not an exact rational")
    if hasattr(value, "_mpf_"):  # mpmath mpf: a dyadic
        sign, man, exp, _bc = value._mpf_
        if not man:
            if exp:  # mpmath encodes inf/nan as a zero mantissa with a nonzero exponent
                raise _Refusal("is not finite; exact inputs must be finite")
            return Fraction(0)
        if abs(int(exp)) > MAX_ENTRY_BITS:
            raise _Refusal(f"is beyond the size of an exact entry (at most {_MAX_ENTRY_BITS_TEXT})")
        f = Fraction(int(man)) * Fraction(2) ** int(exp)
        return -f if sign else f
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    raise _Refusal(
        "must be an exact real number: an int, a Fraction, a string 'p/q' or '-1.25e-3', or a finite float"
    )


def _checked_fraction(value) -> Fraction:
    try:
        f = _to_fraction(value)
    except _Refusal:
        raise
    except (ArithmeticError, ValueError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
        raise _Refusal(f"could not be read as an exact rational ({type(exc).__name__})") from None
    if f.numerator.bit_length() > MAX_ENTRY_BITS or f.denominator.bit_length() > MAX_ENTRY_BITS:
        raise _Refusal(f"is beyond the size of an exact entry (at most {_MAX_ENTRY_BITS_TEXT})")
    return f


def check_rational(value, name: str, *, positive: bool = False, nonnegative: bool = False) -> Fraction:
    """``value`` as the exact :class:`~fractions.Fraction` it is, or raise a Smale18Error naming ``name``.

    Accepted: Python and numpy integers (any width), ``Fraction`` and other ``numbers.Rational``, strings ``"p/q"``
    and decimals ``"-1.25e-3"`` (read exactly, never through a float), finite floats of any width (float16 to long
    double: dyadic rationals, read exactly), ``decimal.Decimal``, sympy rationals, python-flint ``fmpz``/``fmpq``,
    mpmath ``mpf``. Refused: bools, None, NaN and infinities, complex numbers, irrational sympy expressions, anything
    else, and values whose numerator or denominator has more than ``MAX_ENTRY_BITS`` bits.

    >>> check_rational("-3/7", "rho"), check_rational(np.int64(2**60 + 1), "x")
    (Fraction(-3, 7), Fraction(1152921504606846977, 1))
    >>> check_rational(None, "lam")
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: lam=None must be an exact real number: an int, a Fraction, a string 'p/q' or '-1.25e-3', or a finite float
    """
    try:
        f = _checked_fraction(value)
    except _Refusal as why:
        raise Smale18Error(f"{name}={short_repr(value)} {why}") from None
    if positive and f <= 0:
        raise Smale18Error(f"{name}={short_repr(value)} must be positive")
    if nonnegative and f < 0:
        raise Smale18Error(f"{name}={short_repr(value)} must be non-negative")
    return f


def _index_text(flat_index: int, shape: tuple) -> str:
    if len(shape) <= 1:
        return str(flat_index)
    return ", ".join(str(int(i)) for i in np.unravel_index(flat_index, shape))


def object_array(values, name: str) -> np.ndarray:
    """``values`` as a numpy object array of one or two non-empty dimensions, rejecting ragged nesting."""
    if isinstance(values, (str, bytes, dict, set, frozenset)) or values is None:
        raise Smale18Error(f"{name}={short_repr(values)} must be a vector or a matrix (a nested sequence or array)")
    try:
        arr = np.array(values, dtype=object)
    except Exception as exc:  # noqa: BLE001 - whatever a hostile sequence raises, it is bad input
        raise Smale18Error(f"{name} is not a rectangular array: {type(exc).__name__}: {str(exc)[:80]}") from None
    flat = arr.reshape(-1)
    if any(isinstance(v, (list, tuple, np.ndarray)) for v in flat):
        raise Smale18Error(f"{name} is ragged or nested too deeply: its rows have different lengths")
    check_array_shape(arr.shape, name)
    return arr


def check_array_shape(shape: tuple, name: str) -> tuple[int, ...]:
    """A shape of one or two non-empty dimensions with at most ``MAX_ENTRIES`` entries."""
    if len(shape) not in (1, 2) or not all(int(d) >= 1 for d in shape):
        raise Smale18Error(
            f"{name} must be a vector or a matrix (one or two non-empty dimensions), got shape {tuple(shape)}"
        )
    size = int(np.prod([int(d) for d in shape]))
    if size > MAX_ENTRIES:
        raise Smale18Error(f"{name} has {size} entries, more than the limit of {MAX_ENTRIES}")
    return tuple(int(d) for d in shape)


def check_rational_array(values, name: str, *, strings: bool = True) -> np.ndarray:
    """``values`` as an object array of exact :class:`~fractions.Fraction` entries (one or two dimensions).

    Every numpy dtype is read exactly: integers of any width as Python ints (never through float64), float16 to
    float64 as the dyadics they are, long doubles exactly (:func:`check_rational`). Refused, naming ``name`` and the
    index: bool and complex dtypes, NaN/inf, non-numeric entries, ragged or empty arrays, more than ``MAX_ENTRIES``
    entries; with ``strings=False`` also strings.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind != "O":
        kind = values.dtype.kind
        shape = check_array_shape(values.shape, name)
        if kind == "b":
            raise Smale18Error(f"{name} has dtype bool; exact inputs must be numbers, not bools")
        if kind == "c":
            raise Smale18Error(
                f"{name} has complex dtype {values.dtype}; smale18's exact inputs are real (pass .real if you mean it)"
            )
        if kind in "iu":
            flat = [Fraction(v) for v in values.reshape(-1).tolist()]  # tolist gives Python ints: exact
            return np.array(flat, dtype=object).reshape(shape)
        if kind == "f":
            finite = np.isfinite(values)
            if not np.all(finite):
                bad = np.argwhere(~finite)[0]
                raise Smale18Error(
                    f"{name} has a non-finite entry {values[tuple(bad)]} at index {tuple(int(i) for i in bad)}; "
                    "exact inputs must be finite"
                )
            if values.dtype.itemsize <= 8:
                flat = [Fraction(v) for v in values.astype(np.float64).reshape(-1).tolist()]
                return np.array(flat, dtype=object).reshape(shape)
        elif not (kind == "U" and strings):
            raise Smale18Error(f"{name} has dtype {values.dtype}; exact inputs must be real numbers")
        arr = values.astype(object) if kind == "U" else values
    else:
        arr = object_array(values, name)
    shape = arr.shape
    out = []
    for i, v in enumerate(arr.reshape(-1)):
        if not strings and isinstance(v, str):
            raise Smale18Error(f"{name}[{_index_text(i, shape)}]={short_repr(v)} must be a number, not a string")
        try:
            out.append(_checked_fraction(v))
        except _Refusal as why:
            raise Smale18Error(f"{name}[{_index_text(i, shape)}]={short_repr(v)} {why}") from None
    return np.array(out, dtype=object).reshape(shape)
