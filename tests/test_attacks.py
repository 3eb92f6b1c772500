"""Attacks on reconstruction maps from other libraries (verify/attacks.py): gradients against finite differences,
foreign operators, known answers on linear maps, shapes and seeds, bad input.

Torch is imported inside the tests that need it (``require_extra``), so the numpy and Network tests run without it.
"""

import numpy as np
import pytest
import scipy.sparse.linalg as sla
from _support import require_extra

from smale18.oracle import Smale18Error
from smale18.verify.attacks import ADJOINT_RTOL, attack, output_change_gradient
from smale18.verify.nets import Affine, Network, Tanh
from smale18.verify.stability import worst_case_perturbation


def _linear(seed=0, m=6, N=8):
    """A Gaussian ``N x m`` matrix and its operator norm; the seeds used have ``sigma_2 / sigma_1 <= 0.9``, so 100
    normalised ascent steps converge (checked here, so that a tolerance below never hides a slow case)."""
    M = np.random.default_rng(seed).standard_normal((N, m))
    s = np.linalg.svd(M, compute_uv=False)
    assert s[1] / s[0] <= 0.9
    return M, s[0]


def _orthonormal_rows(m, N, seed=5):
    """An ``m x N`` matrix with orthonormal rows: ``||A e|| <= ||e||``, with equality on its row space."""
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((N, m)))
    return Q.T


def _tanh_mlp(torch, sizes=(6, 16, 16, 8), seed=0):
    torch.manual_seed(seed)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.Tanh()]
    return torch.nn.Sequential(*layers[:-1]).double()


# -- (a) gradients ----------------------------------------------------------------------------------------------------
def test_torch_attack_uses_autograd_and_its_gradient_matches_central_differences():
    """Done-when: the autograd gradient of f(e) = 1/2 ||Psi(y + e) - Psi(y)||^2 agrees with central differences to
    1e-6 relative (float64). The step h = 1e-4 sits in the truncation regime (error ~ h^2: 2.5e-9 here, 2.5e-7 at
    h = 1e-3; rounding takes over below h ~ 1e-5), so the agreement is not an accident of the step."""
    torch = require_extra("torch")
    model = _tanh_mlp(torch)
    rng = np.random.default_rng(0)
    Y, E = rng.standard_normal((3, 6)), 0.5 * rng.standard_normal((3, 6))
    got = output_change_gradient(model, Y, E)
    assert got.method == "autograd"

    def f(E):
        with torch.no_grad():
            d = model(torch.tensor(Y + E)) - model(torch.tensor(Y))
        return 0.5 * (d**2).sum(dim=1).numpy()

    h = 1e-4
    fd = np.stack([(f(E + h * u) - f(E - h * u)) / (2 * h) for u in np.eye(6)], axis=1)
    assert np.allclose(got.values, f(E), rtol=1e-12)
    rel = np.linalg.norm(got.gradients - fd, axis=1) / np.linalg.norm(got.gradients, axis=1)
    assert np.all(rel < 1e-6), rel
    assert attack(model, Y, [0.5], steps=3).gradients == "autograd"


def test_autograd_network_vjp_and_finite_differences_give_the_same_gradient():
    """The same tanh network as a torch module (autograd), as a smale18 Network (VJP) and as a numpy black box
    (central differences along every coordinate): one gradient, three ways."""
    torch = require_extra("torch")
    model = _tanh_mlp(torch, seed=3)
    lin = [mod for mod in model if isinstance(mod, torch.nn.Linear)]
    W = [(mod.weight.detach().numpy(), mod.bias.detach().numpy()) for mod in lin]
    net = Network(6, (Affine(R=W[0][0], c=W[0][1]), Tanh(), Affine(W=W[1][0], c=W[1][1]), Tanh(),
                      Affine(W=W[2][0], c=W[2][1])))
    rng = np.random.default_rng(1)
    Y, E = rng.standard_normal((4, 6)), 0.3 * rng.standard_normal((4, 6))
    by_autograd = output_change_gradient(model, Y, E)
    by_vjp = output_change_gradient(net, Y, E)
    by_fd = output_change_gradient(lambda Z: model(torch.tensor(Z)).detach().numpy(), Y, E)
    assert (by_vjp.method, by_fd.method) == ("network VJP", "finite differences")
    scale = np.linalg.norm(by_autograd.gradients, axis=1)
    assert np.all(np.linalg.norm(by_vjp.gradients - by_autograd.gradients, axis=1) < 1e-12 * scale + 1e-15)
    assert np.all(np.linalg.norm(by_fd.gradients - by_autograd.gradients, axis=1) < 1e-6 * scale)


