"""LISTA (learned ISTA) as explicit layers, trained in numpy with the layers' VJPs and Adam (THEORY §2.3).

Layer k (of ``depth``): ``x_{k+1} = S_{theta_k}(x_k + W_k (y - A x_k / (10 ||A||)))`` with trainable ``W_k`` (N x m)
and ``theta_k >= 0``, ``x_0 = 0`` — as layers, ``Affine(W = I - W_k A/(10||A||), R = W_k)`` then ``SoftThreshold``.
Training minimises the mean squared error on (y, x) pairs. It runs in units where inputs and targets have unit root
mean square, ``y~ = s_y y``, ``x~ = s_x x``, with ``A10`` replaced by ``(s_y/s_x) A10``; since
``S_t(s u) = s S_{t/s}(u)``, the trained parameters map back exactly to THEORY's form with
``W_k = (s_y/s_x) W~_k`` and ``theta_k = theta~_k / s_x`` (so Adam's step sizes do not depend on the data's scale).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._prox import soft_threshold

from ._adam import Adam
from ._layers import Affine, SoftThreshold
from ._network import Network

__all__ = ["Lista", "train_lista"]


@dataclass(frozen=True, eq=False)
class Lista:
    """A trained LISTA: its parameters, the explicit network, and the training loss history (observed)."""

    A: np.ndarray
    Ws: tuple
    thetas: tuple
    losses: tuple

    def network(self) -> Network:
        """The explicit layers, in the data's own units."""
        N, m = self.A.shape[1], self.A.shape[0]
        An = self.A / (10 * np.linalg.norm(self.A, 2))
        layers = []
        for k, (W, th) in enumerate(zip(self.Ws, self.thetas)):
            if k == 0:
                layers.append(Affine(R=W))
            else:
                layers.append(Affine(W=np.eye(N) - W @ An, R=W))
            layers.append(SoftThreshold(np.full(N, th)))
        return Network(m, tuple(layers))

    def __call__(self, y):
        return self.network().forward(y)


def _forward(A10, Ws, thetas, Y):
    """States x_0..x_K (x_0 = 0) and pre-activations, in scaled units; Y is (m, B)."""
    N = A10.shape[1]
    xs, us = [np.zeros((N, Y.shape[1]))], []
    for W, th in zip(Ws, thetas):
        u = xs[-1] + W @ (Y - A10 @ xs[-1])
        us.append(u)
        xs.append(soft_threshold(u, th))
    return xs, us


def train_lista(
    A: np.ndarray,
    Y: np.ndarray,
    X: np.ndarray,
    depth: int = 10,
    iterations: int = 2000,
    batch: int = 512,
    lr: float = 1e-3,
    seed: int = 0,
) -> Lista:
    """Train LISTA on the pairs ``(Y[:, i], X[:, i])`` (columns); Adam on the mean squared error, seeded.

    The gradient is the layers' vector-Jacobian product (soft-thresholding: ``active * g``, threshold:
    ``-sign(u) active g``; affine: ``g h^T``), accumulated through the tied parametrisation ``W = I - W_k A/(10||A||)``.
    """
    A = np.asarray(A, dtype=float)
    Y, X = np.asarray(Y, dtype=float), np.asarray(X, dtype=float)
    m, N = A.shape
    if Y.shape[0] != m or X.shape[0] != N or Y.shape[1] != X.shape[1]:
        raise Smale18Error(f"training pairs must be Y ({m}, S) and X ({N}, S); got {Y.shape} and {X.shape}")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(Y)) and np.all(np.isfinite(X))):
        raise Smale18Error("A, Y and X must be finite")
    rng = np.random.default_rng(seed)
    s_x = 1.0 / max(np.sqrt(np.mean(X**2)), 1e-300)
    s_y = 1.0 / max(np.sqrt(np.mean(Y**2)), 1e-300)
    A10 = A / (10 * np.linalg.norm(A, 2))
    At = (s_y / s_x) * A10  # the operator in scaled units
    Xs, Ys = X * s_x, Y * s_y
    # initialise with the minimum-norm solution in the first layer and pass-through layers after it
    Ws = [np.linalg.pinv(A) * (s_x / s_y)]
    Ws += [np.zeros((N, m)) for _ in range(depth - 1)]
    thetas = np.zeros(depth)
    adam = Adam(Ws + [thetas], lr=lr)
    losses = []
    S = Y.shape[1]
    for _ in range(iterations):
        idx = rng.choice(S, size=min(batch, S), replace=False)
        Yb, Xb = Ys[:, idx], Xs[:, idx]
        xs, us = _forward(At, Ws, thetas, Yb)
        diff = xs[-1] - Xb
        losses.append(float(np.mean(diff**2)))
        g = 2 * diff / diff.size
        gW = [None] * depth
        gth = np.zeros(depth)
        for k in range(depth - 1, -1, -1):
            active = np.abs(us[k]) > thetas[k]
            gu = g * active
            gth[k] = -np.sum(np.sign(us[k]) * gu)
            gW[k] = gu @ (Yb - At @ xs[k]).T
            g = gu - At.T @ (Ws[k].T @ gu)  # d u / d x_k = I - W_k At
        adam.step(gW + [gth])
        np.maximum(thetas, 0.0, out=thetas)
    return Lista(A, tuple(W * (s_y / s_x) for W in Ws), tuple(float(t) / s_x for t in thetas), tuple(losses))
