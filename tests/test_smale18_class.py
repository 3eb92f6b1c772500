"""The class Omega_K: condition number one, closed-form minimisers, separation, closeness of members."""

from fractions import Fraction

import flint
import pytest

from smale18.oracle import Smale18Error, Status, _arb
from smale18.oracle.constructions import Smale18Class, Smale18Member
from smale18.oracle.candidates import class_error_bound

PROBLEMS = ["P1", "P2", "P3"]


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("K", [1, 4, 8])
def test_rows_have_equal_norm_so_the_condition_number_is_one(problem, K):
    omega = Smale18Class(problem, K, N2=3)
    member = omega.member(1, omega.l0, 0, omega.l0 + 2)
    with flint.ctx.workprec(256):
        A = member.A.enclose(256)
        G = A * A.transpose()
        c = omega.c_ball()
        R2 = omega.N1 * c * c + 1
        worst = max(
            _arb.abs_bounds(G[i, j] - (R2 if i == j else 0))[1] for i in range(G.nrows()) for j in range(G.ncols())
        )
    assert worst < Fraction(1, 2**150)


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("K", [1, 2, 5, 8])
@pytest.mark.parametrize("tied", [False, True])
def test_closed_form_minimisers_close_the_duality_gap(problem, K, tied):
    omega = Smale18Class(problem, K, N2=4)
    member = omega.tied(0, omega.l0 + 1) if tied else omega.member(1, omega.l0, 1, omega.l0 + 7)
    for j2 in (0, 1):
        v = member.vertex(j2) if tied else member.vertex()
        check = member.problem.certify_minimiser(v, tol=Fraction(1, 2**100), dual=member.dual_point(), reference=v)
        assert check.status is Status.CERTIFIED, check.reason


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("K", range(1, 9))
def test_fine_vertices_are_more_than_two_10_minus_K_apart(problem, K):
    omega = Smale18Class(problem, K, N2=1)
    tied = omega.tied(0, omega.l0)
    half = tied.vertex(0).approx(300)
    sep = omega.member(0, omega.l0, 1, omega.l0).distance(half)  # distance to the other vertex (eps2 = 2^-l0)
    assert sep.lower > 2 * Fraction(1, 10**K)


@pytest.mark.parametrize("problem", PROBLEMS)
def test_members_that_differ_in_the_fine_row_are_within_2cf_plus_2_eps(problem):
    omega = Smale18Class(problem, 3, N2=2)
    tied = omega.tied(0, omega.l0)
    for e2 in (omega.l0, omega.l0 + 10, 200):
        member = omega.member(0, omega.l0, 1, e2)
        with flint.ctx.workprec(400):
            diff = member.A.enclose(400) - tied.A.enclose(400)
            cf = omega.c_ball() * flint.arb(flint.fmpq(omega.N1, 2)).sqrt()
            bound = _arb.upper_fraction((2 * cf + 2) * flint.arb(flint.fmpq(1, 1 << e2)))
        assert _arb.spectral_norm_upper(diff, 400) <= bound**2


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("K", range(1, 9))
def test_class_algorithms_are_certified_over_the_whole_class(problem, K):
    omega = Smale18Class(problem, K)
    assert class_error_bound(omega, "k-minus-1") < omega.digits_bound(K - 1)
    assert class_error_bound(omega, "k-minus-2") < omega.digits_bound(K - 2)
    # and the bound is not vacuous: the fine half-separation alone exceeds 10^-K
    assert class_error_bound(omega, "k-minus-1") > omega.digits_bound(K)


def test_json_round_trip_is_exact():
    omega = Smale18Class("P2", 5, N2=3, lam="1/2")
    member = omega.member(1, omega.l0 + 3, 1, 4000)
    again = Smale18Member.from_json(member.to_json())
    assert again.to_json() == member.to_json()
    assert again.A.approx(100) == member.A.approx(100)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: Smale18Class("P4", 3), "problem='P4' must be one of"),
        (lambda: Smale18Class("P3", 0), r"K=0 must be an integer in \[1, 1000\]"),
        (lambda: Smale18Class("P3", 3, N1=1), r"N1=1 must be an integer in \[2, 1024\]"),
        (lambda: Smale18Class("P3", 3, lam=2), "lam=2 must lie in"),
        (lambda: Smale18Class("P1", 3, eta=1), "eta=1 must lie in"),
        (lambda: Smale18Class("P3", 3).member(5, 20, 0, 20), "j1=5 must be an integer in"),
        (lambda: Smale18Class("P3", 3).member(0, 2, 0, 20), "e1=2 must be an integer >= l0"),
        (lambda: Smale18Class("P3", 3).member(0, 20, 2, 20), "j2=2 must be 0 or 1"),
        (lambda: Smale18Member.from_json({"construction": "x"}), "not a smale18 class record"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(Smale18Error, match=match):
        call()
