"""Argument checks shared by FIRENET and its certified bound: exact rationals with a bounded size, and a rigorous
decision that a given ``L_A`` is an upper bound on ``||A||_2`` (``proofs_notes/firenet_bound.md``, Lemma 4)."""

from __future__ import annotations

import numbers
import re
from fractions import Fraction

import flint
import numpy as np

from smale18.oracle import ExactArray, Smale18Error, _arb
from smale18.oracle._errors import short_repr as _short

from .. import _float_bounds

__all__ = ["exact_rational", "exact_float64_array", "norm_bound_is_proven", "MAX_BITS", "NORM_SQUARINGS",
           "MAX_NORM_SIDE"]

MAX_BITS = 4096  # numerators and denominators of rational arguments (about 1233 decimal digits)
NORM_SQUARINGS = 10  # trace(G^q)^(1/q) with q up to 2^10: within a factor rank^(1/2048) of ||A||_2
MAX_NORM_SIDE = 512  # min(m, N) of a matrix whose norm bound is derived or checked (cost ~ min(m, N)^3 * squarings)
_INT = re.compile(r"[+-]?\d{1,1300}(/\d{1,1300})?")
_DEC = re.compile(r"[+-]?(\d{1,1300}\.\d{0,1300}|\.\d{1,1300})")


def exact_rational(value, name: str) -> Fraction:
    """``value`` as an exact Fraction: an int (not a bool), a finite float (read exactly), a Fraction, or a string
    ``"p/q"`` / ``"-1.25"`` (no exponent). Numerators and denominators are limited to ``MAX_BITS`` bits, so no
    argument can make later exact arithmetic explode. Anything else raises a Smale18Error naming ``name``."""
    bad = f'{name}={_short(value)} must be a rational (an int, a finite float, a Fraction or a string "p/q")'
    if isinstance(value, (bool, np.bool_)):
        raise Smale18Error(bad)
    if isinstance(value, str):
        text = value.strip()
        if not (_INT.fullmatch(text) or _DEC.fullmatch(text)):
            raise Smale18Error(bad)
        try:
            out = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise Smale18Error(f"{name}={_short(value)} is not a rational (zero denominator?)") from None
    elif isinstance(value, Fraction):
        out = value
    elif isinstance(value, numbers.Integral):
        out = Fraction(int(value))
    elif isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise Smale18Error(f"{name}={_short(value)} must be finite")
        out = Fraction(float(value))
    else:
        raise Smale18Error(bad)
    if out.numerator.bit_length() > MAX_BITS or out.denominator.bit_length() > MAX_BITS:
        raise Smale18Error(f"{name} has a numerator or denominator of more than {MAX_BITS} bits")
    return out


def exact_float64_array(raw: np.ndarray, name: str) -> np.ndarray:
    """``raw`` as float64 if every entry is a finite float64 number exactly (ints up to ``2^53``, float16/32/64, long
    doubles that are float64 values); otherwise a Smale18Error naming ``name``."""
    if raw.dtype.kind in "iu":
        if raw.size and max(abs(int(v)) for v in raw.reshape(-1)) > 2**53:
            raise Smale18Error(f"{name} has an integer entry above 2^53, which float64 cannot hold exactly")
        return raw.astype(float)
    if raw.dtype.kind != "f":
        raise Smale18Error(f"{name} must hold real numbers, got dtype {raw.dtype}")
    arr = raw.astype(float)
    if not np.all(np.isfinite(arr)):
        raise Smale18Error(f"{name} has a non-finite entry (or one beyond the float64 range)")
    if raw.dtype.itemsize > 8 and not np.array_equal(arr.astype(raw.dtype), raw):
        raise Smale18Error(f"{name} has an entry that is not a float64 number (read exactly, it would be rounded)")
    return arr


def _norm_enclosure(A, prec_bits: int) -> flint.arb_mat:
    """A ball matrix containing ``A`` (float entries are exact; complex ``A`` becomes ``[[Re, -Im], [Im, Re]]``, which
    has the same singular values, each twice)."""
    if isinstance(A, ExactArray):
        return A.enclose(prec_bits + 64)
    if isinstance(A, flint.arb_mat):
        return A
    A = np.asarray(A)
    if np.iscomplexobj(A):
        A = np.block([[A.real, -A.imag], [A.imag, A.real]])
    with flint.ctx.workprec(prec_bits):
        return flint.arb_mat(np.asarray(A, dtype=float).tolist())


def norm_bound_is_proven(A, L: Fraction, prec_bits: int = 128) -> bool:
    """True only if ``||A||_2 <= L`` is proven. A float, integer or complex numpy array is first tested in float64
    with proven rounding-error bounds (``proofs_notes/float_norm.md``, Theorem 2: a floating-point Cholesky factor of
    ``mu I - fl(A A^T)`` with ``mu`` below ``L^2``; it proves any ``L`` more than about ``u m (m + N)`` relative
    above the norm, and the bounds of ``operator_norm_upper(A, method="float")``), and answers False at once
    if a Lanczos estimate of ``||A||_2^2`` exceeds ``L^2 (1 + 2^-20)`` (observed: ``L`` is below the norm). Otherwise
    (and for an :class:`smale18.oracle.ExactArray` or a python-flint ``arb_mat``): ``lambda_max(G) <=
    trace(G^q)^(1/q)`` for the Gram matrix ``G`` of (an enclosure of) ``A`` and ``q = 1, 2, 4, ...,
    2^NORM_SQUARINGS``, in ball arithmetic (64 bits, then ``prec_bits``), compared with ``L^2`` exactly. False means
    "not proven" (the bound may still hold when ``L`` is within a factor ``rank^(1/2^11)`` of the norm)."""
    L = Fraction(L)
    shape = (A.nrows(), A.ncols()) if isinstance(A, flint.arb_mat) else tuple(getattr(A, "shape", np.shape(A)))
    if len(shape) != 2 or min(shape) > MAX_NORM_SIDE:
        raise Smale18Error(f"A of shape {shape}: a rigorous norm bound needs a matrix with min(m, N) <= "
                           f"{MAX_NORM_SIDE}")
    if L < 0:
        return False
    if isinstance(A, np.ndarray) and A.dtype.kind in "fiuc" and A.ndim == 2 and A.size and np.all(np.isfinite(A)):
        real = _float_bounds.real_float64(A)
        verdict = None if real is None else _float_bounds.norm_at_most(real, L)
        if verdict is not None:  # proven (float64 with proven error bounds), or observed far above L
            return verdict
    for bits in (64, prec_bits):  # 64 bits first: the precision of operator_norm_upper, so its bounds pass at once
        M = _norm_enclosure(A, bits)
        try:
            bound2 = _arb.spectral_norm_upper(M, prec_bits=bits, squarings=NORM_SQUARINGS, stop_below=L * L)
        except ArithmeticError:
            continue
        if bound2 <= L * L:
            return True
    return False
