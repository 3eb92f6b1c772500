"""Rigorous helpers for verify: enclosures of float or exact matrices and certified norm bounds.

Every bound is an exact :class:`fractions.Fraction`, proven in python-flint ball arithmetic or, with
``method="float"``, in float64 arithmetic with proven a priori rounding-error bounds (``proofs_notes/float_norm.md``).
"""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np

from smale18.oracle import ExactArray, Smale18Error, _arb

from . import _float_bounds

__all__ = ["operator_norm_upper", "MAX_GRAM_SIDE", "MAX_ENTRIES"]

#: largest side of the Gram matrix (min(m, N)) that operator_norm_upper squares in ball arithmetic
MAX_GRAM_SIDE = 1024
#: most entries of a matrix (or of the dense matrix formed from an operator) operator_norm_upper accepts
MAX_ENTRIES = 1 << 22


def _check_args(squarings, prec_bits) -> None:
    for value, name, lo, hi in ((squarings, "squarings", 0, 16), (prec_bits, "prec_bits", 16, 4096)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
            raise Smale18Error(f"{name}={value!r} must be an integer in [{lo}, {hi}]")


def _check_size(shape) -> None:
    if len(shape) != 2 or min(shape) < 1:
        raise Smale18Error(f"A must be a non-empty 2-D matrix, got shape {tuple(shape)}")
    if min(shape) > MAX_GRAM_SIDE or shape[0] * shape[1] > MAX_ENTRIES:
        raise Smale18Error(f"A has shape {tuple(shape)}: at most {MAX_ENTRIES} entries and min(m, N) <= "
                           f"{MAX_GRAM_SIDE} (the Gram matrix is squared in ball arithmetic)")


def _dense_array(A) -> np.ndarray:
    """``A`` (a numeric array, or an operator with ``matmat``) as a finite 2-D numpy array within the size limits,
    its entries unchanged (long doubles narrowed to float64 only when exact); otherwise a Smale18Error."""
    if hasattr(A, "matmat") and not isinstance(A, np.ndarray):
        shape = tuple(getattr(A, "shape", ()))
        if len(shape) != 2 or not all(isinstance(d, (int, np.integer)) for d in shape):
            raise Smale18Error("an operator A needs a 2-D integer shape")
        _check_size(shape)
        A = A.matmat(np.eye(shape[1]))
    if isinstance(A, (str, bytes)):
        raise Smale18Error("A must be a numeric 2-D array, not a string")
    try:
        A = np.asarray(A)
    except (TypeError, ValueError) as exc:
        raise Smale18Error(f"A must be a numeric 2-D array: {str(exc)[:80]}") from None
    if A.dtype.kind not in "fiuc":
        raise Smale18Error(f"A has dtype {A.dtype}; pass a real or complex float or integer array")
    if A.ndim != 2:
        raise Smale18Error(f"A must be a finite 2-D array, got shape {A.shape}")
    _check_size(A.shape)
    if A.dtype.kind in "fc" and A.dtype.itemsize > (16 if A.dtype.kind == "c" else 8):
        narrow = A.astype(np.complex128 if A.dtype.kind == "c" else np.float64)
        with np.errstate(all="ignore"):
            if not np.all(narrow.astype(A.dtype) == A):
                raise Smale18Error("A has long-double entries that float64 cannot hold exactly")
        A = narrow
    if not np.all(np.isfinite(A)):
        raise Smale18Error("A must be a finite 2-D array (it has a NaN or infinite entry)")
    return A


def operator_norm_upper(A, squarings: int = 6, prec_bits: int = 64, method: str = "ball") -> Fraction:
    """A certified upper bound ``L >= ||A||_2``.

    ``A`` is a real or complex float/integer array (its entries read as the exact numbers they are; a complex matrix
    through its real form ``[[Re, -Im], [Im, Re]]``, which has the same singular values, doubled), an
    :class:`smale18.oracle.ExactArray`, or a linear operator with ``matmat`` (then its dense matrix is formed by
    applying it to the identity — exact only if the operator's own arithmetic is, so pass a dense array when the bound
    must be about the true operator).

    ``method="ball"`` (default; results unchanged): the smaller Gram matrix ``G`` in ball arithmetic, then
    ``lambda_max(G) <= trace(G^q)^(1/q)``, ``q = 2^k`` (:func:`smale18.oracle._arb.spectral_norm_upper`); within a
    factor ``rank^(1/(2q))`` of the true norm (0.84% above it on a Gaussian 512 x 2048).

    ``method="float"``: float64 arithmetic with proven rounding-error bounds (``proofs_notes/float_norm.md``,
    Theorem 2): ``A`` scaled by a power of two, ``fl(G)``, a Lanczos estimate ``lam``, a floating-point Cholesky
    factor ``R`` of ``fl(mu I - fl(G))`` with ``mu`` slightly above ``lam``, and
    ``lambda_max(G) <= mu + ||R^T R - (mu I - G)||_2`` with the last norm bounded a priori. At most about
    ``0.6 u m (m + N)`` relative above the norm (``u = 2^-53``, ``m <= N`` the sides; 4.3e-11 measured on a Gaussian
    512 x 2048, where the ball bound is 0.84% above), and 94-106x / 124-145x faster than ``"ball"`` at 256 x 1024 /
    512 x 2048 (``benchmarks/norm_bound.py``, three runs: medians of 5 same-process pairs, one BLAS thread, on the
    2-core test machine). Whenever the float proof does not apply it falls back to
    ``"ball"`` and returns that bound: an :class:`~smale18.oracle.ExactArray`, integers beyond ``2^53``, a failed
    Cholesky factorisation, or floating-point arithmetic that fails the run-time test of round-to-nearest with
    subnormals. ``squarings`` and ``prec_bits`` are those of the fallback.

    Refused (:class:`Smale18Error`): ``squarings`` outside ``[0, 16]``, ``prec_bits`` outside ``[16, 4096]``,
    ``method`` other than ``"ball"`` or ``"float"``, bool/object/string arrays, NaN or infinite entries, long doubles
    float64 cannot hold, more than ``MAX_ENTRIES`` entries or ``min(m, N) > MAX_GRAM_SIDE``.

    >>> operator_norm_upper(np.array([[3.0, 0.0], [0.0, 4.0]])) < Fraction(41, 10)
    True
    >>> bound = operator_norm_upper(np.array([[3.0, 0.0], [0.0, 4.0]]), method="float")
    >>> 4 <= bound < 4 * (1 + Fraction(1, 10**12))
    True
    """
    _check_args(squarings, prec_bits)
    if not isinstance(method, str) or method not in ("ball", "float"):
        raise Smale18Error(f"method={method!r} must be 'ball' or 'float'")
    if isinstance(A, ExactArray):
        _check_size(A.shape)
        M = A.enclose(prec_bits + 64)
    else:
        A = _dense_array(A)
        if method == "float":
            real = _float_bounds.real_float64(A)
            bound = None if real is None else _float_bounds.norm_upper(real)
            if bound is not None:
                return bound
        if np.iscomplexobj(A):
            A = np.block([[A.real, -A.imag], [A.imag, A.real]])  # same singular values, doubled
        with flint.ctx.workprec(prec_bits):
            M = flint.arb_mat(A.tolist())  # floats exactly; integers as exact integers, rounded into a ball if wide
    bound2 = _arb.spectral_norm_upper(M, prec_bits=prec_bits, squarings=squarings)
    with flint.ctx.workprec(prec_bits):
        return _arb.upper_fraction(_arb.arb_from_fraction(bound2).sqrt())
