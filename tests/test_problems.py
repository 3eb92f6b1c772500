"""Duality-gap certificates for P1-P3: true minimisers are accepted, perturbed points rejected.

Named reference instances with closed-form minimisers and dual points (gap exactly zero), then random instances
where the minimiser and dual point come from cvxpy and only the rigorous check decides.
"""

import time
from fractions import Fraction

import numpy as np
import pytest
from _support import time_limit
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smale18.oracle import (
    BasisPursuitDenoise,
    ConvexHull,
    Lasso,
    PointSet,
    Smale18Error,
    SqrtLasso,
    Status,
    dct2,
)

# (problem, exact minimiser, exact optimal dual point, optimal value)
REFERENCE = {
    "P3": (SqrtLasso([[1, 0], [0, 2]], [1, 1], lam="1/2"), ["1", "1/2"], ["1/2", "1/4"], Fraction(3, 4)),
    "P2": (Lasso([[1, 0], [0, 1]], [1, "1/4"], lam="1/2"), ["3/4", 0], ["1/2", "1/2"], Fraction(1, 2)),
    "P1": (BasisPursuitDenoise([[2, 0], [0, 1]], [2, 0], eta="1/2"), ["3/4", 0], ["1/2", 0], Fraction(3, 4)),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_minimisers_are_certified_with_zero_gap(name):
    problem, x, u, value = REFERENCE[name]
    check = problem.certify_minimiser(x, tol=0, dual=u, reference=x)
    assert check.status is Status.CERTIFIED
    assert check.objective.contains(value)
    assert check.dual_bound.contains(value)
    assert check.gap_upper <= 0


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_perturbed_points_are_refuted(name):
    problem, x, u, _ = REFERENCE[name]
    xp = [Fraction(v) for v in x]
    xp[0] += Fraction(1, 1000)
    check = problem.certify_minimiser(xp, tol=Fraction(1, 10**9), dual=u, reference=x)
    assert check.status is Status.REFUTED, check.reason


def test_infeasible_point_is_refuted_for_p1():
    problem, x, u, _ = REFERENCE["P1"]
    check = problem.certify_minimiser(["1/2", 0], tol=1, dual=u, reference=x)  # residual 1 > eta
    assert check.status is Status.REFUTED and check.feasible is Status.REFUTED


def test_dual_point_is_scaled_to_feasibility():
    problem, x, _, value = REFERENCE["P3"]
    value_bound, scale = problem.dual_bound(["1", "1/2"])  # twice the optimal dual: infeasible, scaled by 2
    assert scale == 2 and value_bound.contains(value)


def _random_instance(seed, m=8, N=16):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, N)).round(3)
    x0 = np.zeros(N)
    x0[rng.choice(N, 2, replace=False)] = rng.standard_normal(2).round(2)
    y = (A @ x0 + 0.01 * rng.standard_normal(m)).round(4)
    return A, y


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "make", [lambda A, y: SqrtLasso(A, y, "1/10"), lambda A, y: Lasso(A, y, "1/10")], ids=["P3", "P2"]
)
def test_solver_points_are_certified_and_perturbations_refuted(seed, make):
    A, y = _random_instance(seed)
    problem = make(A, y)
    x, u = problem.solve_float()
    assert problem.certify_minimiser(x, tol=Fraction(1, 10**6), dual=u, reference=x).status is Status.CERTIFIED
    xp = x.copy()
    xp[0] += 0.05
    assert problem.certify_minimiser(xp, tol=Fraction(1, 10**6), dual=u, reference=x).status is Status.REFUTED


def test_p1_with_irrational_data_needs_a_feasibility_tolerance():
    D = dct2(4)
    problem = BasisPursuitDenoise(D, [1, 0, 0, 0], eta="1/4", feas_tol=Fraction(1, 10**6))
    x, u = problem.solve_float()
    check = problem.certify_minimiser(x, tol=Fraction(1, 10**5), dual=u, reference=x)
    assert check.status is Status.CERTIFIED, check.reason


