"""The 2^-n contract of ExactArray.approx, checked independently of the code under test.

Rational sources: ||A_n - A||_2 <= 2^-n is decided *exactly* — the Gram matrix G = E^T E has real roots, so
Descartes' rule of signs on charpoly(G)(mu + 4^-n) counts the eigenvalues above 4^-n exactly.
Sympy sources: the test encloses each entry with its own python-flint calls (not oracle's translator) and bounds
the Frobenius norm of the error, which bounds the operator norm.
"""

import contextlib
import signal
import time
from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smale18.oracle import (
    BallArray,
    DyadicArray,
    InexactInput,
    PrecisionLoopError,
    ProblemSpec,
    RationalArray,
    Smale18Error,
    SympyArray,
    as_exact,
    dct2,
    distance_upper_bound,
    from_float64,
    hadamard,
    hilbert,
    is_within,
)

precisions = st.integers(min_value=0, max_value=2000)
rationals = st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**6)


def _rational_matrices(max_side=4):
    return st.tuples(st.integers(1, max_side), st.integers(1, max_side)).flatmap(
        lambda s: st.lists(st.lists(rationals, min_size=s[1], max_size=s[1]), min_size=s[0], max_size=s[0])
    )


def _opnorm_at_most(E: flint.fmpq_mat, t: Fraction) -> bool:
    """Exact test of ||E||_2 <= t: no eigenvalue of E^T E exceeds t^2 (Descartes is exact for real roots)."""
    G = E.transpose() * E if E.nrows() >= E.ncols() else E * E.transpose()
    p = G.charpoly()
    shift = flint.fmpq_poly([flint.fmpq(t.numerator**2, t.denominator**2), 1])
    q = p(shift)
    coeffs = [c for c in q.coeffs() if c != 0]
    changes = sum(1 for a, b in zip(coeffs, coeffs[1:]) if (a > 0) != (b > 0))
    return changes == 0


def _fmpq(f: Fraction) -> flint.fmpq:
    return flint.fmpq(f.numerator, f.denominator)


@given(_rational_matrices(), precisions)
@example([[Fraction(1, 3)] * 4] * 4, 2000)
@example([[Fraction(10**6 - 1, 7)]], 0)
def test_rational_answers_are_within_2_to_minus_n_exactly(rows, n):
    A = RationalArray(rows)
    An = A.approx(n)
    E = An.to_fmpq_mat() - flint.fmpq_mat([[_fmpq(f) for f in row] for row in rows])
    assert _opnorm_at_most(E, Fraction(1, 2**n))


def test_exact_opnorm_test_can_fail():
    """The independent check is not vacuous: it rejects an error of norm just above the bound."""
    E = flint.fmpq_mat([[flint.fmpq(1, 8), flint.fmpq(1, 8)], [0, 0]])  # norm sqrt(2)/8 > 1/8
    assert not _opnorm_at_most(E, Fraction(1, 8))
    assert _opnorm_at_most(E, Fraction(18, 100))


# sympy entries from a grammar the test can enclose on its own: r0 + r1*sqrt(p) + r2*cos(pi*a/b)
_entry_parts = st.tuples(
    st.fractions(min_value=-50, max_value=50, max_denominator=50),
    st.fractions(min_value=-50, max_value=50, max_denominator=50),
    st.sampled_from([2, 3, 5, 7, 11]),
    st.fractions(min_value=-4, max_value=4, max_denominator=40),
    st.fractions(min_value=-50, max_value=50, max_denominator=50),
)


def _sympy_entry(parts):
    r0, r1, p, a, r2 = parts
    R = sympy.Rational
    return R(r0.numerator, r0.denominator) + R(r1.numerator, r1.denominator) * sympy.sqrt(p) + R(
        r2.numerator, r2.denominator
    ) * sympy.cos(sympy.pi * R(a.numerator, a.denominator))


def _ball_entry(parts, prec_bits):
    r0, r1, p, a, r2 = parts
    with flint.ctx.workprec(prec_bits):
        return (
            flint.arb(_fmpq(r0))
            + flint.arb(_fmpq(r1)) * flint.arb(p).sqrt()
            + flint.arb(_fmpq(r2)) * (flint.arb.pi() * flint.arb(_fmpq(a))).cos()
        )