# -- (c) known answer: a linear model's amplification is its operator norm ---------------------------------------------
def _linear_model(kind, M):
    if kind == "numpy":
        return lambda Z: Z @ M.T
    if kind == "network":
        return Network(M.shape[1], (Affine(R=M),))
    torch = require_extra("torch")
    lin = torch.nn.Linear(M.shape[1], M.shape[0]).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(M))  # the bias stays random: it cancels in the output change
    return lin


@pytest.mark.parametrize("kind,gradients", [("numpy", "finite differences"), ("network", "network VJP"),
                                            ("torch", "autograd")])
def test_linear_model_amplification_is_its_operator_norm(kind, gradients):
    """For Psi = M (affine), ||Psi(y + e) - Psi(y)|| / ||e|| <= ||M||_2 with equality on the top right singular
    vector: the ascent (power iteration in disguise) must find it at every radius and sample."""
    M, norm = _linear(0)
    Y = np.random.default_rng(1).standard_normal((3, 6))
    res = attack(_linear_model(kind, M), Y, [1e-3, 0.1, 10.0], steps=100)
    assert res.gradients == gradients and res.space == "measurements" and res.amplification_of == "||e||"
    assert np.all(res.amplification <= norm * (1 + 1e-12))
    assert np.all(res.amplification >= norm * (1 - 1e-6)), res.amplification / norm
    assert np.allclose(res.perturbation_norms, np.array(res.radii)[:, None], rtol=1e-12)  # on the sphere


def test_random_direction_finite_differences_still_climb():
    """Fewer random directions than coordinates: an estimate of the gradient (stated as such). On a 40-dimensional
    linear map 200 steps with 16 directions reach 0.92-0.93 ||M|| (observed, seeds 0-3), against 0.49-0.69 after
    one step, so the ascent climbs even though it does not converge to ||M|| as exact gradients do."""
    M = np.random.default_rng(4).standard_normal((30, 40))
    norm = np.linalg.norm(M, 2)
    Y = np.random.default_rng(5).standard_normal((3, 40))
    res = attack(lambda Z: Z @ M.T, Y, [1.0], steps=200, fd_directions=16, seed=2)
    start = attack(lambda Z: Z @ M.T, Y, [1.0], steps=1, fd_directions=16, seed=2)
    assert res.gradients == "finite differences" and res.fd_directions == 16
    assert np.all(res.amplification >= 0.85 * norm) and np.all(start.amplification < 0.6 * norm)


@pytest.mark.parametrize("wrap", ["matvec only", "aslinearoperator"])
def test_scipy_linear_operator_as_A(wrap):
    """Signal-space attack through a wide A with orthonormal rows: ||M A e|| / ||A e|| <= ||M||, attained at
    e = A^T v (v the top right singular vector of M), which the ascent on ||M A e|| over ||e|| <= r finds."""
    M, norm = _linear(0)
    Q = _orthonormal_rows(6, 10)
    op = (sla.LinearOperator(Q.shape, matvec=lambda v: Q @ v, rmatvec=lambda z: Q.T @ z) if wrap == "matvec only"
          else sla.aslinearoperator(Q))
    X = np.random.default_rng(2).standard_normal((2, 10))
    res = attack(Network(6, (Affine(R=M),)), X, [0.05, 2.0], operator=op, steps=100)
    assert res.space == "signals" and res.amplification_of == "||A e||" and "matvec/rmatvec" in res.operator
    assert res.perturbations.shape == (2, 2, 10) and res.adjoint_discrepancy < ADJOINT_RTOL["double"]
    assert np.all(res.amplification <= norm * (1 + 1e-12)) and np.all(res.amplification >= norm * (1 - 1e-6))
    assert np.allclose(res.measurement_change, res.perturbation_norms, rtol=1e-9)  # e ended in A's row space


# -- (b) the deepinv physics interface ---------------------------------------------------------------------------------
def _physics_class(torch):
    class Physics(torch.nn.Module):
        """deepinv's interface: batch-first images (B, 1, 4, 4) -> measurements (B, m) and back."""

        def __init__(self, Q, dtype=torch.float64, scale_adjoint=1.0):
            super().__init__()
            self.register_buffer("Q", torch.tensor(Q, dtype=dtype))
            self.scale_adjoint = scale_adjoint

        def A(self, x):
            return x.flatten(1) @ self.Q.T

        def A_adjoint(self, y):
            return self.scale_adjoint * (y @ self.Q).reshape(y.shape[0], 1, 4, 4)

    return Physics


