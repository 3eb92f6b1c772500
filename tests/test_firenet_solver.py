"""The converging FIRENET variant (verify/nets/firenet_solver.py, proofs_notes/firenet_solver.md): it reaches a small
gap bound where FIRENET stalls, its gap bound is rigorous (against exact/ball arithmetic), bad input is refused, and
it is deterministic."""

import math
import sys
from fractions import Fraction

import numpy as np
import pytest
from scipy.stats import norm

from smale18.oracle import Smale18Error, SqrtLasso, Status
from smale18.verify.nets import FirenetSolver, firenet, firenet_solver

solver_module = sys.modules["smale18.verify.nets.firenet_solver"]
gap_module = sys.modules["smale18.verify.nets._sqrt_lasso_gap"]


def _noisy_instance(m=64, N=256, s=4, seed=7):
    """Gaussian A (columns of norm ~1), s-sparse x0, 5% noise, the pivotal square-root-LASSO lam."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, N)) / math.sqrt(m)
    x0 = np.zeros(N)
    x0[rng.choice(N, s, replace=False)] = rng.standard_normal(s)
    b = A @ x0
    e = rng.standard_normal(m)
    e *= 0.05 * np.linalg.norm(b) / np.linalg.norm(e)
    lam = float(1.1 * norm.isf(0.05 / (2 * N)) / math.sqrt(m))
    return A, b + e, lam


@pytest.fixture(scope="module")
def case():
    A, y, lam = _noisy_instance()
    solver = firenet_solver(A, lam)
    reference = solver.solve(y, tol=1e-11)  # high accuracy; its gap is re-checked in ball arithmetic below
    return A, y, lam, solver, reference


def test_the_reference_is_certified_in_ball_arithmetic(case):
    A, y, lam, solver, ref = case
    assert ref.reached and ref.relative_gap_bound <= 1e-11
    check = ref.certify()
    assert check.status is Status.CERTIFIED
    assert check.gap_upper <= ref.gap_bound


def test_converges_where_firenet_stalls(case):
    A, y, lam, solver, ref = case
    net = firenet(A, lam=lam, restarts=60, inner=20, eps0=float(np.linalg.norm(y)) / lam, delta=0.0)
    errors = [np.linalg.norm(psi - ref.x) / np.linalg.norm(ref.x) for psi in net.run(y, history=True)]
    assert min(errors[20:]) > 1e-2  # FIRENET (p = 20) stalls far from the minimiser
    sol = solver.solve(y, tol=1e-9)
    assert sol.reached and sol.gap_bound <= Fraction(1e-9) * sol.dual_lower
    assert sol.iterations <= 200 and sol.reason == "the gap bound met the tolerance"
    assert np.linalg.norm(sol.x - ref.x) <= 1e-4 * np.linalg.norm(ref.x)


@pytest.mark.parametrize("tol", [1e-2, 1e-4, 1e-7])
def test_the_gap_bound_is_at_least_the_true_gap(case, tol):
    A, y, lam, solver, ref = case
    sol = solver.solve(y, tol=tol)
    assert sol.reached
    problem = SqrtLasso(A, y, lam)
    # true gap F(x) - min F >= F(x)^- - F(x_ref)^+ (x_ref is feasible, min F <= F(x_ref))
    true_gap_lower = problem.objective(sol.x).lower - problem.objective(ref.x).upper
    assert sol.gap_bound >= true_gap_lower
    # and its two halves hold separately, against exact/ball enclosures
    assert sol.objective_upper >= problem.objective(sol.x).lower
    dual_value, scale = problem.dual_bound(sol.dual)
    assert sol.dual_lower <= dual_value.upper
    assert problem.certify_minimiser(sol.x, tol=sol.gap_bound, dual=sol.dual, reference=ref.x).status \
        is Status.CERTIFIED


def test_the_float_bound_survives_cancellation():
    """y = fl(A x): the float64 residual is (nearly) 0 while the exact one is not; entries span 1e-8 .. 1e8."""
    rng = np.random.default_rng(3)
    A = rng.standard_normal((30, 50)) * np.exp(rng.uniform(-18, 18, (30, 50)))
    x = rng.standard_normal(50)
    y = A @ x
    solver = firenet_solver(A, 1.0, L_A=float(np.linalg.norm(A, 2)) * 2)
    for dual in (np.zeros(30), rng.standard_normal(30), y / np.linalg.norm(y)):
        bound = solver.gap_bound(y, x, dual)
        problem = SqrtLasso(A, y, 1)
        exact_F = problem.objective(x, prec_bits=256)
        assert bound.objective_upper >= exact_F.lower
        assert bound.dual_lower <= problem.dual_bound(dual, prec_bits=256)[0].upper
        assert bound.gap >= 0


def test_the_bound_at_an_exact_minimiser_is_tiny_and_not_negative():
    A = np.array([[1.0, 0.0], [0.0, 2.0]])
    solver = firenet_solver(A, lam=0.5)
    b = solver.gap_bound([1.0, 1.0], [1.0, 0.5], [0.5, 0.25])
    assert 0 <= b.gap <= Fraction(1, 10**14)


def test_deterministic(case):
    A, y, lam, solver, ref = case
    a, b = solver.solve(y, tol=1e-8), solver.solve(y, tol=1e-8)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.dual, b.dual)
    assert a.gap_bound == b.gap_bound and a.iterations == b.iterations and a.history == b.history
    c = firenet_solver(A, lam).solve(y, tol=1e-8)
    assert np.array_equal(a.x, c.x)


def test_fixed_budget_and_zero_data(case):
    A, y, lam, solver, ref = case
    seen = []
    sol = solver.solve(y, tol=0, max_iter=37, callback=lambda it, x, gap: seen.append(it))
    # a check after every 10 accepted steps (rejected ones shift them) and one at the budget
    assert sol.iterations == 37 and seen[-1] == 37 and len(seen) == 4 and sol.matvecs >= 74
    assert all(seen[i] >= 10 * (i + 1) for i in range(3)) and seen[2] <= 30 + sol.rejected
    assert not sol.reached or sol.gap_bound == 0
    fixed = firenet_solver(A, lam, steps="fixed")
    seen = []
    sol = fixed.solve(y, tol=0, max_iter=37, callback=lambda it, x, gap: seen.append(it))
    assert sol.iterations == 37 and seen == [10, 20, 30, 37] and sol.rejected == 0
    zero = solver.solve(np.zeros(A.shape[0]))
    assert zero.reached and zero.gap_bound == 0 and not np.any(zero.x)
    assert math.isfinite(zero.tau) and math.isfinite(zero.sigma) and zero.iterations == 0


def test_adaptive_steps_need_no_norm(case):
    A, y, lam, solver, ref = case
    adaptive = solver.solve(y, tol=1e-9)
    fixed = firenet_solver(A, lam, steps="fixed").solve(y, tol=1e-9)
    assert adaptive.reached and fixed.reached
    assert adaptive.L_A is None and adaptive.safe_entries == 0 and adaptive.steps == "adaptive"
    assert fixed.L_A >= Fraction(float(np.linalg.norm(A, 2))) and fixed.L_A_source == "derived"
    # larger steps than the safe one: eta = sqrt(tau sigma) above 1/||A|| (the test allows any eta <= 1/||A||)
    assert math.sqrt(adaptive.tau * adaptive.sigma) > 1 / np.linalg.norm(A, 2)


def test_a_stall_takes_the_safe_step_with_a_proven_norm(case, monkeypatch):
    """With restarts (almost) never accepted, the run stalls by the rule and takes the safe step (Theorem A's
    second case); it still reaches the tolerance, and the proven norm is derived once and kept."""
    A, y, lam, solver, ref = case
    monkeypatch.setattr(solver_module, "STALL_CHECKS", 2)
    stalling = firenet_solver(A, lam, restart_factor=1e-12)
    sol = stalling.solve(y, tol=1e-8)
    assert sol.reached and sol.safe_entries >= 1 and sol.restarts == 0
    assert sol.L_A_source == "derived" and sol.L_A >= Fraction(float(np.linalg.norm(A, 2)))
    assert stalling.proven_norm()[0] == sol.L_A  # kept, not derived again
    assert math.isclose(sol.tau * sol.sigma * float(sol.L_A) ** 2, (1 - 2**-20) ** 2, rel_tol=1e-12)


def test_rejections_in_a_row_take_the_safe_step(case, monkeypatch):
    A, y, lam, solver, ref = case
    monkeypatch.setattr(solver_module, "ETA_START", 1e6)  # far too large: the first test fails
    monkeypatch.setattr(solver_module, "MAX_REJECTIONS", 1)
    sol = firenet_solver(A, lam).solve(y, tol=1e-8)
    assert sol.rejected >= 1 and sol.safe_entries >= 1 and sol.reached


def test_the_solver_keeps_its_own_copy_of_A(case):
    A, y, lam, solver, ref = case
    mine = A.copy()
    S = firenet_solver(mine, lam)
    mine[:] = 0.0
    assert np.array_equal(S.solve(y, tol=1e-8).x, solver.solve(y, tol=1e-8).x)
    with pytest.raises(ValueError):
        S.A[0, 0] = 1.0


def test_column_norm_bounds_hold_exactly():
    """C_j >= ||a_j|| checked in exact rationals, on columns spanning 1e-160 .. 1e60 (subnormal squares included)."""
    rng = np.random.default_rng(11)
    A = rng.standard_normal((40, 30)) * np.exp(rng.uniform(-370, 140, (1, 30)))
    A[:, 0] = 5e-324  # the smallest subnormal: its squares underflow to 0
    C = gap_module.column_norms_upper(A)
    for j in range(A.shape[1]):
        exact = sum(Fraction(float(v)) ** 2 for v in A[:, j])
        assert Fraction(float(C[j])) ** 2 >= exact
        assert float(C[j]) <= float(np.linalg.norm(A[:, j])) * (1 + 1e-13) + 2e-160  # tight unless subnormal


def test_below_the_rounding_floor_it_stops_and_says_so(case):
    A, y, lam, solver, ref = case
    sol = solver.solve(y, tol=1e-17)
    assert not sol.reached and "ball arithmetic" in sol.reason and sol.iterations < 1000


def test_from_firenet_reuses_the_proven_norm(case):
    A, y, lam, solver, ref = case
    net = firenet(A, lam=lam, restarts=2, inner=3)
    from_net = FirenetSolver.from_firenet(net)
    assert from_net.L_A == net.L_A and from_net.L_A_source == net.L_A_source
    assert np.array_equal(from_net.solve(y, tol=1e-8).x, firenet_solver(A, lam, L_A=net.L_A).solve(y, tol=1e-8).x)


def test_a_norm_below_the_true_one_is_refused(case):
    A, y, lam, solver, ref = case
    with pytest.raises(Smale18Error, match=r"L_A=.* is not proven to be >= \|\|A\|\|_2"):
        firenet_solver(A, lam, L_A=float(np.linalg.norm(A, 2)) / 4)


BAD = [
    (dict(A=np.eye(3) * 1j), "A is complex"),
    (dict(A=[[1.0, 0.0], [0.0, 1.0]]), "A must be a dense real numpy array"),
    (dict(A=np.array([[np.nan, 1.0]])), "A has a non-finite entry"),
    (dict(A=np.zeros((0, 3))), "A must be a non-empty 2-D array"),
    (dict(A=np.array(["a", "b"], dtype=object).reshape(1, 2)), "A has dtype object"),
    (dict(lam=-1.0), r"lam=-1.0 must be a positive finite number"),
    (dict(lam=float("nan")), r"lam=nan must be a positive finite number"),
    (dict(lam=True), r"lam=True must be a positive finite number"),
    (dict(lam=Fraction(1, 3)), r"lam=Fraction\(1, 3\) must be a positive float64 number"),
    (dict(weights=[1.0, 2.0]), "weights must be a real vector of length 3"),
    (dict(weights=[1.0, 0.0, 1.0]), "weights must be 3 positive finite numbers"),
    (dict(relaxation=2.0), r"relaxation=2.0 must be a number in \(0, 2\)"),
    (dict(window=1), r"window=1 must be an integer in \[2, 100\]"),
    (dict(restart_factor=1.0), r"restart_factor=1.0 must be a number in \(0, 1\)"),
    (dict(L_A=-2), "L_A=-2 must be positive"),
    (dict(L_A="x"), "L_A='x' must be a rational"),
    (dict(steps="auto"), r"steps='auto' must be one of \('adaptive', 'fixed'\)"),
    (dict(A=np.array([[1e250, 1.0]])), "A has an entry beyond 2\\^200"),
    (dict(A=np.zeros((2, 3))), "A is zero"),
]


@pytest.mark.parametrize("change, message", BAD)
def test_bad_construction_is_refused(change, message):
    args = dict(A=np.eye(3), lam=0.5) | change
    with pytest.raises(Smale18Error, match=message):
        firenet_solver(**args)


SOLVE_BAD = [
    (dict(y=[1.0, 2.0]), "y must be a real vector of length 3"),
    (dict(y=[1.0, np.inf, 0.0]), "y has a non-finite entry"),
    (dict(y=[1j, 0, 0]), "y must be a real vector of length 3"),
    (dict(tol=-1.0), r"tol=-1.0 must be a non-negative finite number"),
    (dict(atol=float("inf")), r"atol=inf must be a non-negative finite number"),
    (dict(max_iter=0), r"max_iter=0 must be an integer in \[1, 10000000\]"),
    (dict(max_iter=2.5), r"max_iter=2.5 must be an integer"),
    (dict(primal_weight=-1.0), r"primal_weight=-1.0 must be a positive finite number"),
    (dict(callback=3), "callback=3 must be callable"),
]


@pytest.mark.parametrize("change, message", SOLVE_BAD)
def test_bad_solve_arguments_are_refused(change, message):
    solver = firenet_solver(np.eye(3), 0.5)
    args = dict(y=[1.0, 2.0, 3.0]) | change
    with pytest.raises(Smale18Error, match=message):
        solver.solve(**args)


def test_from_firenet_refuses_what_it_cannot_use():
    with pytest.raises(Smale18Error, match="must be a Firenet"):
        FirenetSolver.from_firenet("net")
    import scipy.sparse.linalg as sla

    op = sla.aslinearoperator(np.eye(3))
    net = firenet(op, lam=0.5, restarts=1, inner=1, L_A=1)
    with pytest.raises(Smale18Error, match="dense real matrix"):
        FirenetSolver.from_firenet(net)


def test_gap_bound_refuses_bad_points():
    solver = firenet_solver(np.eye(3), 0.5)
    with pytest.raises(Smale18Error, match="x must be a real vector of length 3"):
        solver.gap_bound([1.0, 2.0, 3.0], [1.0], [0.0, 0.0, 0.0])
    with pytest.raises(Smale18Error, match="beyond 2\\^200"):
        solver.gap_bound([1e300, 0.0, 0.0], [1e300, 0.0, 0.0], [1.0, 0.0, 0.0])
    assert solver_module.MAX_WINDOW == 100


def test_the_matrix_checks_at_their_edges():
    """The fast path (column sums of squares in (0, 2^400]) and the entries decide the same way."""
    big = 2.0**200
    accepted = [np.array([[big, 0.0]] * 3), np.array([[1e-200, 0.0], [0.0, -1e-200]]), np.array([[-big, 1.0]])]
    for A in accepted:
        S = firenet_solver(A, 0.5)
        assert np.all(S._column_norms >= np.sqrt(np.sum(A.astype(np.longdouble) ** 2, axis=0)))
    for A, message in [(np.array([[np.nextafter(big, np.inf), 0.0]]), "beyond 2\\^200"),
                       (np.array([[-np.inf, 0.0]]), "non-finite"), (np.zeros((2, 2)), "A is zero")]:
        with pytest.raises(Smale18Error, match=message):
            firenet_solver(A, 0.5)
