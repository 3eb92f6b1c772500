"""A PyTorch ``nn.Module`` as a candidate algorithm: it reads the inexact input once, at a stated precision, and the
module maps what it read to ``x``.

:func:`torch_candidate` returns a :class:`TorchCandidate` ``c`` with ``c(inp) -> x`` (a float64 numpy vector of
length ``inp.N``). It asks the oracle for ``y_n = inp.y(reads)`` (and ``A_n = inp.A(reads)`` for a module of
``(A, y)``), converts the exact dyadic answers to tensors of ``dtype`` (round to nearest float64, then, for float32,
to nearest float32), calls the module in eval mode under ``torch.no_grad()`` and returns its output as float64
(exact: every float32 is a float64).

*What the module reads.* ``||y_n - y||_2 <= 2^-n`` (the oracle's guarantee) and the conversion adds at most
``u |a| + t`` to each entry ``a`` (``u``, ``t`` = :attr:`TorchCandidate.rounding`: ``2^-53`` and ``2^-1075`` for
float64; ``2^-24 + 2^-53 + 2^-77`` and ``2^-150 + 2^-1075 + 2^-1099`` for float32, the two roundings composed), so
the tensor ``y'`` the module receives satisfies ``||y' - y||_2 <= 2^-n + u ||y_n||_2 + sqrt(m) t`` (for ``A``:
``||A' - A||_2 <= 2^-n + u ||A_n||_F + sqrt(mN) t``). In float32 a candidate therefore reads about 24 bits relative to
the data's size whatever ``reads`` says; in float64, about 53. The bound is proven in ``proofs_notes/adapters.md``
("PyTorch"); nothing the module computes is certified.

The module runs in the candidate's own process (a game unpickles it there; :func:`adapt_candidate` wraps it); the
judge never calls it. torch is imported on first use (``pip install 'smale18[torch]'``); this module itself imports
without torch, so its example shows the contract without a module:

>>> u, t = TorchCandidate.rounding_of("float32")
>>> u == Fraction(1, 2**24) + Fraction(1, 2**53) + Fraction(1, 2**77), float(t) == 2.0**-150
(True, True)
"""

from __future__ import annotations

import inspect
from fractions import Fraction

import numpy as np

from .._errors import Smale18Error, check_bounded_precision, check_int_range, short_repr
from .._extras import require

__all__ = ["TorchCandidate", "torch_candidate"]

#: dtypes a candidate may read in: name -> (significand bits p, least normal exponent), for real and complex
_DTYPES = {"float32": (24, -126), "float64": (53, -1022), "complex64": (24, -126), "complex128": (53, -1022)}


def _rounding(p: int, emin: int) -> tuple[Fraction, Fraction]:
    """``(u, t)`` with ``|fl(a) - a| <= u |a| + t`` for the conversion exact dyadic -> float64 -> this format
    (round to nearest both times; proofs_notes/adapters.md): one rounding for float64, two composed otherwise."""
    u64, t64 = Fraction(1, 2**53), Fraction(1, 2**1075)
    if p == 53:
        return u64, t64
    u, t = Fraction(1, 2**p), Fraction(1, 2 ** (p - emin))  # half the spacing of the subnormals, 2^(emin - p)
    return u + u64 + u * u64, t + t64 + u * t64


def _dtype_name(torch, dtype) -> str:
    if isinstance(dtype, str):
        name = dtype
    elif isinstance(dtype, torch.dtype):
        name = str(dtype).removeprefix("torch.")
    else:
        name = None
    if name not in _DTYPES:
        raise Smale18Error(f"dtype={short_repr(dtype)} must be one of torch.float32, torch.float64, torch.complex64, "
                           "torch.complex128 (or their names)")
    return name


def _default_dtype(torch, module) -> str:
    """The module's parameter dtype (the first floating or complex parameter, else buffer), else float64."""
    for t in list(module.parameters()) + list(module.buffers()):
        if t.is_floating_point() or t.is_complex():
            name = str(t.dtype).removeprefix("torch.")
            if name not in _DTYPES:
                raise Smale18Error(f"module has {name} parameters; a candidate reads in float32 or float64: pass "
                                   "dtype=torch.float32 (and convert the module) or dtype=torch.float64")
            return name
    return "float64"