def test_deepinv_style_physics_serves_as_A():
    """Done-when: an operator with the deepinv physics interface serves as A (torch tensors in and out, batch-first,
    image-shaped signals), with a torch model; the known answer is ||W||_2 as in the scipy test."""
    torch = require_extra("torch")
    Physics = _physics_class(torch)
    physics = Physics(_orthonormal_rows(10, 16))
    torch.manual_seed(0)
    model = torch.nn.Linear(10, 12).double()
    W = model.weight.detach().numpy()
    s = np.linalg.svd(W, compute_uv=False)
    assert s[1] / s[0] <= 0.9
    X = torch.randn(2, 1, 4, 4, dtype=torch.float64)
    res = attack(model, X, [0.3, 1.0], operator=physics, steps=100)
    assert res.operator == "Physics (A/A_adjoint)" and res.adjoint_discrepancy < ADJOINT_RTOL["double"]
    assert res.perturbations.shape == (2, 2, 1, 4, 4) and res.outputs.shape == (2, 2, 12)
    assert res.clean_outputs.shape == (2, 12)
    assert np.all(res.amplification <= s[0] * (1 + 1e-12)) and np.all(res.amplification >= s[0] * (1 - 1e-6))
    # the single-sample attack of stability.py takes the same operator (x: one image, no batch axis)
    one = worst_case_perturbation(Network(10, (Affine(R=W),)), physics, X[0].numpy(), lam=0.0, steps=200, lr=0.05,
                                  radius=0.1)
    assert one.amplification == pytest.approx(s[0], rel=1e-3)


def test_a_wrong_adjoint_is_refused_and_float32_operators_get_their_tolerance():
    torch = require_extra("torch")
    Physics = _physics_class(torch)
    Q = _orthonormal_rows(10, 16)
    X = np.random.default_rng(0).standard_normal((2, 1, 4, 4))
    net = Network(10, (Affine(R=np.eye(10)),))
    for bad in (Physics(Q, scale_adjoint=1.01), Physics(Q, dtype=torch.float32, scale_adjoint=1.01)):
        with pytest.raises(Smale18Error, match="not the adjoint") as info:
            attack(net, X, [0.1], operator=bad)
        assert "\n" not in str(info.value)
    single = attack(net, X, [0.1], operator=Physics(Q, dtype=torch.float32), steps=5)  # float32: rounding only
    assert ADJOINT_RTOL["double"] < single.adjoint_discrepancy < ADJOINT_RTOL["single"]
    half = attack(net, X, [0.1], operator=Physics(Q, dtype=torch.bfloat16), steps=5)  # numpy has no bfloat16
    assert ADJOINT_RTOL["single"] < half.adjoint_discrepancy < ADJOINT_RTOL["half"]
    with pytest.raises(Smale18Error, match="not the adjoint"):
        worst_case_perturbation(net, Physics(Q, scale_adjoint=1.01), X[0])


def test_a_wrong_rmatvec_is_refused_for_both_attacks():
    Q = _orthonormal_rows(6, 10)
    bad = sla.LinearOperator(Q.shape, matvec=lambda v: Q @ v, rmatvec=lambda z: Q.T @ z[::-1])
    net = Network(6, (Affine(R=np.eye(6)),))
    with pytest.raises(Smale18Error, match="not the adjoint"):
        attack(net, np.ones((1, 10)), [0.1], operator=bad)
    with pytest.raises(Smale18Error, match="not the adjoint"):
        worst_case_perturbation(net, bad, np.ones(10))


