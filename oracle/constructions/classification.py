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
import numbers
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._errors import Smale18Error, check_dense_layers, check_int_range

_MAX_K = 10**5
_MAX_POINTS = 10**6
_MAX_BITS = 4096
_RATIONAL = re.compile(r"[+-]?\d{1,1300}(/\d{1,1300})?")


def _rational(value, name: str) -> Fraction:
    """An exact rational argument: an int, a finite float, a Fraction or a string ``"p/q"``, with numerator and
    denominator of at most 4096 bits (so that no argument makes exact arithmetic explode)."""
    bad = f'{name} must be a rational (an int, a finite float, a Fraction or a string "p/q")'
    if isinstance(value, (bool, np.bool_)):
        raise Smale18Error(bad)
    if isinstance(value, str):
        if not _RATIONAL.fullmatch(value.strip()):
            raise Smale18Error(bad)
        try:
            out = Fraction(value.strip())
        except ZeroDivisionError:
            raise Smale18Error(f"{name} has a zero denominator") from None
    elif isinstance(value, Fraction):
        out = value
    elif isinstance(value, numbers.Integral):
        out = Fraction(int(value))
    elif isinstance(value, (float, np.floating)) and np.isfinite(value):
        out = Fraction(float(value))
    else:
        raise Smale18Error(bad)
    if max(out.numerator.bit_length(), out.denominator.bit_length()) > _MAX_BITS:
        raise Smale18Error(f"{name} has a numerator or denominator of more than {_MAX_BITS} bits")
    return out

