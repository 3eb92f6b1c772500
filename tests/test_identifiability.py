"""Symmetries of tanh / sigmoid networks: canonical forms are invariant, functions equal; non-symmetries differ."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smale18.oracle import Smale18Error
from smale18.verify.identifiability import SmoothNet, apply_symmetry, canonical_form, equivalent, orbit, random_symmetry


def _net(seed, widths, activation="tanh", d=3):
    rng = np.random.default_rng(seed)
    sizes = [d] + list(widths) + [2]
    return SmoothNet(tuple((rng.standard_normal((sizes[i + 1], sizes[i])), rng.standard_normal(sizes[i + 1]))
                           for i in range(len(sizes) - 1)), activation)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.integers(1, 5), min_size=1, max_size=3), st.sampled_from(["tanh", "sigmoid"]))
def test_symmetries_preserve_function_and_canonical_form(seed, widths, activation):
    net = _net(seed, widths, activation)
    perms, signs = random_symmetry(net, seed=seed + 1)
    image = apply_symmetry(net, perms, signs)
    X = np.random.default_rng(seed + 2).standard_normal((200, 3)) * 3
    assert np.allclose(net(X), image(X), atol=1e-10)
    assert equivalent(net, image)
    assert np.allclose(canonical_form(net)(X), net(X), atol=1e-10)  # the canonical form realises the same function


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.integers(1, 4), min_size=1, max_size=2))
def test_non_symmetries_are_told_apart(seed, widths):
    net = _net(seed, widths)
    rng = np.random.default_rng(seed + 5)
    layers = [(W.copy(), b.copy()) for W, b in net.layers]
    l = int(rng.integers(len(layers)))
    W, b = layers[l]
    i, j = int(rng.integers(W.shape[0])), int(rng.integers(W.shape[1]))
    W[i, j] += 0.5  # not a symmetry
    other = SmoothNet(tuple(layers))
    X = rng.standard_normal((300, 3)) * 3
    assert not equivalent(net, other)
    assert np.max(np.abs(net(X) - other(X))) > 1e-6


def test_reductions_dead_constant_and_clone_neurons():
    rng = np.random.default_rng(0)
    W1, b1 = rng.standard_normal((4, 2)), rng.standard_normal(4)
    W1[3] = 0.0  # constant neuron
    W1[2], b1[2] = -W1[0], -b1[0]  # a sign-flipped clone of neuron 0
    V = rng.standard_normal((1, 4))
    V2 = V.copy()
    net = SmoothNet(((W1, b1), (V, np.zeros(1))))
    canon = canonical_form(net)
    assert canon.widths == (2,)  # the constant neuron folded, the clone merged
    X = rng.standard_normal((100, 2))
    assert np.allclose(net(X), canon(X), atol=1e-12)
    dead = SmoothNet(((np.vstack([W1, np.ones((1, 2))]), np.append(b1, 0.3)), (np.hstack([V2, [[0.0]]]), np.zeros(1))))
    assert canonical_form(dead).widths == (2,)


def test_orbit_enumeration():
    net = _net(1, [2, 1])
    images = orbit(net)
    assert len(images) == (2 * 4) * (1 * 2)
    X = np.random.default_rng(0).standard_normal((50, 3))
    assert all(np.allclose(im(X), net(X), atol=1e-12) and equivalent(im, net) for im in images)
    with pytest.raises(Smale18Error, match="small widths"):
        orbit(_net(0, [9]))


def test_bad_input():
    with pytest.raises(Smale18Error, match="activation='relu'"):
        SmoothNet(((np.ones((1, 1)), np.zeros(1)),), "relu")
    with pytest.raises(Smale18Error, match="columns"):
        SmoothNet(((np.ones((2, 1)), np.zeros(2)), (np.ones((1, 3)), np.zeros(1))))
