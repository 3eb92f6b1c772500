from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oracle import (
    DyadicArray,
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
        (lambda: InexactInput.honest([[np.nan, 2.0]], [1]), "non-finite"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(Smale18Error, match=match):
        call()
