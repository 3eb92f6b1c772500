"""A demonstration pair: a trained reconstruction that is accurate on its class but unstable, against FIRENET.

**Measurements.** ``A = P T W*`` on ``n x n`` images (``n`` in :data:`SIDES`): 25% of the 2-D DCT (a seeded variable
density mask) of the image, whose db2 wavelet coefficients (2 levels) are the unknown ``x``; ``m`` samples,
``||A|| <= 1``.

**The class** (genuinely low-dimensional, so that a learned linear map can be accurate). A fixed, seeded layout of
:data:`LARGE_ELLIPSES` large ellipses and ``ceil(DETAIL_RATIO m)`` small blobs (semi-axes of 0.75 to 1.5 pixels); an
image of the class is their sum with random intensities, uniform in ``[0.1, 0.4]`` for the ellipses and
``[0, 0.15]`` for the blobs: ``x = U c``, ``k = LARGE_ELLIPSES + ceil(DETAIL_RATIO m)`` layout columns ``U``. The
blobs are fine detail that 25% of the DCT measures only weakly; there are more of them than measurements, so no
linear map recovers the class exactly.

**The trained map** ``Psi(y) = W y`` (one affine layer, a :class:`~smale18.verify.nets.Network`) is ridge regression on
``train`` pairs ``(x_i, A x_i)`` of the class (default ``3 k``, about 3.6 m images):
``W = argmin_W sum_i ||W y_i - x_i||^2 + rho s_1^2 ||W||_F^2`` (``s_1`` the largest singular value of the training
measurements), from an SVD, with ``rho`` from :data:`RIDGES` (``10^-2 ... 10^-12``) the one of smallest mean error on
:data:`VALIDATION` separate images: the most accurate linear map the data gives. Observed, seeds 0-2 at n = 16 and
32: clean relative error ``||W Ax - x|| / ||x||`` on :data:`HELD_OUT` further images of the class 2.3-4.5% on
average, below 7% on every one; its norm (the attack's amplification) 31-250. That accuracy is what costs the
stability: with ``rho = 10^-6`` the map has error 3.9-5.1% and norm 4.3-8.5, with ``rho = 10^-4`` error 7-10% and
norm 1.5-2.5 (table in proofs_notes/stability.md).

**FIRENET** (``lam = 0.01``, 8 restarts of 15 steps, ``eps0 = 1.5 max ||x_i||`` over the training images, ``delta =
1e-4``) is not trained on the class; it assumes sparsity in wavelets, which these small textured images barely have,
and its clean error is observed at 25-62% (close to that of the zero-filled ``A^T y``). It is evaluated through its
float64 fast path ``Firenet.run`` (the map of its layers, to rounding); the attack's gradients are reverse mode through
the same iteration (:meth:`~smale18.verify.nets.Firenet.run_vjp`; observed to agree with the layers' VJP to 1e-15, the tests assert 1e-10).

**The attack.** Both maps are attacked on the first held-out image with the same budget: projected gradient ascent
(:func:`smale18.verify.stability.worst_case_perturbation`) for a perturbation ``r`` of the coefficients with
``||r|| <= 5% ||Ax||``. Every attack number (output change, amplification, attacked error) and every clean error is
*observed*. Only the Lipschitz bounds (:func:`smale18.verify.stability.lipschitz_upper`) are certified: the trained
map's from its dense matrix in ball arithmetic (tight: the observed amplification reaches it to about 1%), FIRENET's as
a product of its layer norms given the closed form ``||A|| <= 1`` (proofs_notes/stability.md): true, but ``~10^86``.
Measured on this machine (2 shared cores, ``time.perf_counter`` around the call, seeds 0-2): 2.5-3.2 s at n = 16
with 20 ascent steps, 5.1-6.3 s at n = 32 with 40.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._errors import check_int_range, short_repr

from smale18.verify.nets import Affine, Network, firenet
from smale18.verify.operators import SampledTransform, variable_density_mask
from smale18.verify.stability import AttackResult, lipschitz_upper, worst_case_perturbation

__all__ = ["random_phantoms", "DemoPair", "demonstration_pair", "demonstration_figure", "SIDES"]

#: image sides of :func:`demonstration_pair` (n = 8 has too few wavelet levels for db2 at 2 levels; larger sides
#: would need a dense trained matrix of N x m entries and slower attacks)
SIDES = (16, 32)
#: seeds, ascent steps, and the most pixels of :func:`random_phantoms` (count * n^2, 8 bytes each: 1 GiB)
MAX_SEED, MAX_STEPS, MAX_PIXELS = 2**32 - 1, 1000, 1 << 27
#: the class: large ellipses, and small blobs per measurement (``ceil(DETAIL_RATIO * m)`` blobs)
LARGE_ELLIPSES, DETAIL_RATIO = 5, 1.2
#: images used to choose the ridge, and held-out images on which the clean errors are measured
VALIDATION, HELD_OUT = 20, 20
#: the ridge grid, relative to the largest squared singular value of the training measurements
RIDGES = tuple(10.0 ** -k for k in range(2, 13))
#: the most training images (the training signals are an N x train float64 array)
MAX_TRAIN = 20000
#: the attack budget, as a fraction of ||Ax||
BUDGET = 0.05
#: FIRENET's parameters (lam: the smallest clean error on the class among 0.003, 0.01, 0.03, 0.1, seeds 0-2)
FIRENET_LAM, FIRENET_RESTARTS, FIRENET_INNER, FIRENET_DELTA = 0.01, 8, 15, 1e-4


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


def _ellipse_masks(n: int, count: int, rng, semi_axes: tuple, spread: float) -> np.ndarray:
    """``count`` indicator images of random ellipses: semi-axes uniform in ``semi_axes``, centres in
    ``[-spread, spread]^2`` (coordinates ``[-1, 1]^2``)."""
    yy, xx = np.mgrid[-1:1:complex(0, n), -1:1:complex(0, n)]
    out = np.zeros((count, n, n))
    for k in range(count):
        a, b = rng.uniform(*semi_axes, 2)
        x0, y0 = rng.uniform(-spread, spread, 2)
        t = rng.uniform(0, np.pi)
        xr = (xx - x0) * np.cos(t) + (yy - y0) * np.sin(t)
        yr = -(xx - x0) * np.sin(t) + (yy - y0) * np.cos(t)
        out[k] = (xr / a) ** 2 + (yr / b) ** 2 <= 1
    return out


def _class_layout(A: SampledTransform, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The class of the module docstring: ``(U, lo, hi)``, the layout's wavelet coefficients as columns (N x k) and
    the intensity range of each column; an image of the class is ``U c`` with ``c`` uniform in ``[lo, hi]``."""
    n, spacing = A.n, 2.0 / (A.n - 1)  # the pixel grid's spacing in [-1, 1]
    large = _ellipse_masks(n, LARGE_ELLIPSES, rng, (0.2, 0.7), 0.3)
    # semi-axes >= 0.75 spacing > 1/sqrt(2) spacing: every blob holds the grid point nearest its centre
    blobs = _ellipse_masks(n, math.ceil(DETAIL_RATIO * A.m), rng, (0.75 * spacing, 1.5 * spacing), 0.7)
    U = np.stack([A.analysis(im) for im in np.concatenate([large, blobs])], axis=1)
    lo = np.concatenate([np.full(len(large), 0.1), np.zeros(len(blobs))])
    hi = np.concatenate([np.full(len(large), 0.4), np.full(len(blobs), 0.15)])
    return U, lo, hi