def _positional_arity(module) -> int | None:
    """Number of required positional parameters of ``module.forward`` (None if it takes ``*args``)."""
    try:
        params = inspect.signature(module.forward).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return None
    return sum(1 for p in params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                               inspect.Parameter.POSITIONAL_OR_KEYWORD)
               and p.default is inspect.Parameter.empty)


class TorchCandidate:
    """A torch module as a candidate ``c(inp) -> x``; made by :func:`torch_candidate` (see the module docstring).

    Attributes (read-only): ``module``, ``reads`` (the precision ``n`` of every query), ``dtype`` (a name),
    ``takes_A``, ``batch_first``, ``device``, ``rounding`` ``(u, t)``: the conversion's error per entry is at most
    ``u |a| + t``.
    """

    __slots__ = ("_module", "_reads", "_dtype", "_takes_A", "_batch_first", "_device", "_threads")

    def __init__(self, module, reads: int, dtype: str, takes_A: bool, batch_first: bool, device: str,
                 threads: int | None):
        self._module, self._reads, self._dtype = module, reads, dtype
        self._takes_A, self._batch_first, self._device, self._threads = takes_A, batch_first, device, threads

    module = property(lambda self: self._module)
    reads = property(lambda self: self._reads)
    dtype = property(lambda self: self._dtype)
    takes_A = property(lambda self: self._takes_A)
    batch_first = property(lambda self: self._batch_first)
    device = property(lambda self: self._device)
    threads = property(lambda self: self._threads)

    @staticmethod
    def rounding_of(dtype: str) -> tuple[Fraction, Fraction]:
        """``(u, t)`` of the conversion to ``dtype`` (a name in float32, float64, complex64, complex128)."""
        if dtype not in _DTYPES:
            raise Smale18Error(f"dtype={short_repr(dtype)} must be float32, float64, complex64 or complex128")
        return _rounding(*_DTYPES[dtype])

    @property
    def rounding(self) -> tuple[Fraction, Fraction]:
        return self.rounding_of(self._dtype)

    def __repr__(self) -> str:
        return (f"TorchCandidate({type(self._module).__name__}, reads={self._reads}, dtype={self._dtype}, "
                f"takes_A={self._takes_A}, batch_first={self._batch_first}, device={self._device!r}, "
                f"threads={self._threads})")

    def _tensor(self, torch, answer, shape):
        values = np.asarray(answer.rounded_float64(), dtype=np.float64)  # nearest float64 (exact integer division)
        if values.shape != shape:
            raise RuntimeError(f"the oracle's answer has shape {values.shape}, expected {shape}")
        t = torch.from_numpy(values).to(device=self._device, dtype=getattr(torch, self._dtype))
        if not bool(torch.isfinite(t).all()):
            raise RuntimeError(f"an answer at n={self._reads} overflows {self._dtype}")
        return t.unsqueeze(0) if self._batch_first else t

    def __call__(self, inp) -> np.ndarray:
        torch = require("torch", "torch")
        m, N = inp.m, inp.N
        args = [self._tensor(torch, inp.y(self._reads), (m,))]
        if self._takes_A:
            args.insert(0, self._tensor(torch, inp.A(self._reads), (m, N)))
        modes = [(sub, sub.training) for sub in self._module.modules()]
        threads = torch.get_num_threads()
        self._module.eval()
        try:
            if self._threads is not None:
                torch.set_num_threads(self._threads)
            with torch.no_grad():
                out = self._module(*args)
        finally:
            torch.set_num_threads(threads)
            for sub, training in modes:
                sub.training = training
        return self._output(torch, out, N)

    def _output(self, torch, out, N: int) -> np.ndarray:
        name = type(self._module).__name__
        if not isinstance(out, torch.Tensor):
            raise RuntimeError(f"the module {name} returned {type(out).__name__}, not a tensor")
        want = (1, N) if self._batch_first else (N,)
        if tuple(out.shape) != want:
            raise RuntimeError(f"the module {name} returned shape {tuple(out.shape)}, expected {want}"
                               + (" (batch first)" if self._batch_first else ""))
        if out.is_complex() or not out.is_floating_point():
            raise RuntimeError(f"the module {name} returned a {str(out.dtype).removeprefix('torch.')} tensor; the "
                               "unknown is a real vector (return a real floating tensor)")
        x = out.detach().to(device="cpu", dtype=torch.float64).numpy().reshape(N).copy()  # exact from float32
        if not np.all(np.isfinite(x)):
            raise RuntimeError(f"the module {name} returned a non-finite entry (NaN or infinity)")
        return x


