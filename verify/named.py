"""Named exact matrices that certificates can refer to and rebuild bit for bit.

``subdct:N:m:seed`` — ``m`` rows of the exact orthonormal DCT-II of order ``N``, chosen uniformly without replacement
with ``numpy.random.default_rng(seed)`` and sorted; ``dct2:N``, ``hadamard:N``, ``hilbert:N`` — the exact matrices of
:mod:`smale18.oracle.exact`.

Limits (a certificate file names a matrix in a few bytes, so the name must not be able to make the checker work for
long; measured in proofs_notes/rnsp.md, "Limits and their cost"): integers are written in decimal without sign or leading zeros;
``dct2``, ``hadamard`` and ``hilbert`` take ``1 <= N <= 512`` (``hadamard``: a power of two); ``subdct`` takes
``1 <= m <= N <= 1024`` with ``m N^2 <= 2^29`` (the check's ``Y^T A`` budget) and ``0 <= seed < 2^63``.
"""

from __future__ import annotations

import re

import numpy as np

from smale18.oracle import ExactArray, Smale18Error, dct2, hadamard, hilbert

__all__ = ["named_matrix", "named_shape", "MAX_NAMED_N", "MAX_SUBDCT_N", "MAX_SUBDCT_WORK"]

#: largest order of dct2:N, hadamard:N and hilbert:N (at 512 the whole check of a certificate takes 2-3 s, measured
#: on the 2-core machine; building and enclosing the matrix, under 0.3 s of it)
MAX_NAMED_N = 512
#: largest order N of subdct:N:m:seed
MAX_SUBDCT_N = 1024
#: largest m * N^2 of subdct:N:m:seed (the check's budget, smale18.verify.rnsp.MAX_CHECK_WORK)
MAX_SUBDCT_WORK = 1 << 29

_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")


def _int(text: str, what: str, name: str) -> int:
    if _NUMBER.fullmatch(text) is None:
        raise Smale18Error(f"matrix name {name!r}: {what}={text!r} must be a non-negative decimal integer without "
                           "sign or leading zeros (at most 19 digits)")
    return int(text)


def _parse(name) -> tuple[str, tuple[int, ...]]:
    if not isinstance(name, str):
        raise Smale18Error(f"matrix name {name!r} must be a string")
    if len(name) > 64:
        raise Smale18Error(f"matrix name {name[:40]!r}... is longer than 64 characters")
    parts = name.split(":")
    kind = parts[0]
    if kind == "subdct" and len(parts) == 4:
        N, m, seed = (_int(p, w, name) for p, w in zip(parts[1:], ("N", "m", "seed")))
        if not 1 <= m <= N <= MAX_SUBDCT_N:
            raise Smale18Error(f"matrix name {name!r}: subdct needs 1 <= m <= N <= {MAX_SUBDCT_N}, got m={m}, N={N}")
        if m * N * N > MAX_SUBDCT_WORK:
            raise Smale18Error(f"matrix name {name!r}: m * N^2 = {m * N * N} exceeds the limit {MAX_SUBDCT_WORK}")
        if seed >= 2**63:
            raise Smale18Error(f"matrix name {name!r}: seed={seed} must be below 2^63")
        return kind, (N, m, seed)
    if kind in ("dct2", "hadamard", "hilbert") and len(parts) == 2:
        N = _int(parts[1], "N", name)
        if not 1 <= N <= MAX_NAMED_N:
            raise Smale18Error(f"matrix name {name!r}: N={N} must lie in [1, {MAX_NAMED_N}]")
        if kind == "hadamard" and N & (N - 1):
            raise Smale18Error(f"matrix name {name!r}: N={N} must be a power of two")
        return kind, (N,)
    raise Smale18Error(f"matrix name {name!r} must be one of dct2:N, hadamard:N, hilbert:N or subdct:N:m:seed")


def named_shape(name: str) -> tuple[int, int]:
    """The shape ``(m, N)`` of the matrix called ``name``, without building it (raises past the limits).

    >>> named_shape("subdct:64:40:0"), named_shape("hilbert:5")
    ((40, 64), (5, 5))
    >>> named_shape("hilbert:3000")
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: matrix name 'hilbert:3000': N=3000 must lie in [1, 512]
    """
    kind, args = _parse(name)
    return (args[1], args[0]) if kind == "subdct" else (args[0], args[0])


class _RowSubset(ExactArray):
    """Rows ``rows`` of an exact matrix, enclosed from the parent's ball table (no matrix product)."""

    def __init__(self, parent: ExactArray, rows: np.ndarray):
        super().__init__((len(rows), parent.shape[1]))
        self._parent, self._rows = parent, np.asarray(rows, dtype=np.int64)

    def _ball_table(self, prec_bits):
        table, index = self._parent._ball_table(prec_bits)
        return table, index[self._rows]


def named_matrix(name: str) -> ExactArray:
    """The exact matrix called ``name`` (see the module docstring, limits included); it remembers its name.

    >>> A = named_matrix("subdct:8:3:0")
    >>> A.shape, A.name_for_certificate
    ((3, 8), 'subdct:8:3:0')
    """
    kind, args = _parse(name)
    if kind == "subdct":
        N, m, seed = args
        rows = np.sort(np.random.default_rng(seed).choice(N, size=m, replace=False))
        A = _RowSubset(dct2(N), rows)
    else:
        A = {"dct2": dct2, "hadamard": hadamard, "hilbert": hilbert}[kind](args[0])
    A.name_for_certificate = name
    return A

