"""The classification paradox, demonstrated: fixed-width ReLU networks trained to 100% accuracy are unstable; the
variable-width trapezoid network is stable (certified). Also the Liu–Hansen stability measure, estimated."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._errors import check_int_range, check_positive_number, short_repr
from smale18.oracle.constructions.classification import (
    ReLUNet,
    StripeFamily,
    certify_stable,
    stable_network,
    witnesses,
)
from smale18.verify.nets import Adam

__all__ = ["train_relu_classifier", "ParadoxRow", "paradox", "stability_measure", "paradox_figure", "MAX_K"]

#: the most stripes :func:`paradox` trains on (the work grows as K^2; measured here: 14 s at K = 200, 89 s at 500)
MAX_K = 500
#: seeds (as the CLI's demonstration verbs)
MAX_SEED = 2**32 - 1
#: training iterations, hidden layers, width of a hidden layer, networks per paradox run, data points
MAX_ITERATIONS, MAX_LAYERS, MAX_WIDTH, MAX_NETWORKS, MAX_POINTS = 100_000, 8, 256, 16, 1_000_000
#: random directions of :func:`stability_measure`
MAX_DIRECTIONS = 4096


def _positive(value, name: str, upper: float) -> float:
    """A finite real number in ``(0, upper]`` as a float (:func:`smale18.oracle._errors.check_positive_number`)."""
    return float(check_positive_number(value, name, upper))


def _widths(widths, name: str = "widths") -> tuple[int, ...]:
    """Hidden widths: a non-empty sequence of at most MAX_LAYERS integers in [1, MAX_WIDTH]."""
    if isinstance(widths, (str, bytes, dict)) or not hasattr(widths, "__len__") or not 1 <= len(widths) <= MAX_LAYERS:
        raise Smale18Error(f"{name}={short_repr(widths)} must be a sequence of 1 to {MAX_LAYERS} hidden widths")
    return tuple(check_int_range(w, name, 1, MAX_WIDTH) for w in widths)


def _points(X, name: str = "X") -> np.ndarray:
    """A finite float array of shape (n, 2), 1 <= n <= MAX_POINTS."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise Smale18Error(f"{name}={short_repr(X)} must be an array of points of shape (n, 2)") from None
    if X.ndim != 2 or X.shape[1] != 2 or not 1 <= X.shape[0] <= MAX_POINTS or not np.all(np.isfinite(X)):
        raise Smale18Error(f"{name} must be a finite array of shape (n, 2) with 1 <= n <= {MAX_POINTS}, got shape "
                           f"{X.shape}")
    return X


