"""A :class:`~smale18.verify.nets.Network` as a PyTorch ``nn.Module`` computing the same map.

``to_torch(network)`` returns a :class:`TorchNetwork` (a ``torch.nn.Module``): batch first, ``y`` of shape ``(B, m)``
(or ``(m,)``) to ``x`` of shape ``(B, N)`` (or ``(N,)``), in float64 (complex128 for a complex network) by default.
Each layer is the same formula as the numpy layer (``proofs_notes/adapters.md``, "PyTorch"), evaluated on the
transposed batch ``(width, B)`` exactly as :meth:`Network.forward` does:

- ``Affine``: ``W h + R y + c`` (the dense ``W``, ``R``, ``c`` become parameters; an array shared by several layers,
  as FIRENET's steps share theirs, becomes one parameter: the weights stay tied);
- ``SoftThreshold``: real ``sign(u) max(|u| - t, 0)``, complex ``u max(1 - t/|u|, 0)`` (0 where ``|u| <= t``);
- ``BallProjection``: the block ``h[start:stop]`` times ``r / max(||block||_2, r)``;
- ``ReLU``, ``Tanh``, ``Sigmoid``: entrywise.

So the module and ``network.forward`` agree up to the rounding of the two libraries' matrix products (observed
within 1e-12 in ``tests/test_adapters_torch.py``); nothing the module computes is certified — the certified evaluation
of the same layers is :meth:`Network.forward_ball`. Layers with a linear operator instead of a dense matrix are refused
(a fast operator has no torch form here). Parameters are trainable torch parameters; ``module.float()`` casts them.

torch is imported on first use (``pip install 'smale18[torch]'``); this module imports without it:

>>> to_torch("not a network")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
smale18.oracle._errors.Smale18Error: ...
"""

from __future__ import annotations

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._errors import short_repr
from smale18.oracle._extras import require

from ._layers import Affine, BallProjection, ReLU, Sigmoid, SoftThreshold, Tanh
from ._network import Network

__all__ = ["to_torch"]  # and TorchNetwork, made on first use (module __getattr__: no torch at import)

_CLASS = None


def _module_class():
    """``TorchNetwork``, defined on first use (so that importing this module needs no torch). It is importable by
    name (module ``__getattr__``), so pickle and cloudpickle send it by reference."""
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    torch = require("torch", "torch")

    class TorchNetwork(torch.nn.Module):
        """A smale18 Network as a torch module (see :func:`to_torch`). ``forward(y)``: ``y`` of shape ``(B, m)`` or
        ``(m,)``, of the module's dtype (or its real counterpart for a complex network); finite."""

        def __init__(self, m: int, N: int, ops: list, params: dict, dtype):
            super().__init__()
            self.m, self.N, self.ops = m, N, ops
            self.weights = torch.nn.ParameterDict(
                {k: torch.nn.Parameter(torch.as_tensor(v, dtype=dtype if np.iscomplexobj(v) or k[0] != "t"
                                                       else _real(torch, dtype)))
                 for k, v in params.items()})

        def _input(self, y):
            if not isinstance(y, torch.Tensor):
                raise Smale18Error(f"y must be a torch tensor, not {type(y).__name__}")
            if y.ndim not in (1, 2) or y.shape[-1] != self.m:
                raise Smale18Error(f"y has shape {tuple(y.shape)}; expected (B, {self.m}) or ({self.m},)")
            dtype = self._dtype()
            if y.dtype != dtype and not (dtype.is_complex and y.dtype == _real(torch, dtype)):
                raise Smale18Error(f"y has dtype {y.dtype}; this network computes in {dtype} (convert y first)")
            if not bool(torch.isfinite(y).all()):
                raise Smale18Error("y has a non-finite entry")
            return y.to(dtype)

        def _dtype(self):
            for p in self.weights.values():
                if p.is_complex():
                    return p.dtype
            return next(iter(self.weights.values())).dtype

        def forward(self, y):
            Y = self._input(y)
            single = Y.ndim == 1
            Y = Y.reshape(1, -1).T if single else Y.T  # (m, B), as Network.forward
            w = self.weights
            h = None
            for op in self.ops:
                kind = op[0]
                if kind == "affine":
                    _, W, R, c = op
                    out = None
                    if W is not None:
                        out = w[W] @ h
                    if R is not None:
                        r = w[R] @ Y
                        out = r if out is None else out + r
                    if c is not None:
                        out = (torch.zeros((w[c].shape[0], Y.shape[1]), dtype=Y.dtype, device=Y.device)
                               if out is None else out) + w[c][:, None]
                    h = out
                elif kind == "soft":
                    t = w[op[1]][:, None]
                    if h.is_complex():
                        mag = torch.abs(h)
                        h = h * torch.where(mag > t, 1 - t / torch.where(mag > 0, mag, torch.ones_like(mag)),
                                            torch.zeros_like(mag))
                    else:
                        h = torch.sign(h) * torch.clamp(torch.abs(h) - t, min=0.0)
                elif kind == "proj":
                    _, start, stop, radius = op
                    block = h[start:stop]
                    n = torch.linalg.vector_norm(block, dim=0)
                    scale = radius / torch.clamp(n, min=radius)
                    h = torch.cat([h[:start], block * scale, h[stop:]], dim=0)
                elif kind == "relu":
                    h = torch.clamp(h, min=0.0)
                elif kind == "sigmoid":
                    h = torch.sigmoid(h)
                else:  # "tanh"
                    h = torch.tanh(h)
            return h[:, 0] if single else h.T

        def extra_repr(self) -> str:
            return f"m={self.m}, N={self.N}, layers={len(self.ops)}"

    TorchNetwork.__module__ = __name__
    TorchNetwork.__qualname__ = "TorchNetwork"
    _CLASS = TorchNetwork
    return _CLASS


