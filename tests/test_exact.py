"""The 2^-n contract of ExactArray.approx, checked independently of the code under test.

Rational sources: ||A_n - A||_2 <= 2^-n is decided *exactly* — the Gram matrix G = E^T E has real roots, so
Descartes' rule of signs on charpoly(G)(mu + 4^-n) counts the eigenvalues above 4^-n exactly.
Sympy sources: the test encloses each entry with its own python-flint calls (not oracle's translator) and bounds
the Frobenius norm of the error, which bounds the operator norm.
"""

from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy
from hypothesis import example, given
from hypothesis import strategies as st

from oracle import (
    BallArray,
    PrecisionLoopError,
    RationalArray,
    Smale18Error,
    SympyArray,
    as_exact,
    dct2,
    distance_upper_bound,
    from_float64,
    hadamard,
    hilbert,
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
        (lambda: from_float64([1.0, np.nan]), Smale18Error, "non-finite entry nan at index"),
        (lambda: as_exact(np.array([[np.inf]])), Smale18Error, "non-finite entry inf"),
        (lambda: RationalArray([float("nan")]), Smale18Error, "not finite"),
        (lambda: RationalArray(["abc"]), Smale18Error, "not an exact rational"),
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
