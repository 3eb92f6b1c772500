"""Identifiability of tanh (and logistic) networks: the symmetry group, a canonical form, equivalence.

A network is ``x -> W_L a(... a(W_1 x + b_1) ...) + b_L`` with ``a = tanh`` (or the logistic sigmoid) on hidden
layers. Its *symmetries* — permuting a hidden layer's neurons, and flipping a neuron's sign (its incoming weights,
its bias and its outgoing weights; for the sigmoid the flip also moves the outgoing weights into the next bias, since
``s(-z) = 1 - s(z)``) — leave the realised function unchanged. :func:`canonical_form` maps a network to a
representative, layer by layer until nothing changes: drop dead neurons (zero outgoing weights), fold constant neurons
(zero incoming weights) into the next bias, normalise signs (the first non-zero incoming weight, else the bias,
positive), merge clones (equal incoming weights and bias: outgoing weights add up), sort. Equal canonical forms imply
equal functions; what *different* canonical forms prove depends on Vlačić–Bölcskei's hypotheses
(``proofs_notes/identifiability.md``). Comparisons use a tolerance ``atol`` because folding evaluates ``tanh`` in
float64.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._errors import check_dense_layers

__all__ = ["SmoothNet", "canonical_form", "equivalent", "random_symmetry", "apply_symmetry", "orbit"]


def _act(name):
    if name == "tanh":
        return np.tanh
    if name == "sigmoid":
        return lambda z: 1 / (1 + np.exp(-z))
    raise Smale18Error(f"activation={name!r} must be 'tanh' or 'sigmoid'")


@dataclass(frozen=True, eq=False)
class SmoothNet:
    """Layers ``(W, b)`` (float arrays); ``activation`` on every hidden layer, linear output."""

    layers: tuple
    activation: str = "tanh"

    def __post_init__(self):
        _act(self.activation)
        if not self.layers:
            raise Smale18Error("a network needs at least one layer")
        object.__setattr__(self, "layers", check_dense_layers(self.layers))

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(W.shape[0] for W, _ in self.layers[:-1])

    def __call__(self, X: np.ndarray) -> np.ndarray:
        a = _act(self.activation)
        H = np.asarray(X, dtype=float)
        for i, (W, b) in enumerate(self.layers):
            H = H @ W.T + b
            if i < len(self.layers) - 1:
                H = a(H)
        return H


def _flip(layers, l, j, activation):
    """Flip neuron j of hidden layer l (0-based)."""
    (W, b), (V, c) = layers[l], layers[l + 1]
    W, b, V, c = W.copy(), b.copy(), V.copy(), c.copy()
    W[j], b[j] = -W[j], -b[j]
    if activation == "sigmoid":  # s(-z) = 1 - s(z): v s(z) = v - v s(-z)
        c = c + V[:, j]
    V[:, j] = -V[:, j]
    layers[l], layers[l + 1] = (W, b), (V, c)


def apply_symmetry(net: SmoothNet, perms, signs) -> SmoothNet:
    """Apply, for each hidden layer ``l``, the sign flips ``signs[l]`` (entries +-1) then the permutation ``perms[l]``."""
    layers = list(net.layers)
    for l, (perm, sign) in enumerate(zip(perms, signs)):
        for j, s in enumerate(sign):
            if s < 0:
                _flip(layers, l, j, net.activation)
        (W, b), (V, c) = layers[l], layers[l + 1]
        perm = np.asarray(perm)
        layers[l], layers[l + 1] = (W[perm], b[perm]), (V[:, perm], c)
    return SmoothNet(tuple(layers), net.activation)


def random_symmetry(net: SmoothNet, seed: int = 0):
    """A uniformly random element ``(perms, signs)`` of the group ``prod_l (S_{D_l} x {+-1}^{D_l})``."""
    rng = np.random.default_rng(seed)
    return ([rng.permutation(d) for d in net.widths], [rng.choice([-1, 1], size=d) for d in net.widths])


def orbit(net: SmoothNet) -> list[SmoothNet]:
    """Every image of ``net`` under the symmetry group (small widths only: the group has prod D_l! 2^D_l elements)."""
    size = 1
    for d in net.widths:
        size *= int(np.prod(range(1, d + 1))) * 2**d
    if size > 50000:
        raise Smale18Error(f"the group has {size} elements; orbit enumeration is for small widths")
    per_layer = [list(itertools.product(itertools.permutations(range(d)), itertools.product((-1, 1), repeat=d)))
                 for d in net.widths]
    return [apply_symmetry(net, [p for p, _ in choice], [s for _, s in choice])
            for choice in itertools.product(*per_layer)]


def canonical_form(net: SmoothNet, atol: float = 1e-12) -> SmoothNet:
    """The canonical representative (see the module docstring); idempotent, and constant on symmetry orbits."""
    a = _act(net.activation)
    layers = [(W.copy(), b.copy()) for W, b in net.layers]
    changed = True
    while changed:
        changed = False
        for l in range(len(layers) - 1):
            (W, b), (V, c) = layers[l], layers[l + 1]
            keep = []
            for j in range(W.shape[0]):
                if np.all(np.abs(V[:, j]) <= atol):  # dead: no outgoing weight
                    changed = True
                    continue
                if np.all(np.abs(W[j]) <= atol):  # constant: fold a(b_j) into the next bias
                    c = c + V[:, j] * a(b[j])
                    changed = True
                    continue
                keep.append(j)
            W, b, V = W[keep], b[keep], V[:, keep]
            layers[l], layers[l + 1] = (W, b), (V, c)
            for j in range(W.shape[0]):  # sign normalisation: first non-zero of (incoming weights, bias) positive
                row = np.concatenate([W[j], [b[j]]])
                nz = np.flatnonzero(np.abs(row) > atol)
                if nz.size and row[nz[0]] < 0:
                    _flip(layers, l, j, net.activation)
            (W, b), (V, c) = layers[l], layers[l + 1]
            merged, used = [], set()  # merge clones: equal (incoming weights, bias)
            for j in range(W.shape[0]):
                if j in used:
                    continue
                col = V[:, j].copy()
                for k in range(j + 1, W.shape[0]):
                    if k not in used and np.allclose(W[j], W[k], atol=atol, rtol=0) and abs(b[j] - b[k]) <= atol:
                        col += V[:, k]
                        used.add(k)
                        changed = True
                merged.append((W[j], b[j], col))
            if merged:
                order = sorted(range(len(merged)), key=lambda i: tuple(np.concatenate([merged[i][0], [merged[i][1]]])))
                W = np.array([merged[i][0] for i in order])
                b = np.array([merged[i][1] for i in order])
                V = np.array([merged[i][2] for i in order]).T
            else:
                W, b, V = np.zeros((0, W.shape[1])), np.zeros(0), np.zeros((V.shape[0], 0))
            layers[l], layers[l + 1] = (W, b), (V, c)
    return SmoothNet(tuple(layers), net.activation)


def equivalent(n1: SmoothNet, n2: SmoothNet, atol: float = 1e-9) -> bool:
    """True iff the canonical forms agree within ``atol`` (then the realised functions agree, up to that rounding)."""
    if n1.activation != n2.activation:
        return False
    c1, c2 = canonical_form(n1), canonical_form(n2)
    if c1.widths != c2.widths or len(c1.layers) != len(c2.layers):
        return False
    return all(np.allclose(W1, W2, atol=atol, rtol=0) and np.allclose(b1, b2, atol=atol, rtol=0)
               for (W1, b1), (W2, b2) in zip(c1.layers, c2.layers))