@given(
    st.tuples(st.integers(1, 3), st.integers(1, 3)).flatmap(
        lambda s: st.lists(st.lists(_entry_parts, min_size=s[1], max_size=s[1]), min_size=s[0], max_size=s[0])
    ),
    precisions,
)
def test_sympy_answers_are_within_2_to_minus_n_in_ball_arithmetic(parts, n):
    A = SympyArray([[_sympy_entry(e) for e in row] for row in parts])
    An = A.approx(n)
    prec = n + 128
    total = Fraction(0)
    nums = An.numerators
    for i, row in enumerate(parts):
        for j, e in enumerate(row):
            with flint.ctx.workprec(prec):
                diff = flint.arb(_fmpq(Fraction(int(nums[i, j])) * Fraction(2) ** An.exponent)) - _ball_entry(e, prec)
                man, exp = diff.mid().man_exp()
                rman, rexp = diff.rad().mid().man_exp()
            bound = abs(Fraction(int(man)) * Fraction(2) ** int(exp)) + Fraction(int(rman)) * Fraction(2) ** int(rexp)
            total += bound * bound
    assert total <= Fraction(1, 4**n)


@pytest.mark.parametrize("N", [1, 2, 5, 8])
def test_dct_closed_form_agrees_with_its_sympy_form(N):
    D = dct2(N)
    S = SympyArray(D.to_sympy())
    for n in (3, 60, 400):
        a, b = D.approx(n), S.approx(n)
        assert distance_upper_bound(a, S) <= Fraction(1, 2**n)
        assert distance_upper_bound(b, D) <= Fraction(1, 2**n)


def test_dct_is_orthonormal_exactly():
    M = dct2(6).to_sympy()
    assert sympy.simplify(M * M.T - sympy.eye(6)) == sympy.zeros(6)


def test_named_matrices():
    H = hadamard(4)
    assert H.approx(30).shape == (4, 4)
    assert sympy.simplify(H.to_sympy() * H.to_sympy().T) == sympy.eye(4)
    assert hilbert(3).to_fmpq_mat()[2, 2] == flint.fmpq(1, 5)


def test_answers_are_cached_and_deterministic():
    A = dct2(16)
    assert A.approx(77) is A.approx(77)
    assert dct2(16).approx(77) == A.approx(77)


def test_vectors_use_the_euclidean_norm():
    v = SympyArray([sympy.sqrt(2)] * 16)  # 16 equal entries: entrywise 2^-n would not be enough
    for n in (0, 5, 100):
        assert distance_upper_bound(v.approx(n), v) <= Fraction(1, 2**n)


def test_product_of_exact_sources():
    P = RationalArray([[1, 0, 0], [0, 0, 1]]) @ dct2(3)
    assert P.shape == (2, 3)
    assert distance_upper_bound(P.approx(50), SympyArray(dct2(3).to_sympy()[[0, 2], :])) <= Fraction(1, 2**50)


