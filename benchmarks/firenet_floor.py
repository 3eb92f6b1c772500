"""firenet-floor: FIRENET's cost per primal-dual step on a 256x256 image (128x128 with ``--quick``) against the floor
of its operator.

The operator is ``A = P F W*`` (25% Fourier samples, db4 wavelets, 4 levels) in both coefficient domains. Side by side,
in one process, each a median over interleaved rounds of CPU time (``time.process_time``; every contender runs on one
core, so time spent waiting for a core on the shared machine does not count; other processes' cache pressure does):

- **floor**: the kernels alone, what any ``A`` plus ``A*`` built on them must cost: the 2-D FFT pair (``rfft2`` and
  ``irfft2`` in the real domain, ``fft2`` and ``ifft2`` in the complex one, on ready arrays) plus the wavelet kernels
  of :mod:`smale18.verify.operators` (per level one ``pywt.dwt``/``idwt`` row pass and one sparse column pass, on ready
  stacks; no packing, index maps or checks). For reference, the same FFTs plus ``pywt.wavedec2``/``waverec2``;
- **old**: the operator as it was before issue 17, column by column (pywt's ``wavedec2``/``waverec2`` with
  ``coeffs_to_array``/``array_to_coeffs`` per column, complex ``fft2`` also for real images), kept below;
- **new**: :class:`~smale18.verify.operators.SampledTransform`, on one vector and on a block of 16 columns;
- **FIRENET**: one primal-dual step (``Firenet.inner_block`` over ``steps`` steps, divided), with the new operator.

Every time is printed as a multiple of the floor, with the minor page faults per call (fresh memory that the kernel
maps and zeroes, part of the CPU time). ratio = floor / FIRENET step in the real domain (1 would mean FIRENET adds
nothing to the kernels).
"""

from __future__ import annotations

import time

import numpy as np
import pywt
import scipy.fft as sfft

try:
    import resource  # Unix: page-fault counts
except ImportError:  # pragma: no cover
    resource = None

from smale18.verify.nets import firenet
from smale18.verify.operators import (SampledTransform, _wavelet_analysis, _wavelet_synthesis, phantom,
                                      variable_density_mask)

NAME = "firenet-floor"
TARGET = 0.67
BATCH = 16


class _PerColumnOperator:
    """``SampledTransform`` before issue 17 (same maps, same results to rounding), to measure against."""

    def __init__(self, A: SampledTransform):
        self.A = A
        zeros = pywt.wavedec2(np.zeros((A.n, A.n)), A.wavelet, mode="periodization", level=A.levels)
        self.slices = pywt.coeffs_to_array(zeros)[1]
        self.idx = np.flatnonzero(A.mask)

    def matvec(self, x):
        A = self.A
        if x.ndim == 2:
            return np.stack([self.matvec(col) for col in x.T], axis=1)
        x = x.astype(np.complex128, copy=False) if A.domain == "complex" else x.real
        coeffs = pywt.array_to_coeffs(x.reshape(A.n, A.n), self.slices, output_format="wavedec2")
        image = pywt.waverec2(coeffs, A.wavelet, mode="periodization")
        return sfft.fft2(image, norm="ortho").reshape(-1)[self.idx]

    def rmatvec(self, z):
        A = self.A
        if z.ndim == 2:
            return np.stack([self.rmatvec(col) for col in z.T], axis=1)
        full = np.zeros(A.N, dtype=np.complex128)
        full[self.idx] = z
        image = sfft.ifft2(full.reshape(A.n, A.n), norm="ortho")
        image = image if A.domain == "complex" else image.real
        arr, _ = pywt.coeffs_to_array(pywt.wavedec2(image, A.wavelet, mode="periodization", level=A.levels))
        return arr.reshape(-1)


def _kernels(A: SampledTransform, rng):
    """``(ours, pywt, fft)``: zero-argument calls of the FFT pair plus the wavelet kernels alone, on ready arrays
    (the operator's wavelet kernels, pywt's 2-D ones), and of the FFT pair alone."""
    n, parts = A.n, 2 if A.domain == "complex" else 1
    stack = rng.standard_normal((n, parts, n))  # real (and imaginary) parts of one image, as the operator stacks them
    image = stack[:, 0, :] + (1j * stack[:, 1, :] if parts == 2 else 0)
    if A.domain == "complex":
        spectrum = sfft.fft2(image, norm="ortho")
        fft = lambda: sfft.fft2(image, norm="ortho")  # noqa: E731
        ifft = lambda: sfft.ifft2(spectrum, norm="ortho")  # noqa: E731
    else:
        half = sfft.rfft2(image, norm="ortho")
        fft = lambda: sfft.rfft2(image, norm="ortho")  # noqa: E731
        ifft = lambda: sfft.irfft2(half, s=(n, n), norm="ortho")  # noqa: E731
    coeffs = pywt.wavedec2(image, A.wavelet, mode="periodization", level=A.levels)

    def ours():
        fft(), ifft()
        _wavelet_synthesis(stack, A._wav, A._mats), _wavelet_analysis(stack, A._wav, A._mats)

    def library():
        fft(), ifft()
        pywt.waverec2(coeffs, A.wavelet, mode="periodization")
        pywt.wavedec2(image, A.wavelet, mode="periodization", level=A.levels)

    def ffts():
        fft(), ifft()

    return ours, library, ffts


