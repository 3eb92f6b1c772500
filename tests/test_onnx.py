"""ONNX in and out (verify/nets/_onnx.py, proofs_notes/onnx.md): exact round trips of FIRENET and LISTA, onnxruntime
against the certified ball enclosure, a certified Lipschitz bound of an imported MLP, hostile files, the Sigmoid
layer."""

import math
from fractions import Fraction

import flint
import numpy as np
import pytest
import scipy.sparse.linalg as sla

from _support import require_extra, time_limit

onnx = require_extra("onnx")
ort = require_extra("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from smale18.oracle import Smale18Error, _arb  # noqa: E402
from smale18.verify.nets import (Affine, BallProjection, Network, ReLU, Sigmoid, SoftThreshold, Tanh,  # noqa: E402
                                  firenet, float64_enclosure, from_onnx, to_onnx, train_lista)
from smale18.verify.nets._onnx import MAX_NODES, MAX_TENSOR_ENTRIES  # noqa: E402
from smale18.verify.stability import lipschitz_upper  # noqa: E402


def _run_ort(data: bytes, Y: np.ndarray) -> np.ndarray:
    """onnxruntime on the columns of ``Y`` (smale18's layout); the model takes samples as rows."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3  # no warnings about unused initializers of the mutated models
    session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    dtype = np.float32 if session.get_inputs()[0].type == "tensor(float)" else np.float64
    return session.run(None, {name: np.ascontiguousarray(Y.T, dtype=dtype)})[0].T.astype(np.float64)


def _firenet(restarts=3, inner=5):
    A = np.random.default_rng(1).standard_normal((6, 10)) / np.sqrt(6)
    return firenet(A, lam=0.2, restarts=restarts, inner=inner, eps0=4.0).network()


def _lista():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((8, 16)) / np.sqrt(8)
    X = np.zeros((16, 200))
    for k in range(200):
        X[rng.choice(16, 2, replace=False), k] = rng.standard_normal(2)
    return train_lista(A, A @ X, X, depth=4, iterations=200, seed=0).network()


def _mlp(widths=(5, 16, 16, 16, 3), acts=("Relu", "Sigmoid", "Relu"), dtype=np.float32, seed=0):
    """An MLP as torch.onnx writes one: ``Gemm(h, weight (out, in), bias, alpha=1, beta=1, transB=1)``, activations
    between the Gemms; input ``y`` (B, m), output ``x``. Returned as a ModelProto (the hostile tests edit it)."""
    rng = np.random.default_rng(seed)
    T = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    nodes, inits, h = [], [], "y"
    for i in range(len(widths) - 1):
        W = (rng.standard_normal((widths[i + 1], widths[i])) / np.sqrt(widths[i])).astype(dtype)
        b = (0.1 * rng.standard_normal(widths[i + 1])).astype(dtype)
        inits += [numpy_helper.from_array(W, f"{i}.weight"), numpy_helper.from_array(b, f"{i}.bias")]
        out = "x" if i == len(widths) - 2 else f"/{i}/Gemm_output_0"
        nodes.append(helper.make_node("Gemm", [h, f"{i}.weight", f"{i}.bias"], [out], alpha=1.0, beta=1.0, transB=1))
        h = out
        if i < len(acts):
            nodes.append(helper.make_node(acts[i], [h], [f"/{i}/act"]))
            h = f"/{i}/act"
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("y", T, ["B", widths[0]])],
                              [helper.make_tensor_value_info("x", T, ["B", widths[-1]])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def _contains(ball, value, tol=Fraction(0)) -> bool:
    return _arb.lower_fraction(ball) - tol <= Fraction(float(value)) <= _arb.upper_fraction(ball) + tol


# -- (a) round trips -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [_firenet, _lista], ids=["firenet", "lista"])
def test_round_trip_gives_the_same_layers_and_onnxruntime_agrees(make):
    net = make()
    data = to_onnx(net)
    back = from_onnx(data)
    assert [type(layer) for layer in back.layers] == [type(layer) for layer in net.layers]
    assert back.widths == net.widths
    Y = np.random.default_rng(2).standard_normal((net.m, 7))
    ref = net.forward(Y)
    scale = max(1.0, float(np.max(np.abs(ref))))
    assert np.max(np.abs(back.forward(Y) - ref)) <= 1e-12 * scale  # observed: 0 (the same floats, the same order)
    assert np.max(np.abs(_run_ort(data, Y) - ref)) <= 1e-12 * scale  # observed: 2.2e-16 for FIRENET
    assert to_onnx(back) == data  # the weights were read exactly (shared initializers stay shared)


@pytest.mark.parametrize("opset", [13, 18, 23])
def test_export_opsets_run_in_onnxruntime(opset, tmp_path):
    """ReduceL2 takes its axes as an attribute before opset 18 and as an input from 18 on; both are written and read."""
    net = _firenet(restarts=2, inner=3)
    path = tmp_path / "firenet.onnx"
    data = to_onnx(net, path, opset=opset)
    assert path.read_bytes() == data
    Y = np.random.default_rng(3).standard_normal((net.m, 4))
    assert np.allclose(_run_ort(data, Y), net.forward(Y), rtol=1e-12, atol=1e-13)
    assert np.array_equal(from_onnx(path).forward(Y), net.forward(Y))


def test_export_refuses_what_it_cannot_write_exactly(tmp_path):
    A = np.random.default_rng(5).standard_normal((6, 10))
    dense = firenet(A, lam=0.2, restarts=1, inner=2)
    fast = firenet(sla.aslinearoperator(A), lam=0.2, restarts=1, inner=2, L_A=dense.L_A)
    with pytest.raises(Smale18Error, match=r"layers\[2\] \(Affine\): W is a .* \(an operator layer\)"):
        to_onnx(fast.network())
    with pytest.raises(Smale18Error, match="complex"):
        to_onnx(Network(2, (Affine(R=np.eye(2) * 1j),)))
    with pytest.raises(Smale18Error, match="opset=12 must be an integer in 13..23"):
        to_onnx(dense.network(), opset=12)
    with pytest.raises(Smale18Error, match="thresholds for a state of width"):
        to_onnx(Network(2, (Affine(R=np.eye(2)), SoftThreshold(np.ones(3)))))
    with pytest.raises(Smale18Error, match=r"layers\[2\] \(Affine\) discards the state"):
        to_onnx(Network(2, (Affine(R=np.eye(2)), ReLU(), Affine(R=np.eye(2)))))
    with pytest.raises(Smale18Error, match="radius"):
        to_onnx(Network(2, (Affine(R=np.eye(2)), BallProjection(0, 2, -1.0))))
    path = tmp_path / "net.onnx"
    path.write_bytes(b"evidence")
    with pytest.raises(Smale18Error, match="exists already; pass overwrite=True"):
        to_onnx(dense.network(), path)
    assert path.read_bytes() == b"evidence"
    to_onnx(dense.network(), path, overwrite=True)
    assert from_onnx(path).widths == dense.network().widths
    with pytest.raises(Smale18Error, match="folder does not exist"):
        to_onnx(dense.network(), tmp_path / "missing" / "net.onnx")


# -- (b) onnxruntime inside the certified enclosure -------------------------------------------------------------------
def test_onnxruntime_output_lies_in_the_float64_enclosure_of_the_imported_network():
    """onnxruntime's float64 output lies in the enclosure of every float64 evaluation (no slack; certified given the
    error model of proofs_notes/float_enclosure.md, tanh/sigmoid under the hypothesis of at most 4 ulps), and not in
    general in forward_ball's enclosure of the exact output (tight: width < 1e-20). A control shows the check can
    fail: the same output against the enclosure of a network whose output bias moved by 1e-9."""
    rng = np.random.default_rng(6)
    ulps = {"tanh": 4, "sigmoid": 4}
    mlp = _mlp(acts=("Relu", "Sigmoid", "Tanh"), dtype=np.float64)
    outside_exact = False
    for data in (to_onnx(_firenet(restarts=2, inner=4)), mlp.SerializeToString()):
        net = from_onnx(data)
        for _ in range(2):
            y = rng.standard_normal(net.m)
            out = _run_ort(data, y[:, None])[:, 0]
            balls, exact = float64_enclosure(net, y, ulps=ulps), net.forward_ball(y, prec_bits=128)
            for i, v in enumerate(out):
                assert _arb.upper_fraction(exact[i, 0]) - _arb.lower_fraction(exact[i, 0]) < Fraction(1, 10**20)
                assert _contains(balls[i, 0], v)
                outside_exact |= not _contains(exact[i, 0], v)
    assert outside_exact
    bias = next(t for t in mlp.graph.initializer if t.name == "3.bias")
    bias.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(bias) + 1e-9, "3.bias"))
    moved = float64_enclosure(from_onnx(mlp.SerializeToString()), y, ulps=ulps)
    assert not any(_contains(moved[i, 0], v) for i, v in enumerate(out))


# -- (c) a certified Lipschitz bound of an imported network ------------------------------------------------------------
def test_certified_lipschitz_bound_of_an_imported_mlp_dominates_observed_ratios():
    model = _mlp()  # float32, 3 hidden layers: ReLU, sigmoid, ReLU
    data = model.SerializeToString()
    net = from_onnx(data)
    assert sum(isinstance(layer, Affine) for layer in net.layers) == 4
    assert any(isinstance(layer, Sigmoid) for layer in net.layers)
    L = lipschitz_upper(net)
    rng = np.random.default_rng(7)
    Y1, Y2 = rng.standard_normal((5, 200)), rng.standard_normal((5, 200))
    Y2[:, :100] = Y1[:, :100] + 1e-3 * rng.standard_normal((5, 100))  # close pairs too
    ratios = np.linalg.norm(net.forward(Y1) - net.forward(Y2), axis=0) / np.linalg.norm(Y1 - Y2, axis=0)
    worst_jacobian = 0.0
    for y in Y1.T[:20]:  # the local constant: the Jacobian's norm (rows from the VJPs)
        J = np.stack([net.vjp(y, e)[0] for e in np.eye(net.N)])
        worst_jacobian = max(worst_jacobian, float(np.linalg.norm(J, 2)))
    assert max(ratios.max(), worst_jacobian) <= L
    # observed, not certified: onnxruntime's float32 run of the same file against the float64 layers
    assert np.allclose(_run_ort(data, Y1), net.forward(Y1), rtol=1e-4, atol=1e-5)
    # the sigmoid layer counts 1/4: the same weights with tanh (1-Lipschitz) in its place get about 4 times the bound
    as_tanh = Network(net.m, tuple(Tanh() if isinstance(layer, Sigmoid) else layer for layer in net.layers))
    assert L <= lipschitz_upper(as_tanh) / 4 * (1 + Fraction(1, 10**12))


def test_sigmoid_factor_is_tight_on_a_scalar_network():
    """y -> 2 s(4 y): the bound is 4 * 2 / 4 = 2, and near 0 the observed ratio comes within 1e-6 of it."""
    model = _mlp(widths=(1, 1, 1), acts=("Sigmoid",), dtype=np.float64)
    for t, value in zip(model.graph.initializer, ([[4.0]], [0.0], [[2.0]], [0.0])):
        t.CopyFrom(numpy_helper.from_array(np.array(value), t.name))
    net = from_onnx(model.SerializeToString())
    L = lipschitz_upper(net)
    assert 2 <= L <= 2 * (1 + Fraction(1, 10**12))
    ratio = float((net.forward(np.array([1e-4])) - net.forward(np.array([-1e-4])))[0] / 2e-4)
    assert L * (1 - Fraction(1, 10**6)) <= Fraction(ratio) <= L


# -- (d) hostile files ------------------------------------------------------------------------------------------------
def _edit(edit, model=None):
    model = model or _mlp()
    edit(model)
    return model.SerializeToString()


def _add_node(model, *args, **kwargs):
    model.graph.node.append(helper.make_node(*args, **kwargs))


def _set_init(model, name, tensor):
    t = next(t for t in model.graph.initializer if t.name == name)
    t.CopyFrom(tensor)


def _huge_tensor(model):
    t = TensorProto(name="0.weight", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 20], raw_data=b"\0" * 8)
    _set_init(model, "0.weight", t)


def _cycle(model):
    _add_node(model, "Relu", ["b"], ["a"])
    _add_node(model, "Relu", ["a"], ["b"])


def _two_states(model):
    """A skip connection: the last Gemm's sum also reads an earlier state (two states in one affine sum)."""
    last = model.graph.node[-1]
    last.output[0] = "pre"
    w = numpy_helper.from_array(np.zeros((16, 3), dtype=np.float32), "skip")
    model.graph.initializer.append(w)
    _add_node(model, "MatMul", ["/0/act", "skip"], ["skipped"])
    _add_node(model, "Add", ["pre", "skipped"], ["x"])


