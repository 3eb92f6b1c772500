"""A demonstration pair: FIRENET against a trained reconstruction that fits its data but is unstable.

Images: a class of random ellipse phantoms (n x n, seeded). Measurements: 25% of the 2-D DCT (real), on db2 wavelet
coefficients. The *trained network* is a learned linear reconstruction (one affine layer, ridge regression on the
training images, numpy) — it reproduces the training set almost exactly. Both maps are attacked the same way
(:func:`verify.stability.worst_case_perturbation`, perturbation of the image's coefficients with
``||r|| <= 5% ||Ax||``), and their certified Lipschitz bounds are computed. All attack numbers are *observed*.
The learned map fits its 250 training images exactly but generalises badly (a validation image of the class has
error above 100%): "fits the data" here means the training data.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .nets import Affine, Network, firenet
from .operators import SampledTransform, variable_density_mask
from .stability import AttackResult, lipschitz_upper, worst_case_perturbation

__all__ = ["random_phantoms", "DemoPair", "demonstration_pair", "demonstration_figure"]


def random_phantoms(n: int, count: int, seed: int = 0) -> np.ndarray:
    """``count`` images of side n, each a sum of 3-5 random ellipses with values in [0, 1] (seeded)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[-1:1:complex(0, n), -1:1:complex(0, n)]
    out = np.zeros((count, n, n))
    for k in range(count):
        img = np.zeros((n, n))
        for _ in range(int(rng.integers(3, 6))):
            a, b = rng.uniform(0.15, 0.6, 2)
            x0, y0 = rng.uniform(-0.4, 0.4, 2)
            t = rng.uniform(0, np.pi)
            xr = (xx - x0) * np.cos(t) + (yy - y0) * np.sin(t)
            yr = -(xx - x0) * np.sin(t) + (yy - y0) * np.cos(t)
            img[(xr / a) ** 2 + (yr / b) ** 2 <= 1] += rng.uniform(0.2, 0.6)
        out[k] = np.clip(img, 0, 1)
    return out


@dataclass(frozen=True)
class DemoPair:
    """Observed attack results for both maps, their certified Lipschitz bounds, and the training fit."""

    trained: AttackResult
    firenet: AttackResult
    trained_bound: Fraction
    firenet_bound: Fraction
    training_error: float
    validation_error: float
    firenet_error: float
    radius: float
    image: np.ndarray
    images: dict


def demonstration_pair(n: int = 32, train: int | None = None, seed: int = 0, steps: int = 40) -> DemoPair:
    """Build, train and attack the pair (see the module docstring); ``train`` defaults to ``m - 13`` images, just
    below the number of measurements m, where the exact fit is most ill-posed."""
    A = SampledTransform(n, "dct", variable_density_mask(n, 0.25, seed=seed), wavelet="db2", levels=2)
    train = A.m - 13 if train is None else train
    op = A.operator()
    imgs = random_phantoms(n, train + 1, seed=seed)  # with train just below m = 263, the fit is exact and ill-posed
    X = np.stack([A.analysis(im) for im in imgs[:train]], axis=1)
    Y = op.matmat(X)
    # least squares (minimum-norm, pseudo-inverse of the Gram matrix): fits the training pairs exactly
    W = X @ Y.T @ np.linalg.pinv(Y @ Y.T, rcond=1e-12)
    trained = Network(A.m, (Affine(R=W),))
    training_error = float(np.linalg.norm(W @ Y - X) / np.linalg.norm(X))
    x = A.analysis(imgs[train])  # a new image of the class
    y = A.matvec(x)
    validation_error = float(np.linalg.norm(W @ y - x) / np.linalg.norm(x))
    fn = firenet(op, lam=1e-3, restarts=8, inner=15, eps0=float(np.linalg.norm(x)) * 1.5, delta=1e-4,
                 L_A=A.norm_upper())
    fnet = fn.network()
    firenet_error = float(np.linalg.norm(fnet.forward(y) - x) / np.linalg.norm(x))
    radius = 0.05 * float(np.linalg.norm(y))
    att_t = worst_case_perturbation(trained, op, x, lam=0.0, steps=steps, lr=0.5 * radius, radius=radius, seed=seed)
    att_f = worst_case_perturbation(fnet, op, x, lam=0.0, steps=steps, lr=0.5 * radius, radius=radius, seed=seed)
    bound_t = lipschitz_upper(trained)
    bound_f = lipschitz_upper(fnet, fn.layer_norm_bounds(fnet))
    images = {
        "original": A.synthesis(x),
        "trained": A.synthesis(W @ y),
        "trained, attacked": A.synthesis(W @ A.matvec(x + att_t.r)),
        "FIRENET": A.synthesis(fnet.forward(y)),
        "FIRENET, attacked": A.synthesis(fnet.forward(A.matvec(x + att_f.r))),
    }
    return DemoPair(att_t, att_f, bound_t, bound_f, training_error, validation_error, firenet_error, radius,
                    A.synthesis(x), images)


def demonstration_figure(pair: DemoPair, path: str) -> str:
    """The five images with the attacks' output changes (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 5, figsize=(15, 3.4), dpi=110)
    notes = {
        "trained, attacked": f"output change {pair.trained.output_change:.3g}",
        "FIRENET, attacked": f"output change {pair.firenet.output_change:.3g}",
    }
    for ax, (title, im) in zip(axes, pair.images.items()):
        ax.imshow(np.clip(im, 0, 1), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{title}\n{notes.get(title, '')}", fontsize=8)
        ax.axis("off")
    fig.suptitle(f"same attack, ||r|| <= {pair.radius:.3g} (5% of ||Ax||), observed", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.88))
    fig.savefig(path)
    plt.close(fig)
    return path
