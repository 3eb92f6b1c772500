"""FIRENET's theorem checked numerically against certified constants (observed error <= certified bound)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle import Smale18Error
from verify.balls import operator_norm_upper
from verify.bounds import distance_constants, firenet_guarantee, optimal_lambda, sharpness_constant, theorem2_run
from verify.rnsp import SparsityInLevels, certify

@pytest.fixture(scope="module")
def certified():
    A = np.random.default_rng(0).standard_normal((60, 120))
    out = {}
    for s in (1, 2):
        cert = certify(A, s)
        assert cert.check().valid
        out[s] = (Fraction(cert.claim["rho"]), Fraction(cert.claim["gamma"]))
    return A, operator_norm_upper(A), out


def _run_case(certified, s, seed, noise, tail, restarts) -> list[float]:
    """Run FIRENET with Theorem 2's parameters on one draw; assert every restart's error is below the certified
    bound and return the ratios observed/bound."""
    A, L_A, consts = certified
    rho, gamma = consts[s]
    lv = SparsityInLevels.make(A.shape[1], s)
    rng = np.random.default_rng(seed)
    x = tail * rng.standard_normal(A.shape[1])
    x[rng.choice(A.shape[1], s, replace=False)] += rng.standard_normal(s) * 3
    e = rng.standard_normal(A.shape[0])
    y = A @ x + noise * e / np.linalg.norm(e)
    guarantee, errors = theorem2_run(A, L_A, rho, gamma, lv, x, y, restarts)
    ratios = []
    for k, err in enumerate(errors):
        bound = float(guarantee.bound(k))
        # the float64 norm may exceed the exact one by a few ulps (seen at k = 0, where psi_0 = 0 and eps_0 = ||x||
        # rounded up by one ulp): allow that rounding of the *measurement*, nothing more
        assert err <= bound * (1 + 1e-12)
        if k:
            ratios.append(err / bound)
    return ratios


@settings(max_examples=40, deadline=None)
@given(
    s=st.sampled_from([1, 2]),
    seed=st.integers(0, 10**6),
    noise=st.floats(0, 1e-2),
    tail=st.floats(0, 1e-3),
    restarts=st.integers(1, 10),
)
def test_firenet_error_is_below_the_certified_bound(certified, s, seed, noise, tail, restarts):
    _run_case(certified, s, seed, noise, tail, restarts)


def test_tightness_report(certified):
    """Observed / certified bound over fixed draws (printed with -s; the observed tightness is about 0.02-0.09)."""
    ratios = [r for s in (1, 2) for seed in range(4) for r in _run_case(certified, s, seed, 1e-3, 1e-4, 8)]
    print(f"\nFIRENET theorem check: observed/bound <= {max(ratios):.3f} (median {np.median(ratios):.3f}) over "
          f"{len(ratios)} restarts")
    assert len(ratios) == 64 and max(ratios) <= 1


def test_constants_and_hypotheses():
    lv = SparsityInLevels.make(100, 2)
    d = distance_constants(Fraction(1, 5), Fraction(1, 4), lv)
    lam = optimal_lambda(Fraction(1, 5), Fraction(1, 4), lv)
    c = sharpness_constant(Fraction(1, 5), Fraction(1, 4), lv, lam)
    assert abs(float(c) - float(d.C2)) < 1e-9 * float(d.C2)  # at the optimal lam, c = C2
    assert sharpness_constant(Fraction(1, 5), Fraction(1, 4), lv, lam / 2) > c
    with pytest.raises(Smale18Error, match="too large"):
        sharpness_constant(Fraction(1, 5), Fraction(1, 4), lv, 100)
    with pytest.raises(Smale18Error, match="p=3 is below"):
        firenet_guarantee(Fraction(1, 5), Fraction(1, 4), lv, lam, Fraction(1, 10), Fraction(1, 10), 10, 3, 1, 0, 2)
    with pytest.raises(Smale18Error, match="rho=1 must lie in"):
        distance_constants(1, 1, lv)
