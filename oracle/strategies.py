"""Hypothesis strategies for testing algorithms against the theorems.

Use them in your own test suite::

    from hypothesis import given
    from smale18.oracle.strategies import inexact_inputs, sparse_vectors

Strategies (plural nouns, Hypothesis's parameter names):

- :func:`exact_matrices` — exact rational matrices (dense), or rows of the exact orthonormal DCT (structured);
- :func:`sparse_vectors` — vectors sparse in levels (``sparsity`` per level), float64 entries;
- :func:`noise_vectors` — vectors of Euclidean norm at most ``max_norm``;
- :func:`inexact_inputs` — an :class:`~smale18.oracle.InexactInput` for an exact instance whose answers are
  ``A.approx(n + 1)`` *plus a perturbation drawn by Hypothesis* inside the remaining ``2^-(n+1)`` of the ball, so
  that shrinking drives the perturbation to zero and reports the smallest one that breaks an algorithm; every
  answer is still within ``2^-n`` of the instance (proof in the docstring);
- :func:`smale18_instances` — members of the barrier classes Omega_K with the accuracy the theorem denies.

Certified-constant matrices live in :mod:`smale18.verify.strategies` (``oracle`` never imports ``verify``).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

from .constructions.smale18 import Smale18Class
from .dyadic import DyadicArray
from .exact import ExactArray, RationalArray, as_exact, dct2
from .inexact import InexactInput

__all__ = ["exact_matrices", "sparse_vectors", "noise_vectors", "inexact_inputs", "smale18_instances",
           "register_strategies"]


@st.composite
def exact_matrices(draw, min_size: int = 1, max_size: int = 6, structured: bool | None = None):
    """An exact ``m x N`` matrix (``min_size <= m, N <= max_size``): rational entries, or (``structured``) m rows of the
    exact orthonormal DCT-II of order N."""
    m = draw(st.integers(min_size, max_size))
    N = draw(st.integers(min_size, max_size))
    if structured is None:
        structured = draw(st.booleans())
    if structured:
        N = max(N, m)
        rows = sorted(draw(st.lists(st.integers(0, N - 1), min_size=m, max_size=m, unique=True)))
        return RationalArray([[1 if j == r else 0 for j in range(N)] for r in rows]) @ dct2(N)
    entries = st.fractions(min_value=-10, max_value=10, max_denominator=64)
    return RationalArray(draw(st.lists(st.lists(entries, min_size=N, max_size=N), min_size=m, max_size=m)))


@st.composite
def sparse_vectors(draw, levels=(16,), sparsity=(2,), max_value: float = 10.0):
    """A vector of length ``levels[-1]`` with at most ``sparsity[k]`` non-zeros in level k (float64 entries)."""
    N = levels[-1]
    x = np.zeros(N)
    start = 0
    for end, s in zip(levels, sparsity):
        idx = draw(st.lists(st.integers(start, end - 1), max_size=s, unique=True))
        for i in idx:
            x[i] = draw(st.floats(-max_value, max_value, allow_nan=False).filter(lambda v: v != 0))
        start = end
    return x


@st.composite
def noise_vectors(draw, length: int, max_norm: float):
    """A float64 vector of Euclidean norm at most ``max_norm`` (a direction drawn, then a radius)."""
    raw = np.array(draw(st.lists(st.floats(-1, 1, allow_nan=False), min_size=length, max_size=length)))
    radius = draw(st.floats(0, max_norm))
    nrm = np.linalg.norm(raw)
    return np.zeros(length) if nrm == 0 else raw * (radius / nrm) * (1 - 1e-12)


def _perturbed(source: ExactArray, draw_ints, n: int) -> DyadicArray:
    """``source.approx(n+1) + E`` with ``||E||_F <= 2^-(n+1)``: E has integer entries ``k`` on the grid ``2^-q`` with
    ``|k| <= K``, ``q = n + 1 + g + 3`` and ``sqrt(size) K 2^-q <= 2^-(n+1)`` (``K = 2^3``, ``sqrt(size) <= 2^g``)."""
    base = source.approx(n + 1)
    size = int(np.prod(source.shape))
    g = 0
    while (1 << (2 * g)) < size:
        g += 1
    q = n + 1 + g + 3
    ks = draw_ints(size, 8)
    shift = q + base.exponent  # align the base onto the grid 2^-q (base is on a coarser or equal grid)
    if shift < 0:
        raise AssertionError("the base answer is on a finer grid than expected")
    num = np.array([int(v) << shift for v in base.numerators.reshape(-1)], dtype=object) + np.array(ks, dtype=object)
    return DyadicArray(num.reshape(source.shape), -q)


@st.composite
def inexact_inputs(draw, A, y, n_max: int = 64, precision_cap: int | None = None):
    """An :class:`~smale18.oracle.InexactInput` for the exact instance ``(A, y)`` whose answer at precision n is
    ``approx(n + 1) + E_n`` with ``E_n`` drawn by Hypothesis (integers in [-8, 8] on a fine grid).

    Every answer is within ``2^-n``: ``||approx(n+1) - A|| <= 2^-(n+1)`` and ``||E_n||_2 <= ||E_n||_F <=
    sqrt(size) 8 2^-q <= 2^-(n+1)`` by the choice of ``q``. The draws are made lazily, once per (input, n), so the
    candidate's queries drive them; shrinking sends every ``E_n`` to zero.
    """
    A, y = as_exact(A), as_exact(y)
    data = draw(st.data())
    memo: dict = {}

    def script(source, kind):
        def answer(n):
            if (kind, n) not in memo:
                memo[(kind, n)] = _perturbed(
                    source, lambda size, K: data.draw(st.lists(st.integers(-K, K), min_size=size, max_size=size),
                                                       label=f"{kind}({n}) perturbation"), n)
            return memo[(kind, n)]

        return answer

    kwargs = {} if precision_cap is None else {"precision_cap": precision_cap}
    return InexactInput.scripted(script(A, "A"), script(y, "y"), A, y, **kwargs)


@st.composite
def smale18_instances(draw, problems=("P1", "P2", "P3"), K=st.integers(1, 8), N2: int = 4):
    """``(member, accuracy)``: a member of Omega_K (fine row untied, eps2 drawn) and ``10^-K``, the accuracy no
    algorithm reaches on the whole class."""
    problem = draw(st.sampled_from(problems))
    k = draw(K) if not isinstance(K, int) else K
    omega = Smale18Class(problem, k, N2=N2)
    member = omega.member(draw(st.integers(0, omega.N1 - 1)), omega.l0, draw(st.integers(0, 1)),
                          draw(st.integers(omega.l0, omega.l0 + 200)))
    return member, Fraction(1, 10**k)


def register_strategies() -> None:
    """``st.from_type(ExactArray)`` draws :func:`exact_matrices` (Hypothesis's entry point does this already, through
    :mod:`smale18.oracle._hypothesis_plugin`)."""
    st.register_type_strategy(ExactArray, exact_matrices())