def _medians(contenders: dict, rounds: int) -> tuple[dict, dict]:
    """``(times, faults)``: median CPU time per call of each ``(fn, repeat)``, the contenders interleaved in every
    round, and the minor page faults per call (fresh memory the kernel maps and zeroes; counted in CPU time)."""
    times = {name: [] for name in contenders}
    faults = dict.fromkeys(contenders, 0 if resource else float("nan"))
    minflt = (lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt) if resource else (lambda: 0)
    for _ in range(rounds):
        for name, (fn, repeat) in contenders.items():
            before = minflt()
            t = time.process_time()
            for _ in range(repeat):
                fn()
            times[name].append((time.process_time() - t) / repeat)
            faults[name] += (minflt() - before) / (repeat * rounds)
    return {name: float(np.median(v)) for name, v in times.items()}, faults


def run(quick: bool = False) -> float:
    n = 128 if quick else 256
    steps, rounds = (10, 7) if quick else (20, 9)
    rng = np.random.default_rng(0)
    mask = variable_density_mask(n, 0.25, seed=0)
    print(f"{NAME}: {n}x{n}, {mask.mean():.0%} Fourier samples, db4, 4 levels; CPU-time medians of {rounds} "
          f"interleaved rounds (time.process_time), as multiples of the floor")
    print(f"{NAME}: {'domain':8s}{'floor':>9s}{'W part':>7s}{'pywt2d':>8s}{'old A+A*':>10s}{'new A+A*':>10s}"
          f"{'speed-up':>9s}{f'old {BATCH} col':>12s}{f'new {BATCH} col':>12s}{'speed-up':>9s}{'FIRENET':>9s}")
    ratio, fault_lines = None, []
    for domain in ("real", "complex"):
        A = SampledTransform(n, "fourier", mask, wavelet="db4", levels=4, domain=domain)
        old = _PerColumnOperator(A)
        x = A.analysis(phantom(n))
        y = A.matvec(x)
        X = rng.standard_normal((A.N, BATCH)) + (1j * rng.standard_normal((A.N, BATCH)) if domain == "complex" else 0)
        net = firenet(A.operator(), lam=1e-3, restarts=1, inner=steps, eps0=float(np.linalg.norm(x)),
                      L_A=A.norm_upper())
        start = np.zeros(A.N, dtype=np.complex128 if domain == "complex" else float)
        ours, library, ffts = _kernels(A, rng)
        t, faults = _medians({
            "floor": (ours, steps), "pywt2d": (library, steps), "fft": (ffts, steps),
            "old": (lambda: old.rmatvec(old.matvec(x)), steps), "new": (lambda: A.rmatvec(A.matvec(x)), steps),
            "old16": (lambda: old.rmatvec(old.matvec(X)), 1), "new16": (lambda: A.rmatvec(A.matvec(X)), 1),
            "firenet": (lambda: net.inner_block(y, start), 1),
        }, rounds)
        for name, count in (("old16", BATCH), ("new16", BATCH), ("firenet", steps)):
            t[name] /= count
            faults[name] /= count
        f = t["floor"]
        print(f"{NAME}: {domain:8s}{f * 1e3:6.2f} ms{1 - t['fft'] / f:6.0%}{t['pywt2d'] / f:7.2f}x"
              f"{t['old'] / f:9.2f}x{t['new'] / f:9.2f}x{t['old'] / t['new']:8.2f}x{t['old16'] / f:11.2f}x"
              f"{t['new16'] / f:11.2f}x{t['old16'] / t['new16']:8.2f}x{t['firenet'] / f:8.2f}x")
        fault_lines.append(f"{domain} " + ", ".join(f"{name} {faults[name]:.0f}" for name in
                                                    ("floor", "old", "new", "old16", "new16", "firenet")))
        if domain == "real":
            ratio = f / t["firenet"]
    print(f"{NAME}: (W part: the wavelet kernels' share of the floor; pywt2d: the floor with pywt's wavedec2/waverec2; "
          f"{BATCH} col: per column of a {BATCH}-column block; speed-up: old over new; FIRENET: one primal-dual step "
          f"with the new operator)")
    print(f"{NAME}: minor page faults per call (per column, per step): " + "; ".join(fault_lines))
    print(f"{NAME}: ratio={ratio:.2f} target={TARGET:g}")
    return ratio