def test_default_dual_comes_from_cvxpy_and_is_rechecked():
    A, y = _random_instance(5)
    problem = SqrtLasso(A, y, "1/5")
    x, _ = problem.solve_float()
    check = problem.certify_minimiser(x, tol=Fraction(1, 10**6))
    assert check.status is Status.CERTIFIED
    # a useless dual point gives no certificate, whatever the solver said
    weak = problem.certify_minimiser(x, tol=Fraction(1, 10**6), dual=np.zeros(8), reference=x)
    assert weak.status is Status.UNKNOWN


def test_minimiser_sets():
    p = PointSet(["1/2", 0, 0])
    d = p.distance([Fraction(1, 2), Fraction(3, 4), Fraction(1)])
    assert d.contains(Fraction(5, 4))
    hull = ConvexHull([[1, 0], [0, 1]])  # the segment from e1 to e2; distance from the origin is 1/sqrt(2)
    d = hull.distance([0, 0])
    assert d.lower <= Fraction(7071068, 10**7) and d.upper >= Fraction(7071067, 10**7)
    assert d.upper - d.lower < Fraction(1, 10**6)
    inside = hull.distance(["1/3", "2/3"])
    assert inside.lower == 0 and inside.upper < Fraction(1, 10**8)
    problem = SqrtLasso([[1, 0], [0, 2]], [1, 1], "1/2", minimisers=PointSet(["1", "1/2"]))
    assert problem.distance_to_minimisers(["1", "1/2"]).upper == 0


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: SqrtLasso([[1, 0]], [1, 2], 1), r"y.shape=\(2,\) does not match A.shape=\(1, 2\)"),
        (lambda: SqrtLasso([[1, 0]], [1], 0), "lam=0 must be positive"),
        (lambda: SqrtLasso([[1, 0]], [1], float("nan")), "lam=nan"),
        (lambda: SqrtLasso([[1, 0]], [1], 1, weights=[1, -1]), r"weights\[1\]=-1 must be positive"),
        (lambda: SqrtLasso([[1, 0]], [1], 1, weights=[1]), r"weights.shape=\(1,\) must be \(2,\)"),
        (lambda: BasisPursuitDenoise([[1, 0]], [1], eta=-1), "eta=-1 must be positive"),
        (lambda: SqrtLasso([[1, 0]], [1], 1).objective([1, 2, 3]), r"x.shape=\(3,\) must be \(2,\)"),
        (lambda: SqrtLasso([[1, 0]], [1], 1).objective(np.array([np.nan, 0])), "x has a non-finite entry nan"),
        (lambda: SqrtLasso([[1, 0]], [1], 1).certify_minimiser([0, 0], tol=-1, dual=[1], reference=[0, 0]), "tol=-1"),
        (lambda: SqrtLasso([[1, 0]], [1], 1).distance_to_minimisers([0, 0]), "without a closed-form minimiser set"),
        (lambda: ConvexHull([]), "at least one vertex"),
        (lambda: SqrtLasso([[1]], [1], lam=None), "lam=None must be an exact real number"),
        (lambda: Lasso([[1]], [1], lam=float("inf")), "lam=inf is not finite"),
        (lambda: SqrtLasso([[1]], [1], lam=True), "lam=True must be a number, not a bool"),
        (lambda: SqrtLasso([[1]], [1], lam="1e-1000000000"), "beyond the size of an exact entry"),
        (lambda: SqrtLasso(None, [1], lam=1), "A=None must be a vector or a matrix"),
        (lambda: SqrtLasso([[1]], [1], lam=1, weights="x"), "weights='x' must be a vector"),
        (lambda: SqrtLasso([[1]], [1], lam=1, minimisers=3), "minimisers=3 must be None or a minimiser set"),
        (lambda: BasisPursuitDenoise([[1]], [1], eta=None), "eta=None must be an exact real number"),
        (lambda: BasisPursuitDenoise([[1]], [1], eta=1, feas_tol=None), "feas_tol=None must be an exact real"),
        (lambda: BasisPursuitDenoise([[1]], [1], eta=1, feas_tol=float("nan")), "feas_tol=nan is not finite"),
        (lambda: BasisPursuitDenoise([[1]], [1], eta=1, feas_tol=-1), "feas_tol=-1 must be non-negative"),
        (lambda: SqrtLasso([[1]], [1], 1).certify_minimiser([0], tol=None, dual=[0], reference=[0]), "tol=None"),
        (lambda: SqrtLasso([[1]], [1], 1).certify_minimiser([0], tol=float("nan"), dual=[0], reference=[0]),
         "tol=nan is not finite"),
        (lambda: SqrtLasso([[1]], [1], 1).certify_minimiser([0], tol="abc", dual=[0], reference=[0]), "tol='abc'"),
        (lambda: SqrtLasso([[1]], [1], 1).certify_minimiser(None, tol=0, dual=[0], reference=[0]), "x=None"),
        (lambda: SqrtLasso([[1]], [1], 1).certify_minimiser([0], tol=0, dual=[0, 0], reference=[0]),
         r"dual.shape=\(2,\) must be \(1,\)"),
        (lambda: SqrtLasso([[1]], [1], 1).certify_minimiser([0], tol=0, dual=[0], reference=[[0]]),
         r"reference.shape=\(1, 1\) must be \(1,\)"),
        (lambda: SqrtLasso([[1]], [1], 1).certify_minimiser([0], tol=0, dual=[0], reference=[0], prec_bits=10**9),
         "prec_bits=1000000000 exceeds the largest working precision 65536"),
        (lambda: SqrtLasso([[1]], [1], 1).certify_minimiser(np.array([1j]), tol=0, dual=[0], reference=[0]),
         "x has complex dtype"),
        (lambda: SqrtLasso([[1]], [1], 1).dual_bound([1, 2]), r"dual.shape=\(2,\) must be \(1,\)"),
        (lambda: PointSet(None), "point=None must be a vector"),
        (lambda: PointSet([[1]]), r"point.shape=\(1, 1\) must be a vector"),
        (lambda: ConvexHull(None), "vertices=None must be a non-empty sequence"),
        (lambda: ConvexHull([[1], None]), r"vertices\[1\]=None must be a vector"),
        (lambda: ConvexHull([[1, 0]]).distance([[0, 0]]), r"z.shape=\(1, 2\) must be \(2,\)"),
    ],
)
def test_bad_input(call, match):
    with time_limit(10), pytest.raises(Smale18Error, match=match):
        call()