# -- (d) shapes, radii, seeds -----------------------------------------------------------------------------------------
def test_batch_first_shapes_several_radii_and_reproducible_seeds():
    rng = np.random.default_rng(0)
    net = Network(5, (Affine(R=rng.standard_normal((7, 5))), Tanh(), Affine(W=rng.standard_normal((3, 7)))))
    Y = rng.standard_normal((4, 5))
    radii = [0.01, 0.3, 1.0]
    a = attack(net, Y, radii, steps=30, restarts=2, seed=3)
    b = attack(net, Y, radii, steps=30, restarts=2, seed=3)
    c = attack(net, Y, radii, steps=30, restarts=2, seed=4)
    assert a.perturbations.shape == (3, 4, 5) and a.outputs.shape == (3, 4, 3) and a.clean_outputs.shape == (4, 3)
    for name in ("output_change", "amplification", "perturbation_norms", "measurement_change"):
        assert getattr(a, name).shape == (3, 4)
    assert np.array_equal(a.perturbations, b.perturbations) and np.array_equal(a.outputs, b.outputs)
    assert not np.array_equal(a.perturbations, c.perturbations)
    assert np.all(a.perturbation_norms <= np.array(radii)[:, None] * (1 + 1e-12))
    # the evidence: the outputs are the model's at y + e, and the changes are measured from them
    assert np.allclose(a.outputs, net.forward((Y[None] + a.perturbations).reshape(-1, 5).T).T.reshape(3, 4, 3),
                       rtol=1e-13, atol=1e-13)
    assert np.allclose(a.output_change, np.linalg.norm(a.outputs - a.clean_outputs[None], axis=2), rtol=1e-13)
    assert np.all(a.output_change[1:] >= a.output_change[:-1] * 0.999)  # larger balls, larger changes (tanh net)
    assert not a.perturbations.flags.writeable and a.radii == tuple(radii) and a.restarts == 2
    assert "observed lower bounds" in repr(a) and "gradients=network VJP" in repr(a)


# -- (e) bad input ----------------------------------------------------------------------------------------------------
def _refused(match, *args, **kwargs):
    with pytest.raises(Smale18Error, match=match) as info:
        attack(*args, **kwargs)
    assert "\n" not in str(info.value)


def test_bad_input_is_one_line_smale18_error():
    M, _ = _linear(0)
    net = Network(6, (Affine(R=M),))
    Y = np.ones((2, 6))
    _refused("inputs has a non-finite", net, np.full((2, 6), np.nan), [0.1])
    _refused("inputs has shape", net, np.ones(6), [0.1])
    _refused("inputs must hold real", net, Y + 1j, [0.1])
    for radii in ([0.0], [-1.0], [float("nan")], ["abc"], [], [True]):
        _refused("radii", net, Y, radii)
    _refused("steps=0", net, Y, [0.1], steps=0)
    _refused("lr=-1", net, Y, [0.1], lr=-1)
    _refused("restarts", net, Y, [0.1], restarts=0)
    _refused("fd_directions", lambda Z: Z, Y, [0.1], fd_directions=0)
    _refused("Network takes measurements of length 6", net, np.ones((2, 10)), [0.1], operator=np.ones((5, 10)))
    _refused("A has N=10 columns", net, np.ones((2, 9)), [0.1], operator=sla.aslinearoperator(np.ones((6, 10))))
    _refused("operator=", net, Y, [0.1], operator="not an operator")
    _refused("model returned a non-finite", lambda Z: np.full_like(Z, np.nan), Y, [0.1])
    _refused("model returned shape", lambda Z: Z[:1], Y, [0.1])
    _refused("model failed on measurements", lambda Z: Z @ np.ones((7, 2)), Y, [0.1])
    rng = np.random.default_rng(0)
    _refused("not deterministic", lambda Z: Z + rng.standard_normal(Z.shape), Y, [0.1])
    _refused("model=", 42, Y, [0.1])
    with pytest.raises(Smale18Error, match="perturbations has shape"):
        output_change_gradient(net, Y, np.ones((3, 6)))


def test_bad_torch_model_input_is_one_line_smale18_error():
    torch = require_extra("torch")
    model = _tanh_mlp(torch)
    Y = np.ones((2, 6))
    _refused("model failed on measurements of shape \\(5,\\)", model, np.ones((2, 10)), [0.1],
             operator=np.ones((5, 10)))

    class Broken(torch.nn.Module):
        def forward(self, y):
            return y * float("nan")

    _refused("non-finite", Broken(), Y, [0.1])
    dropout = torch.nn.Sequential(torch.nn.Linear(6, 6), torch.nn.Dropout(0.5)).double()
    _refused("not deterministic", dropout, Y, [0.1])
    assert attack(dropout.eval(), Y, [0.1], steps=2).gradients == "autograd"
    batch_norm = torch.nn.Sequential(torch.nn.Linear(6, 6), torch.nn.BatchNorm1d(6)).double()
    _refused("batch norm in training mode", batch_norm, Y, [0.1])
    assert attack(batch_norm.eval(), Y, [0.1], steps=2).output_change.shape == (1, 2)