def _relative_errors(out: np.ndarray, X: np.ndarray) -> np.ndarray:
    return np.linalg.norm(out - X, axis=0) / np.linalg.norm(X, axis=0)


def _ridge_fit(Y: np.ndarray, X: np.ndarray, Yv: np.ndarray, Xv: np.ndarray):
    """``(W, rho, path)``: ridge regression ``x ~ W y`` on the columns of ``(Y, X)`` for each ``rho`` of :data:`RIDGES`
    (``W = X Q diag(s / (s^2 + rho s_1^2)) P^T`` from the SVD ``Y = P diag(s) Q^T``), the one with the smallest mean
    relative error on ``(Yv, Xv)``, and ``path = ((rho, mean validation error), ...)``."""
    P, s, Qt = np.linalg.svd(Y, full_matrices=False)
    XQ = X @ Qt.T
    best, path = None, []
    for rho in RIDGES:
        W = (XQ * (s / (s * s + rho * s[0] ** 2))) @ P.T
        err = float(np.mean(_relative_errors(W @ Yv, Xv)))
        path.append((rho, err))
        if best is None or err < best[1]:
            best = (W, err, rho)
    return best[0], best[2], tuple(path)


@dataclass(frozen=True)
class DemoPair:
    """The pair, attacked (observed), with certified Lipschitz bounds and the trained map's fit.

    ``trained``, ``firenet``: the attacks on the shown image; ``trained_bound``, ``firenet_bound``: certified
    Lipschitz upper bounds; ``training_error``: the trained map's relative error over all its training pairs;
    ``validation_error``, ``firenet_error``: the clean relative errors of the two maps on the shown (held-out) image;
    ``radius``: the budget ``0.05 ||Ax||``; ``image``: the shown image; ``images``: the five images of the figure;
    ``trained_heldout_errors``, ``firenet_heldout_errors``: clean relative errors on the held-out images (the shown
    one first); ``trained_attacked_error``, ``firenet_attacked_error``: relative errors after the attack; ``ridge``
    and ``ridge_path`` (``(rho, mean validation error)`` for each ``rho`` tried); ``train``: training images;
    ``class_dimension``: the class's ``k``; ``m``: measurements; ``n``: the image side. All errors are observed."""

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
    trained_heldout_errors: tuple
    firenet_heldout_errors: tuple
    trained_attacked_error: float
    firenet_attacked_error: float
    ridge: float
    ridge_path: tuple
    train: int
    class_dimension: int
    m: int
    n: int


