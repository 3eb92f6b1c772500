"""Soft-thresholding, the one copy every algorithm and layer of smale18 uses.

``soft_threshold(u, t)`` is the proximal map of ``t ||.||_1``: entrywise ``sign(u_i) max(|u_i| - t_i, 0)`` for real
``u``, and ``u_i max(1 - t_i/|u_i|, 0)`` for complex ``u`` (the proximal map of ``t sum_i |u_i|``, which shrinks the
modulus and keeps the phase). ``t`` is a non-negative scalar or an array broadcasting against ``u``. Computed in
float64 (or the dtype of ``u``); nothing here is certified — the ball enclosure of the same map is
``smale18.verify.nets.SoftThreshold.forward_ball``.

>>> import numpy as np
>>> soft_threshold(np.array([-3.0, 0.5, 2.0]), 1.0)
array([-2.,  0.,  1.])
>>> soft_threshold(np.array([3 + 4j]), 1.0)
array([2.4+3.2j])
"""

from __future__ import annotations

import numpy as np

__all__ = ["soft_threshold"]


def soft_threshold(u, t):
    """``S_t(u)``: real ``sign(u) max(|u| - t, 0)``, complex ``u max(1 - t/|u|, 0)`` (0 where ``|u| <= t``)."""
    if np.iscomplexobj(u):
        mag = np.abs(u)
        return u * np.where(mag > t, 1 - t / np.where(mag > 0, mag, 1), 0.0)
    return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)
