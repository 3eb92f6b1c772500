"""Duality-gap certificates for P1-P3: true minimisers are accepted, perturbed points rejected.

Named reference instances with closed-form minimisers and dual points (gap exactly zero), then random instances
where the minimiser and dual point come from cvxpy and only the rigorous check decides.
"""

from fractions import Fraction

import numpy as np
import pytest

from oracle import (
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
        (lambda: SqrtLasso([[1, 0]], [1], 1).objective(np.array([np.nan, 0])), "non-finite"),
        (lambda: SqrtLasso([[1, 0]], [1], 1).certify_minimiser([0, 0], tol=-1, dual=[1], reference=[0, 0]), "tol=-1"),
        (lambda: SqrtLasso([[1, 0]], [1], 1).distance_to_minimisers([0, 0]), "without a closed-form minimiser set"),
        (lambda: ConvexHull([]), "at least one vertex"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(Smale18Error, match=match):
        call()
