"""Explicit networks: VJPs against finite differences, ball enclosures, FIRENET's two paths, convergence, LISTA."""

from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

from smale18.oracle import Smale18Error, _arb
from smale18.verify.balls import operator_norm_upper
from smale18.app.convergence import convergence_run
from smale18.verify.nets import Affine, BallProjection, Network, ReLU, SoftThreshold, Tanh, firenet, train_lista


def _random_network(draw_seed, m=3, widths=(5, 4), kinds=("soft", "relu", "tanh", "ball")):
    rng = np.random.default_rng(draw_seed)
    layers = [Affine(R=rng.standard_normal((widths[0], m)), c=rng.standard_normal(widths[0]))]
    width = widths[0]
    for i, kind in enumerate(kinds):
        if kind == "soft":
            layers.append(SoftThreshold(rng.random(width) * 0.3))
        elif kind == "relu":
            layers.append(ReLU())
        elif kind == "tanh":
            layers.append(Tanh())
        else:
            layers.append(BallProjection(0, width // 2 + 1, 0.7))
        new = widths[(i + 1) % len(widths)]
        layers.append(Affine(W=rng.standard_normal((new, width)), R=rng.standard_normal((new, m)),
                             c=rng.standard_normal(new)))
        width = new
    return Network(m, tuple(layers))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.permutations(["soft", "relu", "tanh", "ball"]))
def test_vjp_matches_finite_differences(seed, kinds):
    net = _random_network(seed, kinds=tuple(kinds))
    rng = np.random.default_rng(seed + 1)
    y = rng.standard_normal(3)
    g = rng.standard_normal(net.N)
    gy, grads = net.vjp(y, g)
    h = 1e-6
    for i in range(3):
        e = np.zeros(3)
        e[i] = h
        fd = (g @ net.forward(y + e) - g @ net.forward(y - e)) / (2 * h)
        # the maps are piecewise smooth: a kink within h of y breaks the comparison, so skip those coordinates
        kink = abs((g @ net.forward(y + e) - 2 * g @ net.forward(y) + g @ net.forward(y - e))) > 1e-6
        if not kink:
            assert abs(fd - gy[i]) <= 1e-5 * max(1.0, abs(fd))
    # a parameter gradient: the bias of the last affine layer is g itself
    assert np.allclose(grads[-1]["c"], g)


def test_vjp_parameter_gradients_of_an_affine_layer():
    rng = np.random.default_rng(0)
    W, R = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    net = Network(2, (Affine(R=R), Tanh(), Affine(W=W)))
    y, g = rng.standard_normal(2), rng.standard_normal(2)
    _, grads = net.vjp(y, g)
    h = 1e-6
    E = np.zeros_like(W)
    E[1, 2] = h
    up = Network(2, (Affine(R=R), Tanh(), Affine(W=W + E))).forward(y) @ g
    down = Network(2, (Affine(R=R), Tanh(), Affine(W=W - E))).forward(y) @ g
    assert abs((up - down) / (2 * h) - grads[2]["W"][1, 2]) < 1e-7


@pytest.mark.parametrize("seed", range(5))
def test_ball_evaluation_encloses_the_float_output(seed):
    net = _random_network(seed)
    y = np.random.default_rng(seed).standard_normal(3)
    out = net.forward(y)
    balls = net.forward_ball(y, prec_bits=128)
    for i, v in enumerate(out):
        lo, hi = _arb.lower_fraction(balls[i, 0]), _arb.upper_fraction(balls[i, 0])
        assert lo - Fraction(1, 10**12) <= Fraction(float(v)) <= hi + Fraction(1, 10**12)
        assert hi - lo < Fraction(1, 10**20)  # and it is tight: exact inputs, 128 bits


def _instance(seed=0, m=20, N=40):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, N)) / np.sqrt(m)
    x0 = np.zeros(N)
    x0[rng.choice(N, 3, replace=False)] = [1.0, -2.0, 1.5]
    return A, A @ x0


def test_firenet_fast_path_and_explicit_layers_agree():
    A, y = _instance()
    net = firenet(A, lam=0.1, restarts=6, inner=15, eps0=5.0, delta=1e-3)
    layers = net.network()
    assert len(layers) == 4 * 6 * 15 + 1
    assert set(layers.widths[1:-1]) == {2 * 40 + 20} and layers.widths[0] == 20 and layers.widths[-1] == 40
    fast, slow = net.run(y), layers.forward(y)
    assert np.linalg.norm(fast - slow) <= 1e-10 * np.linalg.norm(fast)
    Y = np.stack([y, 2 * y, -y], axis=1)  # batches
    assert np.allclose(layers.forward(Y), net.run(Y), rtol=1e-10, atol=1e-14)


def test_firenet_ball_evaluation_encloses_the_float64_output():
    A, y = _instance(1, m=6, N=10)
    net = firenet(A, lam=0.2, restarts=2, inner=4, eps0=4.0)
    out = net.run(y)
    balls = net.network().forward_ball(y, prec_bits=200)
    for i in range(10):
        lo, hi = _arb.lower_fraction(balls[i, 0]), _arb.upper_fraction(balls[i, 0])
        assert lo - Fraction(1, 10**9) <= Fraction(float(out[i])) <= hi + Fraction(1, 10**9)


