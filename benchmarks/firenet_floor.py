"""firenet-floor: FIRENET's cost per primal-dual step on a 256x256 image against the physical floor.

The floor is one forward plus one adjoint application of ``A = P F W*`` (25% Fourier samples, db4 wavelets): every
primal-dual step needs exactly that. ratio = floor time / step time (best of several runs; 1 means FIRENET adds
nothing on top of the operator).
"""

from __future__ import annotations

import time

import numpy as np

from smale18.verify.nets import firenet
from smale18.verify.operators import SampledTransform, phantom, variable_density_mask

NAME = "firenet-floor"
TARGET = 0.67


def run(quick: bool = False) -> float:
    n = 128 if quick else 256
    A = SampledTransform(n, "fourier", variable_density_mask(n, 0.25, seed=0), wavelet="db4", levels=4)
    x = A.analysis(phantom(n))
    y = A.matvec(x)
    steps = 20 if quick else 40
    floor = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(steps):
            A.rmatvec(A.matvec(x))
        floor.append((time.perf_counter() - t) / steps)
    net = firenet(A.operator(), lam=1e-3, restarts=1, inner=steps, eps0=float(np.linalg.norm(x)), L_A=A.norm_upper())
    step = []
    for _ in range(5):
        t = time.perf_counter()
        net.inner_block(y, np.zeros(A.N))
        step.append((time.perf_counter() - t) / steps)
    ratio = min(floor) / min(step)
    print(f"{NAME}: {n}x{n}, 25% Fourier samples, db4: forward+adjoint {min(floor) * 1e3:.2f} ms, FIRENET step "
          f"{min(step) * 1e3:.2f} ms")
    print(f"{NAME}: ratio={ratio:.2f} target={TARGET:g}")
    return ratio