def _residual(model):
    """``x = h + h W``: the identity and ``W`` on one state (their sum ``I + W`` would be rounded: refused)."""
    model.graph.node[-1].input[0] = "/2/act"
    model.graph.node[-1].output[0] = "pre"
    model.graph.output[0].type.tensor_type.shape.dim[1].dim_value = 16
    w = next(t for t in model.graph.initializer if t.name == "3.weight")
    w.CopyFrom(numpy_helper.from_array(np.zeros((16, 16), dtype=np.float32), "3.weight"))
    b = next(t for t in model.graph.initializer if t.name == "3.bias")
    b.CopyFrom(numpy_helper.from_array(np.zeros(16, dtype=np.float32), "3.bias"))
    _add_node(model, "Add", ["/2/act", "pre"], ["x"])


def _too_many_nodes() -> bytes:
    """MAX_NODES + 1 nodes, built by protobuf's merge of concatenated messages (repeated fields append): fast."""
    base = _mlp(widths=(3, 3), acts=()).SerializeToString()
    extra = onnx.ModelProto(graph=onnx.GraphProto(node=[helper.make_node("Relu", ["y"], ["r"])]))
    return base + extra.SerializeToString() * MAX_NODES


def _external(model):
    t = next(t for t in model.graph.initializer if t.name == "0.bias")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    t.external_data.add(key="location", value="/etc/passwd")


