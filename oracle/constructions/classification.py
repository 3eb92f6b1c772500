"""Accurate but unstable classifiers: the stripe family with a false feature (THEORY §6, proofs in
``proofs_notes/classification.md``).

``f(x) = ceil(a / x_1) mod 2`` on ``x_1 in [a/(K+1), a]``: the intervals ``I_k = (a/(k+1), a/k)``, ``k = 1..K``, carry
alternating labels. Data are sampled from the shrunk intervals ``(a/(k+1) + eps, a/k - eps)`` and get the *false
feature* ``x_2 = delta f(x_1)``, so a network can fit them perfectly by reading ``x_2`` alone.

For any ReLU network with hidden widths ``N_1..N_{L-1}`` (scalar output, label ``[output > 1/2]``), the points
``z = (t, delta/2)`` built from one data point per interval are at l-infinity distance ``delta/2`` from data points of
the same true label, and at least ``ceil(n/2 - P)`` of them are misclassified, ``P = prod (N_l + 1)`` (piece-count
lemma and counting argument). :func:`witnesses` finds them and confirms each flip by exact rational evaluation.
:func:`stable_network` is the variable-width network of trapezoids, and :func:`certify_stable` proves, by exact
piecewise-linear analysis, that it equals ``f`` on the whole ``eps/2``-neighbourhood of the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._errors import Smale18Error, check_dense_layers

__all__ = ["StripeFamily", "ReLUNet", "piece_bound", "witnesses", "search_witnesses", "stable_network",
           "certify_stable", "WitnessReport", "StabilityCertificate"]


@dataclass(frozen=True, eq=False)
class ReLUNet:
    """A ReLU network ``x -> W_L rho(... rho(W_1 x + b_1) ...) + b_L`` with scalar output; label ``[output > 1/2]``.
    ``layers`` is a tuple of ``(W, b)`` float arrays (read exactly for exact evaluation)."""

    layers: tuple

    def __post_init__(self):
        if not self.layers:
            raise Smale18Error("a ReLU network needs at least one layer")
        layers = check_dense_layers(self.layers)
        object.__setattr__(self, "layers", layers)
        if layers[-1][0].shape[0] != 1:
            raise Smale18Error("the last layer must have one output")

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        return tuple(np.asarray(W).shape[0] for W, _ in self.layers[:-1])

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Float64 outputs for the rows of ``X``."""
        H = np.asarray(X, dtype=float)
        for i, (W, b) in enumerate(self.layers):
            H = H @ np.asarray(W).T + np.asarray(b)
            if i < len(self.layers) - 1:
                H = np.maximum(H, 0.0)
        return H[:, 0]

    def forward_exact(self, x) -> Fraction:
        """The exact output at one point with dyadic coordinates (Fractions throughout)."""
        h = [Fraction(v) for v in x]
        for i, (W, b) in enumerate(self.layers):
            W, b = np.asarray(W), np.asarray(b)
            h = [sum((Fraction(float(W[r, c])) * h[c] for c in range(W.shape[1])), Fraction(float(b[r])))
                 for r in range(W.shape[0])]
            if i < len(self.layers) - 1:
                h = [max(v, Fraction(0)) for v in h]
        return h[0]


def piece_bound(widths) -> int:
    """``P = prod (N_l + 1)``: the most affine pieces a ReLU network of these hidden widths has along a line."""
    return math.prod(int(w) + 1 for w in widths)


@dataclass(frozen=True)
class StripeFamily:
    """The stripe family (see the module docstring). ``eps`` defaults to a quarter of the narrowest interval."""

    K: int = 200
    a: Fraction = Fraction(1)
    delta: Fraction = Fraction(1, 16)
    eps: Fraction | None = None

    def __post_init__(self):
        if isinstance(self.K, bool) or not isinstance(self.K, int) or self.K < 2:
            raise Smale18Error(f"K={self.K!r} must be an integer >= 2")
        a, d = Fraction(self.a), Fraction(self.delta)
        if a <= 0 or d <= 0:
            raise Smale18Error(f"a={a} and delta={d} must be positive")
        narrow = a / self.K - a / (self.K + 1)
        eps = narrow / 4 if self.eps is None else Fraction(self.eps)
        if not 0 < eps < narrow / 2:
            raise Smale18Error(f"eps={eps} must lie in (0, {narrow / 2}) (half the narrowest interval)")
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "delta", d)
        object.__setattr__(self, "eps", eps)

    def label(self, t) -> int:
        """``f = ceil(a/t) mod 2`` (exact for rational t)."""
        q = self.a / Fraction(t)
        return int(math.ceil(q)) % 2

    def interval(self, k: int) -> tuple[Fraction, Fraction]:
        return self.a / (k + 1), self.a / k

    def sample(self, per_interval: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)``: ``per_interval`` points in each shrunk interval (dyadic floats, seeded), with the false feature."""
        rng = np.random.default_rng(seed)
        X, y = [], []
        for k in range(1, self.K + 1):
            lo, hi = self.interval(k)
            for _ in range(per_interval):
                t = float(lo + self.eps + (hi - lo - 2 * self.eps) * Fraction(float(rng.random())))
                t = min(max(t, float(lo + self.eps)), float(hi - self.eps))
                lab = self.label(Fraction(t))
                X.append((t, float(self.delta) * lab))
                y.append(lab)
        return np.array(X), np.array(y)

    def witness_points(self, X: np.ndarray) -> list[tuple[float, float]]:
        """One data point per interval (the first found), with ``x_2`` moved to ``delta/2``: same true label, at
        l-infinity distance ``delta/2`` from a data point."""
        chosen = {}
        for t, _ in X:
            k = math.ceil(self.a / Fraction(float(t))) - 1
            chosen.setdefault(k, float(t))
        return [(chosen[k], float(self.delta / 2)) for k in sorted(chosen)]


@dataclass(frozen=True)
class WitnessReport:
    """The misclassified witness points (exactly confirmed) against the lemma's guarantee ``ceil(n/2 - P)``."""

    points: tuple
    n: int
    P: int
    guaranteed: int

    @property
    def count(self) -> int:
        return len(self.points)