# -- issue 12, item 3: the candidate point is read exactly ---------------------------------------------------------
def test_big_integer_candidate_is_not_rounded_to_float64():
    """The issue's reproduction: x = 2^60 + 100 was read as 2^60 and CERTIFIED (true gap 150)."""
    P = SqrtLasso([[1]], [2**60], lam="1/2")
    check = P.certify_minimiser(np.array([2**60 + 100]), tol=0, dual=["1/2"], reference=[2**60])
    assert check.status is Status.REFUTED, check.reason
    assert check.objective.contains(2**59 + 150) and check.objective.upper - check.objective.lower == 0
    assert P.objective(np.array([2**60 + 100], dtype=np.uint64)).contains(2**59 + 150)


# -- issue 12, item 4: P1 with a feasibility tolerance ----------------------------------------------------------------
@pytest.mark.parametrize("feas_tol", [Fraction(1, 4), Fraction(1, 2**120)])
def test_p1_reference_feasible_only_within_the_tolerance_does_not_refute(feas_tol):
    """min |x| s.t. |x - 1| <= 1/2 has the minimiser 1/2. A reference feasible only for eta + feas_tol has a smaller
    objective than every feasible point, so it refutes nothing (it used to give REFUTED)."""
    P = BasisPursuitDenoise([[1]], [1], eta="1/2", feas_tol=feas_tol)
    ref = [Fraction(1, 2) - feas_tol]  # residual exactly eta + feas_tol
    check = P.certify_minimiser(["1/2"], tol=Fraction(1, 10) * feas_tol, dual=["0"], reference=ref)
    assert check.status is Status.UNKNOWN, check.reason
    assert check.reference_objective is None
    # with the optimal dual point the exact minimiser is certified, whatever the reference
    assert P.certify_minimiser(["1/2"], tol=0, dual=["1"], reference=ref).status is Status.CERTIFIED


