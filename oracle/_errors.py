"""The toolkit's error types and the shared argument checks (validate at the boundary)."""

from __future__ import annotations

import numbers

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
]


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
        raise Smale18Error(f"{name}={n!r} must be a non-negative integer (error bound 2^-{name})")
    return int(n)


def check_int_range(value, name: str, lo: int, hi: int) -> int:
    """Return ``value`` as an ``int`` if it is an integer (not a bool) in ``[lo, hi]``, else raise naming it."""
    if not _is_integer(value) or not lo <= value <= hi:
        raise Smale18Error(f"{name}={value!r} must be an integer in [{lo}, {hi}]")
    return int(value)


def check_positive_number(value, name: str, upper: float) -> float:
    """Return ``value`` if it is a finite real number in ``(0, upper]``, else raise naming it."""
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)) or not np.isfinite(value) \
            or not 0 < value <= upper:
        raise Smale18Error(f"{name}={value!r} must be a number in (0, {upper:g}]")
    return value


def check_prec_bits(prec_bits, name: str = "prec_bits") -> int:
    """Return a working precision in bits (an integer >= 2)."""
    if not _is_integer(prec_bits) or prec_bits < 2:
        raise Smale18Error(f"{name}={prec_bits!r} must be an integer number of bits >= 2")
    return int(prec_bits)


def check_shape(shape, name: str = "shape") -> tuple[int, ...]:
    """Return a shape of one or two positive dimensions."""
    try:
        shape = tuple(shape)
    except TypeError:
        raise Smale18Error(f"{name}={shape!r} must be a tuple of one or two positive integers") from None
    if len(shape) not in (1, 2) or not all(_is_integer(d) and d >= 1 for d in shape):
        raise Smale18Error(f"{name}={shape!r} must be a tuple of one or two positive integers")
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
