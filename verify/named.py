"""Named exact matrices that certificates can refer to and rebuild bit for bit.

``subdct:N:m:seed`` — ``m`` rows of the exact orthonormal DCT-II of order ``N``, chosen uniformly without replacement
with ``numpy.random.default_rng(seed)`` and sorted; ``dct2:N``, ``hadamard:N``, ``hilbert:N`` — the exact matrices of
:mod:`oracle.exact`.
"""

from __future__ import annotations

import numpy as np

from oracle import ExactArray, RationalArray, Smale18Error, dct2, hadamard, hilbert

__all__ = ["named_matrix"]


def _int(text: str, what: str) -> int:
    if not text.isdigit():
        raise Smale18Error(f"{what}={text!r} must be a non-negative integer")
    return int(text)


def named_matrix(name: str) -> ExactArray:
    """The exact matrix called ``name`` (see the module docstring); it remembers its name."""
    if not isinstance(name, str):
        raise Smale18Error(f"matrix name {name!r} must be a string")
    parts = name.split(":")
    kind = parts[0]
    if kind == "subdct" and len(parts) == 4:
        N, m, seed = (_int(p, w) for p, w in zip(parts[1:], ("N", "m", "seed")))
        if not 1 <= m <= N:
            raise Smale18Error(f"subdct needs 1 <= m <= N, got m={m}, N={N}")
        rows = np.sort(np.random.default_rng(seed).choice(N, size=m, replace=False))
        select = RationalArray([[1 if j == r else 0 for j in range(N)] for r in rows])
        A = select @ dct2(N)
    elif kind in ("dct2", "hadamard", "hilbert") and len(parts) == 2:
        A = {"dct2": dct2, "hadamard": hadamard, "hilbert": hilbert}[kind](_int(parts[1], "N"))
    else:
        raise Smale18Error(f"matrix name {name!r} must be subdct:N:m:seed, dct2:N, hadamard:N or hilbert:N")
    A.name_for_certificate = name
    return A
