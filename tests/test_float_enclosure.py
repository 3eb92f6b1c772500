"""The enclosure of every float64 evaluation of a network (verify/nets/_float_enclosure.py,
proofs_notes/float_enclosure.md): numpy's, onnxruntime's and randomly ordered evaluations with emulated FMA lie inside;
float32 evaluations, moved outputs and perturbed networks do not; deep FIRENETs keep a tight enclosure; refusals."""

import math
from fractions import Fraction

import flint
import numpy as np
import pytest
import scipy.sparse.linalg as sla

from smale18.oracle import Smale18Error, _arb
from smale18.verify.nets import Affine, BallProjection, Network, ReLU, Sigmoid, SoftThreshold, Tanh, firenet
from smale18.verify.nets import train_lista
from smale18.verify.nets import float64_enclosure


# -- helpers ----------------------------------------------------------------------------------------------------------
def _inside(balls, values) -> bool:
    return all(_arb.lower_fraction(balls[i, 0]) <= Fraction(float(v)) <= _arb.upper_fraction(balls[i, 0])
               for i, v in enumerate(values))


def _column(balls, i):
    return flint.arb_mat([[balls[i, 0]]])


def _radius(balls) -> float:
    return max(float(balls[i, 0].rad()) for i in range(balls.nrows()))


def _relative_radius(balls) -> float:
    return _radius(balls) / max(abs(float(balls[i, 0].mid())) for i in range(balls.nrows()))


def _firenet(restarts=2, inner=4, seed=1):
    A = np.random.default_rng(seed).standard_normal((6, 10)) / np.sqrt(6)
    return firenet(A, lam=0.2, restarts=restarts, inner=inner, eps0=4.0).network()


def _mlp(widths=(5, 16, 16, 3), seed=0, acts=(ReLU, ReLU)):
    rng = np.random.default_rng(seed)
    layers = [Affine(R=rng.standard_normal((widths[1], widths[0])), c=0.1 * rng.standard_normal(widths[1]))]
    for i in range(1, len(widths) - 1):
        layers.append(acts[i - 1]())
        layers.append(Affine(W=rng.standard_normal((widths[i + 1], widths[i])) / np.sqrt(widths[i]),
                             c=0.1 * rng.standard_normal(widths[i + 1])))
    return Network(widths[0], tuple(layers))


def _fma(a: float, b: float, c: float) -> float:
    """``a b + c`` rounded once to nearest (Fraction -> float is correctly rounded, subnormals included)."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def _tree_sum(values, products, rng) -> float:
    """A float64 evaluation of ``sum(values) + sum(a b for a, b in products)`` in the model of the notes: a random
    binary tree of additions; each product either rounded on its own or fused into an addition (emulated FMA)."""
    pool = [v for v in values]
    for a, b in products:
        pool.append((a, b) if rng.random() < 0.5 else a * b)  # a pair: not yet rounded (FMA candidate)
    if not pool:
        return 0.0
    while len(pool) > 1:
        i, j = rng.choice(len(pool), 2, replace=False)
        x, z = pool[i], pool[j]
        pool = [p for k, p in enumerate(pool) if k not in (i, j)]
        if isinstance(x, tuple) and isinstance(z, tuple):
            pool.append(_fma(*x, z[0] * z[1]))
        elif isinstance(x, tuple) or isinstance(z, tuple):
            pair, other = (x, z) if isinstance(x, tuple) else (z, x)
            pool.append(_fma(*pair, other))
        else:
            pool.append(x + z)
    last = pool[0]
    return last[0] * last[1] if isinstance(last, tuple) else last


def _random_evaluation(net: Network, y: np.ndarray, rng) -> np.ndarray:
    """One float64 evaluation of ``net`` with random summation trees and random FMA, layer by layer."""
    h = None
    for layer in net.layers:
        if type(layer) is Affine:
            out = []
            for i in range(layer.width):
                products = []
                if layer.W is not None:
                    products += [(float(layer.W[i, j]), h[j]) for j in range(len(h))]
                if layer.R is not None:
                    products += [(float(layer.R[i, j]), float(y[j])) for j in range(len(y))]
                values = [] if layer.c is None else [float(layer.c[i])]
                out.append(_tree_sum(values, products, rng))
            h = out
        elif type(layer) is SoftThreshold:
            h = [math.copysign(1.0, u) * max(abs(u) - t, 0.0) if u else 0.0 for u, t in zip(h, layer.thresholds)]
        elif type(layer) is ReLU:
            h = [max(u, 0.0) for u in h]
        elif type(layer) is BallProjection:
            a, b, r = layer.start, layer.stop, float(layer.radius)
            w = h[a:b]
            norm = math.sqrt(_tree_sum([], [(v, v) for v in w], rng))  # sqrt is correctly rounded
            d = r / max(norm, r)
            h = h[:a] + [v * d for v in w] + h[b:]
        else:
            raise AssertionError(type(layer))
    return np.array(h)


# -- (a) numpy's and randomly ordered float64 evaluations lie inside ---------------------------------------------------
def test_numpy_outputs_of_firenet_lista_and_a_relu_mlp_lie_inside():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((8, 16)) / np.sqrt(8)
    X = np.zeros((16, 100))
    for k in range(100):
        X[rng.choice(16, 2, replace=False), k] = rng.standard_normal(2)
    lista = train_lista(A, A @ X, X, depth=4, iterations=50, seed=0).network()
    for net in (_firenet(restarts=3, inner=5), lista, _mlp()):
        Y = rng.standard_normal((net.m, 3))
        batch = net.forward(Y)  # a matrix product per layer (BLAS), the columns evaluated together
        for j in range(Y.shape[1]):
            balls = float64_enclosure(net, Y[:, j])
            assert _inside(balls, net.forward(Y[:, j])) and _inside(balls, batch[:, j])
            assert _relative_radius(balls) < 1e-12  # observed ~1e-14


def test_random_summation_trees_with_fma_lie_inside():
    """Evaluations the error model allows but numpy does not perform: random trees, random FMA (emulated exactly).
    They differ from numpy's output (so they explore other roundings) and all lie inside."""
    rng = np.random.default_rng(1)
    for net in (_firenet(restarts=2, inner=3), _mlp(widths=(4, 8, 8, 2))):
        y = rng.standard_normal(net.m)
        balls = float64_enclosure(net, y)
        outputs = {tuple(_random_evaluation(net, y, rng)) for _ in range(4)}
        assert len(outputs | {tuple(net.forward(y))}) > 1
        assert all(_inside(balls, out) for out in outputs)


