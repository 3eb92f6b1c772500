"""What a candidate algorithm receives: ``InexactInput``, answering ``A(n)``, ``y(n)`` within ``2^-n``.

Two oracles share this interface. The *honest* one rounds an exact instance (:meth:`InexactInput.honest`); the
*scripted* one returns answers an adversary chooses, each checked rigorously to lie within ``2^-n`` of a declared
exact instance (:meth:`InexactInput.scripted`). Every query is logged; a precision cap stops candidates that never
stop asking.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from ._errors import (
    MAX_PRECISION,
    InconsistentAnswerError,
    PrecisionCapExceeded,
    Smale18Error,
    check_bounded_precision,
    check_precision,
    check_rational,
    check_shape,
    short_repr,
)
from ._verdict import format_bound
from .dyadic import DyadicArray
from .exact import ExactArray, as_exact, distance_upper_bound, is_within

__all__ = ["InexactInput", "QueryLog", "QueryRecord", "ProblemSpec", "DEFAULT_PRECISION_CAP"]

#: default largest ``n`` an oracle answers (bits of absolute accuracy); a cap may be raised up to ``MAX_PRECISION``
DEFAULT_PRECISION_CAP = 8192


@dataclass(frozen=True)
class ProblemSpec:
    """What a candidate is asked to solve, public to it: ``name`` "P1", "P2" or "P3"; ``lam`` for P2/P3 (weight of
    the weighted l1 norm), ``eta`` for P1 (the noise level); ``weights`` of the l1 norm (None: all ones).

    ``lam``, ``eta`` and each weight are positive exact rationals (read by
    :func:`smale18.oracle._errors.check_rational`: ints, Fractions, ``"p/q"`` strings, finite floats read exactly) or
    None.

    >>> ProblemSpec("P3", lam=Fraction(1, 2))
    ProblemSpec(name='P3', lam=Fraction(1, 2), eta=None, weights=None)
    >>> ProblemSpec("P3", lam=float("nan"))
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: lam=nan is not finite; exact inputs must be finite
    """

    name: str
    lam: Fraction | None = None
    eta: Fraction | None = None
    weights: tuple[Fraction, ...] | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or self.name not in ("P1", "P2", "P3"):
            raise Smale18Error(f"problem name={short_repr(self.name)} must be 'P1', 'P2' or 'P3'")
        for field in ("lam", "eta"):
            value = getattr(self, field)
            if value is not None:
                object.__setattr__(self, field, check_rational(value, field, positive=True))
        if self.weights is not None:
            if isinstance(self.weights, (str, bytes, dict)) or not hasattr(self.weights, "__iter__"):
                raise Smale18Error(f"weights={short_repr(self.weights)} must be a sequence of positive rationals")
            weights = tuple(self.weights)
            if not weights:
                raise Smale18Error("weights=() must not be empty")
            object.__setattr__(
                self, "weights", tuple(check_rational(w, f"weights[{i}]", positive=True) for i, w in enumerate(weights))
            )

    def to_json(self) -> dict:
        return {"name": self.name, "lam": None if self.lam is None else str(self.lam),
                "eta": None if self.eta is None else str(self.eta),
                "weights": None if self.weights is None else [str(w) for w in self.weights]}

    @classmethod
    def from_json(cls, data: dict) -> "ProblemSpec":
        """Inverse of :meth:`to_json`: a dict with ``name`` and optional ``lam``, ``eta``, ``weights``."""
        if not isinstance(data, dict) or "name" not in data:
            raise Smale18Error(
                f"problem={short_repr(data)} must be an object with a 'name' (and 'lam', 'eta', 'weights')"
            )
        unknown = sorted(set(data) - {"name", "lam", "eta", "weights"}, key=str)
        if unknown:
            raise Smale18Error(f"problem has unknown fields {short_repr(unknown)}")
        return cls(data["name"], data.get("lam"), data.get("eta"), data.get("weights"))


@dataclass(frozen=True)
class QueryRecord:
    """One query: which input (``"A"`` or ``"y"``), the precision ``n``, seconds since the oracle was made, and the
    answer given (``None`` when the query was refused by the precision cap)."""

    kind: str
    n: int
    seconds: float
    answer: DyadicArray | None

    @property
    def refused(self) -> bool:
        return self.answer is None


@dataclass(frozen=True)
class QueryLog:
    """An immutable snapshot of the queries an oracle answered (or refused)."""

    records: tuple[QueryRecord, ...]

    @property
    def count(self) -> int:
        """Number of queries made, refused ones included."""
        return len(self.records)

    @property
    def deepest(self) -> int:
        """Deepest precision ``n`` actually answered (-1 if nothing was answered)."""
        return max((r.n for r in self.records if not r.refused), default=-1)

    @property
    def cap_hit(self) -> bool:
        """True if some query was refused by the precision cap."""
        return any(r.refused for r in self.records)

    def answers(self, kind: str) -> dict[int, DyadicArray]:
        """The answers given for ``kind`` (``"A"`` or ``"y"``), keyed by precision."""
        return {r.n: r.answer for r in self.records if r.kind == kind and not r.refused}

    def summary(self) -> str:
        na = sum(1 for r in self.records if r.kind == "A")
        return (
            f"{self.count} queries ({na} of A, {self.count - na} of y), deepest n={self.deepest}"
            + (", precision cap hit" if self.cap_hit else "")
        )


class InexactInput:
    """The inexact input ``n -> (A_n, y_n)`` with ``||A_n - A||_2 <= 2^-n`` and ``||y_n - y||_2 <= 2^-n``.

    Parameters
    ----------
    answer_A, answer_y : callables ``n -> DyadicArray``
        Where the answers come from. Use :meth:`honest` or :meth:`scripted` rather than this constructor.
    shape_A : (m, N); shape_y : (m,)
    precision_cap : int
        Largest ``n`` answered, an integer in ``[0, MAX_PRECISION]`` (2^20); a deeper query raises
        :class:`PrecisionCapExceeded` (and is logged as refused).
    problem : ProblemSpec or None
        The problem the candidate is asked to solve (``inp.problem``), when the game says so.

    Examples
    --------
    >>> inp = InexactInput.honest([["1/3", 0], [0, 1]], ["1/7", 1])
    >>> inp.A(10).shape, inp.y(3).exponent
    ((2, 2), -5)
    >>> inp.log.summary()
    '2 queries (1 of A, 1 of y), deepest n=10'
    >>> inp.A(-2)
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: n=-2 must be a non-negative integer (error bound 2^-n)
    """

    def __init__(
        self,
        answer_A: Callable[[int], DyadicArray],
        answer_y: Callable[[int], DyadicArray],
        shape_A: tuple[int, int],
        shape_y: tuple[int],
        precision_cap: int = DEFAULT_PRECISION_CAP,
        problem: ProblemSpec | dict | None = None,
    ):
        precision_cap = check_bounded_precision(precision_cap, "precision_cap", MAX_PRECISION)
        for name, fn in (("answer_A", answer_A), ("answer_y", answer_y)):
            if not callable(fn):
                raise Smale18Error(f"{name}={short_repr(fn)} must be callable as {name}(n)")
        if isinstance(problem, dict):
            problem = ProblemSpec.from_json(problem)
        if problem is not None and not isinstance(problem, ProblemSpec):
            raise Smale18Error(f"problem={short_repr(problem)} must be a ProblemSpec")
        #: the problem the candidate is asked to solve (None when the oracle does not say)
        self.problem = problem
        # True in a sealed candidate's process: the engine enforces the cap and logs refusals, so every query is sent
        self._source_enforces_cap = False
        shape_A, shape_y = check_shape(shape_A, "shape_A"), check_shape(shape_y, "shape_y")
        if len(shape_A) != 2 or len(shape_y) != 1 or shape_A[0] != shape_y[0]:
            raise Smale18Error(f"shapes do not match: A is {shape_A}, y is {shape_y}; need A (m, N) and y (m,)")
        self._answer = {"A": answer_A, "y": answer_y}
        self._shape = {"A": shape_A, "y": shape_y}
        self.precision_cap = precision_cap
        self._records: list[QueryRecord] = []
        self._t0 = time.perf_counter()
        #: the exact instance ``(A, y)`` the answers approximate, when the oracle knows it (honest / scripted)
        self.instance: tuple[ExactArray, ExactArray] | None = None

    # -- constructors -------------------------------------------------------------------------------------
    @classmethod
    def honest(cls, A, y, precision_cap: int = DEFAULT_PRECISION_CAP) -> "InexactInput":
        """An oracle that rounds the exact instance ``(A, y)`` (anything :func:`smale18.oracle.exact.as_exact` accepts:
        numpy integers of any width and long doubles are read exactly, never through float64)."""
        A, y = as_exact(A, "A"), as_exact(y, "y")
        inp = cls(A.approx, y.approx, A.shape, y.shape, precision_cap)
        inp.instance = (A, y)
        return inp

    @classmethod
    def scripted(
        cls,
        script_A: Callable[[int], DyadicArray],
        script_y: Callable[[int], DyadicArray],
        declared_A,
        declared_y,
        precision_cap: int = DEFAULT_PRECISION_CAP,
        check: bool = True,
    ) -> "InexactInput":
        """An oracle whose answers an adversary chooses.

        Each answer is checked, in ball arithmetic, to lie within ``2^-n`` of the declared exact instance
        ``(declared_A, declared_y)``; an answer that is not proven consistent raises
        :class:`InconsistentAnswerError` (the adversary's fault, never the candidate's).
        """
        A, y = as_exact(declared_A, "declared_A"), as_exact(declared_y, "declared_y")
        for name, fn in (("script_A", script_A), ("script_y", script_y)):
            if not callable(fn):
                raise Smale18Error(f"{name}={short_repr(fn)} must be callable as {name}(n)")
        if not isinstance(check, (bool, np.bool_)):
            raise Smale18Error(f"check={short_repr(check)} must be True or False")

        def checked(kind, script, source):
            def answer(n):
                out = script(n)
                if not isinstance(out, DyadicArray) or out.shape != source.shape:
                    raise InconsistentAnswerError(
                        f"scripted answer for {kind}({n}) must be a DyadicArray of shape {source.shape}, got {short_repr(out)}"
                    )
                if check and not is_within(out, source, n):
                    bound = distance_upper_bound(out, source)
                    raise InconsistentAnswerError(
                        f"scripted answer for {kind}({n}) is not proven within 2^-{n} of the declared instance "
                        f"(rigorous bound {format_bound(bound, 'up', 4)})"
                    )
                return out

            return answer

        inp = cls(checked("A", script_A, A), checked("y", script_y, y), A.shape, y.shape, precision_cap)
        inp.instance = (A, y)
        return inp

    # -- the candidate's view -----------------------------------------------------------------------------
    def _query(self, kind: str, n) -> DyadicArray:
        n = check_precision(n)
        try:
            if n > self.precision_cap and not self._source_enforces_cap:
                raise PrecisionCapExceeded("n", n, self.precision_cap)
            out = self._answer[kind](n)
        except PrecisionCapExceeded:
            self._records.append(QueryRecord(kind, n, time.perf_counter() - self._t0, None))
            raise
        self._records.append(QueryRecord(kind, n, time.perf_counter() - self._t0, out))
        return out

    def A(self, n: int) -> DyadicArray:
        """``A_n``: exact dyadic matrix with ``||A_n - A||_2 <= 2^-n``."""
        return self._query("A", n)

    def y(self, n: int) -> DyadicArray:
        """``y_n``: exact dyadic vector with ``||y_n - y||_2 <= 2^-n``."""
        return self._query("y", n)

    @property
    def shape_A(self) -> tuple[int, int]:
        return self._shape["A"]

    @property
    def shape_y(self) -> tuple[int]:
        return self._shape["y"]

    @property
    def m(self) -> int:
        return self.shape_A[0]

    @property
    def N(self) -> int:
        return self.shape_A[1]

    @property
    def log(self) -> QueryLog:
        """Snapshot of the queries so far."""
        return QueryLog(tuple(self._records))

    def __repr__(self) -> str:
        return f"InexactInput(A {self.shape_A}, y {self.shape_y}, cap={self.precision_cap}; {self.log.summary()})"