def test_ball_source_and_float_source():
    third = BallArray((2,), lambda prec_bits: [flint.arb(1) / 3, flint.arb(2).sqrt()])
    assert distance_upper_bound(third.approx(40), SympyArray([sympy.Rational(1, 3), sympy.sqrt(2)])) <= 2**-40
    f = from_float64(np.array([0.1, -2.5]))
    assert f.values.tolist() == [Fraction(0.1), Fraction(-5, 2)]


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda: from_float64([1.0, np.nan]), Smale18Error, r"values\[1\]=nan is not finite"),
        (lambda: from_float64(np.array([1.0, np.nan])), Smale18Error, r"non-finite entry nan at index \(1,\)"),
        (lambda: as_exact(np.array([[np.inf]])), Smale18Error, "non-finite entry inf"),
        (lambda: RationalArray([float("nan")]), Smale18Error, "not finite"),
        (lambda: RationalArray(["abc"]), Smale18Error, r"values\[0\]='abc' is not a rational written as 'p/q'"),
        (lambda: RationalArray([[1, 2], [3]]), Smale18Error, "ragged"),
        (lambda: dct2(4).approx(-1), Smale18Error, r"n=-1 must be a non-negative integer"),
        (lambda: dct2(4).approx(2.5), Smale18Error, r"n=2.5 must be a non-negative integer"),
        (lambda: dct2(4).approx("3"), Smale18Error, r"n='3' must be a non-negative integer"),
        (lambda: dct2(4).approx(True), Smale18Error, r"n=True must be a non-negative integer"),
        (lambda: dct2(0), Smale18Error, "N=0 must be a positive integer"),
        (lambda: hadamard(6), Smale18Error, "N=6 must be a power of two"),
        (lambda: SympyArray([sympy.Symbol("t")]), Smale18Error, "free symbols"),
        (lambda: SympyArray([sympy.gamma(sympy.Rational(1, 3))]).approx(5), Smale18Error, "cannot enclose"),
        (lambda: SympyArray([sympy.log(0)]).approx(5), Smale18Error, "not real|not finite"),
        (lambda: BallArray((2,), lambda p: [flint.arb(1)]).approx(3), Smale18Error, "returned 1 balls, expected 2"),
        (lambda: BallArray((1,), lambda p: [flint.arb(1, 1e-3)]).approx(30), PrecisionLoopError, "do not tighten"),
        (lambda: RationalArray([[1, 2]]) @ RationalArray([[1, 2]]), Smale18Error, "shape mismatch in product"),
        (lambda: distance_upper_bound(dct2(2).approx(3), dct2(3)), Smale18Error, "does not match"),
    ],
)
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()


class Hang(Exception):
    """A call ran past its time limit (raised by the alarm, so a regression fails instead of hanging the suite)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Fail with :class:`Hang` after ``seconds`` of wall-clock time (main thread, SIGALRM)."""

    def alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - t0 < seconds


# -- issue 12, item 3: every numpy dtype is read exactly (never through float64) --------------------------------------
_BIG_INTS = [
    (np.int64, 2**60 + 100),
    (np.int64, 2**63 - 1),
    (np.int64, -(2**63)),
    (np.int64, -(2**53) - 1),
    (np.uint64, 2**64 - 1),
    (np.uint64, 2**53 + 1),
]


@pytest.mark.parametrize("dtype, value", _BIG_INTS)
def test_numpy_integers_beyond_2_to_53_are_read_exactly(dtype, value):
    arr = np.array([[value]], dtype=dtype)
    assert as_exact(arr).values[0, 0] == value
    assert RationalArray(arr).values[0, 0] == value
    assert from_float64(arr).values[0, 0] == value
    assert DyadicArray.from_float64(arr).to_fractions()[0, 0] == value
    assert as_exact([[dtype(value)]]).values[0, 0] == value  # numpy scalars inside a list
    assert DyadicArray(arr).to_fractions()[0, 0] == value


def test_is_within_reads_numpy_integers_exactly():
    """The issue's reproduction: at distance 100, is_within said True (the source was rounded to 2^60)."""
    big = np.array([[2**60 + 100]])
    assert not is_within(DyadicArray([[2**60]]), big, 1)
    assert is_within(DyadicArray([[2**60 + 100]]), big, 1)
    assert distance_upper_bound(DyadicArray([[2**60]]), big) >= 100


def _longdouble_is_x87():
    return np.finfo(np.longdouble).nmant == 63


def test_long_doubles_are_read_exactly():
    ld = np.longdouble
    # 2^64 - 1 is a long double (64-bit significand) but not a float64: built by exact long double arithmetic
    top = ld(2**32 - 1) * ld(2**32) + ld(2**32 - 1)
    third = ld(1) / ld(3)
    tiny = ld(2) ** -16000  # far below float64's range
    values = as_exact(np.array([top, third, tiny])).values
    if _longdouble_is_x87():
        assert values[0] == 2**64 - 1
        assert values[1] == Fraction(round(Fraction(2**65, 3)), 2**65)  # 1/3 rounded to a 64-bit significand
    assert values[1] != Fraction(float(third)) or np.finfo(np.longdouble).nmant == 52
    assert abs(values[1] - Fraction(1, 3)) <= Fraction(1, 2 ** (np.finfo(np.longdouble).nmant + 2))
    assert values[2] == Fraction(1, 2**16000)
    assert as_exact([third]).values[0] == values[1]  # a long double scalar in a list
    assert DyadicArray.from_float64(np.array([tiny])).to_fractions()[0] == Fraction(1, 2**16000)