def test_p1_with_tolerance_still_refutes_what_is_refuted_for_eta():
    P = BasisPursuitDenoise([[1]], [1], eta="1/2", feas_tol="1/4")
    # a reference feasible for eta itself with objective smaller by 1/4 > tol
    check = P.certify_minimiser(["3/4"], tol="1/10", dual=["1"], reference=["1/2"])
    assert check.status is Status.REFUTED and check.reference_objective.contains(Fraction(1, 2))
    # infeasible even for eta + feas_tol: refuted for the problem as stated
    check = P.certify_minimiser(["1/8"], tol=1, dual=["1"], reference=["1/2"])
    assert check.status is Status.REFUTED and check.feasible is Status.REFUTED
    # feasible only within the tolerance and below V(eta) = 1/2: the certificate's claim (Lemma P1-tau) holds
    check = P.certify_minimiser(["1/4"], tol=0, dual=["1"], reference=["1/2"])
    assert check.status is Status.CERTIFIED


def _closed_form_value(name, a, b, lam_or_eta):
    """Optimal value of the 1 x 1 instance A = [[a]], y = [b], weight 1 (exact)."""
    if name == "P1":  # min |x| s.t. |a x - b| <= eta
        return max(Fraction(0), abs(b) - lam_or_eta) / abs(a)
    if name == "P3":  # lam |x| + |a x - b|: piecewise linear, minimum at x = 0 or x = b/a
        return min(abs(b), lam_or_eta * abs(b) / abs(a))
    # P2: lam |x| + (a x - b)^2, minimiser by soft thresholding x* = sign(b) max(0, |a b| - lam/2) / a^2 (a > 0 wlog)
    lam = lam_or_eta
    t = max(Fraction(0), abs(a * b) - lam / 2) / (a * a)
    x = t if a * b >= 0 else -t
    return lam * abs(x) + (a * x - b) ** 2


def _objective_1d(name, a, b, lam_or_eta, x):
    if name == "P1":
        return abs(x)
    if name == "P3":
        return lam_or_eta * abs(x) + abs(a * x - b)
    return lam_or_eta * abs(x) + (a * x - b) ** 2


_small_rationals = st.fractions(min_value=-4, max_value=4, max_denominator=16)
_positive = st.fractions(min_value=Fraction(1, 16), max_value=4, max_denominator=16)
_nonnegative = st.fractions(min_value=0, max_value=1, max_denominator=64)


@given(
    st.sampled_from(["P1", "P2", "P3"]),
    _positive.flatmap(lambda a: st.sampled_from([a, -a])),
    _small_rationals,
    _positive,
    st.sampled_from([Fraction(0), Fraction(1, 64), Fraction(1, 4)]),
    _nonnegative,
    _small_rationals,
    _small_rationals,
    _small_rationals,
)
@example("P1", Fraction(1), Fraction(1), Fraction(1, 2), Fraction(1, 4), Fraction(1, 10), Fraction(1, 2),
         Fraction(0), Fraction(1, 4))
def test_verdicts_on_one_dimensional_instances_are_true(name, a, b, par, feas_tol, tol, x, u, ref):
    """Against the closed-form optimal value V: CERTIFIED means (x feasible within feas_tol and) F(x) <= V + tol;
    REFUTED means that claim is false. Exact rational data, so nothing here is rounded."""
    if name == "P1":
        P = BasisPursuitDenoise([[a]], [b], eta=par, feas_tol=feas_tol)
    else:
        P = (Lasso if name == "P2" else SqrtLasso)([[a]], [b], lam=par)
        feas_tol = Fraction(0)
    V = _closed_form_value(name, a, b, par)
    claim = _objective_1d(name, a, b, par, x) <= V + tol and (name != "P1" or abs(a * x - b) <= par + feas_tol)
    for dual in ([u], [(b - a * x)] if name != "P1" else [Fraction(1) if b >= 0 else Fraction(-1)]):
        check = P.certify_minimiser([x], tol=tol, dual=dual, reference=[ref])
        if check.status is Status.CERTIFIED:
            assert claim, check.reason
        elif check.status is Status.REFUTED:
            assert not claim, check.reason
    # the exact minimiser with its optimal dual point is certified at tol = 0
    if name == "P3":
        sign = 1 if b >= 0 else -1
        xs = b / a if par < abs(a) else Fraction(0)
        us = [sign * min(Fraction(1), par / abs(a))]  # max b u s.t. |u| <= 1, |a u| <= lam
        assert P.certify_minimiser([xs], tol=0, dual=us, reference=[xs]).status is Status.CERTIFIED