def train_relu_classifier(X, y, widths, iterations: int = 1500, lr: float = 1e-2, seed: int = 0) -> ReLUNet:
    """A ReLU network with the given hidden widths, trained by Adam on the squared loss to the labels (numpy, seeded,
    full batch). ``X`` finite of shape (n, 2), ``y`` n finite labels, ``widths`` 1 to 8 integers in [1, 256],
    ``iterations`` in [1, 100000], ``lr`` in (0, 10], ``seed`` in [0, 2^32 - 1]."""
    X = _points(X)
    try:
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise Smale18Error(f"y={short_repr(y)} must be an array of labels") from None
    if y.shape != (X.shape[0],) or not np.all(np.isfinite(y)):
        raise Smale18Error(f"y must be {X.shape[0]} finite labels (one per point of X), got shape {y.shape}")
    widths = _widths(widths)
    iterations = check_int_range(iterations, "iterations", 1, MAX_ITERATIONS)
    lr = _positive(lr, "lr", 10.0)
    seed = check_int_range(seed, "seed", 0, MAX_SEED)
    rng = np.random.default_rng(seed)
    sizes = [X.shape[1]] + list(widths) + [1]
    params = []
    for i in range(len(sizes) - 1):
        params.append(rng.standard_normal((sizes[i + 1], sizes[i])) * np.sqrt(2 / sizes[i]))
        params.append(np.zeros(sizes[i + 1]))
    adam = Adam(params, lr=lr)
    Xs = X / np.array([1.0, np.abs(X[:, 1]).max() or 1.0])  # train in units where both features are O(1)
    scale = np.array([1.0, 1.0 / (np.abs(X[:, 1]).max() or 1.0)])
    for _ in range(iterations):
        hs, pre = [Xs], []
        for i in range(0, len(params), 2):
            z = hs[-1] @ params[i].T + params[i + 1]
            pre.append(z)
            hs.append(np.maximum(z, 0) if i < len(params) - 2 else z)
        g = 2 * (hs[-1][:, 0] - y)[:, None] / len(y)
        grads = [None] * len(params)
        for i in range(len(params) - 2, -1, -2):
            grads[i] = g.T @ hs[i // 2]
            grads[i + 1] = g.sum(axis=0)
            g = g @ params[i]
            if i > 0:
                g = g * (pre[i // 2 - 1] > 0)
        adam.step(grads)
    layers = [(params[0] * scale[None, :], params[1])] + [(params[i], params[i + 1]) for i in range(2, len(params), 2)]
    return ReLUNet(tuple(layers))


@dataclass(frozen=True)
class ParadoxRow:
    """One network: its widths, accuracies (observed), witnesses found (exact) against the lemma's guarantee."""

    name: str
    widths: tuple
    train_accuracy: float
    validation_accuracy: float
    flipped: int
    guaranteed: int
    n: int
    certified_stable: bool


def paradox(K: int = 200, widths_list=((4,), (8,), (16,), (8, 8)), seed: int = 0, iterations: int = 1500,
            progress=None):
    """Train each fixed architecture, count its witnesses exactly; certify the variable-width network.

    ``K`` an integer in ``[2, MAX_K]``, ``widths_list`` 1 to 16 width tuples (see :func:`train_relu_classifier`),
    ``seed`` in ``[0, 2^32 - 1]``, ``iterations`` in ``[1, 100000]``; ``progress(done, total)``, if given, is called
    as the networks are trained and the stable one certified."""
    if progress is not None and not callable(progress):
        raise Smale18Error(f"progress={short_repr(progress)} must be None or callable as progress(done, total)")
    K = check_int_range(K, "K", 2, MAX_K)
    if isinstance(widths_list, (str, bytes, dict)) or not hasattr(widths_list, "__len__") \
            or not 1 <= len(widths_list) <= MAX_NETWORKS:
        raise Smale18Error(f"widths_list={short_repr(widths_list)} must be a sequence of 1 to {MAX_NETWORKS} width "
                           "tuples")
    widths_list = [_widths(w, "widths_list") for w in widths_list]
    seed = check_int_range(seed, "seed", 0, MAX_SEED)
    iterations = check_int_range(iterations, "iterations", 1, MAX_ITERATIONS)
    family = StripeFamily(K=K)
    X, y = family.sample(3, seed=seed)
    Xv, yv = family.sample(2, seed=seed + 1)
    rows = []
    for i, widths in enumerate(widths_list):
        if progress is not None:
            progress(i, len(widths_list) + 1)  # the networks, then the certificate of the stable one
        net = train_relu_classifier(X, y, widths, iterations=iterations, seed=seed)
        rep = witnesses(net, family, X)
        acc = float(np.mean((net.forward(X) > 0.5) == y))
        vacc = float(np.mean((net.forward(Xv) > 0.5) == yv))
        rows.append(ParadoxRow(f"ReLU {widths}", tuple(widths), acc, vacc, rep.count, rep.guaranteed, rep.n, False))
    if progress is not None:
        progress(len(widths_list), len(widths_list) + 1)
    stable = stable_network(family)
    cert = certify_stable(stable, family, np.vstack([X, Xv]))
    if progress is not None:
        progress(len(widths_list) + 1, len(widths_list) + 1)
    rep = witnesses(stable, family, X)
    acc = float(np.mean((stable.forward(X) > 0.5) == y))
    vacc = float(np.mean((stable.forward(Xv) > 0.5) == yv))
    rows.append(ParadoxRow("trapezoids (variable width)", stable.hidden_widths, acc, vacc, rep.count, rep.guaranteed,
                           rep.n, cert.holds))
    return family, X, rows, stable, cert


def stability_measure(classify, X: np.ndarray, directions: int = 16, radius: float = 0.1, seed: int = 0) -> float:
    """Monte Carlo estimate (observed) of the Liu–Hansen measure ``S(f) = mean h_f(x)``, ``h_f(x)`` the distance to the
    decision boundary: for each sample, the smallest flip distance found by bisection along random directions and the
    feature axes (an upper bound on ``h_f(x)``; ``radius`` when no flip is found). ``X`` finite of shape (n, 2),
    ``directions`` in [0, 4096], ``radius`` in (0, 10^6], ``seed`` in [0, 2^32 - 1]."""
    if not callable(classify):
        raise Smale18Error(f"classify={short_repr(classify)} must be callable on an array of points")
    X = _points(X)
    directions = check_int_range(directions, "directions", 0, MAX_DIRECTIONS)
    radius = _positive(radius, "radius", 1e6)
    seed = check_int_range(seed, "seed", 0, MAX_SEED)
    rng = np.random.default_rng(seed)
    total = 0.0
    for x in X:
        base = int(classify(x[None, :])[0])
        best = radius
        dirs = [np.array([1.0, 0.0]), np.array([-1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.0, -1.0])]
        dirs += [d / np.linalg.norm(d) for d in rng.standard_normal((directions, 2))]
        for d in dirs:
            if int(classify((x + best * d)[None, :])[0]) == base:
                continue
            lo, hi = 0.0, best
            for _ in range(30):
                mid = (lo + hi) / 2
                if int(classify((x + mid * d)[None, :])[0]) == base:
                    lo = mid
                else:
                    hi = mid
            best = min(best, hi)
        total += best
    return total / len(X)


def paradox_figure(family: StripeFamily, net: ReLUNet, stable: ReLUNet, X: np.ndarray, path: str) -> str:
    """Decision regions of a trained network and of the stable one over the data (PNG)."""
    X = _points(X)
    if not isinstance(path, str) or not path:
        raise Smale18Error(f"path={short_repr(path)} must be a file name")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lo = float(family.a / (family.K + 1))
    t = np.linspace(lo, 0.2, 600)
    x2 = np.linspace(-0.02, float(family.delta) + 0.02, 200)
    T, Z = np.meshgrid(t, x2)
    pts = np.stack([T.ravel(), Z.ravel()], axis=1)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), dpi=110)
    widths = ", ".join(map(str, net.hidden_widths))
    titles = (f"ReLU net of fixed widths ({widths}), trained (Adam): it learnt the false feature x2,\n"
              "so moving a point by delta/2 across the dashed line flips its label",
              f"trapezoid network, width {stable.hidden_widths[0]} (grows with K): it follows the stripes of x1,\n"
              "certified equal to the true label on every point's eps/2-neighbourhood")
    for ax, model, title in ((axes[0], net, titles[0]), (axes[1], stable, titles[1])):
        ax.contourf(T, Z, (model.forward(pts) > 0.5).reshape(T.shape), levels=[-0.5, 0.5, 1.5], cmap="coolwarm",
                    alpha=0.35)
        sel = X[:, 0] <= 0.2
        ax.scatter(X[sel, 0], X[sel, 1], c=(X[sel, 1] > 0), cmap="coolwarm", s=6)
        ax.axhline(float(family.delta) / 2, color="k", lw=0.6, ls="--")
        ax.set_xlabel("x1 (true feature: the label is the parity of its stripe)")
        ax.set_ylabel("x2 (false feature)")
        ax.set_title(title, fontsize=8)
    cmap = plt.get_cmap("coolwarm")
    fig.legend(handles=[Patch(color=cmap(1.0), alpha=0.35, label="region the network labels 1"),
                        Patch(color=cmap(0.0), alpha=0.35, label="region the network labels 0"),
                        Line2D([], [], marker="o", ls="none", color=cmap(1.0), ms=4, label="training point, label 1"),
                        Line2D([], [], marker="o", ls="none", color=cmap(0.0), ms=4, label="training point, label 0"),
                        Line2D([], [], color="k", lw=0.6, ls="--", label="x2 = delta/2")],
               loc="lower center", ncol=5, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path)
    plt.close(fig)
    return path