def test_inexact_input_of_big_integers_is_within_its_bound():
    """The issue's reproduction: A(1) was off by 100 (bound 1/2)."""
    inp = InexactInput.honest(np.array([[2**60 + 100]]), np.array([0]))
    assert abs(inp.A(1).to_fractions()[0, 0] - (2**60 + 100)) <= Fraction(1, 2)
    assert is_within(inp.A(1), inp.instance[0], 1)


@pytest.mark.parametrize(
    "value, match",
    [
        (np.array([1 + 2j]), "complex dtype"),
        (np.array([1, 2j], dtype=object), r"value\[1\]=2j is complex"),
        ([1.0, complex(1, 0)], r"value\[1\]=\(1\+0j\) is complex"),
        (np.array([True, False]), "dtype bool"),
        ([1, True], r"value\[1\]=True must be a number, not a bool"),
        (np.array([np.longdouble("inf")]), "non-finite entry inf"),
        (np.array(["2001-01-01"], dtype="datetime64[D]"), "dtype datetime64"),
        (np.array([b"1"]), "dtype |S1"),
        ([None], r"value\[0\]=None must be an exact real number"),
        ([object()], r"value\[0\]=<object object at .*> must be an exact real number"),
        ([["1/3", "2"], ["3"]], "ragged"),
        ([["1e-1000000000"]], r"value\[0, 0\]='1e-1000000000' is beyond the size of an exact entry"),
        ([10**30000], r"value\[0\]=<integer of 99658 bits> is beyond the size"),
        ([sympy.Rational(1, 3), float("nan")], r"value\[1\]=nan is not finite"),
    ],
)
def test_as_exact_refuses_what_it_cannot_read_exactly(value, match):
    with time_limit(5), pytest.raises(Smale18Error, match=match):
        as_exact(value)


def test_exact_reading_of_strings_and_other_exact_types():
    import decimal

    import mpmath

    vals = as_exact(["-3/7", "1.25e-3", " 10 ", "1e400", decimal.Decimal("0.1"), flint.fmpq(2, 3),
                     mpmath.mpf(0.5), np.float32(0.1), sympy.Rational(5, 9)]).values
    assert list(vals) == [Fraction(-3, 7), Fraction(1, 800), 10, 10**400, Fraction(1, 10), Fraction(2, 3),
                          Fraction(1, 2), Fraction(float(np.float32(0.1))), Fraction(5, 9)]
    assert RationalArray([10**400]).approx(3).to_fractions()[0] == 10**400  # a 10^400 entry is fine and exact


# -- boundary cases of is_within and of the rounding (pin comparisons and rounding directions) -----------------------
def test_is_within_at_distance_exactly_2_to_minus_n():
    # rational source: the exact decision (Lemma 4) settles the equality case
    assert is_within(DyadicArray([[0]]), [["1/1024"]], 10)
    assert not is_within(DyadicArray([[0]]), [["1/1024"]], 11)
    assert not is_within(DyadicArray([[0]]), [[Fraction(1, 1024) + Fraction(1, 2**300)]], 10)
    # a source that is not rational (exact balls): only the ball bound can answer; it is exact here (1 x 1, dyadic)
    ball = BallArray((1, 1), lambda prec_bits: [flint.arb(1) / 1024])
    assert not ball.is_rational
    assert distance_upper_bound(DyadicArray([[0]]), ball) == Fraction(1, 1024)
    assert is_within(DyadicArray([[0]]), ball, 10)
    assert not is_within(DyadicArray([[0]]), ball, 11)
    assert is_within(DyadicArray([[1]], -10), [[0]], 10) and is_within(DyadicArray([[-1]], -10), [[0]], 10)
    assert is_within(DyadicArray([[1]]), [[0]], 0) and not is_within(DyadicArray([[2]]), [[0]], 0)