def demonstration_pair(n: int = 32, train: int | None = None, seed: int = 0, steps: int = 40,
                       progress=None) -> DemoPair:
    """Build the class, train the map, build FIRENET, and attack both on a held-out image (the module docstring).

    ``n`` one of :data:`SIDES`; ``train`` None (``3 k`` images, ``k`` the class dimension) or an integer in
    ``[1, MAX_TRAIN]``; ``seed`` in ``[0, 2^32 - 1]`` (mask, layout, images, attack start); ``steps`` in ``[1, 1000]``
    ascent steps; ``progress(what, done, total)``, if given, is called after each ascent step of the two attacks.
    Both attacks keep ``||r|| <= radius = 0.05 ||Ax||``; every error and attack number is observed, the two bounds
    are certified.

    >>> pair = demonstration_pair(n=16, seed=0, steps=5)
    >>> f"{pair.validation_error:.1%} clean, {pair.trained_attacked_error:.0%} attacked (trained map)"
    '2.7% clean, 196% attacked (trained map)'
    >>> pair.trained.output_change > 5 * pair.firenet.output_change
    True
    >>> demonstration_pair(n=24)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: n=24 must be one of 16, 32
    """
    if progress is not None and not callable(progress):
        raise Smale18Error(f"progress={short_repr(progress)} must be None or callable as progress(what, done, total)")
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n not in SIDES:
        raise Smale18Error(f"n={short_repr(n)} must be one of {', '.join(map(str, SIDES))}")
    n = int(n)
    train = None if train is None else check_int_range(train, "train", 1, MAX_TRAIN)
    seed = check_int_range(seed, "seed", 0, MAX_SEED)
    steps = check_int_range(steps, "steps", 1, MAX_STEPS)
    A = SampledTransform(n, "dct", variable_density_mask(n, 0.25, seed=seed), wavelet="db2", levels=2)
    op = A.operator()
    A_dense = A.matvec(np.eye(A.N))  # the m x N matrix (for the training data and FIRENET's gradients)
    rng = np.random.default_rng(seed)
    U, lo, hi = _class_layout(A, rng)
    k = U.shape[1]
    train = 3 * k if train is None else train
    C = rng.uniform(lo[:, None], hi[:, None], (k, train + VALIDATION + HELD_OUT))
    X, Y = U @ C, (A_dense @ U) @ C
    held = slice(train + VALIDATION, None)
    W, ridge, ridge_path = _ridge_fit(Y[:, :train], X[:, :train], Y[:, train:held.start], X[:, train:held.start])
    trained = Network(A.m, (Affine(R=W),))
    training_error = float(np.linalg.norm(W @ Y[:, :train] - X[:, :train]) / np.linalg.norm(X[:, :train]))
    Xh, Yh = X[:, held], Y[:, held]
    trained_heldout = _relative_errors(W @ Yh, Xh)
    fn = firenet(op, lam=FIRENET_LAM, restarts=FIRENET_RESTARTS, inner=FIRENET_INNER,
                 eps0=1.5 * float(np.max(np.linalg.norm(X[:, :train], axis=0))), delta=FIRENET_DELTA,
                 L_A=A.norm_upper())
    firenet_heldout = _relative_errors(fn.run(Yh), Xh)
    x, y = Xh[:, 0], Yh[:, 0]  # the shown image: the first held-out one
    radius = BUDGET * float(np.linalg.norm(y))

    def told(what):
        return None if progress is None else (lambda done, total: progress(what, done, total))

    att_t = worst_case_perturbation(trained, op, x, lam=0.0, steps=steps, lr=0.5 * radius, radius=radius, seed=seed,
                                    progress=told("trained map"))
    att_f = worst_case_perturbation(fn.run, op, x, lam=0.0, steps=steps, lr=0.5 * radius, radius=radius, seed=seed,
                                    vjp=lambda yy, gg: fn.run_vjp(yy, gg, dense=A_dense), progress=told("FIRENET"))
    fnet = fn.network()
    bound_t = lipschitz_upper(trained)
    bound_f = lipschitz_upper(fnet, fn.layer_norm_bounds(fnet))
    out_t, out_f = W @ A.matvec(x + att_t.r), fn.run(A.matvec(x + att_f.r))
    images = {
        "original": A.synthesis(x),
        "trained": A.synthesis(W @ y),
        "trained, attacked": A.synthesis(out_t),
        "FIRENET": A.synthesis(fn.run(y)),
        "FIRENET, attacked": A.synthesis(out_f),
    }
    norm_x = float(np.linalg.norm(x))
    return DemoPair(att_t, att_f, bound_t, bound_f, training_error, float(trained_heldout[0]),
                    float(firenet_heldout[0]), radius, A.synthesis(x), images,
                    tuple(map(float, trained_heldout)), tuple(map(float, firenet_heldout)),
                    float(np.linalg.norm(out_t - x)) / norm_x, float(np.linalg.norm(out_f - x)) / norm_x,
                    ridge, ridge_path, train, k, A.m, n)