def test_underflow_needs_the_absolute_term_and_is_covered():
    """Products in the subnormal range err by up to 2^-1075 each, far beyond gamma_k |x|.|y|: the relative bound
    alone would be violated (checked exactly), the enclosure holds numpy's and random evaluations."""
    R = np.array([[3.3e-160, -1.7e-160, 2.1e-161], [1.3e-160, 7.7e-161, -5.3e-161]])
    net = Network(3, (Affine(R=R),))
    y = np.array([1.1e-160, 2.9e-161, 3.7e-161])
    value = net.forward(y)
    exact = [sum(Fraction(R[i, j]) * Fraction(y[j]) for j in range(3)) for i in range(2)]
    relative_only = [Fraction(3, 2**53 - 3) * sum(abs(Fraction(R[i, j]) * Fraction(y[j])) for j in range(3))
                     for i in range(2)]
    assert any(abs(Fraction(value[i]) - exact[i]) > relative_only[i] for i in range(2))
    balls = float64_enclosure(net, y)
    assert _inside(balls, value)
    rng = np.random.default_rng(2)
    assert all(_inside(balls, _random_evaluation(net, y, rng)) for _ in range(20))


def test_soft_thresholding_rounds_once_and_relu_and_a_bias_are_exact():
    """On a state given exactly (a bias alone is not rounded), the only rounding is soft-thresholding's subtraction:
    numpy's result is not in the exact enclosure but is in this one, whose radius is about u |S_t(c)|; ReLU of a bias
    is enclosed exactly (radius 0)."""
    rng = np.random.default_rng(9)
    c = rng.standard_normal(40)
    net = Network(1, (Affine(c=c), SoftThreshold(0.5 * np.abs(rng.standard_normal(40)))))
    y = np.zeros(1)
    value = net.forward(y)
    balls, exact = float64_enclosure(net, y), net.forward_ball(y)
    assert _inside(balls, value) and not _inside(exact, value)
    for i, v in enumerate(value):
        assert float(balls[i, 0].rad()) <= 2**-53 * abs(v) * (1 + 1e-8) + 1e-300  # arb radii: 30-bit mantissas
    relu = float64_enclosure(Network(1, (Affine(c=c), ReLU())), y)
    assert all(relu[i, 0].is_exact() and relu[i, 0] == max(v, 0.0) for i, v in enumerate(c))


# -- (b) onnxruntime's float64 output lies inside ----------------------------------------------------------------------
def test_onnxruntime_outputs_lie_inside():
    from _support import require_extra

    require_extra("onnx")
    ort = require_extra("onnxruntime")
    from smale18.verify.nets import to_onnx

    def run(data, y, optimise):
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        if not optimise:
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        return session.run(None, {"y": y[None, :]})[0][0]

    rng = np.random.default_rng(3)
    outside_exact = False
    for net in (_firenet(restarts=3, inner=8), _mlp()):
        data = to_onnx(net)
        for _ in range(2):
            y = rng.standard_normal(net.m)
            balls, exact = float64_enclosure(net, y), net.forward_ball(y)
            for optimise in (True, False):
                out = run(data, y, optimise)
                assert _inside(balls, out)
                outside_exact |= not _inside(exact, out)
    assert outside_exact  # why this enclosure exists: the exact one is too tight for float64 outputs
    # tanh and sigmoid: only under the hypothesis of at most 4 ulps (observed, not certified)
    net = _mlp(acts=(Tanh, Sigmoid))
    y = rng.standard_normal(net.m)
    assert _inside(float64_enclosure(net, y, ulps={"tanh": 4, "sigmoid": 4}), run(to_onnx(net), y, True))