# -- boundary cases that pin the comparisons (mutants of <= / < and of rounding directions) ----------------------
def _p3_unit():
    """F(x) = |x|/2 + |x - 1|: minimiser 1, min F = 1/2; dual: max u s.t. |u| <= 1/2."""
    return SqrtLasso([[1]], [1], lam="1/2")


def test_gap_exactly_tol_is_certified_and_just_above_is_not():
    P = _p3_unit()
    check = P.certify_minimiser(["1"], tol=Fraction(1, 4), dual=["1/4"], reference=["1"])  # D = 1/4, gap exactly 1/4
    assert check.gap_upper == Fraction(1, 4) and check.dual_scale == 1
    assert check.status is Status.CERTIFIED
    below = P.certify_minimiser(["1"], tol=Fraction(1, 4) - Fraction(1, 2**200), dual=["1/4"], reference=["1"])
    assert below.status is Status.UNKNOWN


def test_tol_zero_certifies_exact_minimisers_only():
    P = _p3_unit()
    exact = P.certify_minimiser(["1"], tol=0, dual=["1/2"], reference=["1"])
    assert exact.status is Status.CERTIFIED and exact.gap_upper == 0
    assert exact.objective == exact.dual_bound  # both exactly 1/2
    near = P.certify_minimiser([1 + Fraction(1, 2**300)], tol=0, dual=["1/2"], reference=["1"])
    assert near.status is Status.REFUTED  # F(x) - F(1) = 3/2 * 2^-300 > 0 = tol, exact for rational x
    assert near.objective.lower == near.objective.upper == Fraction(1, 2) + Fraction(3, 2**301)


def test_refutation_needs_a_difference_strictly_above_tol():
    P = _p3_unit()
    # F(5/4) = 5/8 + 1/4 = 7/8, F(1) = 1/2: difference exactly 3/8; the zero dual point certifies nothing
    at = P.certify_minimiser(["5/4"], tol=Fraction(3, 8), dual=["0"], reference=["1"])
    assert at.status is Status.UNKNOWN
    assert at.objective.lower - at.reference_objective.upper == Fraction(3, 8)
    just_below = P.certify_minimiser(["5/4"], tol=Fraction(3, 8) - Fraction(1, 2**200), dual=["0"], reference=["1"])
    assert just_below.status is Status.REFUTED


def test_dual_point_exactly_on_its_constraint_is_not_scaled():
    P = _p3_unit()
    assert P.dual_bound(["1/2"])[1] == 1  # |A^T u| = lam exactly: feasible as it is
    value, scale = P.dual_bound(["1/2" + "0" * 0])
    assert value == P.dual_bound([Fraction(1, 2)])[0]
    value, scale = P.dual_bound([Fraction(1, 2) + Fraction(1, 2**100)])
    assert scale == 1 + Fraction(1, 2**99) and value.upper <= Fraction(1, 2)
    assert Lasso([[1]], [1], lam="1/2").dual_bound(["1/2"])[1] == 1
    assert BasisPursuitDenoise([[1]], [1], eta="1/2").dual_bound(["1"])[1] == 1


def test_p1_point_exactly_on_the_constraint_is_feasible():
    P = BasisPursuitDenoise([[1]], [1], eta="1/2")
    assert P.feasibility(["1/2"]) is Status.CERTIFIED  # |1/2 - 1| = eta exactly
    assert P.feasibility([Fraction(1, 2) - Fraction(1, 2**200)]) is Status.REFUTED
    assert P.certify_minimiser(["1/2"], tol=0, dual=["1"], reference=["1/2"]).status is Status.CERTIFIED
    tolerant = BasisPursuitDenoise([[1]], [1], eta="1/2", feas_tol="1/4")
    assert tolerant.feasibility(["1/4"]) is Status.CERTIFIED  # exactly eta + feas_tol
    assert tolerant.feasibility([Fraction(1, 4) - Fraction(1, 2**200)]) is Status.REFUTED