def demonstration_figure(pair: DemoPair, path: str) -> str:
    """The original held-out image and the two maps' reconstructions of it, clean and attacked, on one grey scale
    (the original's range; values outside it are clipped), each titled with its observed relative error
    ``||output - x|| / ||x||`` and, when attacked, the output change ``||Psi(A(x + r)) - Psi(Ax)||``; the suptitle
    states the budget and the maps' held-out errors (PNG written to ``path``, which is returned)."""
    if not isinstance(pair, DemoPair):
        raise Smale18Error(f"pair must be a DemoPair, not {type(pair).__name__}")
    if not isinstance(path, str) or not path:
        raise Smale18Error(f"path={short_repr(path)} must be a file name")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    norm_x = float(np.linalg.norm(pair.image))
    hi = float(pair.image.max())
    lo = min(0.0, float(np.round(pair.image.min(), 6)))  # the class's images are >= 0 up to the wavelets' rounding

    def change(att):
        return f"output change {att.output_change:.3g} = {att.output_change / norm_x:.2g} ||x||"

    titles = {
        "original": f"original x ({pair.n}x{pair.n})\na held-out image of the class",
        "trained": f"trained map, clean\nerror {pair.validation_error:.1%}",
        "trained, attacked": f"trained map, attacked\nerror {pair.trained_attacked_error:.0%}; {change(pair.trained)}",
        "FIRENET": f"FIRENET, clean\nerror {pair.firenet_error:.1%}",
        "FIRENET, attacked": f"FIRENET, attacked\nerror {pair.firenet_attacked_error:.0%}; {change(pair.firenet)}",
    }
    fig, axes = plt.subplots(1, 5, figsize=(15.5, 4.0), dpi=110)
    for ax, (key, im) in zip(axes, pair.images.items()):
        shown = ax.imshow(im, cmap="gray", vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_title(titles[key], fontsize=8.5)
        ax.set_xticks([])
        ax.set_yticks([])
    th, fh = np.asarray(pair.trained_heldout_errors), np.asarray(pair.firenet_heldout_errors)
    fig.suptitle(
        f"The same attack on a trained linear map and on FIRENET: a perturbation r of x with ||r|| <= 5% of ||Ax|| "
        f"(= {pair.radius:.3g}; ||x|| = {norm_x:.3g}), searched for each map to change its output most (all numbers "
        f"observed)\ntrained map: ridge regression on {pair.train} images of the class, clean error on "
        f"{len(th)} held-out images {th.mean():.1%} mean, {th.max():.1%} max;  FIRENET (not trained, assumes "
        f"sparsity in wavelets): {fh.mean():.0%} mean, {fh.max():.0%} max\n"
        f"measurements: {pair.m} of the {pair.n * pair.n} 2-D DCT coefficients (25%); errors are "
        f"||output - x|| / ||x||; grey scale [{lo:.3g}, {hi:.3g}] (the original's range) in every panel, values "
        "outside it clipped",
        fontsize=9)
    fig.tight_layout(rect=(0, 0, 0.95, 0.87))
    cax = fig.add_axes((0.955, 0.1, 0.01, 0.64))
    fig.colorbar(shown, cax=cax)
    fig.savefig(path)
    plt.close(fig)
    return path
