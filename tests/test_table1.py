"""Table 1: the quick table's entries, and the claim that the inputs are valid for both members."""

from fractions import Fraction

import numpy as np
import pytest

from oracle import is_within
from oracle.constructions import Smale18Class
from verify.table1 import KS, NS, _fine_only_data, table1


@pytest.fixture(scope="module")
def rows():
    return table1(quick=True)


def test_all_entries_and_their_sizes(rows):
    assert [(r.K, r.n) for r in rows] == [(K, n) for K in KS for n in NS]
    for r in rows:
        assert r.lista >= r.bound and r.firenet >= r.bound  # observed, for this pair of members
        assert abs(float(r.lista) / (3 * 10.0**-r.K) - 1) < 0.10  # LISTA lands on the other member's minimiser
        assert abs(float(r.firenet) / (1.5 * 10.0**-r.K) - 1) < 0.01  # FIRENET lands on the midpoint
        assert r.lista_upper - r.lista < Fraction(1, 10**12)  # the enclosures are tight
        js = r.to_json()
        assert set(js) >= {"K", "n", "lista", "firenet", "bound"}


@pytest.mark.parametrize("K", KS)
@pytest.mark.parametrize("n", NS)
def test_inputs_are_within_2_to_minus_n_of_both_members(K, n):
    omega = Smale18Class("P3", K)
    e2 = max(n + 2, omega.l0)
    P, T = omega.member(0, omega.l0, 0, e2), omega.member(0, omega.l0, 1, e2)
    An = P.A.approx(n + 1)
    assert is_within(An, P.A, n) and is_within(An, T.A, n)
    y = _fine_only_data(P)
    assert is_within(y.approx(n + 1), y, n) and np.asarray(y.approx(n + 1), dtype=float).shape == (omega.m,)