def test_objective_enclosures_contain_the_value_and_are_tight():
    """Irrational data: the enclosure must contain the value computed independently (mpmath, 300 digits)."""
    import mpmath
    import sympy

    A = [[sympy.sqrt(2), 1], [0, sympy.sqrt(3)]]
    P = SqrtLasso(A, [1, "1/3"], lam="1/5")
    x = ["1/7", "-2/9"]
    with mpmath.workdps(300):
        r = [mpmath.sqrt(2) / 7 - mpmath.mpf(2) / 9 - 1, -mpmath.sqrt(3) * 2 / 9 - mpmath.mpf(1) / 3]
        value = mpmath.mpf(1) / 5 * (mpmath.mpf(1) / 7 + mpmath.mpf(2) / 9) + mpmath.sqrt(r[0] ** 2 + r[1] ** 2)
        lo = Fraction(*mpmath.mpf(value - mpmath.mpf(10) ** -250).as_integer_ratio()) if hasattr(
            mpmath.mpf, "as_integer_ratio") else None
    iv = P.objective(x, prec_bits=256)
    with mpmath.workdps(300):
        assert mpmath.mpf(iv.lower.numerator) / iv.lower.denominator <= value
        assert mpmath.mpf(iv.upper.numerator) / iv.upper.denominator >= value
    assert iv.upper - iv.lower < Fraction(1, 2**200)
    del lo


# -- API fuzz: only Smale18Error escapes, and nothing runs long -------------------------------------------------------
FUZZ_SECONDS = 3.0

_hostile = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(), st.complex_numbers(),
    st.text(max_size=6), st.fractions(max_denominator=100),
    st.sampled_from([10**400, "1e-1000000000", "1/0", "nan", "inf", "-1/3", 10**30000, np.longdouble(1) / 3,
                     np.int64(2**62), np.float32(1.5), np.complex128(1j), np.bool_(False), object(), {}, "abc"]),
)
_vectors = st.one_of(
    _hostile,
    st.lists(_hostile, min_size=0, max_size=3),
    st.lists(st.fractions(min_value=-3, max_value=3, max_denominator=8), min_size=1, max_size=3),
    st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=3).map(np.array),
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=3).map(np.array),
    st.sampled_from([np.array([1j, 2]), np.array([True, False]), np.zeros((0,)), np.zeros((1, 1, 1)), [[1, 2], [3]],
                     [[10**400, 1], [0, 1]], np.array([1, 2], dtype=np.longdouble) / 3]),
)
_prec_bits = st.one_of(st.integers(-2, 400), st.sampled_from([10**9, 2**16, 2**16 + 1, 2.5, None, True, "64"]))
_tols = st.one_of(_hostile, st.fractions(min_value=0, max_value=1, max_denominator=1000))


def _base(kind, par, weights=None, minimisers=None, feas_tol=0, A=((1, 0), (0, 2)), y=(1, 1)):
    A, y = [list(r) for r in A] if isinstance(A, tuple) else A, list(y) if isinstance(y, tuple) else y
    if kind == "P1":
        return BasisPursuitDenoise(A, y, eta=par, weights=weights, minimisers=minimisers, feas_tol=feas_tol)
    return (SqrtLasso if kind == "P3" else Lasso)(A, y, par, weights=weights, minimisers=minimisers)


