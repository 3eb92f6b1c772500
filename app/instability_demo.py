"""A demonstration pair: FIRENET against a trained reconstruction that fits its data but is unstable.

Images: a class of random ellipse phantoms (n x n, seeded). Measurements: 25% of the 2-D DCT (real), on db2 wavelet
coefficients. The *trained network* is a learned linear reconstruction (one affine layer, ridge regression on the
training images, numpy) — it reproduces the training set almost exactly. Both maps are attacked the same way
(:func:`smale18.verify.stability.worst_case_perturbation`, perturbation of the image's coefficients with
``||r|| <= 5% ||Ax||``), and their certified Lipschitz bounds are computed (FIRENET's given the closed form
``||A|| <= 1`` of the sampled orthonormal transform, proofs_notes/stability.md). All attack numbers are *observed*.
The learned map fits its 250 training images exactly but generalises badly (a validation image of the class has
error above 100%): "fits the data" here means the training data.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._errors import check_int_range, short_repr

from smale18.verify.nets import Affine, Network, firenet
from smale18.verify.operators import SampledTransform, variable_density_mask
from smale18.verify.stability import AttackResult, lipschitz_upper, worst_case_perturbation

__all__ = ["random_phantoms", "DemoPair", "demonstration_pair", "demonstration_figure", "SIDES"]

#: image sides of :func:`demonstration_pair` (n = 8 has too few wavelet levels for db2 at 2 levels; n = 64 trains on
#: ~1000 images of 4096 coefficients and needs more than 6 GiB)
SIDES = (16, 32)
#: seeds, ascent steps, and the most pixels of :func:`random_phantoms` (count * n^2, 8 bytes each: 1 GiB)
MAX_SEED, MAX_STEPS, MAX_PIXELS = 2**32 - 1, 1000, 1 << 27


def random_phantoms(n: int, count: int, seed: int = 0) -> np.ndarray:
    """``count`` images of side n, each a sum of 3-5 random ellipses with values in [0, 1] (seeded); ``n`` in
    [1, 4096], ``count`` in [1, 2^20], ``count * n^2 <= 2^27``, ``seed`` in [0, 2^32 - 1]."""
    n = check_int_range(n, "n", 1, 4096)
    count = check_int_range(count, "count", 1, 1 << 20)
    if count * n * n > MAX_PIXELS:
        raise Smale18Error(f"count={count} images of side n={n} is {count * n * n} pixels, more than {MAX_PIXELS}")
    seed = check_int_range(seed, "seed", 0, MAX_SEED)
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


def demonstration_pair(n: int = 32, train: int | None = None, seed: int = 0, steps: int = 40,
                       progress=None) -> DemoPair:
    """Build, train and attack the pair (see the module docstring); ``train`` defaults to ``m - 13`` images, just
    below the number of measurements m, where the exact fit is most ill-posed. ``n`` one of :data:`SIDES`, ``train``
    None or an integer in [1, m - 1], ``seed`` in [0, 2^32 - 1], ``steps`` in [1, 1000]; ``progress(what, done,
    total)``, if given, is called after each ascent step of the two attacks."""
    if progress is not None and not callable(progress):
        raise Smale18Error(f"progress={short_repr(progress)} must be None or callable as progress(what, done, total)")
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n not in SIDES:
        raise Smale18Error(f"n={short_repr(n)} must be one of {', '.join(map(str, SIDES))}")
    n = int(n)
    seed = check_int_range(seed, "seed", 0, MAX_SEED)
    steps = check_int_range(steps, "steps", 1, MAX_STEPS)
    A = SampledTransform(n, "dct", variable_density_mask(n, 0.25, seed=seed), wavelet="db2", levels=2)
    train = A.m - 13 if train is None else check_int_range(train, "train", 1, A.m - 1)
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
    # progress(what, done, total), if given, hears about each ascent step of the two attacks
    att_t = worst_case_perturbation(trained, op, x, lam=0.0, steps=steps, lr=0.5 * radius, radius=radius, seed=seed,
                                    progress=None if progress is None else lambda d, t: progress("trained map", d, t))
    att_f = worst_case_perturbation(fnet, op, x, lam=0.0, steps=steps, lr=0.5 * radius, radius=radius, seed=seed,
                                    progress=None if progress is None else lambda d, t: progress("FIRENET", d, t))
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
    if not isinstance(pair, DemoPair):
        raise Smale18Error(f"pair must be a DemoPair, not {type(pair).__name__}")
    if not isinstance(path, str) or not path:
        raise Smale18Error(f"path={short_repr(path)} must be a file name")
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
