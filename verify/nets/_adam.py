"""Adam (Kingma and Ba, 2015), the one copy that trains LISTA and the paradox's classifiers (numpy, in place).

``step(grads)`` updates every parameter ``p`` with its gradient ``g`` (``t`` counts the steps, from 1)::

    m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,   p <- p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

Training is observed, never certified: what smale18 proves about a trained network comes from its layers
(ball evaluation, Lipschitz bounds), not from how it was trained.

>>> import numpy as np
>>> w = np.array([1.0, -2.0])
>>> opt = Adam([w], lr=0.1)
>>> opt.step([2 * w])          # the gradient of ||w||^2; the first step moves each entry by lr against its sign
>>> w
array([ 0.9, -1.9])
"""

from __future__ import annotations

import numpy as np

__all__ = ["Adam"]


class Adam:
    """Adam over a list of numpy arrays, which :meth:`step` updates in place.

    ``lr`` the step size, ``b1``, ``b2`` the moment decay rates, ``eps`` the denominator's floor (the defaults are
    Kingma and Ba's)."""

    def __init__(self, params, lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
        self.params = list(params)
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps
        self.t = 0
        self._m1 = [np.zeros_like(p) for p in self.params]
        self._m2 = [np.zeros_like(p) for p in self.params]

    def step(self, grads) -> None:
        """One update of every parameter with its gradient (same order and shapes as the parameters)."""
        self.t += 1
        b1, b2 = self.b1, self.b2
        for i, (p, g) in enumerate(zip(self.params, grads)):
            self._m1[i] = b1 * self._m1[i] + (1 - b1) * g
            self._m2[i] = b2 * self._m2[i] + (1 - b2) * g**2
            p -= self.lr * (self._m1[i] / (1 - b1**self.t)) / (np.sqrt(self._m2[i] / (1 - b2**self.t)) + self.eps)
