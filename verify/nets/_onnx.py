"""ONNX in and out: a :class:`Network` of dense layers as an ONNX graph, and an ONNX graph of recognised patterns as a
:class:`Network` (needs the ``onnx`` extra; ``proofs_notes/onnx.md``).

**Export** (:func:`to_onnx`). Input ``"y"`` of shape ``(B, m)`` (batch first: one sample per row), output ``"x"`` of
shape ``(B, N)``, float64 throughout. With ``h`` the state as rows:

- ``Affine`` (``W h + R y + c``): ``Add(Add(MatMul(h, W^T), MatMul(y, R^T)), c)`` (absent terms left out);
- ``SoftThreshold(t)``: ``Mul(Sign(u), Relu(Sub(Abs(u), t)))``, i.e. ``sign(u) max(|u| - t, 0)``;
- ``BallProjection(a, b, r)``: ``Concat(Slice(h, 0:a), Mul(w, Div(r, Max(ReduceL2(w), r))), Slice(h, b:d))`` with
  ``w = Slice(h, a:b)`` and the l2 norm taken per sample (per row), i.e. ``w r / max(||w||, r)``;
- ``ReLU``, ``Tanh``, ``Sigmoid``: ``Relu``, ``Tanh``, ``Sigmoid``.

Dense real layers only (an operator layer is refused). Weights are written as the float64 numbers they are.

**Import** (:func:`from_onnx`). A file of at most ``MAX_FILE_BYTES`` (256 MiB) is parsed and checked before anything is
evaluated: one input ``(B, m)`` and one output, float32 or float64; only the default ONNX domain, opsets
``OPSETS``; at most ``MAX_NODES`` nodes, each of a whitelisted op with whitelisted attributes and one output, reading
only tensors produced before it (a DAG in topological order); constants only as initializers (float32/float64 weights,
every one finite and read exactly; int32/int64 only as Slice/ReduceL2 indices), each of at most
``MAX_TENSOR_ENTRIES`` entries and rank <= 2, none external; then ``onnx.checker`` (full check). The graph is then read
backwards from the output as a chain of layers: an affine sum (``Add`` of ``MatMul(v, C)``, ``Gemm(v, C, bias)``
with ``alpha = beta = 1``, ``transA = 0`` as ``torch.onnx`` writes ``nn.Linear``, a bare ``v`` (identity) and one
bias; ``v`` the input or the one state), the soft-threshold and ball-projection patterns above, ``Relu``, ``Tanh``,
``Sigmoid``. Every node must belong to exactly one recognised layer. Anything else raises a one-line
:class:`Smale18Error` naming the node and its op.

*What is guaranteed.* The imported network computes, in exact real arithmetic, the same function as the ONNX graph
(its weights the floats stored in the file); its ``forward_ball`` and
:func:`smale18.verify.stability.lipschitz_upper` are then certified statements about that function. Floating-point
evaluations (``forward``, onnxruntime) are *observed*: they differ by rounding (summation order) only.
"""

from __future__ import annotations

import math
import os
import tempfile

import numpy as np

from smale18.oracle import Smale18Error
from smale18.oracle._errors import short_repr
from smale18.oracle._extras import require
from smale18.oracle._files import read_regular_file

from ._checks import exact_float64_array
from ._layers import Affine, BallProjection, ReLU, Sigmoid, SoftThreshold, Tanh
from ._network import Network

__all__ = ["to_onnx", "from_onnx", "MAX_FILE_BYTES", "MAX_NODES", "MAX_TENSOR_ENTRIES", "MAX_TOTAL_ENTRIES",
           "OPSETS"]

MAX_FILE_BYTES = 256 << 20  # 256 MiB: the largest file (or byte string) from_onnx reads
MAX_NODES = 100_000  # a FIRENET of 2401 layers (the README's) exports to 9,601 nodes
MAX_TENSOR_ENTRIES = 1 << 24  # entries of one initializer (128 MiB as float64), and the largest input width
MAX_TOTAL_ENTRIES = 1 << 25  # all initializers together
OPSETS = (13, 23)  # default-domain opsets read and written (the ops used here have one meaning over this range)
DEFAULT_OPSET = 17

_FLOAT, _INT32, _INT64, _DOUBLE = 1, 6, 7, 11  # onnx.TensorProto data types
_WEIGHT_TYPES = {_FLOAT: "float32", _DOUBLE: "float64"}
_INDEX_TYPES = {_INT32: "int32", _INT64: "int64"}
_ATTRIBUTES = {"Gemm": {"alpha", "beta", "transA", "transB"}, "Concat": {"axis"},
               "ReduceL2": {"axes", "keepdims", "noop_with_empty_axes"}}
_OPS = {"Gemm", "MatMul", "Add", "Relu", "Tanh", "Sigmoid", "Sign", "Abs", "Sub", "Mul", "Div", "Max", "Slice",
        "ReduceL2", "Concat"}