# -- (c) wider than the exact enclosure -------------------------------------------------------------------------------
def test_the_enclosure_contains_the_exact_enclosure():
    rng = np.random.default_rng(4)
    for net in (_firenet(restarts=2, inner=4), _mlp()):
        y = rng.standard_normal(net.m)
        balls, exact = float64_enclosure(net, y), net.forward_ball(y)
        assert all(balls[i, 0].contains(exact[i, 0]) for i in range(balls.nrows()))
        assert _radius(balls) > 1e3 * _radius(exact)


# -- (d) controls that can fail ----------------------------------------------------------------------------------------
def test_moved_outputs_float32_evaluations_and_perturbed_networks_lie_outside():
    rng = np.random.default_rng(5)
    net = _mlp()
    y = rng.standard_normal(net.m)
    balls, value = float64_enclosure(net, y), net.forward(y)
    assert _inside(balls, value)
    for i in range(balls.nrows()):
        moved = value.copy()
        moved[i] += 3 * float(balls[i, 0].rad()) + 2 * abs(float(balls[i, 0].mid()) - value[i])
        assert not _inside(balls, moved)
    # the same weights, rounded to float32 and evaluated in float32, against the float64 network of those weights
    layers32 = [Affine(W=None if L.W is None else L.W.astype(np.float32), R=None if L.R is None else
                       L.R.astype(np.float32), c=L.c.astype(np.float32)) if type(L) is Affine else L
                for L in net.layers]
    net32 = Network(net.m, tuple(layers32))
    net64 = Network(net.m, tuple(Affine(W=None if L.W is None else L.W.astype(float), R=None if L.R is None else
                                        L.R.astype(float), c=L.c.astype(float)) if type(L) is Affine else L
                                 for L in layers32))
    y32 = y.astype(np.float32)
    out32 = net32.forward(y32)
    assert out32.dtype == np.float32
    assert not _inside(float64_enclosure(net64, y32.astype(float)), out32)
    assert _inside(float64_enclosure(net64, y32.astype(float)), net64.forward(y32.astype(float)))
    # a network whose output bias moved by 1e-9
    last = net.layers[-1]
    moved_net = Network(net.m, net.layers[:-1] + (Affine(W=last.W, c=last.c + 1e-9),))
    moved_balls = float64_enclosure(moved_net, y)
    assert not any(_inside(_column(moved_balls, i), value[i:i + 1]) for i in range(len(value)))


# -- (e) widths: deep FIRENETs -----------------------------------------------------------------------------------------
def test_deep_firenet_enclosure_stays_tight():
    """401 layers (5 restarts of 20 steps): relative radius observed 5.6e-14 .. 8.7e-14 (eight inputs, two such
    FIRENETs), the first-order worst case of the error model (measured: the forward parallelepiped alone gives
    ~1e-10, plain boxes 1e31 .. 1e48); the threshold 1e-12 leaves a factor ~10."""
    net = _firenet(restarts=5, inner=20)
    assert len(net) == 401
    rng = np.random.default_rng(6)
    y = rng.standard_normal(net.m)
    balls = float64_enclosure(net, y)
    assert _inside(balls, net.forward(y))
    assert _relative_radius(balls) < 1e-12
    assert _relative_radius(balls) > 1e-15  # not an exact enclosure: float64 rounding is accounted for
    # the exact output lies inside too (forward_ball needs more bits at this depth: at 128 it is ~3e-10 wide here)
    exact = net.forward_ball(y, prec_bits=384)
    assert all(balls[i, 0].contains(exact[i, 0]) for i in range(balls.nrows()))