def _with_truncated(cut):
    data = to_onnx(_firenet(restarts=1, inner=2))
    return data[:cut(len(data))]


HOSTILE = {
    "truncated half": (lambda: _with_truncated(lambda n: n // 2), "not a readable ONNX model"),
    "truncated last byte": (lambda: _with_truncated(lambda n: n - 1), "not a readable ONNX model"),
    "truncated header": (lambda: _with_truncated(lambda n: 10), "not a readable ONNX model|one input"),
    "empty": (lambda: b"", "opset|one input and one output"),
    "garbage": (lambda: bytes(range(256)) * 4, "not a readable ONNX model|one input"),
    "unknown op": (lambda: _edit(lambda m: setattr(m.graph.node[1], "op_type", "Cos")),
                   r"node 1 \(Cos\): op Cos of domain"),
    "custom domain": (lambda: _edit(lambda m: setattr(m.graph.node[1], "domain", "com.microsoft")), "domain"),
    "constant node": (lambda: _edit(lambda m: _add_node(m, "Constant", [], ["k"], value_float=1.0)),
                      r"\(Constant\): op Constant of domain"),
    "nan weight": (lambda: _edit(lambda m: _set_init(m, "1.weight", numpy_helper.from_array(
        np.full((16, 16), np.nan, dtype=np.float32), "1.weight"))), "'1.weight': a weight is not finite"),
    "inf bias": (lambda: _edit(lambda m: _set_init(m, "0.bias", numpy_helper.from_array(
        np.full(16, np.inf), "0.bias"))), "'0.bias': a weight is not finite"),
    "huge declared tensor": (lambda: _edit(_huge_tensor), f"at most {MAX_TENSOR_ENTRIES} per tensor"),
    "short tensor data": (lambda: _edit(lambda m: _set_init(m, "0.bias", TensorProto(
        name="0.bias", data_type=TensorProto.FLOAT, dims=[16], float_data=[1.0] * 3))),
        "declares 16 entries but holds 3"),
    "external data": (lambda: _edit(_external), "external"),
    "integer weight": (lambda: _edit(lambda m: _set_init(m, "0.bias", numpy_helper.from_array(
        np.zeros(16, dtype=np.int64), "0.bias"))), r"node 0 \(Gemm\): reads the integer initializer '0.bias'"),
    "too many nodes": (_too_many_nodes, f"at most {MAX_NODES} are read"),
    "two inputs": (lambda: _edit(lambda m: m.graph.input.append(
        helper.make_tensor_value_info("z", TensorProto.FLOAT, ["B", 5]))), "2 inputs and 1 outputs"),
    "two outputs": (lambda: _edit(lambda m: m.graph.output.append(
        helper.make_tensor_value_info("/0/act", TensorProto.FLOAT, ["B", 16]))), "1 inputs and 2 outputs"),
    "cycle": (lambda: _edit(_cycle), "reads 'b' before it is produced"),
    "unused node": (lambda: _edit(lambda m: _add_node(m, "Relu", ["y"], ["dead"])),
                    "is not part of a recognised layer"),
    "skip connection": (lambda: _edit(_two_states), "reads two different states"),
    "residual": (lambda: _edit(_residual), "two linear terms on the state"),
    "gemm alpha": (lambda: _edit(lambda m: m.graph.node[0].attribute[0].CopyFrom(
        helper.make_attribute("alpha", 2.0))), "only alpha = beta = 1"),
    "unknown attribute": (lambda: _edit(lambda m: m.graph.node[1].attribute.append(
        helper.make_attribute("alpha", 1.0))), "attribute 'alpha' is not read"),
    "integer input": (lambda: _edit(lambda m: m.graph.input[0].type.tensor_type.__setattr__(
        "elem_type", TensorProto.INT64)), "must be a float32 or float64 tensor"),
    "old opset": (lambda: _edit(lambda m: m.opset_import[0].__setattr__("version", 9)), "opset in 13..23"),
    "negative threshold": (lambda: _negative_threshold(), "a negative threshold"),
}


def _negative_threshold():
    model = onnx.load_from_string(to_onnx(Network(2, (Affine(R=np.eye(2)), SoftThreshold(np.zeros(2))))))
    t = next(t for t in model.graph.initializer if t.name.startswith("t_"))
    t.CopyFrom(numpy_helper.from_array(np.array([0.5, -0.5]), t.name))
    return model.SerializeToString()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_are_refused_in_one_line(case):
    make, match = HOSTILE[case]
    data = make()
    with time_limit(20), pytest.raises(Smale18Error, match=match) as err:
        from_onnx(data)
    assert "\n" not in str(err.value) and len(str(err.value)) < 400


def test_hostile_sources_and_file_limits(tmp_path):
    path = tmp_path / "mlp.onnx"
    path.write_bytes(_mlp().SerializeToString())
    assert from_onnx(str(path)).widths == [5, 16, 16, 16, 3]
    for source, match in ((path, "at most 100 are read"), (tmp_path, "not a regular file"),
                          (tmp_path / "missing.onnx", "cannot read"), (12, "source must be a file name")):
        with pytest.raises(Smale18Error, match=match):
            from_onnx(source, max_bytes=100)
    with pytest.raises(Smale18Error, match="max_bytes=0 must be an integer"):
        from_onnx(path, max_bytes=0)


def _mutant(model, rng, names, ops):
    """One or two random edits: rewire an input, change an op, drop a node, reverse the inputs, change a weight or an
    index, change an attribute."""
    nodes = model.graph.node
    for _ in range(rng.integers(1, 3)):
        node = nodes[int(rng.integers(0, len(nodes)))]
        kind = int(rng.integers(0, 6))
        if kind == 0:
            node.input[int(rng.integers(0, len(node.input)))] = names[int(rng.integers(0, len(names)))]
        elif kind == 1:
            node.op_type = ops[int(rng.integers(0, len(ops)))]
        elif kind == 2:
            nodes.remove(node)
        elif kind == 3:
            reversed_inputs = list(node.input)[::-1]
            del node.input[:]
            node.input.extend(reversed_inputs)
        elif kind == 4:
            t = model.graph.initializer[int(rng.integers(0, len(model.graph.initializer)))]
            arr = numpy_helper.to_array(t).copy()
            if arr.size:
                arr.reshape(-1)[int(rng.integers(0, arr.size))] = rng.choice([-1, 0, 2, 5])
            t.CopyFrom(numpy_helper.from_array(arr, t.name))
        elif node.attribute:
            a = node.attribute[0]
            if a.type == a.INT:
                a.i = int(rng.integers(-1, 3))
            elif a.type == a.FLOAT:
                a.f = float(rng.choice([0.5, 1.0, 2.0]))


def test_mutated_graphs_are_refused_in_one_line_or_compute_what_onnxruntime_computes():
    """The importer never crashes, and whatever it accepts is the graph's function: on 300 seeded random edits of an
    exported FIRENET, a network of every layer type (opsets 17 and 18) and a float64 MLP, each accepted model agrees
    with onnxruntime (observed: 87 of the 300 are accepted, e.g. a changed weight or reversed Add inputs; a local run
    of 3,000 such edits found no crash and no disagreement)."""
    rng = np.random.default_rng(10)
    r = np.random.default_rng(11)
    every = Network(4, (Affine(R=r.standard_normal((5, 4)), c=r.standard_normal(5)), SoftThreshold(np.full(5, 0.2)),
                        Affine(W=r.standard_normal((5, 5)), R=r.standard_normal((5, 4))), BallProjection(1, 4, 0.8),
                        Sigmoid(), Affine(W=r.standard_normal((5, 5))), Tanh(), ReLU(),
                        Affine(W=r.standard_normal((3, 5)))))
    bases = [to_onnx(_firenet(1, 2)), to_onnx(every), to_onnx(every, opset=18),
             _mlp(dtype=np.float64).SerializeToString()]
    ops = ["Abs", "Add", "Concat", "Div", "Gemm", "MatMul", "Max", "Mul", "ReduceL2", "Relu", "Sigmoid", "Sign",
           "Slice", "Sub", "Tanh"]
    accepted = 0
    for k in range(300):
        model = onnx.load_from_string(bases[k % len(bases)])
        names = [model.graph.input[0].name] + [t.name for t in model.graph.initializer] + \
            [n.output[0] for n in model.graph.node]
        _mutant(model, rng, names, ops)
        data = model.SerializeToString()
        try:
            net = from_onnx(data)
        except Smale18Error as err:
            assert "\n" not in str(err)
            continue
        accepted += 1
        Y = rng.standard_normal((net.m, 3))
        assert np.allclose(_run_ort(data, Y), net.forward(Y), rtol=1e-10, atol=1e-12), k
    assert 30 <= accepted <= 270  # both branches are exercised


# -- recognised variants -----------------------------------------------------------------------------------------------
def test_recognised_variants_compute_the_graph():
    """MatMul + Add instead of Gemm, transB = 0, a nonlinear first layer (an identity first layer is added), a bare
    state plus a bias (the identity), and a bias of shape (1, k): the imported network agrees with onnxruntime."""
    rng = np.random.default_rng(8)
    W1, W2, c, c2 = (rng.standard_normal(shape) for shape in ((3, 4), (4, 4), (1, 4), (4,)))
    T = TensorProto.DOUBLE
    nodes = [helper.make_node("Tanh", ["y"], ["a"]),
             helper.make_node("MatMul", ["a", "W1"], ["b"]),
             helper.make_node("Add", ["b", "c"], ["b2"]),
             helper.make_node("Sigmoid", ["b2"], ["s"]),
             helper.make_node("Gemm", ["s", "W2"], ["g"]),
             helper.make_node("Relu", ["g"], ["r"]),
             helper.make_node("Add", ["r", "c2"], ["x"])]  # an affine layer I r + c2
    graph = helper.make_graph(nodes, "variants", [helper.make_tensor_value_info("y", T, ["B", 3])],
                              [helper.make_tensor_value_info("x", T, ["B", 4])],
                              [numpy_helper.from_array(W1, "W1"), numpy_helper.from_array(W2, "W2"),
                               numpy_helper.from_array(c, "c"), numpy_helper.from_array(c2, "c2")])
    data = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()
    net = from_onnx(data)
    kinds = ["Affine", "Tanh", "Affine", "Sigmoid", "Affine", "ReLU", "Affine"]
    assert [type(layer).__name__ for layer in net.layers] == kinds
    assert np.array_equal(net.layers[0].R, np.eye(3)) and np.array_equal(net.layers[-1].W, np.eye(4))
    Y = rng.standard_normal((3, 6))
    assert np.allclose(net.forward(Y), _run_ort(data, Y), rtol=1e-13, atol=1e-14)


# -- (e) the Sigmoid layer ---------------------------------------------------------------------------------------------
def test_sigmoid_layer_forward_vjp_and_ball_enclosure():
    h = np.array([[-800.0, -30.0, -1.5, 0.0, 1e-9, 2.0, 40.0, 800.0]]).T
    out = Sigmoid().forward(h, None)
    with flint.ctx.workprec(200):
        for v, s in zip(h[:, 0], out[:, 0]):
            exact = 1 / (1 + (-flint.arb(float(v))).exp())
            error = abs(Fraction(float(s)) - _arb.arb_fraction(exact.mid()))
            assert error <= Fraction(2**-52) * Fraction(float(s)) + Fraction(2**-1074)  # s(-800) underflows to 0
    rng = np.random.default_rng(9)
    net = Network(3, (Affine(R=rng.standard_normal((4, 3)), c=rng.standard_normal(4)), Sigmoid(),
                      Affine(W=rng.standard_normal((2, 4)))))
    y, g = rng.standard_normal(3), rng.standard_normal(2)
    gy, _ = net.vjp(y, g)
    for i in range(3):
        e = np.eye(3)[i] * 1e-6
        fd = (g @ net.forward(y + e) - g @ net.forward(y - e)) / 2e-6
        assert abs(fd - gy[i]) <= 1e-7 * max(1.0, abs(fd))
    value, balls = net.forward(y), net.forward_ball(y, prec_bits=128)
    for i, v in enumerate(value):
        assert _contains(balls[i, 0], v, Fraction(1, 10**14))
        assert _arb.upper_fraction(balls[i, 0]) - _arb.lower_fraction(balls[i, 0]) < Fraction(1, 10**25)
    with flint.ctx.workprec(128):  # a wide input ball: the image of [1, 3] is [s(1), s(3)], enclosed
        wide = Sigmoid().forward_ball(flint.arb_mat([[flint.arb(2, 1)], [flint.arb(-1000)]]), None, 128)
    for x in (1.0, 2.0, 3.0):
        assert _contains(wide[0, 0], 1 / (1 + math.exp(-x)))
    assert _arb.lower_fraction(wide[0, 0]) > Fraction(0.731) and _arb.upper_fraction(wide[0, 0]) < Fraction(0.953)
    assert 0 <= _arb.upper_fraction(wide[1, 0]) < Fraction(1, 10**400)  # s(-1000) ~ 5e-435, no overflow


def test_relu_network_bound_is_unchanged_by_the_sigmoid_edit():
    """The norms are certified upper bounds (here within 1e-13 of 3 and 2), so the bounds are 6 and 6/4, rounded up."""
    net = Network(2, (Affine(R=np.array([[3.0, 0.0], [0.0, 1.0]])), ReLU(), Affine(W=np.array([[2.0, 0.0]]))))
    near = Fraction(1, 10**12)
    assert 6 <= lipschitz_upper(net) <= 6 * (1 + near)
    with_sigmoid = Network(2, net.layers[:2] + (Sigmoid(),) + net.layers[2:])
    assert Fraction(3, 2) <= lipschitz_upper(with_sigmoid) <= Fraction(3, 2) * (1 + near)
