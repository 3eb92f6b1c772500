from fractions import Fraction

import numpy as np
import pytest
from _support import time_limit
from hypothesis import given
from hypothesis import strategies as st

from smale18.oracle import (
    DyadicArray,
    ProblemSpec,
    InconsistentAnswerError,
    InexactInput,
    PrecisionCapExceeded,
    RationalArray,
    Smale18Error,
    dct2,
    distance_upper_bound,
)


def test_honest_oracle_logs_every_query():
    inp = InexactInput.honest(dct2(4), ["1/3", 0, 0, 1])
    inp.A(10)
    inp.y(20)
    inp.A(5)
    log = inp.log
    assert log.count == 3 and log.deepest == 20 and not log.cap_hit
    assert [r.kind for r in log.records] == ["A", "y", "A"]
    assert set(log.answers("A")) == {10, 5}
    assert distance_upper_bound(log.answers("A")[10], dct2(4)) <= Fraction(1, 2**10)
    assert inp.m == 4 and inp.N == 4 and inp.shape_y == (4,)


def test_candidate_view_is_array_like():
    inp = InexactInput.honest([[1, 2], [3, 4]], [5, 6])
    A = np.asarray(inp.A(52), dtype=float)
    assert A.shape == (2, 2) and A[1, 0] == 3.0


def test_precision_cap_refuses_and_logs():
    inp = InexactInput.honest([[1]], [1], precision_cap=100)
    inp.A(100)
    with pytest.raises(PrecisionCapExceeded, match="n=101 exceeds the precision cap of 100 bits"):
        inp.y(101)
    assert inp.log.cap_hit and inp.log.deepest == 100 and inp.log.count == 2


@given(st.integers(min_value=0, max_value=300))
def test_scripted_oracle_accepts_consistent_answers(n):
    A = RationalArray([["1/3", 0], [0, "2/3"]])
    inp = InexactInput.scripted(A.approx, lambda k: DyadicArray([1, 0]), A, [1, 0])
    assert inp.A(n) == A.approx(n)
    assert inp.y(n) == DyadicArray([1, 0])


def test_scripted_oracle_rejects_answers_that_are_too_far():
    A = RationalArray([[1, 0], [0, 1]])
    far = DyadicArray([[1, 0], [0, 3]], -1)  # off by 1/2 on the diagonal
    inp = InexactInput.scripted(lambda n: far, lambda n: DyadicArray([0, 0]), A, [0, 0])
    inp.A(1)  # 1/2 <= 2^-1: consistent
    with pytest.raises(InconsistentAnswerError, match=r"A\(2\) is not proven within 2\^-2"):
        inp.A(2)
    bad_shape = InexactInput.scripted(lambda n: DyadicArray([1]), lambda n: DyadicArray([0, 0]), A, [0, 0])
    with pytest.raises(InconsistentAnswerError, match="must be a DyadicArray of shape"):
        bad_shape.A(3)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: InexactInput.honest([[1, 2]], [1, 2]), r"shapes do not match: A is \(1, 2\), y is \(2,\)"),
        (lambda: InexactInput.honest([[1, 2]], [1], precision_cap=-5), "precision_cap=-5 must be a non-negative"),
        (lambda: InexactInput.honest([[1, 2]], [1]).A(-3), "n=-3 must be a non-negative integer"),
        (lambda: InexactInput.honest([[1, 2]], [1]).y(1.5), "n=1.5 must be a non-negative integer"),
        (lambda: InexactInput.honest([[np.nan, 2.0]], [1]), r"A\[0, 0\]=nan is not finite"),
        (lambda: InexactInput.honest(np.array([[np.nan, 2.0]]), [1]), r"A has a non-finite entry nan at index \(0, 0"),
        (lambda: InexactInput.honest([[1]], [1], precision_cap=10**9), "precision_cap=1000000000 exceeds the largest"),
        (lambda: InexactInput.honest(None, [1]), "A=None must be a vector or a matrix"),
        (lambda: InexactInput.honest([[1]], np.array([1j])), "y has complex dtype"),
        (lambda: InexactInput(lambda n: 0, lambda n: 0, None, (1,)), "shape_A=None must be a tuple"),
        (lambda: InexactInput(None, lambda n: 0, (1, 1), (1,)), "answer_A=None must be callable"),
        (lambda: InexactInput(lambda n: 0, lambda n: 0, (1, 1), (1,), problem=3), "problem=3 must be a ProblemSpec"),
        (lambda: InexactInput(lambda n: 0, lambda n: 0, (1, 1), (1,), problem={"lam": 1}), "must be an object with"),
        (lambda: InexactInput.scripted(lambda n: 0, lambda n: 0, [[1]], [1], check="no"), "check='no' must be True"),
        (lambda: InexactInput.scripted(None, lambda n: 0, [[1]], [1]), "script_A=None must be callable"),
        (lambda: ProblemSpec("P3", lam=float("nan")), "lam=nan is not finite"),
        (lambda: ProblemSpec("P3", lam="abc"), "lam='abc' is not a rational"),
        (lambda: ProblemSpec("P3", lam=-1), "lam=-1 must be positive"),
        (lambda: ProblemSpec("P1", eta=True), "eta=True must be a number, not a bool"),
        (lambda: ProblemSpec("P3", lam=1, weights=3), "weights=3 must be a sequence"),
        (lambda: ProblemSpec("P3", lam=1, weights=[1, None]), r"weights\[1\]=None"),
        (lambda: ProblemSpec(["P3"]), r"problem name=\['P3'\] must be"),
        (lambda: ProblemSpec.from_json(None), "problem=None must be an object"),
        (lambda: ProblemSpec.from_json({"name": "P3", "mu": 1}), "unknown fields"),
    ],
)
def test_bad_input(call, match):
    with time_limit(10), pytest.raises(Smale18Error, match=match):
        call()


def test_huge_queries_are_refused_at_once():
    """A query for n = 10^8 must not start a 10^8-bit computation: the cap (at most 2^20) refuses it first."""
    import time

    inp = InexactInput.honest([[1, 2]], [1], precision_cap=2**20)
    t0 = time.perf_counter()
    with pytest.raises(PrecisionCapExceeded, match="n=100000000 exceeds the precision cap of 1048576 bits"):
        inp.A(10**8)
    with pytest.raises(Smale18Error, match="n=100000000 exceeds the largest supported precision"):
        dct2(4).approx(10**8)
    assert time.perf_counter() - t0 < 1
    assert inp.log.cap_hit


def test_problem_spec_reads_exactly():
    spec = ProblemSpec("P1", eta="1/3", weights=[np.int64(2**60 + 1), "1/2"])
    assert spec.eta == Fraction(1, 3) and spec.weights == (2**60 + 1, Fraction(1, 2))
    assert ProblemSpec.from_json(spec.to_json()) == spec
