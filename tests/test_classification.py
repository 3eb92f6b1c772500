"""The classification paradox: witnesses against the piece-count lemma, and the certified stable network."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle import Smale18Error
from oracle.constructions.classification import (
    ReLUNet,
    StripeFamily,
    certify_stable,
    piece_bound,
    search_witnesses,
    stable_network,
    witnesses,
)
from verify.paradox import paradox, stability_measure


@pytest.fixture(scope="module")
def demo():
    return paradox(K=200, iterations=1500)


def test_trained_networks_are_accurate_and_unstable(demo):
    family, X, rows, stable, cert = demo
    for row in rows[:-1]:
        assert row.train_accuracy == 1.0 and row.validation_accuracy == 1.0  # observed
        assert row.flipped >= row.guaranteed > 0  # exact count against the lemma
    last = rows[-1]
    assert last.flipped == 0 and last.certified_stable and cert.holds and cert.margin > 0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.integers(1, 6), min_size=1, max_size=2))
def test_lemma_holds_for_random_networks(seed, widths):
    """Untrained networks too: the count of misclassified witnesses is never below ceil(n/2 - P)."""
    rng = np.random.default_rng(seed)
    sizes = [2] + widths + [1]
    net = ReLUNet(tuple((rng.standard_normal((sizes[i + 1], sizes[i])), rng.standard_normal(sizes[i + 1]))
                        for i in range(len(sizes) - 1)))
    family = StripeFamily(K=60)
    X, _ = family.sample(1, seed=seed)
    rep = witnesses(net, family, X)
    assert rep.P == piece_bound(widths) and rep.count >= rep.guaranteed


def test_piece_count_along_a_line_is_at_most_P():
    rng = np.random.default_rng(0)
    net = ReLUNet(((rng.standard_normal((5, 2)), rng.standard_normal(5)), (rng.standard_normal((3, 5)),
                   rng.standard_normal(3)), (rng.standard_normal((1, 3)), rng.standard_normal(1))))
    t = np.linspace(-20, 20, 200001)
    out = net.forward(np.stack([t, 0.3 * np.ones_like(t)], axis=1))
    slopes = np.diff(out) / np.diff(t)
    changes = np.sum(np.abs(np.diff(slopes)) > 1e-6)
    assert changes + 1 <= piece_bound((5, 3))  # observed pieces never exceed the bound (kinks show as slope jumps)


def test_black_box_search_and_stability_measure(demo):
    family, X, rows, stable, cert = demo
    trained = paradox(K=40, widths_list=((4,),), iterations=800)
    fam2, X2, _, stable2, _ = trained
    from verify.paradox import train_relu_classifier

    net = train_relu_classifier(X2, (X2[:, 1] > 0).astype(int), (4,), iterations=800)
    found = search_witnesses(lambda z: (net.forward(z) > 0.5).astype(int), fam2, X2)
    assert len(found) >= 1
    # the Liu-Hansen measure on a case with a known answer: f = [x1 > 0] at points with x1 = 0.05 -> h = 0.05
    pts = np.array([[0.05, 0.0], [0.05, 1.0], [-0.05, 0.3]])
    S = stability_measure(lambda z: (z[:, 0] > 0).astype(int), pts, radius=1.0)
    assert abs(S - 0.05) < 1e-6


def test_bad_input():
    with pytest.raises(Smale18Error, match="K=1 must be an integer >= 2"):
        StripeFamily(K=1)
    with pytest.raises(Smale18Error, match="eps="):
        StripeFamily(K=10, eps=1)
    with pytest.raises(Smale18Error, match="last layer must have one output"):
        ReLUNet(((np.ones((2, 2)), np.zeros(2)),))
    with pytest.raises(Smale18Error, match="columns"):
        ReLUNet(((np.ones((3, 2)), np.zeros(3)), (np.ones((1, 2)), np.zeros(1))))
    family = StripeFamily(K=10)
    X, _ = family.sample(1)
    assert not certify_stable(ReLUNet(((np.ones((2, 2)), np.zeros(2)), (np.ones((1, 2)), np.zeros(1)))),
                              family, X).holds
    assert certify_stable(stable_network(family), family, X).holds
