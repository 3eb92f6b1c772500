"""The training-set oracle ``iota_{A,S} = {(y_{k,n}, A_n, x_{k,n}) : k <= R, n in N}`` (THEORY §1).

``||A_n - A||_2 <= 2^-n``, ``||y_{k,n} - y_k||_2 <= 2^-n`` and ``dist(x_{k,n}, Xi(A_n, y_{k,n})) <= 2^-n``: labels are
minimisers of the *perturbed* problem. The oracle counts what a learner reads: which samples, and at which precision.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence

from ._errors import (MAX_PRECISION, PrecisionCapExceeded, Smale18Error, check_int_range, check_precision,
                      check_shape, short_repr)
from .dyadic import DyadicArray
from .exact import as_exact
from .inexact import DEFAULT_PRECISION_CAP

__all__ = ["TrainingSetOracle", "TrainingSample", "TrainingSetLog", "MAX_SAMPLES"]

#: the most samples a training set may have (an index k is checked against R)
MAX_SAMPLES = 1 << 20


@dataclass(frozen=True)
class TrainingSample:
    """One element ``(y_{k,n}, A_n, x_{k,n})`` of the training set, with its index ``k`` and precision ``n``."""

    k: int
    n: int
    y: DyadicArray
    A: DyadicArray
    x: DyadicArray


@dataclass(frozen=True)
class TrainingSetLog:
    """What a learner read: ``reads`` is the tuple of ``(k, n, seconds)`` in order (refused reads have ``n`` above
    the cap and are listed in ``refused``)."""

    reads: tuple[tuple[int, int, float], ...]
    refused: tuple[tuple[int, int], ...]

    @property
    def samples_read(self) -> frozenset[int]:
        """Indices ``k`` of the samples read at least once."""
        return frozenset(k for k, _, _ in self.reads)

    @property
    def count(self) -> int:
        """Number of distinct samples read."""
        return len(self.samples_read)

    @property
    def deepest(self) -> int:
        """Deepest precision read over all samples (-1 if none)."""
        return max((n for _, n, _ in self.reads), default=-1)

    def precision_by_sample(self) -> dict[int, int]:
        """Deepest precision read for each sample index."""
        out: dict[int, int] = {}
        for k, n, _ in self.reads:
            out[k] = max(out.get(k, -1), n)
        return out


class TrainingSetOracle:
    """The training set of a class element ``(A, S)``, answered sample by sample at any precision.

    Parameters
    ----------
    answer : callable ``(k, n) -> (y_{k,n}, A_n, x_{k,n})`` of DyadicArrays
        Where the answers come from; see :meth:`honest` for the usual construction.
    R : number of samples; shapes of A ``(m, N)``.
    precision_cap : largest ``n`` answered.

    Examples
    --------
    >>> ora = TrainingSetOracle.honest([[2, 0], [0, 2]], [[1, 1]], lambda k, n, A_n, y_n: DyadicArray([0, 0]))
    >>> s = ora.sample(0, 8)
    >>> (s.k, s.n, ora.log.count, ora.log.deepest)
    (0, 8, 1, 8)
    >>> ora.sample(1, 8)
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: k=1 must be an integer in [0, 1)
    """

    def __init__(self, answer: Callable, R: int, shape_A: tuple[int, int], precision_cap: int = DEFAULT_PRECISION_CAP):
        if not callable(answer):
            raise Smale18Error(f"answer={short_repr(answer)} must be callable as answer(k, n)")
        self._answer = answer
        if isinstance(R, bool) or not isinstance(R, int) or not 1 <= R <= MAX_SAMPLES:
            raise Smale18Error(f"R={short_repr(R)} must be a positive number of samples, at most {MAX_SAMPLES}")
        self.R = R
        self.shape_A = check_shape(shape_A, "shape_A")
        if len(self.shape_A) != 2:
            raise Smale18Error(f"shape_A={short_repr(shape_A)} must be the shape (m, N) of a matrix")
        self.precision_cap = check_int_range(precision_cap, "precision_cap", 0, MAX_PRECISION)
        self._reads: list[tuple[int, int, float]] = []
        self._refused: list[tuple[int, int]] = []
        self._t0 = time.perf_counter()
        # True in a sealed learner's process: the engine enforces the cap and logs refusals, so every read is sent
        self._source_enforces_cap = False

    @classmethod
    def honest(cls, A, ys: Sequence, label: Callable, precision_cap: int = DEFAULT_PRECISION_CAP):
        """Round the exact ``A`` and each exact ``y_k``; labels come from ``label(k, n, A_n, y_{k,n})``, which must
        return a point within ``2^-n`` of the minimiser set of the perturbed problem ``(A_n, y_{k,n})``."""
        A = as_exact(A)
        if isinstance(ys, (str, bytes, dict)) or not hasattr(ys, "__len__") or not 1 <= len(ys) <= MAX_SAMPLES:
            raise Smale18Error(f"ys={short_repr(ys)} must be a non-empty sequence of at most {MAX_SAMPLES} vectors")
        ys = [as_exact(y) for y in ys]
        for k, y in enumerate(ys):
            if y.shape != (A.shape[0],):
                raise Smale18Error(f"ys[{k}].shape={y.shape} does not match A.shape={A.shape}")
        if not callable(label):
            raise Smale18Error("label must be callable as label(k, n, A_n, y_n)")

        def answer(k, n):
            A_n, y_n = A.approx(n), ys[k].approx(n)
            x_n = label(k, n, A_n, y_n)
            if not isinstance(x_n, DyadicArray) or x_n.shape != (A.shape[1],):
                raise Smale18Error(f"label({k}, {n}) must return a DyadicArray of shape ({A.shape[1]},)")
            return y_n, A_n, x_n

        return cls(answer, len(ys), A.shape, precision_cap)

    def sample(self, k: int, n: int) -> TrainingSample:
        """The ``k``-th training sample at precision ``n`` (``0 <= k < R``)."""
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < self.R:
            raise Smale18Error(f"k={short_repr(k)} must be an integer in [0, {self.R})")
        n = check_precision(n)
        try:
            if n > self.precision_cap and not self._source_enforces_cap:
                raise PrecisionCapExceeded("n", n, self.precision_cap)
            y_n, A_n, x_n = self._answer(k, n)
        except PrecisionCapExceeded:
            self._refused.append((k, n))
            raise
        self._reads.append((k, n, time.perf_counter() - self._t0))
        return TrainingSample(k, n, y_n, A_n, x_n)

    @property
    def log(self) -> TrainingSetLog:
        """Snapshot of what has been read."""
        return TrainingSetLog(tuple(self._reads), tuple(self._refused))