def test_is_within_uses_the_operator_norm_not_the_frobenius_norm():
    # E = 2^-n I_2 has operator norm exactly 2^-n but Frobenius norm sqrt(2) 2^-n: no trace bound reaches 2^-n,
    # the exact decision must
    n = 7
    E = DyadicArray([[1, 0], [0, 1]], -n)
    zero = [[0, 0], [0, 0]]
    assert distance_upper_bound(E, zero) > Fraction(1, 2**n)
    assert is_within(E, zero, n)
    assert not is_within(E, zero, n + 1)
    # a vector uses the Euclidean norm: (3, 4) 2^-n-3 has norm 5 2^-n-3 <= 2^-n, (6, 8) 2^-n-3 does not
    assert is_within(DyadicArray([3, 4], -n - 3), [0, 0], n)
    assert not is_within(DyadicArray([6, 8], -n - 3), [0, 0], n)


def test_is_within_irrational_source_on_both_sides():
    s2 = SympyArray([sympy.sqrt(2)])
    for n in (0, 10, 200):
        a = s2.approx(n)
        assert is_within(a, s2, n)
    # 1.5 is 0.0858 from sqrt(2): within 2^-3 = 0.125, not within 2^-4 = 0.0625
    assert is_within(DyadicArray([3], -1), s2, 3) and not is_within(DyadicArray([3], -1), s2, 4)


@pytest.mark.parametrize("source", [lambda v: RationalArray([v]), lambda v: BallArray((1,), lambda p: [
    _fmpq_ball(v)])], ids=["rational", "balls"])
def test_rounding_to_the_grid_is_to_nearest_with_ties_up(source):
    # one entry: g = 0, q = n + 1; at n = 0 the grid is 1/2
    for value, expected in [("1/4", "1/2"), ("-1/4", "0"), ("3/4", "1"), ("-3/4", "-1/2"), ("1/3", "1/2"),
                            ("-1/3", "-1/2"), ("1/5", "0"), ("-1/5", "0")]:
        got = source(Fraction(value)).approx(0).to_fractions()[0]
        assert got == Fraction(expected), (value, got)


def _fmpq_ball(v: Fraction):
    return flint.arb(flint.fmpq(v.numerator, v.denominator))


def test_tiny_and_huge_ball_entries_round_without_building_huge_numbers():
    tiny = BallArray((1,), lambda p: [flint.arb((3, -(10**15)))])  # 3 * 2^-10^15
    with time_limit(5):
        assert tiny.approx(10).to_fractions()[0] == 0
    huge = BallArray((1,), lambda p: [flint.arb((1, 10**15))])
    with time_limit(5), pytest.raises(Smale18Error, match="magnitude above 2"):
        huge.approx(1)


# -- API fuzz: only Smale18Error escapes, and nothing runs long -------------------------------------------------------
FUZZ_SECONDS = 3.0  # "a couple of seconds": every call below is small or refused at once; measured max ~0.3 s


def _nested_sqrt(levels):
    e = sympy.Integer(2)
    for _ in range(levels):
        e = sympy.Pow(sympy.Add(e, 1, evaluate=False), sympy.Rational(1, 2), evaluate=False)
    return e


def _hostile_scalars():
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.sampled_from([10**400, -(10**400), 10**30000, 2**53 + 1]),
        st.floats(),
        st.complex_numbers(),
        st.text(max_size=8),
        st.sampled_from(["1/3", "-2.5e-3", "1e-1000000000", "1e999999999", "nan", "-inf", "1/0", "0x10", "", "1_0",
                         "9" * 5000, "1" + "0" * 20000, "__import__('os')", "10**10**10"]),
        st.fractions(),
        st.decimals(),
        st.sampled_from([np.int64(2**62), np.uint64(2**64 - 1), np.float32(0.1), np.longdouble(1) / 3,
                         np.longdouble("inf"), np.bool_(True), np.complex128(1j), np.float16(-0.0)]),
        st.sampled_from([sympy.sqrt(2), sympy.Symbol("t"), sympy.oo, sympy.nan, sympy.I, sympy.zoo, sympy.pi,
                         sympy.true, sympy.Float(0.5), sympy.log(0), sympy.Rational(2, 3),
                         sympy.Pow(3, 10**30, evaluate=False), sympy.Pow(2, sympy.Rational(1, 10**30), evaluate=False),
                         sympy.sqrt(-2), sympy.Float._new((0, 1, -(10**12), 1), 53), _nested_sqrt(400)]),
        st.builds(object),
        st.sampled_from([{}, set(), b"1", (), [], [[]], "abc", lambda p: 1]),
    )


