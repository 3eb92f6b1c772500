"""FIRENET on images: reconstruction of a phantom from subsampled Fourier data, error per restart, and a figure."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._errors import check_int_range, check_positive_number, short_repr

from smale18.verify.nets import firenet
from smale18.verify.operators import (DOMAINS, SampledTransform, coordinate_weights, level_sparsities, phantom,
                                      variable_density_mask)

__all__ = ["ImageReconstruction", "reconstruct_phantom", "reconstruction_figure"]


def _positive(value, name: str, upper: float) -> float:
    """A finite real number in ``(0, upper]`` as a float (:func:`smale18.oracle._errors.check_positive_number`)."""
    return float(check_positive_number(value, name, upper))


@dataclass(frozen=True)
class ImageReconstruction:
    """Observed results: the image, the zero-filled and FIRENET reconstructions, relative errors per restart, timing.

    ``domain`` is the problem solved (``"real"`` or ``"complex"`` wavelet coefficients, ``proofs_notes/images.md``); for
    ``"complex"`` the reconstructions ``zero_filled`` and ``firenet`` are complex images and the errors are
    ``||W* x - image|| / ||image||`` of the complex image (the figure shows the modulus)."""

    image: np.ndarray
    zero_filled: np.ndarray
    firenet: np.ndarray
    errors: tuple
    zero_filled_error: float
    seconds: float
    seconds_per_iteration: float
    sampling_fraction: float
    mask: np.ndarray | None = None  # the sampling mask (DC at the corner, as fft2 has it)
    transform: str = "fourier"
    domain: str = "real"


def reconstruct_phantom(n: int = 256, fraction: float = 0.25, restarts: int = 12, inner: int = 25, seed: int = 0,
                        transform: str = "fourier", wavelet: str = "db4", levels: int = 4, lam: float = 1e-3,
                        delta: float = 1e-4, domain: str = "complex") -> ImageReconstruction:
    """Sample the phantom's spectrum with a seeded variable-density mask and run FIRENET (weights ``sqrt(s/s_k)`` on
    wavelet levels, ``||A|| <= 1`` in closed form) on
    ``min lam ||x||_{l1,w} + ||P T W* x - y||_2`` over ``x`` in ``C^N`` (``domain="complex"``, the paper's problem,
    default) or ``R^N`` (``domain="real"``). Bounds: ``n`` a power of two in [16, 1024]; ``restarts`` and
    ``inner`` in [1, 1000] with ``restarts * inner * n^2 <= 2^32``; ``seed`` in [0, 2^32 - 1]; ``lam`` in (0, 10^6];
    ``delta`` in [0, 10^6] (the transform, wavelet, levels and fraction are checked by
    :class:`~smale18.verify.operators.SampledTransform` and :func:`~smale18.verify.operators.variable_density_mask`;
    ``domain`` must be ``"real"`` or ``"complex"``). Observed measurements of both problems: ``proofs_notes/images.md``.

    >>> rec = reconstruct_phantom(16, 0.5, restarts=2, inner=5, wavelet="haar", levels=2)
    >>> rec.domain, rec.firenet.dtype, len(rec.errors)  # psi_0 = 0, then one error per restart
    ('complex', dtype('complex128'), 3)
    >>> reconstruct_phantom(16, domain="R")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: domain='R' must be 'real' (real wavelet coefficients) or 'complex' ...
    """
    n = check_int_range(n, "n", 16, 1024)
    if n & (n - 1):
        raise Smale18Error(f"n={n} must be a power of two")
    restarts = check_int_range(restarts, "restarts", 1, 1000)
    inner = check_int_range(inner, "inner", 1, 1000)
    if restarts * inner * n * n > 1 << 32:
        raise Smale18Error(f"restarts={restarts} x inner={inner} iterations on {n}x{n} images is too much work "
                           "(restarts * inner * n^2 must be at most 2^32)")
    seed = check_int_range(seed, "seed", 0, 2**32 - 1)
    lam = _positive(lam, "lam", 1e6)
    if isinstance(delta, (bool, np.bool_)) or not isinstance(delta, (int, float, np.integer, np.floating)) \
            or (isinstance(delta, (int, np.integer)) and not 0 <= delta <= 1e6) \
            or not (np.isfinite(float(delta)) and 0 <= delta <= 1e6):
        raise Smale18Error(f"delta={short_repr(delta)} must be a number in [0, 1e+06]")
    if not isinstance(domain, str) or domain not in DOMAINS:
        raise Smale18Error(f"domain={short_repr(domain)} must be 'real' (real wavelet coefficients) or 'complex' "
                           "(complex wavelet coefficients, as in the paper)")
    mask = variable_density_mask(n, fraction, seed=seed)
    A = SampledTransform(n, transform, mask, wavelet=wavelet, levels=levels, domain=domain)
    img = phantom(n)
    x = A.analysis(img)  # real: the phantom is a real image
    y = A.matvec(x)
    w = coordinate_weights(A, level_sparsities(A, x))
    net = firenet(A.operator(), lam=lam, weights=w, restarts=restarts, inner=inner,
                  eps0=float(np.linalg.norm(x)) * 1.1, delta=delta, L_A=A.norm_upper())
    t = time.perf_counter()
    hist = net.run(y, history=True)
    seconds = time.perf_counter() - t
    norm = np.linalg.norm(img)
    errors = tuple(float(np.linalg.norm(A.synthesis(h) - img) / norm) for h in hist)
    zf = A.synthesis(A.rmatvec(y))
    return ImageReconstruction(img, zf, A.synthesis(hist[-1]), errors, float(np.linalg.norm(zf - img) / norm),
                               seconds, seconds / (restarts * inner), float(mask.mean()), mask, transform, domain)


def reconstruction_figure(rec: ImageReconstruction, path: str) -> str:
    """Original, zero-filled and FIRENET images with their relative errors, and the error per restart (PNG); the
    title states which problem was solved (real or complex wavelet coefficients) and complex images are shown by
    their modulus."""
    if not isinstance(rec, ImageReconstruction):
        raise Smale18Error(f"rec must be an ImageReconstruction, not {type(rec).__name__}")
    if not isinstance(path, str) or not path:
        raise Smale18Error(f"path={short_repr(path)} must be a file name")
    if rec.domain not in _PROBLEM:
        raise Smale18Error(f"rec.domain={short_repr(rec.domain)} must be 'real' or 'complex'")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = rec.image.shape[0]
    fig, axes = plt.subplots(1, 5, figsize=(17, 4.3), dpi=110)
    if rec.mask is not None:
        axes[0].imshow(np.fft.fftshift(rec.mask), cmap="gray_r", interpolation="nearest")
    name = {"fourier": "Fourier", "dct": "DCT", "hadamard": "Hadamard"}.get(rec.transform, rec.transform)
    axes[0].set_title(f"sampling mask: {rec.sampling_fraction:.0%} of the {name} coefficients\n(black = sampled; "
                      "low frequencies in the centre)", fontsize=8)
    shown = "\n(|image| shown)" if rec.domain == "complex" else ""
    panels = [(rec.image, f"original ({n}x{n}, intensities in [0, 1])"),
              (rec.zero_filled, f"zero-filled (unsampled set to 0): error {rec.zero_filled_error:.1%}{shown}"),
              (rec.firenet, f"FIRENET: error {rec.errors[-1]:.1%}\n({_PROBLEM[rec.domain].split(',')[0]}"
                            f"{'; |image| shown' if shown else ''})")]
    for ax, (im, title) in zip(axes[1:4], panels):
        ax.imshow(np.abs(im) if np.iscomplexobj(im) else im, cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=8)
    for ax in axes[:4]:
        ax.axis("off")
    axes[4].semilogy(range(len(rec.errors)), rec.errors, "o-", ms=3)
    axes[4].set_xlabel("restart")
    axes[4].set_ylabel("||W* x_k - image|| / ||image||", fontsize=8)
    axes[4].set_title("FIRENET's relative error per restart (observed)", fontsize=8)
    axes[4].xaxis.get_major_locator().set_params(integer=True)
    axes[4].grid(True, which="both", alpha=0.3)
    field = "C" if rec.domain == "complex" else "R"
    fig.suptitle(f"Problem solved: min over x in {field}^N of lam ||x||_(l1,w) + ||P T W* x - y||_2  (T = 2-D {name}, "
                 f"W* = wavelet synthesis): {_PROBLEM[rec.domain]}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


#: the figure's name of each problem
_PROBLEM = {"real": "real wavelet coefficients", "complex": "complex wavelet coefficients, as in the paper"}
