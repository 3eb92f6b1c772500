"""Rigorous helpers for verify: enclosures of float or exact matrices and certified norm bounds.

Every bound is an exact :class:`fractions.Fraction` proven in python-flint ball arithmetic.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np

from oracle import ExactArray, Smale18Error, _arb

__all__ = ["operator_norm_upper"]


def operator_norm_upper(A, squarings: int = 6, prec_bits: int = 64) -> Fraction:
    """A certified upper bound ``L >= ||A||_2``.

    ``A`` is a float64 array (its entries read as the exact dyadics they are), an :class:`oracle.ExactArray`, or a
    linear operator with ``matmat`` (then its dense matrix is formed by applying it to the identity — exact only if
    the operator's own arithmetic is, so pass a dense array when the bound must be about the true operator).
    Method: the smaller Gram matrix ``G`` in ball arithmetic, then ``lambda_max(G) <= trace(G^q)^(1/q)``, ``q = 2^k``
    (:func:`oracle._arb.spectral_norm_upper`); within a factor ``rank^(1/(2q))`` of the true norm.

    >>> operator_norm_upper(np.array([[3.0, 0.0], [0.0, 4.0]])) < Fraction(41, 10)
    True
    """
    if isinstance(A, ExactArray):
        M = A.enclose(prec_bits + 64)
    else:
        if hasattr(A, "matmat") and not isinstance(A, np.ndarray):
            A = A.matmat(np.eye(A.shape[1]))
        A = np.asarray(A)
        if A.ndim != 2 or not np.all(np.isfinite(A)):
            raise Smale18Error("A must be a finite 2-D array")
        if np.iscomplexobj(A):
            A = np.block([[A.real, -A.imag], [A.imag, A.real]])  # same singular values, doubled
        with flint.ctx.workprec(prec_bits):
            M = flint.arb_mat(A.tolist())
    bound2 = _arb.spectral_norm_upper(M, prec_bits=prec_bits, squarings=squarings)
    with flint.ctx.workprec(prec_bits):
        return _arb.upper_fraction(_arb.arb_from_fraction(bound2).sqrt())
