"""Three-valued verdicts and exact intervals, shared by every check in smale18."""

from __future__ import annotations

import decimal
import enum
from dataclasses import dataclass
from fractions import Fraction

import flint

from . import _arb

__all__ = ["Status", "Interval", "format_bound"]


def format_bound(value, direction: str, digits: int = 10) -> str:
    """Decimal string of an exact rational rounded *outward*: ``direction="down"`` gives a value <= ``value``,
    ``"up"`` a value >= ``value``, so a printed enclosure endpoint stays an endpoint.

    >>> format_bound(Fraction(1, 3), "down", 4), format_bound(Fraction(1, 3), "up", 4)
    ('0.3333', '0.3334')
    """
    f = Fraction(value)
    rounding = {"down": decimal.ROUND_FLOOR, "up": decimal.ROUND_CEILING}[direction]
    ctx = decimal.Context(prec=digits, rounding=rounding)
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
        object.__setattr__(self, "lower", Fraction(self.lower))
        object.__setattr__(self, "upper", Fraction(self.upper))
        if self.lower > self.upper:
            raise ValueError(f"empty interval [{self.lower}, {self.upper}]")

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
        return self.lower <= Fraction(value) <= self.upper

    def __sub__(self, other: "Interval") -> "Interval":
        return Interval(self.lower - other.upper, self.upper - other.lower)

    def __add__(self, other: "Interval") -> "Interval":
        return Interval(self.lower + other.lower, self.upper + other.upper)

    def __str__(self) -> str:
        return f"[{format_bound(self.lower, 'down')}, {format_bound(self.upper, 'up')}]"