def _problem_calls():
    kind = st.sampled_from(["P1", "P2", "P3"])
    good_x = st.lists(st.fractions(min_value=-2, max_value=2, max_denominator=8), min_size=2, max_size=2)
    return st.one_of(
        st.tuples(st.just("constructor"), kind, _hostile, st.one_of(st.none(), _vectors), _hostile, _hostile).map(
            lambda t: (t[0], lambda: _base(t[1], t[2], t[3], t[4], t[5]))),
        st.tuples(st.just("constructor(A, y)"), kind, _vectors, _vectors).map(
            lambda t: (t[0], lambda: _base(t[1], "1/2", A=t[2], y=t[3]))),
        st.tuples(st.just("objective"), kind, _vectors, _prec_bits).map(
            lambda t: (t[0], lambda: _base(t[1], "1/2").objective(t[2], t[3]))),
        st.tuples(st.just("feasibility"), kind, _vectors, _prec_bits).map(
            lambda t: (t[0], lambda: _base(t[1], "1/2").feasibility(t[2], t[3]))),
        st.tuples(st.just("dual_bound"), kind, _vectors, _prec_bits).map(
            lambda t: (t[0], lambda: _base(t[1], "1/2").dual_bound(t[2], t[3]))),
        st.tuples(st.just("certify_minimiser"), kind, st.one_of(good_x, _vectors), _tols, st.one_of(good_x, _vectors),
                  st.one_of(good_x, _vectors), _prec_bits).map(
            lambda t: (t[0], lambda: _base(t[1], "1/2", feas_tol="1/8").certify_minimiser(
                t[2], tol=t[3], dual=t[4], reference=t[5], prec_bits=t[6]))),
        st.tuples(st.just("certify_minimiser(cvxpy)"), kind, st.one_of(good_x, _vectors), _tols).map(
            lambda t: (t[0], lambda: _base(t[1], "1/2").certify_minimiser(t[2], tol=t[3]))),
        st.tuples(st.just("PointSet.distance"), _vectors, _vectors, _prec_bits).map(
            lambda t: (t[0], lambda: PointSet(t[1]).distance(t[2], t[3]))),
        st.tuples(st.just("ConvexHull.distance"), st.one_of(_hostile, st.lists(_vectors, max_size=3),
                                                             st.lists(good_x, min_size=1, max_size=3)),
                  st.one_of(good_x, _vectors)).map(
            lambda t: (t[0], lambda: ConvexHull(t[1]).distance(t[2]))),
        st.tuples(st.just("distance_to_minimisers"), kind, _vectors, _prec_bits).map(
            lambda t: (t[0], lambda: _base(t[1], "1/2", minimisers=PointSet([0, 0])).distance_to_minimisers(
                t[2], t[3]))),
    )


@given(_problem_calls())
@settings(max_examples=200)
def test_api_fuzz_of_the_problems(labelled):
    import warnings

    label, call = labelled
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except Smale18Error as exc:
            assert str(exc) and "\n" not in str(exc), (label, str(exc))
    assert time.perf_counter() - t0 < FUZZ_SECONDS, label


@pytest.mark.slow
@given(_problem_calls())
@settings(max_examples=2000)
def test_api_fuzz_of_the_problems_long(labelled):
    test_api_fuzz_of_the_problems.hypothesis.inner_test(labelled)


# -- the record certify_minimiser returns, field by field (pinned for mutation testing) -----------------------------
def _p3():
    return SqrtLasso([[1, 0], [0, 2]], [1, 1], lam="1/2")


def test_certify_minimiser_record_carries_its_evidence():
    P = _p3()
    r = P.certify_minimiser(["1", "1/2"], tol="1/8", dual=["1/2", "1/4"], reference=["1", "1/2"], prec_bits=200)
    assert (r.problem, r.status, r.tol, r.prec_bits, r.feasible) == (P.name, Status.CERTIFIED, Fraction(1, 8), 200,
                                                                    Status.CERTIFIED)
    assert r.reason == "duality gap <= 0 <= tol"
    assert [Fraction(v) for v in r.dual.values.reshape(-1)] == [Fraction(1, 2), Fraction(1, 4)]
    assert r.reference_objective == r.objective and r.objective.lower == r.objective.upper == Fraction(3, 4)
    r = P.certify_minimiser(["1", "1/4"], tol=0, dual=["1/2", "1/4"], reference=["1", "1/2"])
    assert (r.status, r.reason) == (Status.REFUTED,
                                    "a feasible reference point has objective smaller by more than tol")
    assert r.reason.startswith("a feasible") and r.prec_bits == 192
    r = P.certify_minimiser(["1", "1/4"], tol=0, dual=["0", "0"], reference=["1", "1/4"])
    assert r.status is Status.UNKNOWN and r.reason.startswith("gap bound ") and r.reason.endswith(" > tol and no "
                                                                                                   "refutation")
    gap = r.reason[len("gap bound "):-len(" > tol and no refutation")]
    assert len(gap.replace(".", "").lstrip("0")) <= 4  # four significant digits, rounded up
    assert Fraction(gap) >= r.gap_upper


