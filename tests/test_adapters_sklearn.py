"""scikit-learn's Lasso and skglm's SqrtLasso as candidates (smale18.oracle.adapters._sklearn) and the built-ins
``sklearn-lasso`` / ``skglm-sqrt-lasso``: the exact change of variables, certified gaps and observed distances on
random instances, the barrier game and its replay, estimators played as they are, early stops, bad input.

skglm compiles its solver with numba on first use (~10 s per process, measured): the in-process skglm tests share one
compilation; the sealed skglm game (a fresh process, compiled again) is marked slow."""

import json
from fractions import Fraction

import numpy as np
import pytest
from _support import require_extra

from smale18.oracle import InexactInput, Smale18Error, Status
from smale18.oracle.adapters import adapt_candidate, estimator_candidate
from smale18.oracle.adapters._sklearn import BUILTIN_SETTINGS, class_candidate, regularisation
from smale18.oracle.adversary import Outcome, play, read_case, replay
from smale18.oracle.candidates import builtin
from smale18.oracle.constructions import Smale18Class
from smale18.oracle.exact import as_exact
from smale18.oracle.inexact import ProblemSpec
from smale18.oracle.problems import Lasso as P2Problem
from smale18.oracle.problems import SqrtLasso as P3Problem

sklearn = require_extra("sklearn")
skglm = require_extra("skglm")

from sklearn.linear_model import ElasticNet, Lasso, MultiTaskLasso  # noqa: E402
from skglm.experimental import SqrtLasso  # noqa: E402

M, N = 20, 40
#: adversary seeds whose first coin is j1 = 0 and j1 = 1 (np.random.default_rng([seed, 1]).integers(2))
SEED_J1_0, SEED_J1_1 = 2, 0


# -- random instances with exact data and a reference minimiser --------------------------------------------------------
def _instance(seed: int, problem: str):
    """Gaussian A (m=20, N=40) and y on the grid 2^-30 (so A(52), y(52) are exactly A, y), weights k/8 with
    k in [4, 16], and lam a multiple of 1/64 at a random fraction of lam_max (P3: large enough that the minimiser's
    residual is not tiny, which skglm's SqrtLasso needs; checked on the reference)."""
    rng = np.random.default_rng(seed)
    A = np.round(rng.standard_normal((M, N)) * 2**30) / 2**30
    y = np.round(rng.standard_normal(M) * 2**30) / 2**30
    w = [Fraction(int(k), 8) for k in rng.integers(4, 17, N)]
    wf = np.array([float(v) for v in w])
    if problem == "P2":
        lam_max = 2 * np.max(np.abs(A.T @ y) / wf)
        frac = rng.uniform(0.1, 0.5)
    else:
        lam_max = np.max(np.abs(A.T @ y) / wf) / np.linalg.norm(y)
        frac = rng.uniform(0.45, 0.75)
    lam = Fraction(max(1, round(frac * lam_max * 64)), 64)
    return A, y, lam, w


def _input(A, y, problem, lam, weights):
    Ae, ye = as_exact(A, "A"), as_exact(y, "y")
    return InexactInput(Ae.approx, ye.approx, A.shape, y.shape, problem=ProblemSpec(problem, lam=lam, weights=weights))


def _reference(A, y, lam, w, problem):
    """A minimiser found by cvxpy (Clarabel), then polished: its support and signs, and the optimality conditions
    solved on that support (P2: ``2 A_S^T (y - A_S x_S) = lam w_S s``; P3: the same with ``r / ||r||``, closed form in
    ``rho = ||r||``). Returns the point and the dual point ``u`` it closes the gap with (observed floats)."""
    import cvxpy as cp

    lam_f, wf = float(lam), np.array([float(v) for v in w])
    x = cp.Variable(N)
    fit = cp.sum_squares(A @ x - y) if problem == "P2" else cp.norm2(A @ x - y)
    cp.Problem(cp.Minimize(lam_f * cp.norm1(cp.multiply(wf, x)) + fit)).solve(solver="CLARABEL")
    x0 = np.asarray(x.value)
    S = np.flatnonzero(np.abs(x0) > 1e-6 * np.abs(x0).max())
    v = lam_f * wf[S] * np.sign(x0[S])
    Q, R = np.linalg.qr(A[:, S])
    Rtv = np.linalg.solve(R.T, v)
    if problem == "P2":
        xs = np.linalg.solve(R, Q.T @ y - Rtv / 2)
    else:
        r0 = y - Q @ (Q.T @ y)
        rho = np.linalg.norm(r0) / np.sqrt(1 - Rtv @ Rtv)
        xs = np.linalg.solve(R, Q.T @ y - rho * Rtv)
    ref = np.zeros(N)
    ref[S] = xs
    r = y - A @ ref
    u = 2 * r if problem == "P2" else r / np.linalg.norm(r)
    # the polished point keeps cvxpy's signs, and off the support the dual constraint holds with room (else the
    # support was misread and the test would compare with a wrong point)
    assert np.array_equal(np.sign(xs), np.sign(x0[S]))
    off = np.setdiff1d(np.arange(N), S)
    assert np.all(np.abs(A[:, off].T @ u) <= (1 - 1e-6) * lam_f * wf[off])
    return ref, u