def test_firenet_accepts_fast_operators_and_complex_data():
    A, y = _instance(2)
    op = sla.aslinearoperator(A)
    dense = firenet(A, lam=0.1, restarts=5, inner=10, eps0=5.0)
    fast = firenet(op, lam=0.1, restarts=5, inner=10, eps0=5.0, L_A=dense.L_A)
    assert np.allclose(dense.run(y), fast.run(y))
    Ac = A + 1j * np.random.default_rng(3).standard_normal(A.shape) / 5
    assert np.iscomplexobj(firenet(Ac, lam=0.1, restarts=3, inner=5).run(Ac @ np.ones(40)))


def test_firenet_converges_exponentially_until_the_float_floor():
    run = convergence_run(seed=0)
    assert run.rate < 0.45  # observed 0.36 (theory: e^-1 = 0.368 per restart when p is large enough)
    assert run.fitted_to - run.fitted_from >= 15
    errs = run.errors
    assert all(errs[k + 1] < errs[k] for k in range(run.fitted_from, run.fitted_to))
    assert run.floor < 1e-12 and run.gap_certified <= Fraction(1, 10**9)


def test_step_condition_is_enforced_with_a_certified_norm():
    A = np.array([[3.0, 0.0], [0.0, 4.0]])
    L = operator_norm_upper(A)
    assert Fraction(4) <= L < Fraction(401, 100)
    with pytest.raises(Smale18Error, match=r"tau\*sigma\*L_A\^2 = .* >= 1"):
        firenet(A, tau=0.25, sigma=0.25)
    net = firenet(A, tau=0.2, sigma=0.2)
    assert Fraction(net.tau) * Fraction(net.sigma) * net.L_A**2 < 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lam": -1}, "lam=-1 must be a positive"),
        ({"restarts": 0}, "restarts=0 must be a positive integer"),
        ({"inner": 2.5}, "inner=2.5 must be a positive integer"),
        ({"weights": [1.0, -1.0]}, "weights must be 2 positive"),
        ({"delta": float("nan")}, "delta=nan"),
        ({"eps0": float("inf")}, "eps0=inf"),
    ],
)
def test_firenet_bad_input(kwargs, match):
    with pytest.raises(Smale18Error, match=match):
        firenet(np.eye(2), **kwargs)
    with pytest.raises(Smale18Error, match="finite 2-D array"):
        firenet(np.array([[np.nan]]))


def test_network_bad_input():
    with pytest.raises(Smale18Error, match="first layer must be Affine"):
        Network(2, (ReLU(),))
    with pytest.raises(Smale18Error, match="W has 3 columns, the state has width 2"):
        Network(2, (Affine(R=np.eye(2)), Affine(W=np.ones((1, 3)))))
    net = Network(2, (Affine(R=np.eye(2)),))
    with pytest.raises(Smale18Error, match="expected \\(2,\\)"):
        net.forward(np.ones(3))
    with pytest.raises(Smale18Error, match="non-finite"):
        net.forward(np.array([1.0, np.inf]))
    with pytest.raises(Smale18Error, match="thresholds must be"):
        SoftThreshold(np.array([-1.0]))


def test_lista_trains_and_is_reproducible():
    A, _ = _instance(4, m=10, N=20)
    rng = np.random.default_rng(0)
    X = np.zeros((20, 300))
    for k in range(300):
        X[rng.choice(20, 2, replace=False), k] = rng.standard_normal(2)
    Y = A @ X
    a = train_lista(A, Y, X, depth=5, iterations=1000, seed=1)
    b = train_lista(A, Y, X, depth=5, iterations=1000, seed=1)
    # observed: the normalised MSE falls from 0.51 (the minimum-norm start) to 0.26
    assert a.losses == b.losses and a.losses[-1] < 0.6 * a.losses[0]
    assert np.allclose(a(Y[:, :3]), a.network().forward(Y[:, :3]))
    with pytest.raises(Smale18Error, match="training pairs must be"):
        train_lista(A, Y, X[:, :5])


def test_firenet_layers_with_a_fast_operator_match_the_dense_ones():
    A, y = _instance(5, m=12, N=24)
    dense = firenet(A, lam=0.1, restarts=3, inner=6, eps0=5.0)
    op = firenet(sla.aslinearoperator(A), lam=0.1, restarts=3, inner=6, eps0=5.0, L_A=dense.L_A)
    net_d, net_o = dense.network(), op.network()
    assert len(net_d) == len(net_o) and net_d.widths == net_o.widths
    assert np.allclose(net_d.forward(y), net_o.forward(y), rtol=1e-12, atol=1e-14)
    g = np.random.default_rng(0).standard_normal(24)
    assert np.allclose(net_d.vjp(y, g)[0], net_o.vjp(y, g)[0], rtol=1e-9, atol=1e-12)