def torch_candidate(module, reads: int = 52, dtype=None, takes_A: bool | None = None, device: str = "cpu",
                    batch_first: bool = True, threads: int | None = 1) -> TorchCandidate:
    """A torch ``nn.Module`` as a candidate ``c(inp) -> x`` that reads the input at precision ``reads``.

    ``module`` maps ``y`` (or ``(A, y)``) to ``x``. ``reads``: the ``n`` of every query, in ``[0, MAX_PRECISION]``.
    ``dtype``: the tensors' dtype (torch.float32, torch.float64, or complex64/complex128 for complex modules; default
    the module's parameter dtype, else float64); float32 rounds each answer to about 24 bits (module docstring).
    ``takes_A``: whether the module takes ``(A, y)``; ``None`` decides from ``module.forward``'s signature (two
    required positional parameters: ``(A, y)``; one: ``y``). ``batch_first``: inputs carry a leading batch
    dimension of 1 (``y`` of shape ``(1, m)``, ``A`` ``(1, m, N)``) and the output must have shape ``(1, N)``;
    with ``False``, ``(m,)``, ``(m, N)`` and ``(N,)``. ``device``: where the inputs go; the module's parameters must
    already be there. ``threads``: torch's intra-op threads during the call (``torch.set_num_threads``, restored
    afterwards; ``None`` leaves torch's own choice, one per core). The default 1 keeps the candidate's address space
    independent of the machine's cores (each torch thread reserved about 30 MiB here, against the judge's default
    limit of 4 GiB; ``proofs_notes/adapters.md``). The call sets the module to eval mode (restoring each
    submodule's mode afterwards).

    Bad arguments raise :class:`Smale18Error`; at play time a wrong output (not a tensor, shape, complex, NaN or
    infinity) raises a RuntimeError whose first line says what, which a game judges as a loss. (An example with a
    module: ``proofs_notes/adapters.md`` and ``tests/test_adapters_torch.py``; this docstring runs without torch.)

    >>> torch_candidate(object())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: ...
    """
    torch = require("torch", "torch")
    if not isinstance(module, torch.nn.Module):
        raise Smale18Error(f"module={short_repr(module)} must be a torch.nn.Module")
    reads = check_bounded_precision(reads, "reads")
    for flag, value in (("takes_A", takes_A), ("batch_first", batch_first)):
        if not (isinstance(value, bool) or (flag == "takes_A" and value is None)):
            raise Smale18Error(f"{flag}={short_repr(value)} must be True or False" +
                               (" or None" if flag == "takes_A" else ""))
    name = _default_dtype(torch, module) if dtype is None else _dtype_name(torch, dtype)
    try:
        dev = torch.device(device)
        torch.empty(0, device=dev)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise Smale18Error(f"device={short_repr(device)} is not a usable torch device ({str(exc).splitlines()[0]})") \
            from None
    for t in list(module.parameters()) + list(module.buffers()):
        if t.device != dev:
            raise Smale18Error(f"device={short_repr(device)}: the module's parameters are on {t.device}; move it "
                               f"there first (module.to({str(dev)!r}))")
    if takes_A is None:
        arity = _positional_arity(module)
        if arity not in (1, 2):
            raise Smale18Error(f"cannot tell from {type(module).__name__}.forward's signature whether it takes y or "
                               "(A, y): pass takes_A=True or False")
        takes_A = arity == 2
    if threads is not None:
        threads = check_int_range(threads, "threads", 1, 1024)
    return TorchCandidate(module, reads, name, takes_A, batch_first, str(dev), threads)