_ACTIVATIONS = {"Relu": ReLU, "Tanh": Tanh, "Sigmoid": Sigmoid}


# ------------------------------------------------------------------------------------------------ export ----------
class _Writer:
    """Nodes and initializers of the graph being written; initializers are shared by identity (weights) or value."""

    def __init__(self, onnx):
        self.onnx, self.nodes, self.inits, self._names, self._count = onnx, [], [], {}, 0
        self._keep = []  # the layers' arrays, whose ids key the shared weights: kept alive while writing

    def tensor(self, key, make_array, prefix):
        if key not in self._names:
            name = f"{prefix}_{len(self.inits)}"  # node outputs are v1, v2, ...: no clash
            self.inits.append(self.onnx.numpy_helper.from_array(make_array(), name))
            self._names[key] = name
        return self._names[key]

    def weight(self, M, prefix, where, transpose=False):
        """The initializer of the layer's array ``M`` (checked dense, real, float64-exact), shared by identity."""
        self._keep.append(M)

        def make():
            D = _dense(M, where, prefix)
            return np.ascontiguousarray(D.T if transpose else D)

        return self.tensor(("w", id(M), transpose), make, prefix)

    def index(self, value):
        return self.tensor(("i", int(value)), lambda: np.array([int(value)], dtype=np.int64), "i")

    def scalar(self, value):
        return self.tensor(("s", float(value)), lambda: np.array(float(value)), "r")

    def node(self, op, inputs, out=None, **attrs):
        self._count += 1
        out = out or f"v{self._count}"
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [out], name=f"n{self._count}", **attrs))
        return out


def _dense(M, where, name):
    if not isinstance(M, np.ndarray):
        raise Smale18Error(f"{where}: {name} is a {type(M).__name__} (an operator layer); ONNX export needs dense "
                           f"weights")
    if np.iscomplexobj(M):
        raise Smale18Error(f"{where}: {name} is complex; ONNX export is for real networks")
    return exact_float64_array(M, f"{where}: {name}")


def _export_layer(w: _Writer, layer, i, h, width, out, opset):
    """Append the nodes of ``layer`` (state ``h`` of ``width`` columns, or None); return the new state's name."""
    where = f"layers[{i}] ({type(layer).__name__})"
    if type(layer) is Affine:  # exact types: a subclass may compute something else
        if h is not None and layer.W is None:
            raise Smale18Error(f"{where} discards the state (W is None after the first layer): the layers before it "
                               f"would be dead nodes; not exported")
        terms = []
        if layer.W is not None:
            terms.append(w.node("MatMul", [h, w.weight(layer.W, "W", where, transpose=True)]))
        if layer.R is not None:
            terms.append(w.node("MatMul", ["y", w.weight(layer.R, "R", where, transpose=True)]))
        if not terms:
            raise Smale18Error(f"{where} reads neither the state nor the input (a constant); not exported")
        if layer.c is not None:
            terms.append(w.weight(layer.c, "c", where))
        total = terms[0]
        for term in terms[1:]:
            total = w.node("Add", [total, term])
        return _rename(w, total, out)
    if type(layer) is SoftThreshold:
        if layer.thresholds.shape != (width,):
            raise Smale18Error(f"{where}: {layer.thresholds.size} thresholds for a state of width {width}")
        sign = w.node("Sign", [h])
        shrunk = w.node("Relu", [w.node("Sub", [w.node("Abs", [h]), w.weight(layer.thresholds, "t", where)])])
        return w.node("Mul", [sign, shrunk], out)
    if type(layer) is BallProjection:
        a, b, r = layer.start, layer.stop, layer.radius
        if not (isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)) and 0 <= a < b <= width):
            raise Smale18Error(f"{where}: block {short_repr(a)}:{short_repr(b)} is not a non-empty block of "
                               f"0:{width}")
        if not (isinstance(r, (int, float, np.integer, np.floating)) and math.isfinite(r) and r > 0):
            raise Smale18Error(f"{where}: radius={short_repr(r)} must be a positive finite number")
        axes = w.index(1)

        def piece(lo, hi):
            return w.node("Slice", [h, w.index(lo), w.index(hi), axes])

        block = piece(a, b)
        if opset >= 18:
            norm = w.node("ReduceL2", [block, axes], keepdims=1)
        else:
            norm = w.node("ReduceL2", [block], axes=[1], keepdims=1)
        radius = w.scalar(r)
        projected = w.node("Mul", [block, w.node("Div", [radius, w.node("Max", [norm, radius])])])
        parts = ([piece(0, a)] if a > 0 else []) + [projected] + ([piece(b, width)] if b < width else [])
        return w.node("Concat", parts, out, axis=1)
    for op, cls in _ACTIVATIONS.items():
        if type(layer) is cls:
            return w.node(op, [h], out)
    raise Smale18Error(f"{where}: layers of type {type(layer).__name__} have no ONNX export")