# -- (f) refusals ---------------------------------------------------------------------------------------------------
def test_refusals():
    y = np.array([0.5, -0.25])
    tanh = Network(2, (Affine(R=np.eye(2)), Tanh()))
    with pytest.raises(Smale18Error, match=r"layers\[1\] \(Tanh\): float64 tanh has no specified accuracy"):
        float64_enclosure(tanh, y)
    with pytest.raises(Smale18Error, match="sigmoid has no specified accuracy"):
        float64_enclosure(Network(2, (Affine(R=np.eye(2)), Sigmoid())), y, ulps={"tanh": 1})
    assert _inside(float64_enclosure(tanh, y, ulps={"tanh": 2}), tanh.forward(y))
    for bad in ({"relu": 1}, {"tanh": -1}, {"tanh": float("nan")}, {"tanh": 2**30}, "tanh", [("tanh", 1)]):
        with pytest.raises(Smale18Error, match="ulps"):
            float64_enclosure(tanh, y, ulps=bad)
    with pytest.raises(Smale18Error, match="complex"):
        float64_enclosure(Network(2, (Affine(R=np.eye(2) * 1j),)), y)
    A = np.random.default_rng(7).standard_normal((6, 10))
    fast = firenet(sla.aslinearoperator(A), lam=0.2, restarts=1, inner=2, L_A=firenet(A).L_A)
    with pytest.raises(Smale18Error, match=r"layers\[2\] \(Affine\): W is a .* \(an operator layer\)"):
        float64_enclosure(fast.network(), np.ones(6))
    net = Network(2, (Affine(R=np.eye(2)), ReLU()))
    for bad in (1, 0, True, "128", 2.5, 52, 4097, 2**30):
        with pytest.raises(Smale18Error, match="prec_bits"):
            float64_enclosure(net, y, prec_bits=bad)
    for bad, match in ((np.array([np.nan, 0.0]), "non-finite"), (np.array([np.inf, 0.0]), "non-finite"),
                       (np.array([1.0, 2.0, 3.0]), "shape"), (np.array([1j, 0]), "complex"),
                       (np.array([1, 2], dtype=np.longdouble), "dtype"), ("ab", "numpy vector"),
                       (np.array([[1.0], [2.0]]), "shape"), (np.array([2**60, 1]), "2\\^53")):
        with pytest.raises(Smale18Error, match=match):
            float64_enclosure(net, bad)
    with pytest.raises(Smale18Error, match="network must be"):
        float64_enclosure(lambda v: v, y)

    class Shifted(ReLU):  # a subclass may compute something else
        pass

    with pytest.raises(Smale18Error, match="no float64 error model for layers of type Shifted"):
        float64_enclosure(Network(2, (Affine(R=np.eye(2)), Shifted())), y)
    with pytest.raises(Smale18Error, match="3 thresholds for a state of width 2"):
        float64_enclosure(Network(2, (Affine(R=np.eye(2)), SoftThreshold(np.ones(3)))), y)
    with pytest.raises(Smale18Error, match="block 0:5"):
        float64_enclosure(Network(2, (Affine(R=np.eye(2)), BallProjection(0, 5))), y)
    with pytest.raises(Smale18Error, match="extended|dtype"):
        float64_enclosure(Network(2, (Affine(R=np.eye(2, dtype=np.longdouble)),)), y)


def test_overflow_is_refused():
    """A bound beyond the float64 range: some evaluation may overflow, so nothing is claimed."""
    big = Network(2, (Affine(R=np.array([[1e300, 1e300]])),))
    with pytest.raises(Smale18Error, match="exceeds the float64 range"):
        float64_enclosure(big, np.array([1e10, 1e10]))
    assert _inside(float64_enclosure(big, np.array([1e5, -1e5])), big.forward(np.array([1e5, -1e5])))
    squares = Network(2, (Affine(R=np.eye(2)), BallProjection(0, 2)))  # the squared norm overflows
    with pytest.raises(Smale18Error, match="squared norm exceeds the float64 range"):
        float64_enclosure(squares, np.array([1e200, 1e200]))


def test_projection_near_and_across_the_sphere_and_thresholds_at_the_kinks():
    """Blocks whose norm is (about) the radius, and entries at a threshold: the float result may take either branch;
    both lie inside. Checked for numpy and random evaluations."""
    rng = np.random.default_rng(8)
    proj = Network(3, (Affine(R=np.eye(3)), BallProjection(0, 3, 1.0)))
    soft = Network(3, (Affine(R=np.eye(3), c=np.array([0.1, -0.2, 0.0])), SoftThreshold(np.array([0.5, 0.3, 0.7]))))
    u = np.array([0.6, 0.8, 0.0])
    for net, y in ((proj, u), (proj, u * (1 + 2**-52)), (proj, u * (1 - 2**-52)), (proj, np.array([3.0, 4.0, 0.0])),
                   (proj, np.array([1e-3, 0.0, 0.0])), (soft, np.array([0.4, 0.5, 0.7])),
                   (soft, np.array([0.4, -0.1, -0.7]))):
        balls = float64_enclosure(net, y)
        assert _inside(balls, net.forward(y))
        assert all(_inside(balls, _random_evaluation(net, y, rng)) for _ in range(10))
    exact = proj.forward_ball(np.array([3.0, 4.0, 0.0]))
    assert all(float64_enclosure(proj, np.array([3.0, 4.0, 0.0]))[i, 0].contains(exact[i, 0]) for i in range(3))