__all__ = ["StripeFamily", "ReLUNet", "piece_bound", "guaranteed_flips", "witnesses", "search_witnesses",
           "stable_network", "certify_stable", "WitnessReport", "StabilityCertificate"]


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
        """The exact output at one point with rational coordinates.

        Exact integer arithmetic: each layer's float64 weights and biases are the integers ``W_int 2^-e`` (one
        exponent per layer, :func:`_integer_layer`), the input is ``x_int / q`` with ``q`` a common denominator, and
        ``h = (integers) / (q 2^E)`` is carried as integers with one denominator -- the same exact value as the
        Fraction recursion, without a Fraction per operation (issue 17)."""
        xs = [Fraction(v) for v in x]
        q = math.lcm(*(f.denominator for f in xs))
        h = [f.numerator * (q // f.denominator) for f in xs]  # h / den is the exact state
        den = q
        layers = self._integer_layers()
        for i, (W, b, e) in enumerate(layers):
            scale = 1 << e
            h = [sum(w * v for w, v in zip(row, h)) + bias * den for row, bias in zip(W, b)]  # (W h/den + b 2^-e)
            den *= scale  # ... = h / (den 2^e)
            if i < len(layers) - 1:
                h = [v if v > 0 else 0 for v in h]
        return Fraction(h[0], den)

    def _integer_layers(self) -> tuple:
        """Per layer ``(W_int rows, b_int, e)`` with ``W = W_int 2^-e`` and ``b = b_int 2^-e`` exactly (cached)."""
        cached = self.__dict__.get("_int_layers")
        if cached is None:
            cached = tuple(_integer_layer(W, b) for W, b in self.layers)
            object.__setattr__(self, "_int_layers", cached)
        return cached


def _integer_layer(W, b) -> tuple:
    """``(W_int rows, b_int, e)``: the float64 entries of ``W`` and ``b`` as integers over one power of two ``2^e``."""
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    fr_W = [[Fraction(float(v)) for v in row] for row in W]
    fr_b = [Fraction(float(v)) for v in b]
    e = max(f.denominator.bit_length() - 1 for f in [*fr_b, *(f for row in fr_W for f in row)])
    def to_int(f):
        return f.numerator << (e - (f.denominator.bit_length() - 1))
    return [[to_int(f) for f in row] for row in fr_W], [to_int(f) for f in fr_b], e


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
        K = self.K
        if isinstance(K, (bool, np.bool_)) or not isinstance(K, numbers.Integral) or not 2 <= K <= _MAX_K:
            shown = (f"<an integer of {int(self.K).bit_length()} bits>" if isinstance(self.K, numbers.Integral)
                     and int(self.K).bit_length() > 64 else repr(self.K)[:60])
            raise Smale18Error(f"K={shown} must be an integer >= 2 (at most {_MAX_K})")
        object.__setattr__(self, "K", int(self.K))
        a, d = _rational(self.a, "a"), _rational(self.delta, "delta")
        if a <= 0 or d <= 0:
            raise Smale18Error(f"a={a} and delta={d} must be positive")
        narrow = a / self.K - a / (self.K + 1)
        eps = narrow / 4 if self.eps is None else _rational(self.eps, "eps")
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
        """``(X, y)``: ``per_interval`` points in each shrunk interval (dyadic floats, seeded), with the false feature.
        ``K * per_interval <= 10^6`` points; ``seed`` a non-negative integer."""
        check_int_range(per_interval, "per_interval", 1, _MAX_POINTS // self.K)
        rng = np.random.default_rng(check_int_range(seed, "seed", 0, 2**63 - 1))
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

    def stripe(self, t) -> int | None:
        """The index ``k`` of the stripe ``[a/(k+1), a/k)`` (``1 <= k <= K``) that contains ``t``, or None (``t``
        outside ``[a/(K+1), a)``). ``f`` is constant, ``(k+1) mod 2``, on each stripe (exact for rational t)."""
        t = Fraction(t)
        if not self.a / (self.K + 1) <= t < self.a:
            return None
        return math.ceil(self.a / t) - 1

    def witness_points(self, X: np.ndarray) -> list[tuple[float, float]]:
        """One data point per interval (the first found), with ``x_2`` moved to ``delta/2``: same true label, at
        l-infinity distance ``|x_2 - delta/2|`` from that data point (``delta/2`` for the family's own data).
        Sorted by decreasing ``t`` (increasing interval index); data outside ``[a/(K+1), a)`` is refused."""
        X = _check_points(X)
        chosen = {}
        for i, (t, _) in enumerate(X):
            k = self.stripe(Fraction(float(t)))
            if k is None:
                raise Smale18Error(f"X[{i}] has x_1={float(t)!r} outside the family's domain "
                                   f"[a/(K+1), a) = [{float(self.a / (self.K + 1)):.6g}, {float(self.a):.6g})")
            chosen.setdefault(k, float(t))
        return [(chosen[k], float(self.delta / 2)) for k in sorted(chosen)]


def _check_points(X) -> np.ndarray:
    """``X`` as a finite float64 array of shape ``(n, 2)`` with ``1 <= n <= 10^6`` (else a Smale18Error naming X)."""
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise Smale18Error(f"X must be an (n, 2) array of real numbers, got {type(X).__name__}") from None
    if arr.ndim != 2 or arr.shape[1] != 2 or not 1 <= arr.shape[0] <= _MAX_POINTS:
        raise Smale18Error(f"X must be an (n, 2) array with 1 <= n <= {_MAX_POINTS}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise Smale18Error("X has a non-finite entry")
    return arr


@dataclass(frozen=True)
class WitnessReport:
    """The misclassified witness points (each confirmed by exact evaluation) against the counting lemma.

    ``n`` witness points, ``alternations`` the number of label changes between neighbours along the line (``n - 1``
    when the labels alternate), ``P`` the piece bound; ``guaranteed = max(0, ceil((alternations - 2P + 1)/2))`` is the
    number of flips *every* ReLU network of these widths must have on these points (Lemma 2 of
    ``proofs_notes/classification.md``; ``ceil(n/2 - P)`` for alternating labels). ``count >= guaranteed`` always."""

    points: tuple
    n: int
    P: int
    guaranteed: int
    alternations: int

    @property
    def count(self) -> int:
        return len(self.points)


def guaranteed_flips(labels, P: int) -> int:
    """``max(0, ceil((A - 2P + 1)/2))`` with ``A`` the number of ``i`` with ``labels[i] != labels[i+1]``: the fewest
    points of a line sequence with these labels that a function with at most ``P`` affine pieces (and a label
    ``[h > 1/2]``) must get wrong (``proofs_notes/classification.md``, Lemma 2). Exact integer arithmetic."""
    labels = list(labels)
    A = sum(1 for u, v in zip(labels, labels[1:]) if u != v)
    return max(0, -(-(A - 2 * int(P) + 1) // 2))


def witnesses(net: ReLUNet, family: StripeFamily, X: np.ndarray) -> WitnessReport:
    """Every witness point the network misclassifies, each confirmed by exact rational evaluation, and the number
    of flips the counting lemma guarantees for the labels these points actually carry (see :class:`WitnessReport`).

    Refused (Smale18Error): ``X`` not a finite ``(n, 2)`` array, or a point outside the family's domain."""
    if not isinstance(net, ReLUNet):
        raise Smale18Error(f"net must be a ReLUNet, got {type(net).__name__}")
    if not isinstance(family, StripeFamily):
        raise Smale18Error(f"family must be a StripeFamily, got {type(family).__name__}")
    pts = family.witness_points(X)
    labels = [family.label(Fraction(t)) for t, _ in pts]  # in the order along the line (decreasing t)
    flipped = []
    for (t, x2), want in zip(pts, labels):
        out = net.forward_exact((Fraction(t), Fraction(x2)))
        predicted = 1 if out > Fraction(1, 2) else 0
        if predicted != want:
            flipped.append((t, x2))
    P = piece_bound(net.hidden_widths)
    alternations = sum(1 for u, v in zip(labels, labels[1:]) if u != v)
    guaranteed = guaranteed_flips(labels, P)
    if len(flipped) < guaranteed:  # a proven lemma: reaching this line means a bug, never a verdict
        raise RuntimeError(f"internal error: {len(flipped)} flips < the {guaranteed} the counting lemma guarantees")
    return WitnessReport(tuple(flipped), len(pts), P, guaranteed, alternations)


def search_witnesses(classify, family: StripeFamily, X: np.ndarray, grid: int = 9) -> list[tuple[float, float]]:
    """For a black-box ``classify(points) -> labels``: perturb each witness base point's false feature over a grid of
    the l-infinity ball of radius ``delta/2`` and return the points whose label differs from the true one."""
    grid = check_int_range(grid, "grid", 1, 10**4)
    if not callable(classify):
        raise Smale18Error("classify must be a callable mapping an (n, 2) array to labels")
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
    """Prove, in exact rational arithmetic, that ``[net > 1/2] = f`` on the l-infinity ``eps/2``-neighbourhood of
    every data point, or return ``holds=False`` with the reason (failing to prove is not a disproof).

    Checked exactly, in this order (``proofs_notes/classification.md``): (1) the network has one hidden layer and
    ignores ``x_2`` (its weights on ``x_2`` are exactly zero); (2) each ``[t - eps/2, t + eps/2]`` lies inside one
    stripe ``[a/(k+1), a/k)``, ``1 <= k <= K``, so ``f`` is constant on the neighbourhood (``f`` ignores ``x_2``);
    (3) along ``x_1`` the network is piecewise affine with breakpoints where a hidden pre-activation vanishes, so its
    extremes on the neighbourhood are at the endpoints or the breakpoints inside, each evaluated exactly and required
    to be strictly on ``f``'s side of 1/2. ``margin`` is the smallest distance to 1/2 found.

    Refused (Smale18Error): ``X`` not a finite ``(n, 2)`` array (``1 <= n <= 10^6``) or with ``x_1 <= 0``."""
    if not isinstance(net, ReLUNet):
        raise Smale18Error(f"net must be a ReLUNet, got {type(net).__name__}")
    if not isinstance(family, StripeFamily):
        raise Smale18Error(f"family must be a StripeFamily, got {type(family).__name__}")
    X = _check_points(X)
    if np.any(X[:, 0] <= 0):
        raise Smale18Error("X must have x_1 > 0 in every row (f = ceil(a/x_1) mod 2)")
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
        k = family.stripe(lo)
        if k is None or family.stripe(hi) != k:
            return StabilityCertificate(False, count, Fraction(0),
                                        f"the neighbourhood [t - eps/2, t + eps/2] of t={float(t):.6g} does not lie "
                                        f"in one stripe [a/(k+1), a/k) of the family's domain: f is not constant "
                                        f"on it")
        want = family.label(t)
        pts = [lo, hi] + [b for b in breaks if lo < b < hi]
        for p in pts:  # affine between consecutive points: the extremes on [lo, hi] are among them
            out = net.forward_exact((p, Fraction(0)))
            m = out - Fraction(1, 2) if want == 1 else Fraction(1, 2) - out
            if m <= 0:
                return StabilityCertificate(False, count, Fraction(0),
                                            f"the label flips near t={float(t):.6g} (output {float(out):.6g})")
            margin = m if margin is None else min(margin, m)
    return StabilityCertificate(True, len(X), margin, "exact: the label equals f on every neighbourhood")