def _rename(w: _Writer, total, out):
    """The last node written produced ``total``; give its output the name ``out`` (if any)."""
    if out is None or total == out:
        return total
    w.nodes[-1].output[0] = out  # terms[0] is a node's output, so the last node written produced total
    return out


def to_onnx(network: Network, path=None, opset: int = DEFAULT_OPSET, overwrite: bool = False) -> bytes:
    """The network (a Network, or a FIRENET or LISTA object: its layers) as a serialised ONNX model (float64, input
    ``"y"`` ``(B, m)``, output ``"x"`` ``(B, N)``; the patterns in the module docstring). With ``path`` the bytes are
    also written there (through a temporary file and one rename; an existing file is replaced only with
    ``overwrite=True``). ``opset`` in ``OPSETS``. The export is exact: every weight is stored as the float64 number it
    is, and :func:`from_onnx` gives back the same layers.
    Checked with ``onnx.checker``; onnxruntime's float64 evaluation agrees with ``network.forward`` to rounding
    (observed, ``tests/test_onnx.py``). Needs the ``onnx`` extra (an example is in ``proofs_notes/onnx.md``)."""
    onnx = require("onnx", "onnx")
    from .firenet import Firenet
    from .lista import Lista

    if isinstance(network, (Firenet, Lista)):  # their explicit layers
        network = network.network()
    if not isinstance(network, Network):
        raise Smale18Error(f"network must be a smale18.verify.nets.Network, got {type(network).__name__}")
    if isinstance(opset, (bool, np.bool_)) or not isinstance(opset, (int, np.integer)) \
            or not OPSETS[0] <= opset <= OPSETS[1]:
        raise Smale18Error(f"opset={short_repr(opset)} must be an integer in {OPSETS[0]}..{OPSETS[1]}")
    opset = int(opset)
    if not isinstance(overwrite, bool):
        raise Smale18Error(f"overwrite={short_repr(overwrite)} must be True or False")
    if path is not None:
        path = _checked_out_path(path, overwrite)
    w = _Writer(onnx)
    h, width, last = None, 0, len(network.layers) - 1
    for i, layer in enumerate(network.layers):
        h = _export_layer(w, layer, i, h, width, "x" if i == last else None, opset)
        width = layer.out_width(width)
    helper, TP = onnx.helper, onnx.TensorProto
    graph = helper.make_graph(w.nodes, "smale18_network",
                              [helper.make_tensor_value_info("y", TP.DOUBLE, ["B", network.m])],
                              [helper.make_tensor_value_info("x", TP.DOUBLE, ["B", width])], initializer=w.inits)
    opsets = [helper.make_opsetid("", opset)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="smale18",
                              ir_version=helper.find_min_ir_version_for(opsets))
    if model.ByteSize() > MAX_FILE_BYTES:
        raise Smale18Error(f"the model would take {model.ByteSize()} bytes; from_onnx reads at most {MAX_FILE_BYTES}")
    if len(w.nodes) > MAX_NODES:
        raise Smale18Error(f"the model would have {len(w.nodes)} nodes; from_onnx reads at most {MAX_NODES}")
    onnx.checker.check_model(model)
    data = model.SerializeToString()
    if path is not None:
        _write_atomic(path, data, overwrite)
    return data