def witnesses(net: ReLUNet, family: StripeFamily, X: np.ndarray) -> WitnessReport:
    """Every witness point the network misclassifies, each confirmed by exact rational evaluation."""
    pts = family.witness_points(X)
    flipped = []
    for t, x2 in pts:
        out = net.forward_exact((Fraction(t), Fraction(x2)))
        predicted = 1 if out > Fraction(1, 2) else 0
        if predicted != family.label(Fraction(t)):
            flipped.append((t, x2))
    P = piece_bound(net.hidden_widths)
    return WitnessReport(tuple(flipped), len(pts), P, max(0, math.ceil(Fraction(len(pts), 2) - P)))


def search_witnesses(classify, family: StripeFamily, X: np.ndarray, grid: int = 9) -> list[tuple[float, float]]:
    """For a black-box ``classify(points) -> labels``: perturb each witness base point's false feature over a grid of
    the l-infinity ball of radius ``delta/2`` and return the points whose label differs from the true one."""
    found = []
    for t, _ in family.witness_points(X):
        for x2 in np.linspace(0.0, float(family.delta), grid):
            z = np.array([[t, x2]])
            if int(np.asarray(classify(z)).reshape(-1)[0]) != family.label(Fraction(t)):
                found.append((t, float(x2)))
                break
    return found


def stable_network(family: StripeFamily) -> ReLUNet:
    """Sum over label-1 intervals of trapezoids ``rho(s(t-alpha)) - rho(s(t-alpha)-1) - rho(s(t-beta)+1) +
    rho(s(t-beta))`` with ``s = 2/eps`` — 1 on ``[alpha + eps/2, beta - eps/2]``, 0 outside ``(alpha, beta)``. Its
    width, 4 per label-1 interval, grows with the data; it ignores ``x_2``."""
    s = 2 / family.eps
    rows, biases, out = [], [], []
    for k in range(1, family.K + 1):
        alpha, beta = family.interval(k)
        if family.label((alpha + beta) / 2) != 1:
            continue
        for shift, sign in ((-s * alpha, 1), (-s * alpha - 1, -1), (-s * beta + 1, -1), (-s * beta, 1)):
            rows.append([float(s), 0.0])
            biases.append(float(shift))
            out.append(float(sign))
    W1, b1 = np.array(rows), np.array(biases)
    return ReLUNet(((W1, b1), (np.array([out]), np.array([0.0]))))


@dataclass(frozen=True)
class StabilityCertificate:
    """Exact proof that the network's label equals ``f`` on the ``eps/2``-neighbourhood of every data point, with
    ``margin`` the smallest distance of the output to the threshold 1/2 over all neighbourhoods."""

    holds: bool
    checked_points: int
    margin: Fraction
    reason: str


def certify_stable(net: ReLUNet, family: StripeFamily, X: np.ndarray) -> StabilityCertificate:
    """Exact piecewise-linear analysis: the network is checked to ignore ``x_2`` (zero weights, exactly), and along
    ``x_1`` it is piecewise linear with breakpoints where a hidden pre-activation vanishes; on each neighbourhood
    ``[t - eps/2, t + eps/2]`` its extreme values are attained at the endpoints or at breakpoints inside, all evaluated
    exactly. Valid for one hidden layer (the trapezoid network)."""
    if len(net.layers) != 2:
        return StabilityCertificate(False, 0, Fraction(0), "the exact analysis is implemented for one hidden layer")
    W1, b1 = (np.asarray(v) for v in net.layers[0])
    if np.any(W1[:, 1] != 0):
        return StabilityCertificate(False, 0, Fraction(0), "the network reads x_2")
    breaks = sorted({-Fraction(float(b)) / Fraction(float(w)) for w, b in zip(W1[:, 0], b1) if w != 0})
    half = family.eps / 2
    margin = None
    for count, (t, _) in enumerate(X, start=1):
        t = Fraction(float(t))
        lo, hi = t - half, t + half
        pts = [lo, hi] + [b for b in breaks if lo < b < hi]
        want = family.label(t)
        for p in pts:  # affine between consecutive points: the extremes on [lo, hi] are among them
            out = net.forward_exact((p, Fraction(0)))
            m = out - Fraction(1, 2) if want == 1 else Fraction(1, 2) - out
            if m <= 0:
                return StabilityCertificate(False, count, Fraction(0),
                                            f"the label flips near t={float(t):.6g} (output {float(out):.6g})")
            margin = m if margin is None else min(margin, m)
    return StabilityCertificate(True, len(X), margin, "exact: the label equals f on every neighbourhood")
