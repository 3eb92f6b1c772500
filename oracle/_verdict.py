"""Three-valued verdicts and exact intervals, shared by every check in smale18."""

from __future__ import annotations

import decimal
import enum
import numbers
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from . import _arb
from ._errors import Smale18Error, check_rational, short_repr

__all__ = ["Status", "Interval", "format_bound", "MAX_FORMAT_DIGITS"]

#: the most significant digits :func:`format_bound` prints
MAX_FORMAT_DIGITS = 1000


def _exact(value, name: str) -> Fraction:
    """``value`` as an exact Fraction (fast path for Fraction and int; anything else through
    :func:`~smale18.oracle._errors.check_rational`, which refuses None, bools, NaN, strings with huge exponents, ...)."""
    if isinstance(value, Fraction):
        return value
    if type(value) is int:
        return Fraction(value)
    return check_rational(value, name)


def format_bound(value, direction: str, digits: int = 10) -> str:
    """Decimal string of an exact rational rounded *outward*: ``direction="down"`` gives a value <= ``value``,
    ``"up"`` a value >= ``value``, so a printed enclosure endpoint stays an endpoint. ``digits`` significant digits,
    an integer in ``[1, MAX_FORMAT_DIGITS]``; any exponent is printed exactly (no underflow to 0, no overflow).

    >>> format_bound(Fraction(1, 3), "down", 4), format_bound(Fraction(1, 3), "up", 4)
    ('0.3333', '0.3334')
    >>> format_bound(Fraction(1, 10**600), "down", 3)
    '1E-600'
    """
    f = _exact(value, "value")
    if direction not in ("down", "up"):
        raise Smale18Error(f"direction={short_repr(direction)} must be 'down' or 'up'")
    if isinstance(digits, (bool, np.bool_)) or not isinstance(digits, numbers.Integral) \
            or not 1 <= digits <= MAX_FORMAT_DIGITS:
        raise Smale18Error(f"digits={short_repr(digits)} must be an integer in [1, {MAX_FORMAT_DIGITS}]")
    rounding = decimal.ROUND_FLOOR if direction == "down" else decimal.ROUND_CEILING
    # the widest exponent range decimal has: an exact rational of any size we can hold is printed without under- or
    # overflow (the default range, +-999999, would raise decimal.Overflow above 10^999999)
    ctx = decimal.Context(prec=int(digits), rounding=rounding, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    return str(ctx.divide(decimal.Decimal(f.numerator), decimal.Decimal(f.denominator)))


class Status(enum.Enum):
    """Outcome of a rigorous check: proven, disproven, or not decided at the precision used."""

    CERTIFIED = "certified"
    REFUTED = "refuted"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Interval:
    """A closed interval ``[lower, upper]`` with exact rational endpoints that encloses a real number.

    >>> iv = Interval(Fraction(1, 3), Fraction(1, 2))
    >>> iv.contains(Fraction(2, 5)), iv.rad
    (True, Fraction(1, 12))
    """

    lower: Fraction
    upper: Fraction

    def __post_init__(self):
        object.__setattr__(self, "lower", _exact(self.lower, "lower"))
        object.__setattr__(self, "upper", _exact(self.upper, "upper"))
        if self.lower > self.upper:
            raise Smale18Error(f"lower > upper: [{format_bound(self.lower, 'down', 6)}, "
                               f"{format_bound(self.upper, 'up', 6)}] is an empty interval")

    @classmethod
    def from_arb(cls, x: flint.arb) -> "Interval":
        return cls(_arb.lower_fraction(x), _arb.upper_fraction(x))

    @property
    def mid(self) -> Fraction:
        return (self.lower + self.upper) / 2

    @property
    def rad(self) -> Fraction:
        return (self.upper - self.lower) / 2

    def contains(self, value) -> bool:
        return self.lower <= _exact(value, "value") <= self.upper

    def __sub__(self, other: "Interval") -> "Interval":
        if not isinstance(other, Interval):
            return NotImplemented
        return Interval(self.lower - other.upper, self.upper - other.lower)

    def __add__(self, other: "Interval") -> "Interval":
        if not isinstance(other, Interval):
            return NotImplemented
        return Interval(self.lower + other.lower, self.upper + other.upper)

    def __str__(self) -> str:
        return f"[{format_bound(self.lower, 'down')}, {format_bound(self.upper, 'up')}]"
