"""The classification paradox: witnesses against the piece-count lemma, and the certified stable network."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smale18.oracle import Smale18Error
from smale18.oracle.constructions.classification import (
    ReLUNet,
    StripeFamily,
    certify_stable,
    piece_bound,
    search_witnesses,
    stable_network,
    witnesses,
)
from smale18.app.paradox import paradox, stability_measure


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
    from smale18.app.paradox import train_relu_classifier

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


def _constant_net(value: float) -> ReLUNet:
    """A ReLU network whose output is ``value`` everywhere (one hidden neuron that is always 0)."""
    return ReLUNet(((np.zeros((1, 2)), np.zeros(1)), (np.zeros((1, 1)), np.array([value]))))


def test_certify_stable_refuses_a_neighbourhood_that_leaves_its_stripe():
    """Issue 12 item 6: a constant network is not 'equal to f' on a neighbourhood across which f changes."""
    family = StripeFamily(K=10)
    half = family.eps / 2
    t = float(Fraction(1, 2) - half / 2)  # in I_2 = (1/3, 1/2) (label 1); [t - eps/2, t + eps/2] contains 1/2
    assert family.label(Fraction(t)) == 1 and family.label(Fraction(t) + half) == 0
    cert = certify_stable(_constant_net(1.0), family, np.array([[t, float(family.delta)]]))
    assert not cert.holds and "stripe" in cert.reason
    # on the boundary point itself (f(1/2) = 0, f = 1 just below it) and outside the family's domain
    assert not certify_stable(_constant_net(0.0), family, np.array([[0.5, 0.0]])).holds
    assert not certify_stable(_constant_net(0.0), family, np.array([[2.0, 0.0]])).holds
    # a neighbourhood well inside a label-1 stripe: the constant network does equal f there
    inside = certify_stable(_constant_net(1.0), family, np.array([[float(Fraction(5, 12)), float(family.delta)]]))
    assert inside.holds and inside.margin == Fraction(1, 2)


def test_certify_stable_bad_input():
    family = StripeFamily(K=10)
    for X, match in ((np.array([[np.nan, 0.0]]), "X"), (np.ones(3), "X"), (np.zeros((0, 2)), "X"),
                     ("abc", "X"), (np.array([[-0.5, 0.0]]), "X")):
        with pytest.raises(Smale18Error, match=match):
            certify_stable(stable_network(family), family, X)


def _one_point_per_interval(family, ks):
    """Data points at the midpoints of the intervals I_k, k in ks, with their false feature."""
    X = []
    for k in ks:
        lo, hi = family.interval(k)
        t = float((lo + hi) / 2)
        X.append((t, float(family.delta) * family.label(Fraction(t))))
    return np.array(X)


def test_witness_guarantee_needs_alternating_labels():
    """Issue 12 item 8: ten points of the same label and an affine network: no flip, and none may be guaranteed."""
    family = StripeFamily(K=20)
    X = _one_point_per_interval(family, range(2, 21, 2))  # I_2, I_4, ..., I_20: all label 1
    affine = ReLUNet(((np.zeros((1, 2)), np.array([1.0])),))
    rep = witnesses(affine, family, X)
    assert rep.n == 10 and rep.P == 1 and rep.count == 0
    assert rep.alternations == 0 and rep.guaranteed == 0
    # all 20 intervals: the labels alternate 19 times and the lemma's ceil(n/2 - P) = 9 is recovered
    rep = witnesses(affine, family, _one_point_per_interval(family, range(1, 21)))
    assert rep.alternations == 19 and rep.guaranteed == 9 and rep.count >= 9


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.integers(1, 4), min_size=0, max_size=2),
       st.sets(st.integers(1, 30), min_size=1))
def test_witness_guarantee_holds_for_any_subset_of_intervals(seed, widths, ks):
    """Any labels (any subset of the intervals), any network: flips >= ceil((alternations - 2P + 1)/2)."""
    rng = np.random.default_rng(seed)
    sizes = [2] + widths + [1]
    net = ReLUNet(tuple((rng.standard_normal((sizes[i + 1], sizes[i])), rng.standard_normal(sizes[i + 1]))
                        for i in range(len(sizes) - 1)))
    family = StripeFamily(K=30)
    rep = witnesses(net, family, _one_point_per_interval(family, sorted(ks)))
    labels = [family.label(Fraction(t)) for t, _ in sorted(family.witness_points(_one_point_per_interval(family, ks)))]
    alternations = sum(1 for a, b in zip(labels, labels[1:]) if a != b)
    assert rep.alternations == alternations
    assert rep.guaranteed == max(0, -(-(alternations - 2 * rep.P + 1) // 2))
    assert rep.count >= rep.guaranteed


def test_the_paradox_reports_its_progress():
    from smale18.app.paradox import paradox

    calls = []
    paradox(K=20, widths_list=((4,), (8,)), iterations=20, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_forward_exact_equals_the_fraction_recursion():
    """The integer evaluation of ReLUNet.forward_exact (issue 17) against the Fraction recursion it replaced, written
    out here, on random networks (dyadic and non-dyadic rational inputs, subnormal and huge weights)."""
    from fractions import Fraction

    import numpy as np

    from smale18.oracle.constructions.classification import ReLUNet

    def by_fractions(net, x):
        h = [Fraction(v) for v in x]
        for i, (W, b) in enumerate(net.layers):
            h = [sum((Fraction(float(W[r, c])) * h[c] for c in range(W.shape[1])), Fraction(float(b[r])))
                 for r in range(W.shape[0])]
            if i < len(net.layers) - 1:
                h = [max(v, Fraction(0)) for v in h]
        return h[0]

    rng = np.random.default_rng(0)
    for trial in range(40):
        widths = [2, *rng.integers(1, 6, size=rng.integers(1, 4)), 1]
        layers = []
        for a, c in zip(widths[:-1], widths[1:]):
            W = rng.standard_normal((c, a)) * 2.0 ** rng.integers(-30, 30)
            b = rng.standard_normal(c)
            if trial % 7 == 0:
                W[0, 0] = 5e-324
            layers.append((W, b))
        net = ReLUNet(tuple(layers))
        for x in [(Fraction(1, 3), Fraction(-2, 7)), (Fraction(0.1), Fraction(5)), (0, 0)]:
            assert net.forward_exact(x) == by_fractions(net, x)
