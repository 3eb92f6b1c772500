"""Hypothesis strategies that need certificates: matrices with certified rNSPL constants.

>>> from hypothesis import given, settings
>>> @settings(max_examples=2, deadline=None)
... @given(certified_matrices(m=8, N=12, sparsity=1))
... def check(case):
...     A, rho, gamma = case
...     assert rho < 1
>>> check()
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from smale18.oracle import Status

from .rnsp import certify

__all__ = ["certified_matrices"]


@st.composite
def certified_matrices(draw, m: int = 30, N: int = 40, sparsity=1, levels=None, weights=None):
    """``(A, rho, gamma)``: a seeded Gaussian ``m x N`` float matrix (the seed drawn) whose weighted rNSPL constants
    are certified by :func:`smale18.verify.rnsp.certify`; draws that cannot be certified are rejected (``assume``)."""
    seed = draw(st.integers(0, 2**31 - 1))
    A = np.random.default_rng(seed).standard_normal((m, N))
    cert = certify(A, sparsity, levels=levels, weights=weights)
    assume(cert.status is Status.CERTIFIED)
    return A, Fraction(cert.claim["rho"]), Fraction(cert.claim["gamma"])