def test_p1_infeasible_point_is_refuted_with_its_reason():
    P = BasisPursuitDenoise([[1]], [1], eta="1/2")
    r = P.certify_minimiser(["0"], tol="1/10", dual=["0"], reference=["1/2"])
    assert (r.status, r.reason, r.feasible) == (Status.REFUTED, "x is infeasible (proven)", Status.REFUTED)


def test_the_solver_is_asked_only_for_what_is_missing(monkeypatch):
    P = _p3()
    calls = []

    def fake_solve(self=None):
        calls.append(1)
        return np.array([1.0, 0.5]), np.array([0.5, 0.25])

    monkeypatch.setattr(type(P), "solve_float", lambda self: fake_solve())
    P.certify_minimiser(["1", "1/2"], tol=0, dual=["1/2", "1/4"], reference=["1", "1/2"])
    assert calls == []  # both given: no proposal
    r = P.certify_minimiser(["1", "1/2"], tol=0, dual=["1/2", "1/4"])
    assert calls == [1] and r.status is Status.CERTIFIED  # the reference is proposed, the given dual kept
    r = P.certify_minimiser(["1", "1/2"], tol=0, reference=["1", "1/2"])
    assert calls == [1, 1] and r.status is Status.CERTIFIED and r.reason + "" == "duality gap <= 0 <= tol"


def test_a_failing_solver_leaves_the_verdict_unknown_with_a_note(monkeypatch):
    P = _p3()

    def broken(self):
        raise Smale18Error("solver failed")

    monkeypatch.setattr(type(P), "solve_float", broken)
    r = P.certify_minimiser(["1", "1/2"], tol=0)
    assert r.status is Status.UNKNOWN and r.reason.endswith("; no solver proposal (solver failed)")
    assert [Fraction(v) for v in r.dual.values.reshape(-1)] == [0, 0]


def test_reasons_print_the_gap_to_four_digits_rounded_up():
    P = _p3()
    r = P.certify_minimiser(["1", "1/3"], tol=1, dual=["1/2", "1/4"], reference=["1", "1/3"])
    assert (r.status, r.reason) == (Status.CERTIFIED, "duality gap <= 0.2501 <= tol")
    r = P.certify_minimiser(["1", "1/3"], tol=0, dual=["1/3", "1/7"], reference=["1", "1/3"])
    assert (r.status, r.reason) == (Status.UNKNOWN, "gap bound 0.5239 > tol and no refutation")


def test_given_points_are_kept_and_only_the_missing_one_proposed(monkeypatch):
    P = _p3()
    monkeypatch.setattr(type(P), "solve_float", lambda self: (np.array([0.0, 0.0]), np.array([0.0, 0.0])))
    r = P.certify_minimiser(["1", "1/2"], tol=0, dual=["1/2", "1/4"])  # the proposed dual (zero) would not certify
    assert r.status is Status.CERTIFIED and [Fraction(v) for v in r.dual.values.reshape(-1)] == [Fraction(1, 2),
                                                                                               Fraction(1, 4)]
    r = P.certify_minimiser(["1", "1/4"], tol=0, reference=["1", "1/2"])  # the proposed reference (0) is worse
    assert r.reference_objective.upper == Fraction(3, 4) and r.status is Status.REFUTED


def test_a_failing_solver_on_a_wide_problem_uses_the_zero_dual_of_the_right_length(monkeypatch):
    P = SqrtLasso([[1, 0, 0], [0, 2, 0]], [1, 1], lam="1/2")

    def broken(self):
        raise Smale18Error("x" * 100)

    monkeypatch.setattr(type(P), "solve_float", broken)
    r = P.certify_minimiser(["1", "1/2", "0"], tol=0)
    assert r.status is Status.UNKNOWN and r.dual.shape == (2,)
    assert r.reason.endswith("; no solver proposal (" + "x" * 60 + ")")