def _hostile_arrays():
    numeric = st.sampled_from([np.int64, np.uint64, np.float32, np.float64, np.longdouble, np.complex128, np.bool_])
    return st.one_of(
        _hostile_scalars(),
        st.lists(_hostile_scalars(), max_size=4),
        st.lists(st.lists(_hostile_scalars(), max_size=3), max_size=3),
        st.lists(st.lists(st.fractions(max_denominator=10), min_size=2, max_size=2), min_size=1, max_size=3),
        st.tuples(numeric, st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=4)).map(
            lambda t: np.array(t[1]).astype(t[0]) / (3 if t[0] is np.longdouble else 1)),
        st.tuples(numeric, st.lists(st.integers(0, 3), min_size=0, max_size=3)).map(
            lambda t: np.zeros(tuple(t[1]), dtype=t[0])),
    )


_hostile_precisions = st.one_of(
    st.integers(min_value=-3, max_value=3000),
    st.sampled_from([2**16, 2**20, 2**20 + 1, 10**8, 10**100, -(10**8)]),
    st.floats(), st.booleans(), st.none(), st.text(max_size=3), st.just(np.int64(5)),
)


def _exact_calls():
    A = _hostile_arrays()
    n = _hostile_precisions
    return st.one_of(
        st.tuples(st.just("RationalArray(v).approx(n)"), A, n).map(
            lambda t: (t[0], lambda: RationalArray(t[1]).approx(t[2]))),
        st.tuples(st.just("SympyArray(v).approx(n)"), A, n).map(
            lambda t: (t[0], lambda: SympyArray(t[1]).approx(t[2]))),
        st.tuples(st.just("as_exact(v).approx(n)"), A, n).map(
            lambda t: (t[0], lambda: as_exact(t[1]).approx(t[2]))),
        st.tuples(st.just("as_exact(v).enclose(p)"), A, n).map(
            lambda t: (t[0], lambda: as_exact(t[1]).enclose(t[2]))),
        st.tuples(st.just("from_float64(v)"), A).map(lambda t: (t[0], lambda: from_float64(t[1]))),
        st.tuples(st.just("DyadicArray(v, e)"), A, n).map(
            lambda t: (t[0], lambda: DyadicArray(t[1], t[2]).to_fractions())),
        st.tuples(st.just("DyadicArray.from_float64(v)"), A).map(
            lambda t: (t[0], lambda: DyadicArray.from_float64(t[1]))),
        st.tuples(st.just("DyadicArray.from_fractions(v)"), A).map(
            lambda t: (t[0], lambda: DyadicArray.from_fractions(t[1]))),
        st.tuples(st.just("DyadicArray.from_json"), st.dictionaries(
            st.sampled_from(["shape", "exponent", "numerators", "type"]), _hostile_arrays(), max_size=4)).map(
            lambda t: (t[0], lambda: DyadicArray.from_json(t[1]))),
        st.tuples(st.just("BallArray(s, fn).approx(n)"), st.one_of(A, st.just((2,))), A, n).map(
            lambda t: (t[0], lambda: BallArray(t[1], lambda p: t[2]).approx(t[3]))),
        st.tuples(st.just("ProductArray"), A, A).map(lambda t: (t[0], lambda: (as_exact(t[1]) @ t[2]).approx(3))),
        st.tuples(st.just("dct2/hadamard/hilbert(N)"), st.sampled_from([dct2, hadamard, hilbert]),
                  st.one_of(_hostile_scalars(), st.integers(-2, 40), st.just(10**8))).map(
            lambda t: (t[0], lambda: t[1](t[2]).approx(5) if isinstance(t[2], int) and t[2] < 64 else t[1](t[2]))),
        st.tuples(st.just("is_within(d, v, n)"), A, n).map(
            lambda t: (t[0], lambda: is_within(DyadicArray([1]), t[1], t[2]))),
        st.tuples(st.just("is_within(approx, v, n)"), A, n).map(
            lambda t: (t[0], lambda: is_within(as_exact(t[1]).approx(3), t[1], t[2]))),
        st.tuples(st.just("distance_upper_bound"), A, n, _hostile_scalars()).map(
            lambda t: (t[0], lambda: distance_upper_bound(DyadicArray([[1]]), t[1], prec_bits=t[2], stop_below=t[3]))),
        st.tuples(st.just("InexactInput.honest(A, y, cap).A(n)"), A, A, n, n).map(
            lambda t: (t[0], lambda: InexactInput.honest(t[1], t[2], t[3]).A(t[4]))),
        st.tuples(st.just("InexactInput.honest(A, y).y(n)"), A, A, n).map(
            lambda t: (t[0], lambda: InexactInput.honest(t[1], t[2]).y(t[3]))),
        st.tuples(st.just("InexactInput(...)"), A, A, A).map(
            lambda t: (t[0], lambda: InexactInput(t[1], t[2], t[3], (1,)))),
        st.tuples(st.just("ProblemSpec"), st.one_of(st.sampled_from(["P1", "P2", "P3"]), _hostile_scalars()),
                  _hostile_scalars(), _hostile_scalars(), A).map(
            lambda t: (t[0], lambda: ProblemSpec(t[1], t[2], t[3], t[4]))),
        st.tuples(st.just("ProblemSpec.from_json"), _hostile_arrays()).map(
            lambda t: (t[0], lambda: ProblemSpec.from_json(t[1]))),
    )