def test_a_given_L_A_is_proven_or_refused():
    """Issue 12 item 7: a caller's L_A below ||A||_2 is refused for a dense matrix (it used to be trusted)."""
    A, _ = _instance(6)
    norm = Fraction(float(np.linalg.norm(A, 2)))
    with pytest.raises(Smale18Error, match="L_A=.* is not proven to be >= \\|\\|A\\|\\|_2"):
        firenet(A, L_A=norm / 4)
    with pytest.raises(Smale18Error, match="L_A=.*must be a rational"):
        firenet(A, L_A="abc")
    assert firenet(A).L_A_source == "derived"
    assert firenet(A, L_A=norm * Fraction(101, 100)).L_A_source == "checked"
    assert firenet(sla.aslinearoperator(A), L_A=norm * 2).L_A_source == "supplied"  # an operator: a hypothesis
    with pytest.raises(Smale18Error, match="restarts=20000 must be a positive integer \\(at most 10000\\)"):
        firenet(A, restarts=20000)
    with pytest.raises(Smale18Error, match="layers"):
        firenet(A, restarts=1000, inner=1000).network()


def test_ball_evaluation_refuses_inputs_float64_would_round():
    """forward_ball encloses the output for the input *as given*: a complex input (its imaginary part used to be
    dropped with a warning) or an integer float64 cannot hold is refused, not rounded."""
    net = _random_network(0)
    for y, match in ((np.ones(3) + 1j, "y must hold real"), (np.array([2**60 + 1, 0, 0]), "above 2\\^53"),
                     (np.array(["a", "b", "c"]), "y must hold real")):
        with pytest.raises(Smale18Error, match=match):
            net.forward_ball(y)
    exact = net.forward_ball(np.array([2**52 + 1, 0, 0]))  # an integer float64 holds: fine
    assert exact.nrows() == net.N


# -- the paper's restart schedule (proofs_notes/firenet.md, "Two parametrisations") -----------------------------------
def _paper_firenet(A, y, lam, p, restarts, eps0, delta, L, tau, sigma):
    """FIRENET written from THEORY §4 as the paper states it: eps updated before use, alpha = 2L/(p eps)."""
    psi, eps = np.zeros(A.shape[1]), eps0
    for _ in range(restarts):
        eps = (delta + eps) / np.e
        alpha = 2 * L / (p * eps)
        x, z, total = alpha * psi, np.zeros(A.shape[0]), np.zeros(A.shape[1])
        for _ in range(p):
            u = x - tau * A.T @ z
            x_new = np.sign(u) * np.maximum(np.abs(u) - tau * lam, 0)
            w = z + sigma * A @ (2 * x_new - x) - sigma * alpha * y
            z = w / max(1.0, np.linalg.norm(w))
            x, total = x_new, total + x_new
        psi = total / p / alpha
    return psi


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_paper_schedule_reproduces_the_paper_iteration(seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((12, 20)) * rng.uniform(0.5, 5)
    y = A @ np.where(rng.random(20) < 0.2, rng.standard_normal(20), 0) + 1e-3 * rng.standard_normal(12)
    L = float(np.linalg.norm(A, 2))
    eps0, delta, p, restarts = float(np.linalg.norm(y)), 1e-6, 30, 15
    net = firenet(A, lam=0.3, restarts=restarts, inner=p, eps0=eps0, delta=delta, schedule="paper", schedule_norm=L)
    ref = _paper_firenet(A, y, 0.3, p, restarts, eps0, delta, L, net.tau, net.sigma)
    assert np.linalg.norm(net.run(y) - ref) <= 1e-12 * np.linalg.norm(ref)
    assert net.paper_schedule == (eps0, delta, L)
    # without schedule_norm the net's own certified L_A enters the paper's alpha
    net2 = firenet(A, lam=0.3, restarts=restarts, inner=p, eps0=eps0, delta=delta, schedule="paper")
    assert net2.paper_schedule[2] == float(net2.L_A)
    # and the smale18 parametrisation with the converted pair is the same net
    scale = p / (2 * np.e * L)
    net3 = firenet(A, lam=0.3, restarts=restarts, inner=p, eps0=scale * (eps0 + delta), delta=scale * delta,
                   L_A=net.L_A)
    assert np.allclose(net3.alphas(), net.alphas(), rtol=1e-14, atol=0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(schedule="Paper"), "schedule="),
    (dict(schedule=None), "schedule="),
    (dict(schedule_norm=2.0), "only with schedule='paper'"),
    (dict(schedule="paper", schedule_norm=-1.0), "schedule_norm="),
    (dict(schedule="paper", schedule_norm=float("nan")), "schedule_norm="),
    (dict(schedule="paper", schedule_norm=1e-320, eps0=1e300), "outside the float64 range"),
])
def test_paper_schedule_bad_input(kwargs, match):
    with pytest.raises(Smale18Error, match=match):
        firenet(np.eye(3), **kwargs)