def _real(torch, dtype):
    return {torch.complex128: torch.float64, torch.complex64: torch.float32}.get(dtype, dtype)


def __getattr__(name):
    if name == "TorchNetwork":
        return _module_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _dense(M, i: int, name: str):
    if M is None:
        return None
    if not isinstance(M, np.ndarray):
        raise Smale18Error(f"layers[{i}].{name} is a linear operator ({type(M).__name__}); to_torch needs dense "
                           "weights (build the network from a dense matrix)")
    return M


def to_torch(network, dtype=None):
    """``network`` (a :class:`Network`, or a FIRENET or LISTA object: its layers) as a torch module computing the same
    map, batch first (module docstring).

    ``dtype``: torch.float64 (default) or torch.float32 for a real network; a complex network (any complex weight)
    computes in the matching complex dtype (complex128, or complex64 with float32). float32 rounds the weights.
    Refused with :class:`Smale18Error`: anything but a Network, layers with linear operators, unknown layer types.
    """
    from .firenet import Firenet
    from .lista import Lista

    if isinstance(network, (Firenet, Lista)):  # their explicit layers
        network = network.network()
    if not isinstance(network, Network):
        raise Smale18Error(f"network={short_repr(network)} must be a smale18.verify.nets.Network")
    torch = require("torch", "torch")
    if dtype is None:
        dtype = torch.float64
    if dtype not in (torch.float64, torch.float32):
        raise Smale18Error(f"dtype={short_repr(dtype)} must be torch.float64 or torch.float32")
    params: dict = {}
    names: dict = {}  # id(array) -> parameter name: arrays shared between layers stay one (tied) parameter
    keep = []  # the arrays named, kept alive while ids are compared

    def name_of(arr, prefix):
        if arr is None:
            return None
        if id(arr) not in names:
            names[id(arr)] = f"{prefix}{len(params)}"
            params[names[id(arr)]] = np.array(arr)
            keep.append(arr)
        return names[id(arr)]

    ops = []
    for i, layer in enumerate(network.layers):
        if isinstance(layer, Affine):
            W, R = _dense(layer.W, i, "W"), _dense(layer.R, i, "R")
            ops.append(("affine", name_of(W, "W"), name_of(R, "R"), name_of(layer.c, "c")))
        elif isinstance(layer, SoftThreshold):
            ops.append(("soft", name_of(layer.thresholds, "t")))
        elif isinstance(layer, BallProjection):
            ops.append(("proj", int(layer.start), int(layer.stop), float(layer.radius)))
        elif isinstance(layer, ReLU):
            ops.append(("relu",))
        elif isinstance(layer, Tanh):
            ops.append(("tanh",))
        elif isinstance(layer, Sigmoid):
            ops.append(("sigmoid",))
        else:
            raise Smale18Error(f"layers[{i}] is a {type(layer).__name__}, which has no torch form here")
    complex_net = any(np.iscomplexobj(v) for v in params.values())
    if complex_net:
        dtype = torch.complex128 if dtype == torch.float64 else torch.complex64
    return _module_class()(network.m, network.N, ops, params, dtype)
