"""Attacks and Lipschitz bounds on cases with known answers."""

from fractions import Fraction

import numpy as np
import pytest

from smale18.oracle import Smale18Error
from smale18.verify.nets import Affine, Network, ReLU, firenet
from smale18.verify.stability import lipschitz_upper, worst_case_perturbation


def _linear(seed=0, m=6, N=8):
    M = np.random.default_rng(seed).standard_normal((N, m))
    return M, Network(m, (Affine(R=M),))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_map_amplification_is_the_operator_norm(seed):
    M, net = _linear(seed)
    norm = np.linalg.norm(M, 2)
    x = np.random.default_rng(seed + 10).standard_normal(6)
    A = np.eye(6)
    res = worst_case_perturbation(net, A, x, lam=0.0, steps=200, lr=0.05, radius=0.1, seed=seed)
    assert res.gradients == "vjp"
    assert res.amplification == pytest.approx(norm, rel=1e-3)  # attack found >= ||M|| (to 0.1%)
    assert res.r_norm <= 0.1 + 1e-12
    bound = lipschitz_upper(net)
    assert Fraction(norm) <= bound * (1 + Fraction(1, 10**9)) and bound < Fraction(norm) * Fraction(101, 100)
    assert res.amplification <= float(bound) * (1 + 1e-9)


def test_derivative_free_attack_on_a_black_box():
    M, _ = _linear(3)
    res = worst_case_perturbation(lambda y: M @ y, np.eye(6), np.ones(6), lam=0.0, steps=150, lr=0.02, radius=0.1,
                                  seed=1, fd_directions=6)
    assert res.gradients == "finite differences"
    assert res.amplification >= 0.95 * np.linalg.norm(M, 2)


def test_lipschitz_bound_of_a_relu_network_covers_random_pairs():
    rng = np.random.default_rng(0)
    net = Network(4, (Affine(R=rng.standard_normal((10, 4))), ReLU(), Affine(W=rng.standard_normal((3, 10)))))
    L = float(lipschitz_upper(net))
    for _ in range(200):
        a, b = rng.standard_normal(4), rng.standard_normal(4)
        assert np.linalg.norm(net.forward(a) - net.forward(b)) <= L * np.linalg.norm(a - b) * (1 + 1e-12)


def test_firenet_observed_amplification_below_its_certified_bound():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((10, 20)) / np.sqrt(10)
    f = firenet(A, lam=0.1, restarts=2, inner=3, eps0=3.0)
    net = f.network()
    x = np.zeros(20)
    x[[2, 5]] = [1.0, -1.0]
    res = worst_case_perturbation(net, A, x, lam=0.0, steps=60, lr=0.01, radius=0.05)
    bound = lipschitz_upper(net)
    assert res.amplification <= float(bound)


def test_bad_input():
    _, net = _linear()
    with pytest.raises(Smale18Error, match="lam=-1"):
        worst_case_perturbation(net, np.eye(6), np.ones(6), lam=-1)
    with pytest.raises(Smale18Error, match="radius=0"):
        worst_case_perturbation(net, np.eye(6), np.ones(6), radius=0)
    with pytest.raises(Smale18Error, match="finite"):
        worst_case_perturbation(net, np.eye(6), np.array([np.nan] * 6))


def test_firenet_analytic_layer_bounds_dominate_the_true_norms():
    """The closed-form bounds of an operator FIRENET's layers against the norms of their dense matrices (observed,
    float64: the tolerance is the float64 evaluation of the dense matrices, not slack in the bounds)."""
    import scipy.sparse.linalg as sla

    rng = np.random.default_rng(1)
    A = rng.standard_normal((6, 10)) / np.sqrt(6)
    f = firenet(sla.aslinearoperator(A), lam=0.1, restarts=2, inner=3, eps0=3.0)
    assert f.L_A_source == "operator-columns"
    net = f.network()
    bounds = f.layer_norm_bounds(net)
    for layer in net.layers:
        if isinstance(layer, Affine):
            for M in (layer.W, layer.R):
                if M is not None:
                    dense = M if isinstance(M, np.ndarray) else M.matmat(np.eye(M.shape[1]))
                    assert np.linalg.norm(dense, 2) <= float(bounds[id(M)]) * (1 + 1e-9) + 1e-15
    # a dense FIRENET's layers are dense matrices: lipschitz_upper bounds them itself, in ball arithmetic
    dense_f = firenet(A, lam=0.1, restarts=2, inner=3, eps0=3.0)
    with pytest.raises(Smale18Error, match="linear operator"):
        dense_f.layer_norm_bounds(dense_f.network())
    with pytest.raises(Smale18Error, match="this FIRENET's network"):
        f.layer_norm_bounds(dense_f.network())
    assert lipschitz_upper(dense_f.network()) >= lipschitz_upper(net, bounds) / 10**6  # both finite, certified
    with pytest.raises(Smale18Error, match="norm_bounds"):
        lipschitz_upper(net, {id(net.layers[0].R): "abc"})


def test_demonstration_pair():
    from smale18.app.instability_demo import demonstration_pair

    pair = demonstration_pair()
    assert pair.trained.r_norm <= pair.radius * (1 + 1e-12) and pair.firenet.r_norm <= pair.radius * (1 + 1e-12)
    assert pair.training_error < 1e-6  # the trained map fits its training data
    assert pair.trained.output_change >= 10 * pair.firenet.output_change  # observed: about 35x
    assert pair.firenet.amplification <= float(pair.firenet_bound)  # observed below certified (a loose bound)
    assert pair.trained.amplification <= float(pair.trained_bound) * (1 + 1e-9)


@pytest.mark.parametrize("eps0", [3.0, 1.7, 5.3])
def test_firenet_layer_bounds_use_the_float_scales_the_layers_apply(eps0):
    """The output map multiplies by the float64 fl(1/(p alpha)) and the skip holds fl(-sigma alpha): the exact norms of
    these maps are those floats, which may exceed the exact 1/(p alpha), sigma alpha by an ulp. The bounds must cover
    the maps as built (they used to be the exact products, an ulp too small)."""
    import scipy.sparse.linalg as sla

    A = np.random.default_rng(1).standard_normal((6, 10)) / np.sqrt(6)
    f = firenet(sla.aslinearoperator(A), lam=0.1, restarts=2, inner=3, eps0=eps0)
    net = f.network()
    bounds = f.layer_norm_bounds(net)
    affine = [layer for layer in net.layers if isinstance(layer, Affine)]
    assert bounds[id(affine[-1].W)] >= Fraction(abs(1 / (f.inner * f.alphas()[-1])))
    for layer in affine[1:-1:2]:
        assert bounds[id(layer.R)] >= Fraction(float(np.max(np.abs(layer.R))))


def test_the_attack_reports_its_progress_step_by_step():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((5, 5))
    calls = []
    worst_case_perturbation(lambda y: M @ y, np.eye(5), rng.standard_normal(5), steps=7, radius=0.1,
                            progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 7) for k in range(1, 8)]
    with pytest.raises(Smale18Error, match="progress"):
        worst_case_perturbation(lambda y: M @ y, np.eye(5), rng.standard_normal(5), steps=2, progress="yes")