def _problem(problem, A, y, lam, w):
    return (P2Problem if problem == "P2" else P3Problem)(A, y, lam, w)


def _dual_of(problem, A, y, x):
    r = y - A @ x
    return 2 * r if problem == "P2" else r / np.linalg.norm(r)


# -- (a) the scaling: exact identity, certified gaps, observed distances -------------------------------------------
@pytest.mark.parametrize("problem", ["P2", "P3"])
def test_change_of_variables_is_exact(problem):
    """X z = A x and alpha ||z||_1 = c lam ||x||_{1,w} for x = z / w, X = A diag(1/w), checked in exact rationals; so
    the estimator's objective is c F(x) with c = 1/(2m) (Lasso) or 1 (SqrtLasso)."""
    rng = np.random.default_rng(5)
    A = [[Fraction(int(v), 7) for v in row] for row in rng.integers(-9, 10, (4, 6))]
    w = [Fraction(int(k), 3) for k in rng.integers(1, 9, 6)]
    z = [Fraction(int(v), 5) for v in rng.integers(-9, 10, 6)]
    lam, m = Fraction(3, 4), 4
    x = [zi / wi for zi, wi in zip(z, w)]
    X = [[a / wj for a, wj in zip(row, w)] for row in A]
    assert [sum(a * b for a, b in zip(row, z)) for row in X] == [sum(a * b for a, b in zip(row, x)) for row in A]
    key = "sklearn-lasso" if problem == "P2" else "skglm-sqrt-lasso"
    c = Fraction(1, 2 * m) if problem == "P2" else Fraction(1)
    alpha = lam * c
    assert Fraction(regularisation(key, lam, m)) == alpha  # exact here: 3/32 and 3/4 are dyadic
    assert alpha * sum(abs(v) for v in z) == c * lam * sum(wi * abs(xi) for wi, xi in zip(w, x))


@pytest.mark.parametrize("problem,make", [("P2", lambda: Lasso()), ("P3", lambda: SqrtLasso())],
                         ids=["sklearn-Lasso", "skglm-SqrtLasso"])
def test_adapter_reaches_the_certified_minimiser(problem, make):
    user = make()
    before = user.get_params()
    cand = estimator_candidate(user, tol=1e-14, max_iter=100_000)
    for seed in range(4):
        A, y, lam, w = _instance(seed, problem)
        inp = _input(A, y, problem, lam, w)
        assert np.array_equal(np.asarray(inp.A(52), dtype=float), A)  # the adapter is given exactly this instance
        x = cand(inp)
        assert x.dtype == np.float64 and x.shape == (N,)
        P = _problem(problem, A, y, lam, w)
        # certified: F(x) - min F <= 1e-13, from the dual point x itself suggests (exact rationals); measured <= 4e-14
        check = P.certify_minimiser(x, tol=Fraction(1, 10**13), dual=_dual_of(problem, A, y, x), reference=x)
        assert check.status is Status.CERTIFIED, (seed, check.reason)
        ref, u = _reference(A, y, lam, w, problem)
        ref_check = P.certify_minimiser(ref, tol=Fraction(1, 10**12), dual=u, reference=ref)
        assert ref_check.status is Status.CERTIFIED, (seed, ref_check.reason)
        if problem == "P3":
            assert np.linalg.norm(y - A @ ref) >= 2e-2 * np.linalg.norm(y)  # the regime skglm's SqrtLasso solves
        # observed: the float answer within 1e-12 of the polished reference (measured 4e-16 .. 1.1e-14; Clarabel's own
        # answer is 2e-9 .. 3e-5 away, which is why the reference is polished)
        assert np.linalg.norm(x - ref) <= 1e-12, (seed, np.linalg.norm(x - ref))
    assert user.get_params() == before and not hasattr(user, "coef_")  # the user's estimator is never fitted


# -- (b) the built-ins in the barrier game, and replay ------------------------------------------------------------
def _replays_identically(result, candidate, sealed=True):
    case = read_case(json.dumps(result.to_json()))
    again = replay(case, candidate, sealed=sealed)
    assert again.outcome is Outcome.DEFEATED and again.reason == result.reason
    assert again.output == result.output and again.distance == result.distance
    return again


