from fractions import Fraction

import numpy as np
import pytest
from _support import time_limit
from hypothesis import given
from hypothesis import strategies as st

from smale18.oracle import DyadicArray, InexactConversionError, Smale18Error

ints = st.integers(min_value=-(2**200), max_value=2**200)
arrays = st.tuples(
    st.lists(ints, min_size=1, max_size=6), st.integers(min_value=-1200, max_value=60)
).map(lambda t: DyadicArray(t[0], t[1]))


def _value(num, exp):
    return Fraction(num) * Fraction(2) ** exp


@given(arrays)
def test_conversions_are_lossless(d):
    exact = [_value(int(v), d.exponent) for v in d.numerators]
    assert list(d.to_fractions()) == exact
    q = d.to_fmpq_mat()
    assert [Fraction(int(q[i, 0].p), int(q[i, 0].q)) for i in range(q.nrows())] == exact
    a = d.to_arb_mat()
    for i, f in enumerate(exact):
        assert a[i, 0].rad() == 0
        man, exp = a[i, 0].mid().man_exp()
        assert _value(int(man), int(exp)) == f
    m = d.to_mpmath()
    for i, f in enumerate(exact):
        sign, man, exp, _ = m[i, 0]._mpf_  # raw: mpf(...) would round, man_exp drops the sign
        assert (-1) ** sign * _value(int(man), int(exp)) == f


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=8))
def test_float64_round_trip_is_exact(values):
    d = DyadicArray.from_float64(values)
    assert d.to_float64().tolist() == [float(v) for v in values]
    assert [Fraction(v) for v in values] == list(d.to_fractions())


@given(arrays)
def test_rounded_float64_is_nearest(d):
    try:
        out = d.rounded_float64()
    except InexactConversionError:
        return
    for v, f in zip(d.to_fractions(), out):
        # no float64 strictly closer: compare with both neighbours
        for g in (np.nextafter(f, np.inf), np.nextafter(f, -np.inf)):
            if np.isfinite(g):
                assert abs(Fraction(float(f)) - v) <= abs(Fraction(float(g)) - v)


def test_strict_float_conversion_raises_with_advice():
    with pytest.raises(InexactConversionError, match="call rounded_float64"):
        DyadicArray([1], -1100).to_float64()
    assert np.asarray(DyadicArray([1], -1100), dtype=float)[0] == 0.0


def test_json_round_trip_and_equality():
    d = DyadicArray([[3, -10**40], [0, 7]], -77)
    assert DyadicArray.from_json(d.to_json()) == d
    assert DyadicArray([2, 4], -1) == DyadicArray([1, 2], 0)
    assert hash(DyadicArray([2, 4], -1)) == hash(DyadicArray([1, 2], 0))
    assert (d - d).normalized() == DyadicArray([[0, 0], [0, 0]], 0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: DyadicArray([1.5]), r"numerators\[0\]=1.5 must be an integer"),
        (lambda: DyadicArray([True]), "not a bool"),
        (lambda: DyadicArray([1], exponent=0.5), "exponent=0.5 must be an integer"),
        (lambda: DyadicArray([[[1]]]), "one or two positive integers"),
        (lambda: DyadicArray.from_float64([1.0, float("nan")]), r"values\[1\]=nan is not finite"),
        (lambda: DyadicArray.from_float64(np.array([1.0, np.inf])), "non-finite entry inf at index"),
        (lambda: DyadicArray.from_fractions([Fraction(1, 3)]), "not a dyadic rational"),
        (lambda: DyadicArray([1, 2]) - DyadicArray([1]), "shape mismatch"),
        (lambda: DyadicArray.from_json({"shape": [1]}), "not a dyadic array record"),
        (lambda: DyadicArray([1], exponent=10**18), r"exponent=1000000000000000000 must be in \[-2\^22, 2\^22\]"),
        (lambda: DyadicArray([1], exponent=-(2**22) - 1), "must be in"),
        (lambda: DyadicArray(None), "numerators=None must be an array of integers"),
        (lambda: DyadicArray("12"), "numerators='12' must be an array of integers"),
        (lambda: DyadicArray([[1, 2], [3]]), "ragged"),
        (lambda: DyadicArray([None]), r"numerators\[0\]=None must be an integer"),
        (lambda: DyadicArray.from_fractions([None]), r"values\[0\]=None must be an exact real number"),
        (lambda: DyadicArray.from_fractions(["1e-1000000000"]), "beyond the size of an exact entry"),
        (lambda: DyadicArray.from_float64(["0.5"]), r"values\[0\]='0.5' must be a number, not a string"),
        (lambda: DyadicArray.from_float64(np.array([1j])), "complex dtype"),
        (lambda: DyadicArray.from_json(None), "None is not an object"),
        (lambda: DyadicArray.from_json({"shape": [1], "exponent": 10**30, "numerators": ["1"]}), "must be in"),
        (lambda: DyadicArray.from_json({"shape": [True], "exponent": 0, "numerators": ["1"]}), "shape=.True."),
        (lambda: DyadicArray.from_json({"shape": [1], "exponent": 0.0, "numerators": ["1"]}), "exponent=0.0"),
        (lambda: DyadicArray.from_json({"shape": [2], "exponent": 0, "numerators": ["1"]}), "must list 2 integers"),
        (lambda: DyadicArray.from_json({"shape": [1], "exponent": 0, "numerators": ["1.5"]}), "decimal integer"),
        (lambda: DyadicArray.from_json({"shape": [1], "exponent": 0, "numerators": ["9" * 5000]}), "decimal integer"),
    ],
)
def test_bad_input(call, match):
    with time_limit(10), pytest.raises(Smale18Error, match=match):
        call()


def test_exponent_bound_and_normalisation_beyond_it():
    assert DyadicArray([1], 2**22).to_fractions()[0] == 2 ** (2**22)
    big = DyadicArray([2 ** (2**22 + 5)], 0)  # normalises to exponent 2^22 + 5: internal, allowed
    assert big == DyadicArray([2 ** (2**22 + 5)], 0) and big.normalized().exponent == 2**22 + 5
    assert DyadicArray(np.array([2**63 - 1], dtype=np.int64)).to_fractions()[0] == 2**63 - 1
    assert DyadicArray.from_fractions(np.array([Fraction(3, 8)], dtype=object)) == DyadicArray([3], -3)
