"""A network as an explicit list of layers: ``phi(y) = L_T(... L_2(L_1(y)))``, with input skips in affine layers."""

from __future__ import annotations

from dataclasses import dataclass

import flint
import numpy as np

from smale18.oracle import DyadicArray, Smale18Error
from smale18.oracle._errors import check_prec_bits

from ._checks import exact_float64_array
from ._layers import Affine, Layer

__all__ = ["Network"]


@dataclass(frozen=True, eq=False)
class Network:
    """An explicit network on inputs of length ``m``.

    ``forward(y)`` evaluates in float64 (``y`` of shape ``(m,)`` or a batch ``(m, B)``); ``forward_ball(y)`` returns a
    python-flint ball matrix enclosing the exact output for every input in the given balls (or the exact dyadic
    input); ``vjp(y, g)`` returns ``(d<g, phi(y)>/dy, per-layer parameter gradients)``.

    >>> import numpy as np
    >>> from smale18.verify.nets import Affine, ReLU
    >>> net = Network(2, (Affine(R=np.array([[1.0, -1.0]])), ReLU()))
    >>> net.forward(np.array([3.0, 1.0])), net.widths
    (array([2.]), [2, 1])
    """

    m: int
    layers: tuple

    def __post_init__(self):
        if not self.layers or not isinstance(self.layers[0], Affine) or self.layers[0].W is not None:
            raise Smale18Error("the first layer must be Affine with W=None (it reads only the input y)")
        object.__setattr__(self, "layers", tuple(self.layers))
        width = 0
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise Smale18Error(f"layers[{i}] is not a Layer")
            if isinstance(layer, Affine):
                if layer.W is not None and layer.W.shape[1] != width:
                    raise Smale18Error(f"layers[{i}]: W has {layer.W.shape[1]} columns, the state has width {width}")
                if layer.R is not None and layer.R.shape[1] != self.m:
                    raise Smale18Error(f"layers[{i}]: R has {layer.R.shape[1]} columns, the input has length {self.m}")
            width = layer.out_width(width)

    def __len__(self) -> int:
        return len(self.layers)

    @property
    def widths(self) -> list[int]:
        """Input length, then the width after each affine layer (nonlinear layers keep widths)."""
        out, width = [self.m], 0
        for layer in self.layers:
            width = layer.out_width(width)
            if isinstance(layer, Affine):
                out.append(width)
        return out

    @property
    def N(self) -> int:
        return self.widths[-1]

    def _batch(self, y):
        y = np.asarray(y)
        if y.shape[0] != self.m or y.ndim not in (1, 2):
            raise Smale18Error(f"y has shape {y.shape}; expected ({self.m},) or ({self.m}, batch)")
        if not np.all(np.isfinite(y)):
            raise Smale18Error("y has a non-finite entry")
        return (y[:, None], True) if y.ndim == 1 else (y, False)

    def forward(self, y) -> np.ndarray:
        """Float64 (or complex128) evaluation, vectorised over a batch of columns."""
        Y, single = self._batch(y)
        h = np.zeros((0, Y.shape[1]))
        for layer in self.layers:
            h = layer.forward(h, Y)
        return h[:, 0] if single else h

    def vjp(self, y, g) -> tuple[np.ndarray, list[dict]]:
        """``(dL/dy, [dL/dparams of each layer])`` for ``L = <g, phi(y)>`` (real networks)."""
        Y, single = self._batch(y)
        G = np.asarray(g, dtype=float)
        G = G[:, None] if single else G
        states = [np.zeros((0, Y.shape[1]))]
        for layer in self.layers:
            states.append(layer.forward(states[-1], Y))
        g_y = np.zeros_like(Y, dtype=float)
        grads: list[dict] = [None] * len(self.layers)
        for i in range(len(self.layers) - 1, -1, -1):
            g_h, g_in, grads[i] = self.layers[i].backward(states[i], Y, states[i + 1], G)
            if g_in is not None:
                g_y = g_y + g_in
            G = g_h
        return (g_y[:, 0] if single else g_y), grads

    def forward_ball(self, y, prec_bits: int = 128) -> flint.arb_mat:
        """Ball enclosure of the exact output for every input in ``y`` (real networks with dense weights; certified:
        every operation is a ball operation or an exact monotone map of the endpoints, ``proofs_notes/firenet.md``).
        ``y`` is a DyadicArray (exact), a real vector of float64 numbers (read exactly; complex input, long doubles
        and integers beyond 2^53 are refused) or a python-flint ``arb_mat`` column."""
        prec_bits = check_prec_bits(prec_bits)
        with flint.ctx.workprec(prec_bits):
            if isinstance(y, flint.arb_mat):
                Y = y
            else:
                if not isinstance(y, DyadicArray):
                    raw = np.asarray(y)
                    if raw.ndim != 1:
                        raise Smale18Error(f"y must be a vector of length {self.m}, got shape {raw.shape}")
                    y = DyadicArray.from_float64(exact_float64_array(raw, "y"))  # refuses what float64 would round
                d = y
                Y = d.to_arb_mat()
                Y = flint.arb_mat(Y)  # re-round at this precision (exact for float inputs)
            if Y.nrows() != self.m:
                raise Smale18Error(f"y has {Y.nrows()} rows, expected {self.m}")
            h = None
            for layer in self.layers:
                h = layer.forward_ball(h, Y, prec_bits)
            return h