def test_sklearn_lasso_builtin_is_defeated_at_K3_and_replays():
    omega = Smale18Class("P2", K=3)
    cand = builtin("sklearn-lasso", omega)
    # j1 = 0: coordinate descent stops at the first fine column's vertex; the adversary commits to the other one
    result = play(cand, omega, adversary_seed=SEED_J1_0)
    assert result.outcome is Outcome.DEFEATED and result.distance.lower > Fraction(1, 10**3)
    assert result.transcript_honest and result.log.deepest == 52
    _replays_identically(result, cand)
    # j1 = 1: moving the coarse mass to column 1 does not finish within max_iter: a judged loss that says so
    stuck = play(cand, omega, adversary_seed=SEED_J1_1)
    assert stuck.outcome is Outcome.DEFEATED and stuck.output is None
    assert stuck.reason == ("judged loss: raised RuntimeError: sklearn Lasso stopped after max_iter=1000000 iterations "
                            "without reaching tol=1e-14 (ConvergenceWarning: Objective did not converge)")
    _replays_identically(stuck, cand)


def test_skglm_builtin_is_defeated_at_K3_and_replays_in_process():
    omega = Smale18Class("P3", K=3)
    cand = builtin("skglm-sqrt-lasso", omega)
    result = play(cand, omega, sealed=False)
    assert result.outcome is Outcome.DEFEATED and result.output is None
    assert result.reason.startswith("judged loss: raised RuntimeError: skglm SqrtLasso stopped early: the residual "
                                    "fell below 1e-2 ||y||")
    _replays_identically(result, cand, sealed=False)


@pytest.mark.slow
def test_skglm_builtin_is_defeated_at_K3_and_replays_sealed():
    omega = Smale18Class("P3", K=3)
    cand = builtin("skglm-sqrt-lasso", omega)
    result = play(cand, omega)
    assert result.outcome is Outcome.DEFEATED and result.sealed
    assert "skglm SqrtLasso stopped early" in result.to_json()["reason"]
    _replays_identically(result, cand)


def test_the_p3_barrier_members_interpolate_so_skglm_cannot_answer():
    """Why the skglm built-in never answers: the class's P3 minimiser fits y exactly (t_r = mu_r: A x = y), while
    skglm's SqrtLasso stops once ||y - Xw|| < 1e-2 ||y|| (||y|| ~ 10) — the residual enclosed in ball arithmetic."""
    import flint

    omega = Smale18Class("P3", K=3)
    member = omega.member(0, omega.l0, 1, 40)
    with flint.ctx.workprec(256):
        r = member.A.enclose(256) * member.vertex().enclose(256) - member.y.enclose(256)
        assert all(abs(r[i, 0]) < flint.arb(2) ** -200 for i in range(r.nrows()))


# -- (c) an estimator object as the candidate itself -------------------------------------------------------------
def test_an_estimator_object_is_played_as_it_is():
    """``play(Lasso(), omega)``: the estimator is pickled into the sealed process and adapted there. Needs the game
    to accept an estimator (not callable) as a candidate (adversary._check_candidate, sealed.candidate_payload)."""
    omega = Smale18Class("P2", K=3)
    result = play(Lasso(tol=1e-14, max_iter=100_000), omega, adversary_seed=SEED_J1_0)
    assert result.sealed and result.outcome is Outcome.DEFEATED
    assert result.distance is not None and result.distance.lower > Fraction(1, 10**3)
    stopped = play(Lasso(tol=1e-14, max_iter=1), omega, adversary_seed=SEED_J1_1)
    assert stopped.outcome is Outcome.DEFEATED and stopped.output is None
    assert stopped.reason == ("judged loss: raised RuntimeError: sklearn Lasso stopped after max_iter=1 iterations "
                              "without reaching tol=1e-14 (ConvergenceWarning: Objective did not converge)")


def test_adapt_candidate_wraps_estimators_and_keeps_the_user_object_unfitted():
    user = Lasso(alpha=0.5)
    cand = adapt_candidate(user)
    assert cand.problem == "P2" and cand.estimator is not user and cand.estimator.get_params()["fit_intercept"] is False
    omega = Smale18Class("P2", K=3, N2=2)
    result = play(cand, omega, sealed=False, adversary_seed=SEED_J1_0)
    assert result.outcome is Outcome.DEFEATED and result.distance is not None
    assert user.alpha == 0.5 and user.fit_intercept is True and not hasattr(user, "coef_")
    assert adapt_candidate(np.zeros) is np.zeros  # anything else is left as it is