def _checked_out_path(path, overwrite):
    try:
        path = os.fspath(path)
    except TypeError:
        raise Smale18Error(f"path={short_repr(path)} must be a file name") from None
    if not isinstance(path, str) or not path:
        raise Smale18Error(f"path={short_repr(path)} must be a non-empty file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise Smale18Error(f"path={path!r}: its folder does not exist")
    if os.path.lexists(path) and not overwrite:
        raise Smale18Error(f"path={path!r} exists already; pass overwrite=True to replace it")
    return path


def _write_atomic(path, data: bytes, overwrite: bool):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the name appeared meanwhile: never replaces a file
            except FileExistsError:
                raise Smale18Error(f"path={path!r} appeared while writing; not replaced (pass overwrite=True)") \
                    from None
            os.unlink(tmp)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ------------------------------------------------------------------------------------------------ import ----------
def _read_source(source, max_bytes: int) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > max_bytes:
            raise Smale18Error(f"the ONNX model has {len(data)} bytes; at most {max_bytes} are read")
        return data
    try:
        path = os.fspath(source)
    except TypeError:
        raise Smale18Error(f"source must be a file name or the bytes of an ONNX model, got "
                           f"{type(source).__name__}") from None
    if not isinstance(path, str):
        raise Smale18Error("source must be a file name (str) or bytes")
    return read_regular_file(path, max_bytes, "ONNX file")


def _printable(text) -> str:
    """An op name from a file, safe for a one-line message (protobuf gives bytes for a string that is not UTF-8)."""
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    text = "".join(ch if ch.isprintable() else "?" for ch in text[:41])
    return text if len(text) <= 40 else text[:37] + "..."


def _one_line(exc) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


class _Graph:
    """The checked structure of a graph: its constants, producers and the nodes the layers have claimed."""

    def __init__(self, onnx, model):
        self.onnx = onnx
        g = model.graph
        self.nodes = list(g.node)
        self._check_model(model)
        if len(g.input) != 1 or len(g.output) != 1:
            raise Smale18Error(f"the graph must have one input and one output, it has {len(g.input)} inputs and "
                               f"{len(g.output)} outputs")
        self.consts = self._constants(g)
        self.y, self.m, self.dtype = self._input(g.input[0])
        if self.y in self.consts:
            raise Smale18Error(f"the input {short_repr(self.y)} is also an initializer")
        self.producer = self._producers()
        self.out = g.output[0].name
        if self.out not in self.producer:
            raise Smale18Error(f"the output {short_repr(self.out)} is not computed by a node")
        self._output_type = g.output[0].type
        self.claimed: set[int] = set()
        self._transposed: dict[str, np.ndarray] = {}

    # -- structure -------------------------------------------------------------------------------------------
    def _check_model(self, model):
        g = model.graph
        counts = (("nodes", len(self.nodes), MAX_NODES), ("initializers", len(g.initializer), MAX_NODES),
                  ("value_info entries", len(g.value_info), MAX_NODES),
                  ("node inputs in all", sum(len(n.input) for n in self.nodes), 4 * MAX_NODES),
                  ("node attributes in all", sum(len(n.attribute) for n in self.nodes), 4 * MAX_NODES))
        for what, count, limit in counts:  # bounds every loop below (and onnx.checker's) before it starts
            if count > limit:
                raise Smale18Error(f"the graph has {count} {what}; at most {limit} are read")
        if len(model.functions) or len(model.training_info):
            raise Smale18Error("the model defines functions or training information; only a plain graph is read")
        if len(model.graph.sparse_initializer):
            raise Smale18Error("the graph has sparse initializers; only dense initializers are read")
        domains = [(o.domain, o.version) for o in model.opset_import]
        if len(domains) != 1 or domains[0][0] not in ("", "ai.onnx") or not OPSETS[0] <= domains[0][1] <= OPSETS[1]:
            raise Smale18Error(f"the model must import only the default ONNX domain at an opset in "
                               f"{OPSETS[0]}..{OPSETS[1]}, it imports {short_repr(domains)}")

    def where(self, k: int) -> str:
        node = self.nodes[k]
        name = f" {short_repr(node.name, 40)}" if node.name else ""
        return f"node {k}{name} ({_printable(node.op_type)})"

    def _constants(self, g) -> dict:
        consts, total = {}, 0
        for t in g.initializer:
            label = f"initializer {short_repr(t.name, 40)}"
            if t.name in consts or not t.name:
                raise Smale18Error(f"{label}: a missing or repeated name")
            if t.data_type not in _WEIGHT_TYPES and t.data_type not in _INDEX_TYPES:
                raise Smale18Error(f"{label}: data type {t.data_type} (only float32/float64 weights and "
                                   f"int32/int64 indices are read)")
            if t.data_location == 1 or len(t.external_data) or t.HasField("segment"):
                raise Smale18Error(f"{label}: external or segmented data is not read")
            dims = list(t.dims)
            if len(dims) > 2 or any(d < 0 for d in dims):
                raise Smale18Error(f"{label}: shape {short_repr(dims)} (at most two non-negative dimensions)")
            size = math.prod(dims)
            total += size
            if size > MAX_TENSOR_ENTRIES or total > MAX_TOTAL_ENTRIES:
                raise Smale18Error(f"{label}: {size} entries; at most {MAX_TENSOR_ENTRIES} per tensor and "
                                   f"{MAX_TOTAL_ENTRIES} in all are read")
            itemsize = 4 if t.data_type in (_FLOAT, _INT32) else 8
            field = {_FLOAT: t.float_data, _DOUBLE: t.double_data, _INT32: t.int32_data, _INT64: t.int64_data}
            stored = len(t.raw_data) // itemsize if t.raw_data else len(field[t.data_type])
            if (t.raw_data and len(t.raw_data) != size * itemsize) or stored != size:
                raise Smale18Error(f"{label}: declares {size} entries but holds {stored}")
            try:
                arr = self.onnx.numpy_helper.to_array(t)
            except Exception as exc:  # noqa: BLE001 - whatever onnx raises on a malformed tensor
                raise Smale18Error(f"{label}: unreadable ({_one_line(exc)})") from None
            if t.data_type in _WEIGHT_TYPES:
                if not np.all(np.isfinite(arr)):
                    raise Smale18Error(f"{label}: a weight is not finite (NaN or infinite)")
                arr = arr.astype(np.float64)  # float32 -> float64 is exact
            consts[t.name] = arr
        return consts

    def _input(self, value):
        t = value.type
        name = short_repr(value.name, 40)
        if not t.HasField("tensor_type") or t.tensor_type.elem_type not in _WEIGHT_TYPES:
            raise Smale18Error(f"the input {name} must be a float32 or float64 tensor")
        dims = t.tensor_type.shape.dim
        if not t.tensor_type.HasField("shape") or len(dims) != 2 or not dims[1].HasField("dim_value") \
                or not 1 <= dims[1].dim_value <= MAX_TENSOR_ENTRIES:
            raise Smale18Error(f"the input {name} must have shape (batch, m) with a fixed m in 1..{MAX_TENSOR_ENTRIES}")
        return value.name, int(dims[1].dim_value), t.tensor_type.elem_type

    def _producers(self) -> dict:
        defined = {self.y} | set(self.consts)
        producer = {}
        for k, node in enumerate(self.nodes):
            where = self.where(k)
            if node.op_type not in _OPS or node.domain not in ("", "ai.onnx"):
                raise Smale18Error(f"{where}: op {_printable(node.op_type)} of domain {short_repr(node.domain, 40)} "
                                   f"is not read (ops read: {', '.join(sorted(_OPS))})")
            for attr in node.attribute:
                if attr.name not in _ATTRIBUTES.get(node.op_type, ()) or attr.ref_attr_name:
                    raise Smale18Error(f"{where}: attribute {short_repr(attr.name, 40)} is not read")
            if len(node.output) != 1 or not node.output[0]:
                raise Smale18Error(f"{where}: must have exactly one named output")
            for position, name in enumerate(node.input):
                if name in self.consts and self.consts[name].dtype.kind == "i" and not (
                        (node.op_type == "Slice" and position >= 1) or (node.op_type == "ReduceL2" and position == 1)):
                    raise Smale18Error(f"{where}: reads the integer initializer {short_repr(name, 40)}; integers are "
                                       f"read only as Slice and ReduceL2 indices (weights must be float)")
                if name and name not in defined:
                    raise Smale18Error(f"{where} reads {short_repr(name, 40)} before it is produced (the graph must "
                                       f"be acyclic, its nodes in topological order)")
            if node.output[0] in defined:
                raise Smale18Error(f"{where}: its output {short_repr(node.output[0], 40)} is defined twice")
            defined.add(node.output[0])
            producer[node.output[0]] = k
        return producer

    # -- reading ---------------------------------------------------------------------------------------------
    def node_of(self, tensor):
        """``(k, node)`` producing ``tensor``, or None for the input and the constants."""
        k = self.producer.get(tensor)
        return None if k is None else (k, self.nodes[k])

    def claim(self, k: int) -> None:
        if k in self.claimed:
            raise Smale18Error(f"{self.where(k)} is used twice in the recognised layers (only chains of layers are "
                               f"read)")
        self.claimed.add(k)

    def attr(self, k: int, name: str, default):
        for a in self.nodes[k].attribute:
            if a.name == name:
                return self.onnx.helper.get_attribute_value(a)
        return default

    def inputs(self, k: int, low: int, high: int) -> list:
        names = list(self.nodes[k].input)
        while names and not names[-1]:
            names.pop()  # trailing optional inputs left out
        if not low <= len(names) <= high or any(not n for n in names[:low]):
            raise Smale18Error(f"{self.where(k)}: {len(names)} inputs, expected {low}..{high}")
        return names

    def weight(self, name, where, what) -> np.ndarray:
        arr = self.consts.get(name)
        if arr is None or arr.dtype != np.float64:
            raise Smale18Error(f"{where}: {what} must be a float initializer, got {short_repr(name, 40)}")
        return arr

    def vector(self, name, where, what) -> np.ndarray:
        """A float initializer of shape (k,) or (1, k) as one shared 1-D array per initializer."""
        v = self.weight(name, where, what)
        if not (v.ndim == 1 or (v.ndim == 2 and v.shape[0] == 1)):
            raise Smale18Error(f"{where}: {what} has shape {v.shape}, expected (k,) or (1, k)")
        if v.ndim == 2:
            self.consts[name] = v = v.reshape(-1)  # one array per initializer: shared vectors stay shared
        return v

    def matrix(self, name, where, transpose: bool) -> np.ndarray:
        M = self.weight(name, where, "the weight matrix")
        if M.ndim != 2:
            raise Smale18Error(f"{where}: the weight matrix has shape {M.shape}, expected 2-D")
        if not transpose:
            return M
        if name not in self._transposed:  # one array per initializer: shared weights stay shared
            self._transposed[name] = np.ascontiguousarray(M.T)
        return self._transposed[name]

    def index(self, name, where, what) -> int:
        arr = self.consts.get(name)
        if arr is None or arr.dtype.kind != "i" or arr.size != 1 or arr.ndim > 1:
            raise Smale18Error(f"{where}: {what} must be one integer in an int32/int64 initializer")
        return int(arr.reshape(-1)[0])

    def var(self, name, where) -> str:
        if name in self.consts:
            raise Smale18Error(f"{where}: reads the constant {short_repr(name, 40)} where the input or a state is "
                               f"expected")
        return name


class _Layers:
    """The chain of layers read backwards from the output (``proofs_notes/onnx.md``, one lemma per pattern)."""

    def __init__(self, g: _Graph):
        self.g = g
        self.specs = []  # from the last layer to the first
        t = g.out
        while True:
            if t == g.y:
                self.specs.append(("affine", None, "eye", None, "the input"))  # a nonlinear first layer
                break
            k, node = g.node_of(t)
            op = node.op_type
            if op in _ACTIVATIONS:
                g.claim(k)
                self.specs.append((op,))
                t = g.var(g.inputs(k, 1, 1)[0], g.where(k))
            elif op == "Mul":
                t = self._soft(k)
            elif op == "Concat":
                t = self._ball(k)
            elif op in ("Add", "MatMul", "Gemm"):
                t = self._affine(t)
                if t is None:
                    break
            else:
                raise Smale18Error(f"{g.where(k)}: cannot end a layer here (a layer ends with Add, MatMul, Gemm, "
                                   f"Relu, Tanh, Sigmoid, the soft-threshold Mul or the ball-projection Concat)")
        unused = [k for k in range(len(g.nodes)) if k not in g.claimed]
        if unused:
            raise Smale18Error(f"{g.where(unused[0])} is not part of a recognised layer on the way to the output "
                               f"({len(unused)} such nodes)")

    def _affine(self, t):
        """Parse the sum ending at ``t``; record the layer and return its state variable (None: the first layer)."""
        g = self.g
        W = R = c = state = None
        where = None
        stack = [t]
        while stack:
            name = stack.pop()
            found = g.node_of(name)
            if name == g.y or name in g.consts or found is None or found[1].op_type not in ("Add", "MatMul", "Gemm"):
                if name in g.consts:
                    c = self._bias(c, name, where)
                else:
                    W, R, state = self._term(W, R, state, name, "eye", where)
                continue
            k, node = found
            g.claim(k)
            where = where or g.where(k)
            here = g.where(k)
            if node.op_type == "Add":
                stack.extend(reversed(g.inputs(k, 2, 2)))
            elif node.op_type == "MatMul":
                v, C = g.inputs(k, 2, 2)
                W, R, state = self._term(W, R, state, g.var(v, here), g.matrix(C, here, True), here)
            else:  # Gemm: alpha A' B' + beta C
                names = g.inputs(k, 2, 3)
                alpha, beta = g.attr(k, "alpha", 1.0), g.attr(k, "beta", 1.0)
                transA, transB = g.attr(k, "transA", 0), g.attr(k, "transB", 0)
                if alpha != 1.0 or beta != 1.0 or transA != 0 or transB not in (0, 1):
                    raise Smale18Error(f"{here}: only alpha = beta = 1, transA = 0 is read (got alpha={alpha}, "
                                       f"beta={beta}, transA={transA}, transB={transB})")
                M = g.matrix(names[1], here, transpose=not transB)
                W, R, state = self._term(W, R, state, g.var(names[0], here), M, here)
                if len(names) == 3:
                    c = self._bias(c, names[2], here)
        self.specs.append(("affine", W, R, c, where))
        return state

    def _term(self, W, R, state, var, M, where):
        g = self.g
        if var in g.consts:
            raise Smale18Error(f"{where}: a constant is multiplied where the input or a state is expected")
        if var == g.y:
            if R is not None:
                raise Smale18Error(f"{where}: two linear terms on the input in one affine sum (not read: their sum "
                                   f"would be rounded)")
            return W, M, state
        if state is not None and state != var:
            raise Smale18Error(f"{where}: an affine sum reads two different states (only chains of layers are read)")
        if W is not None:
            raise Smale18Error(f"{where}: two linear terms on the state in one affine sum (not read: their sum would "
                               f"be rounded)")
        return M, R, var

    def _bias(self, c, name, where):
        if c is not None:
            raise Smale18Error(f"{where}: two biases in one affine sum (not read: their sum would be rounded)")
        return self.g.vector(name, where, "a bias")

    def _producer(self, tensor, op, where, what):
        found = self.g.node_of(tensor)
        if found is None or found[1].op_type != op:
            raise Smale18Error(f"{where} is not the {what} pattern: expected a {op} node before it")
        return found[0]

    def _soft(self, k):
        """``Mul(Sign(u), Relu(Sub(Abs(u), t)))`` (either order of the Mul)."""
        g = self.g
        where = g.where(k)
        what = "soft-threshold Sign(u) * Relu(Abs(u) - t)"
        a, b = g.inputs(k, 2, 2)
        ops = [None if g.node_of(x) is None else g.node_of(x)[1].op_type for x in (a, b)]
        if ops == ["Relu", "Sign"]:
            a, b = b, a
        k_sign = self._producer(a, "Sign", where, what)
        k_relu = self._producer(b, "Relu", where, what)
        k_sub = self._producer(g.inputs(k_relu, 1, 1)[0], "Sub", g.where(k_relu), what)
        p, t = g.inputs(k_sub, 2, 2)
        k_abs = self._producer(p, "Abs", g.where(k_sub), what)
        u = g.inputs(k_sign, 1, 1)[0]
        if g.inputs(k_abs, 1, 1)[0] != u:
            raise Smale18Error(f"{where}: Sign and Abs read different tensors (not a soft threshold)")
        thresholds = g.vector(t, g.where(k_sub), "the thresholds")
        if np.any(thresholds < 0):
            raise Smale18Error(f"{g.where(k_sub)}: a negative threshold (not a soft threshold)")
        for j in (k, k_sign, k_relu, k_sub, k_abs):
            g.claim(j)
        self.specs.append(("soft", thresholds, where))
        return g.var(u, where)

    def _slice(self, k):
        """``(h, start, end)`` of ``Slice(h, start, end, axes=[1], steps=[1])``, claiming the node."""
        g = self.g
        where = g.where(k)
        names = g.inputs(k, 4, 5)
        if g.index(names[3], where, "axes") not in (1, -1) or (len(names) == 5 and
                                                               g.index(names[4], where, "steps") != 1):
            raise Smale18Error(f"{where}: only slices of axis 1 with step 1 are read")
        g.claim(k)
        return g.var(names[0], where), g.index(names[1], where, "starts"), g.index(names[2], where, "ends")

    def _radius(self, name, where):
        r = self.g.weight(name, where, "the radius")
        if r.size != 1 or not r.reshape(-1)[0] > 0:
            raise Smale18Error(f"{where}: the radius must be one positive number")
        return float(r.reshape(-1)[0])

    def _projected(self, k):
        """``Mul(w, Div(r, Max(ReduceL2(w), r)))`` with ``w`` a slice; returns ``(h, start, end, r)``."""
        g = self.g
        where = g.where(k)
        what = "ball-projection w * (r / max(||w||, r))"
        a, b = g.inputs(k, 2, 2)
        if g.node_of(a) is not None and g.node_of(a)[1].op_type == "Div":
            a, b = b, a
        k_div = self._producer(b, "Div", where, what)
        r1, mx = g.inputs(k_div, 2, 2)
        k_max = self._producer(mx, "Max", g.where(k_div), what)
        n, r2 = g.inputs(k_max, 2, 2)
        if n in g.consts:
            n, r2 = r2, n
        k_norm = self._producer(n, "ReduceL2", g.where(k_max), what)
        radius = self._radius(r1, g.where(k_div))
        if self._radius(r2, g.where(k_max)) != radius:
            raise Smale18Error(f"{g.where(k_max)}: Max and Div use different radii (not a ball projection)")
        norm_in = g.inputs(k_norm, 1, 2)
        axes = g.attr(k_norm, "axes", None) if len(norm_in) == 1 else [g.index(norm_in[1], g.where(k_norm), "axes")]
        if list(axes or []) not in ([1], [-1]) or g.attr(k_norm, "keepdims", 1) != 1 \
                or g.attr(k_norm, "noop_with_empty_axes", 0) != 0:
            raise Smale18Error(f"{g.where(k_norm)}: only the norm over axis 1 with keepdims=1 is read")
        if norm_in[0] != a:
            raise Smale18Error(f"{where}: the norm and the product read different tensors (not a ball projection)")
        k_slice = self._producer(a, "Slice", where, what)
        for j in (k, k_div, k_max, k_norm):
            g.claim(j)
        return (*self._slice(k_slice), radius)

    def _ball(self, k):
        g = self.g
        where = g.where(k)
        if g.attr(k, "axis", None) not in (1, -1):
            raise Smale18Error(f"{where}: only a concatenation along axis 1 is read")
        g.claim(k)
        parts, state = [], None
        for name in g.inputs(k, 1, len(g.nodes[k].input)):
            found = g.node_of(name)
            if found is None or found[1].op_type not in ("Slice", "Mul"):
                raise Smale18Error(f"{where}: the parts of a ball projection are Slices and one projected block")
            if found[1].op_type == "Slice":
                h, lo, hi = self._slice(found[0])
                radius = None
            else:
                h, lo, hi, radius = self._projected(found[0])
            if state is not None and h != state:
                raise Smale18Error(f"{where}: the parts slice different tensors (not a ball projection)")
            state = h
            parts.append((lo, hi, radius))
        if sum(r is not None for _, _, r in parts) != 1:
            raise Smale18Error(f"{where}: a ball projection has exactly one projected block")
        self.specs.append(("ball", parts, where))
        return state

    # -- the network -----------------------------------------------------------------------------------------
    def network(self) -> Network:
        g, m = self.g, self.g.m
        layers, width = [], 0
        for spec in reversed(self.specs):
            kind = spec[0]
            if kind == "affine":
                layer = self._affine_layer(spec, width)
                width = layer.width
            elif kind == "soft":
                t, where = spec[1], spec[2]
                if t.size not in (1, width):
                    raise Smale18Error(f"{where}: {t.size} thresholds for a state of width {width}")
                layer = SoftThreshold(np.broadcast_to(t, (width,)).copy() if t.size != width else t)
            elif kind == "ball":
                layer = self._ball_layer(spec[1], width, spec[2])
            else:
                layer = _ACTIVATIONS[kind]()
            layers.append(layer)
        dims = g._output_type.tensor_type.shape.dim
        if g._output_type.tensor_type.elem_type != g.dtype or len(dims) != 2 \
                or (dims[1].HasField("dim_value") and dims[1].dim_value != width):
            raise Smale18Error(f"the output must be a (batch, {width}) tensor of the input's type")
        return Network(m, tuple(layers))

    def _affine_layer(self, spec, width):
        _, W, R, c, where = spec
        m = self.g.m
        rows = {len(c)} if c is not None else set()
        if isinstance(W, np.ndarray):
            if W.shape[1] != width:
                raise Smale18Error(f"{where}: a weight of shape {W.T.shape} for a state of width {width}")
            rows.add(W.shape[0])
        elif isinstance(W, str):  # "eye": the identity on the state
            rows.add(width)
        if isinstance(R, np.ndarray):
            if R.shape[1] != m:
                raise Smale18Error(f"{where}: a weight of shape {R.T.shape} for the input of width {m}")
            rows.add(R.shape[0])
        elif isinstance(R, str):  # "eye": the identity on the input
            rows.add(m)
        if len(rows) != 1:
            raise Smale18Error(f"{where}: the terms of an affine sum have different widths {sorted(rows)}")
        if W is None and R is None:
            raise Smale18Error(f"{where}: an affine sum reads neither the input nor a state")
        k = rows.pop()
        return Affine(W=np.eye(k) if isinstance(W, str) else W, R=np.eye(k) if isinstance(R, str) else R, c=c)

    def _ball_layer(self, parts, width, where):
        def clamp(v):
            return min(max(v + width if v < 0 else v, 0), width)

        cursor, block = 0, None
        for lo, hi, radius in parts:
            lo, hi = clamp(lo), clamp(hi)
            if lo != cursor or hi <= lo:
                raise Smale18Error(f"{where}: the slices do not cover 0:{width} in order")
            if radius is not None:
                block = (lo, hi, radius)
            cursor = hi
        if cursor != width:
            raise Smale18Error(f"{where}: the slices do not cover 0:{width} in order")
        return BallProjection(*block)


def from_onnx(source, max_bytes: int = MAX_FILE_BYTES) -> Network:
    """The :class:`Network` of an ONNX model (a file name or the model's bytes) built from the recognised patterns
    (module docstring; at most ``max_bytes <= MAX_FILE_BYTES`` bytes are read). Whatever is not recognised, or breaks
    a limit, raises a one-line :class:`Smale18Error` naming the node and its op. The network computes the graph's
    function exactly (weights read exactly, float32 ones widened exactly); ``forward_ball`` and
    :func:`smale18.verify.stability.lipschitz_upper` are certified for it. Needs the ``onnx`` extra."""
    onnx = require("onnx", "onnx")
    if isinstance(max_bytes, (bool, np.bool_)) or not isinstance(max_bytes, (int, np.integer)) \
            or not 1 <= max_bytes <= MAX_FILE_BYTES:
        raise Smale18Error(f"max_bytes={short_repr(max_bytes)} must be an integer in 1..{MAX_FILE_BYTES}")
    data = _read_source(source, int(max_bytes))
    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError and whatever else a damaged file raises
        raise Smale18Error(f"not a readable ONNX model ({_one_line(exc)})") from None
    g = _Graph(onnx, model)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:  # noqa: BLE001 - ValidationError, InferenceError
        raise Smale18Error(f"the model fails onnx.checker: {_one_line(exc)}") from None
    return _Layers(g).network()