def run_fuzzed(label, call):
    """Run one fuzzed call: it may return or raise Smale18Error (or a subclass), nothing else, within the limit."""
    import warnings

    t0 = time.perf_counter()
    with time_limit(FUZZ_SECONDS), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except Smale18Error as exc:
            message = str(exc)
            assert message and "\n" not in message, (label, message)
    assert time.perf_counter() - t0 < FUZZ_SECONDS, label


@given(_exact_calls())
@settings(max_examples=300)
def test_api_fuzz_of_exact_dyadic_and_inexact(labelled):
    run_fuzzed(*labelled)


@pytest.mark.slow
@given(_exact_calls())
@settings(max_examples=3000)
def test_api_fuzz_of_exact_dyadic_and_inexact_long(labelled):
    run_fuzzed(*labelled)


def test_guard_bits_and_grid():
    # the grid is 2^-(n+g+1) with g the least integer such that size <= 4^g (Lemma 1 of the note)
    for size, g in [(1, 0), (2, 1), (4, 1), (5, 2), (16, 2), (17, 3)]:
        assert RationalArray(["1/3"] * size).approx(3).exponent == -(3 + g + 1), size



def test_deep_and_large_sympy_expressions_are_bounded():
    # sympy's recursive free_symbols used to raise RecursionError past ~300 levels
    for levels in (400, 5000):
        with time_limit(10), pytest.raises(Smale18Error, match=r"values\[0\] is nested more than 200 levels deep"):
            SympyArray([_nested_sqrt(levels)])
    shallow = SympyArray([_nested_sqrt(60)])  # 60 nested square roots: fine, and the ball translator agrees
    assert distance_upper_bound(shallow.approx(40), shallow) <= Fraction(1, 2**40)
    dag = sympy.Integer(3)
    for _ in range(150):  # 2^150 leaves as a tree, 151 distinct nodes
        dag = sympy.Add(dag, dag, evaluate=False)
    with time_limit(10):
        assert SympyArray([dag]).approx(0).to_fractions()[0] == 3 * 2**150


@pytest.mark.parametrize("bad", [None, "abc", [[float("nan")]]])
def test_is_within_names_a_source_it_cannot_read(bad):
    with pytest.raises(Smale18Error) as info:
        is_within(DyadicArray([[1]]), bad, 1)
    assert str(info.value).startswith("source"), str(info.value)


def test_distance_upper_bound_at_the_precision_cap_scales_instead_of_overflowing():
    """At n = 2^20 the squared entries' exponents used to leave arb's range (EnclosureError); the scaled squarings
    give a bound below 2^-n (issue 17)."""
    from fractions import Fraction

    from smale18.oracle import dct2
    from smale18.oracle.exact import distance_upper_bound

    A = dct2(4)
    n = 1 << 20
    a = A.approx(n)
    b = distance_upper_bound(a, A)
    assert 0 < b <= Fraction(1, 1 << n)
    # and not loose: the answer's grid is 2^-(n+g+1) with g = 2 (16 entries), so its error is of order 2^-(n+4)
    assert b > Fraction(1, 1 << (n + 8))