# -- (d) early stops are judged losses that say why ---------------------------------------------------------------
def test_a_run_stopped_at_max_iter_is_a_loss_that_says_so():
    omega = Smale18Class("P2", K=3)
    # with j1 = 1 one sweep cannot reach the gap tolerance (with j1 = 0 it can: a fit that converges exactly at
    # max_iter is no early stop, and is not reported as one)
    result = play(estimator_candidate(Lasso(), tol=1e-14, max_iter=1), omega, adversary_seed=SEED_J1_1)
    assert result.outcome is Outcome.DEFEATED and result.output is None
    want = ("judged loss: raised RuntimeError: sklearn Lasso stopped after max_iter=1 iterations without reaching "
            "tol=1e-14")
    assert result.reason.startswith(want) and result.to_json()["reason"] == result.reason
    assert "\n" not in result.reason


def test_skglm_stopped_at_max_iter_says_so():
    A, y, lam, w = _instance(0, "P3")
    cand = estimator_candidate(SqrtLasso(), tol=1e-14, max_iter=1)
    with pytest.raises(RuntimeError, match=r"^skglm SqrtLasso stopped after max_iter=1 iterations without reaching "
                                           r"tol=1e-14 \(ConvergenceWarning: `ProxNewton` did not converge"):
        cand(_input(A, y, "P3", lam, w))


# -- (e) bad input: one line naming the argument -------------------------------------------------------------------
@pytest.mark.parametrize("args,kwargs,match", [
    ((object(),), {}, "not a supported estimator"),
    ((Lasso,), {}, "is a class; pass an instance"),
    ((ElasticNet(),), {}, "not a supported estimator"),
    ((MultiTaskLasso(),), {}, "not a supported estimator"),  # a subclass of Lasso: refused
    ((Lasso(positive=True),), {}, "positive=True"),
    ((Lasso(precompute=np.eye(3)),), {}, "precompute="),
    ((Lasso(max_iter=-3),), {}, "invalid parameter"),
    ((Lasso(),), {"reads": -1}, r"reads=-1 must be an integer"),
    ((Lasso(),), {"reads": True}, r"reads=True must be an integer"),
    ((Lasso(),), {"reads": 2.5}, r"reads=2.5 must be an integer"),
    ((Lasso(),), {"tol": 0}, r"tol=0 must be a number"),
    ((Lasso(),), {"tol": float("nan")}, r"tol=nan must be a number"),
    ((SqrtLasso(),), {"max_iter": 0}, r"max_iter=0 must be an integer"),
])
def test_bad_arguments_are_one_line_errors(args, kwargs, match):
    with pytest.raises(Smale18Error, match=match) as info:
        estimator_candidate(*args, **kwargs)
    assert "\n" not in str(info.value)


def test_a_problem_the_estimator_does_not_solve_is_refused():
    A, y, lam, w = _instance(1, "P2")
    lasso = estimator_candidate(Lasso())
    for spec, match in ((ProblemSpec("P1", eta=Fraction(1, 4)), "solves P2, but the problem is 'P1'"),
                        (ProblemSpec("P3", lam=lam), "solves P2, but the problem is 'P3'"),
                        (ProblemSpec("P2", lam=lam, weights=[1] * (N - 1)), "39 weights for N=40"),
                        (ProblemSpec("P2"), "the problem P2 has no lam")):
        inp = InexactInput(as_exact(A).approx, as_exact(y).approx, A.shape, y.shape, problem=spec)
        with pytest.raises(Smale18Error, match=match):
            lasso(inp)
    with pytest.raises(Smale18Error, match="inp.problem is None"):
        lasso(InexactInput.honest(A, y))
    for name, problem in (("sklearn-lasso", "P1"), ("sklearn-lasso", "P3"), ("skglm-sqrt-lasso", "P2")):
        with pytest.raises(Smale18Error, match=f"builtin:{name} .* poses '{problem}'"):
            builtin(name, Smale18Class(problem, K=3))
    with pytest.raises(Smale18Error, match="key='nope' must be one of"):
        class_candidate("nope", Smale18Class("P2", K=3))
    assert set(BUILTIN_SETTINGS) == {"sklearn-lasso", "skglm-sqrt-lasso"}


def test_in_a_game_the_wrong_problem_is_a_judged_loss_naming_it():
    omega = Smale18Class("P1", K=2, N2=2)
    result = play(estimator_candidate(Lasso()), omega)
    assert result.outcome is Outcome.DEFEATED
    assert result.reason == "judged loss: raised Smale18Error: this estimator solves P2, but the problem is 'P1'"
