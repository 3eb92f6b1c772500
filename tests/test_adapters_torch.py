"""PyTorch: networks as torch modules (same map as the layers), torch modules as candidates (read at the stated
precision, rounding bound of the dtype conversion), and a torch LISTA playing the barrier game sealed."""

from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse.linalg as sla
from _support import require_extra

torch = require_extra("torch")

from smale18.oracle import MAX_PRECISION, InexactInput, Smale18Error  # noqa: E402
from smale18.oracle.adapters import adapt_candidate, torch_candidate  # noqa: E402
from smale18.oracle.adapters._torch import TorchCandidate  # noqa: E402
from smale18.oracle.adversary import Outcome, play  # noqa: E402
from smale18.oracle.constructions import Smale18Class  # noqa: E402
from smale18.verify.nets import (Affine, BallProjection, Network, ReLU, Sigmoid, SoftThreshold, Tanh, firenet,  # noqa: E402
                                  train_lista)
from smale18.verify.nets._torch import TorchNetwork, to_torch  # noqa: E402

OMEGA = Smale18Class("P3", K=3)  # m = 22, N = 26


def _agree(module, network, Y):
    """max |torch - numpy| over a batch (columns of Y), and the size of the outputs."""
    ref = network.forward(Y)
    out = module(torch.from_numpy(np.ascontiguousarray(Y.T))).detach().numpy().T
    assert out.shape == ref.shape
    return float(np.max(np.abs(out - ref))), float(np.max(np.abs(ref)))


# -- to_torch: the same map as the layers ---------------------------------------------------------------------
def test_to_torch_matches_firenet_and_keeps_weights_tied():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((20, 40)) / np.sqrt(20)
    fn = firenet(A, lam=0.1, restarts=5, inner=10, eps0=5.0)
    net = fn.network()
    module = to_torch(net)
    diff, size = _agree(module, net, rng.standard_normal((20, 7)))
    assert diff <= 1e-12 and size > 0.1
    # the 200 layers share 13 arrays (V_a, V_b, the restarts, the skips, one threshold vector): one parameter each
    assert len(module.weights) == len({id(a) for layer in net.layers for a in vars(layer).values()
                                       if isinstance(a, np.ndarray)})
    single = module(torch.from_numpy(rng.standard_normal(20)))
    assert single.shape == (40,) and single.dtype == torch.float64


def test_to_torch_matches_complex_firenet():
    rng = np.random.default_rng(1)
    A = (rng.standard_normal((12, 24)) + 1j * rng.standard_normal((12, 24))) / np.sqrt(24)
    net = firenet(A, lam=0.1, restarts=3, inner=10, eps0=5.0).network()
    module = to_torch(net)
    Y = rng.standard_normal((12, 4)) + 1j * rng.standard_normal((12, 4))
    diff, size = _agree(module, net, Y)
    assert diff <= 1e-12 and size > 0.1
    assert next(iter(module.weights.values())).dtype == torch.complex128
    # a real input is promoted exactly (float64 -> complex128), as numpy's forward promotes it
    Yr = rng.standard_normal((12, 3))
    assert _agree(module, net, Yr)[0] <= 1e-12


def test_to_torch_matches_lista():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((15, 30)) / np.sqrt(15)
    X = np.zeros((30, 300))
    for k in range(300):
        X[rng.choice(30, 3, replace=False), k] = rng.standard_normal(3)
    lista = train_lista(A, A @ X, X, depth=5, iterations=100, batch=128)
    net = lista.network()
    diff, size = _agree(to_torch(net), net, A @ X[:, :9] + 0.01 * rng.standard_normal((15, 9)))
    assert diff <= 1e-12 and size > 0.1


def test_to_torch_matches_every_layer_kind():
    rng = np.random.default_rng(3)
    layers = (Affine(R=rng.standard_normal((6, 4)), c=rng.standard_normal(6)), ReLU(),
              Affine(W=rng.standard_normal((5, 6))), Tanh(), Sigmoid(), Affine(W=rng.standard_normal((5, 5))),
              SoftThreshold(np.abs(rng.standard_normal(5)) / 4),
              BallProjection(1, 4, 0.3), Affine(c=rng.standard_normal(3), W=rng.standard_normal((3, 5))))
    net = Network(4, layers)
    Y = 3 * rng.standard_normal((4, 11))
    diff, size = _agree(to_torch(net), net, Y)
    assert diff <= 1e-12 and size > 0.1
    # float32 rounds the weights: close, but not the same map
    d32 = np.max(np.abs(to_torch(net, dtype=torch.float32)(torch.from_numpy(Y.T.astype(np.float32))).detach()
                        .numpy().T - net.forward(Y)))
    assert 0 < d32 < 1e-5


def test_to_torch_module_pickles_and_trains():
    import pickle

    rng = np.random.default_rng(4)
    net = Network(3, (Affine(R=rng.standard_normal((2, 3))), SoftThreshold(np.array([0.1, 0.2]))))
    module = to_torch(net)
    copy = pickle.loads(pickle.dumps(module))
    assert type(copy) is TorchNetwork
    y = torch.from_numpy(rng.standard_normal((5, 3)))
    assert torch.equal(copy(y), module(y))
    module(y).sum().backward()  # parameters are trainable torch parameters
    assert all(p.grad is not None for p in module.parameters())


def test_to_torch_refuses_bad_input():
    rng = np.random.default_rng(5)
    with pytest.raises(Smale18Error, match="network="):
        to_torch("not a network")
    op = sla.aslinearoperator(rng.standard_normal((4, 3)))
    with pytest.raises(Smale18Error, match=r"layers\[0\]\.R is a linear operator"):
        to_torch(Network(3, (Affine(R=op),)))
    net = Network(3, (Affine(R=rng.standard_normal((2, 3))),))
    with pytest.raises(Smale18Error, match="dtype="):
        to_torch(net, dtype=torch.int64)
    module = to_torch(net)
    for bad, match in ((torch.zeros(2, 4, dtype=torch.float64), "shape"), (torch.zeros(2, 3), "dtype"),
                       (torch.tensor([1.0, float("nan"), 0.0], dtype=torch.float64), "non-finite"),
                       (np.zeros(3), "torch tensor")):
        with pytest.raises(Smale18Error, match=match):
            module(bad)


# -- torch_candidate ------------------------------------------------------------------------------------------
class Recorder(torch.nn.Module):
    """y -> W y, remembering every input it was given (and the thread count it ran with)."""

    def __init__(self, m, N, dtype=torch.float64):
        super().__init__()
        self.lin = torch.nn.Linear(m, N, bias=False, dtype=dtype)
        self.seen, self.threads = [], []

    def forward(self, y):
        self.seen.append(y.clone())
        self.threads.append(torch.get_num_threads())
        return self.lin(y)


class TakesA(torch.nn.Module):
    """(A, y) -> A^T y, batch first."""

    def forward(self, A, y):
        return torch.einsum("bmn,bm->bn", A, y)


def _honest(m=5, N=7):
    A = [[Fraction(i + 2 * j + 1, 3 * (i + j + 1)) for j in range(N)] for i in range(m)]
    y = [Fraction(k + 1, 3) for k in range(m)]
    return InexactInput.honest(A, y)


def test_candidate_reads_at_the_stated_precision():
    for reads in (0, 17, 52):
        inp = _honest()
        x = torch_candidate(Recorder(5, 7), reads=reads)(inp)
        assert x.shape == (7,) and x.dtype == np.float64
        assert [(r.kind, r.n) for r in inp.log.records] == [("y", reads)]
    inp = _honest()
    cand = torch_candidate(TakesA())  # two positional parameters: (A, y)
    assert cand.takes_A
    x = cand(inp)
    assert sorted((r.kind, r.n) for r in inp.log.records) == [("A", 52), ("y", 52)]
    A52, y52 = inp.A(52).rounded_float64(), inp.y(52).rounded_float64()
    assert np.array_equal(x, A52.T @ y52) or np.max(np.abs(x - A52.T @ y52)) < 1e-14


def _error_bound_holds(tensor, answer, u, t):
    """Entrywise |tensor - answer| <= u |answer| + t, checked in exact rationals (every float is a rational)."""
    exact = answer.to_fractions()
    got = [Fraction(float(v)) for v in tensor.reshape(-1).tolist()]
    return all(abs(g - a) <= u * abs(a) + t for g, a in zip(got, exact.reshape(-1)))


def test_float64_and_float32_conversion_within_the_stated_bound():
    inp64, inp32 = _honest(), _honest()
    r64 = Recorder(5, 7)
    r32 = Recorder(5, 7, dtype=torch.float32)
    c64, c32 = torch_candidate(r64), torch_candidate(r32)
    assert (c64.dtype, c32.dtype) == ("float64", "float32")  # default: the module's parameter dtype
    x64, x32 = c64(inp64), c32(inp32)
    assert x64.dtype == x32.dtype == np.float64 and not np.array_equal(x64, x32)
    y52 = inp64.y(52)
    seen64, seen32 = r64.seen[0], r32.seen[0]
    assert seen64.shape == (1, 5) and seen64.dtype == torch.float64 and seen32.dtype == torch.float32
    # float64: the nearest float64 of each exact answer; float32: the nearest float32 of that
    assert np.array_equal(seen64.numpy()[0], y52.rounded_float64())
    assert np.array_equal(seen32.numpy()[0], y52.rounded_float64().astype(np.float32))
    assert _error_bound_holds(seen64, y52, *c64.rounding)
    assert _error_bound_holds(seen32, y52, *c32.rounding)
    # the bound is not loose by orders: float32 really loses the bits below ~2^-24 relative (1/3 is not a dyadic)
    worst = max(abs(Fraction(float(g)) - a) / abs(a) for g, a in zip(seen32.reshape(-1).tolist(),
                                                                       y52.to_fractions()))
    assert Fraction(1, 2**26) < worst <= c32.rounding[0]
    # an explicit dtype converts the answers, not the module: a float64 module fed float32 tensors refuses them
    cross = torch_candidate(Recorder(5, 7), dtype=torch.float32)
    with pytest.raises(RuntimeError):
        cross(_honest())


def test_rounding_constants_are_the_composed_roundings():
    u64, t64 = TorchCandidate.rounding_of("float64")
    assert (u64, t64) == (Fraction(1, 2**53), Fraction(1, 2**1075))
    u32, t32 = TorchCandidate.rounding_of("float32")
    assert u32 == Fraction(1, 2**24) + u64 + Fraction(1, 2**24) * u64
    assert t32 == Fraction(1, 2**150) + t64 + Fraction(1, 2**24) * t64
    # a subnormal float32 answer: the absolute term t is needed and suffices
    inp = InexactInput.honest([[1]], [Fraction(3, 2**152)])
    rec = Recorder(1, 1, dtype=torch.float32)
    torch_candidate(rec, reads=200)(inp)
    assert _error_bound_holds(rec.seen[0], inp.y(200), u32, t32)
    assert not _error_bound_holds(rec.seen[0], inp.y(200), u32, 0)


def test_candidate_eval_mode_threads_and_unbatched_modules():
    module = torch.nn.Sequential(torch.nn.Linear(5, 7, dtype=torch.float64), torch.nn.Dropout(0.5))
    module.train()
    cand = torch_candidate(module)
    a, b = cand(_honest()), cand(_honest())
    assert np.array_equal(a, b)  # dropout is off in eval mode
    assert module.training and module[1].training  # each submodule's mode is restored
    before = torch.get_num_threads()
    rec = Recorder(5, 7)
    torch_candidate(rec)(_honest())
    assert rec.threads == [1] and torch.get_num_threads() == before
    rec = Recorder(5, 7)
    torch_candidate(rec, threads=None)(_honest())
    assert rec.threads == [before]
    flat = Recorder(5, 7)
    assert torch_candidate(flat, batch_first=False)(_honest()).shape == (7,)
    assert flat.seen[0].shape == (5,)


def test_adapt_candidate_wraps_modules():
    cand = adapt_candidate(torch.nn.Linear(5, 7, dtype=torch.float64))
    assert isinstance(cand, TorchCandidate) and cand.reads == 52 and cand.dtype == "float64"


class Returns(torch.nn.Module):
    def __init__(self, make):
        super().__init__()
        self.make = make

    def forward(self, y):
        return self.make(y)


@pytest.mark.parametrize("make, first_line", [
    (lambda y: torch.full((1, 7), float("nan"), dtype=torch.float64), "non-finite entry"),
    (lambda y: torch.zeros(1, 6, dtype=torch.float64), "returned shape (1, 6), expected (1, 7)"),
    (lambda y: torch.zeros(7, dtype=torch.float64), "returned shape (7,), expected (1, 7)"),
    (lambda y: (torch.zeros(1, 7),), "returned tuple, not a tensor"),
    (lambda y: torch.zeros(1, 7, dtype=torch.complex128), "returned a complex128 tensor"),
    (lambda y: torch.zeros(1, 7, dtype=torch.int64), "returned a int64 tensor"),
])
def test_bad_outputs_raise_a_clear_runtime_error(make, first_line):
    with pytest.raises(RuntimeError) as info:
        torch_candidate(Returns(make), dtype=torch.float64)(_honest())
    assert first_line in str(info.value).splitlines()[0]


class Ambiguous(torch.nn.Module):
    def forward(self, *tensors):
        return tensors[0]


@pytest.mark.parametrize("kwargs, match", [
    (dict(module=object()), "module="),
    (dict(module=torch.nn.Linear), "module="),  # the class, not a module
    (dict(reads=-1), "reads="),
    (dict(reads=MAX_PRECISION + 1), "reads="),
    (dict(reads=True), "reads="),
    (dict(reads=2.5), "reads="),
    (dict(dtype=torch.int32), "dtype="),
    (dict(dtype="float16"), "dtype="),
    (dict(dtype=np.float64), "dtype="),
    (dict(takes_A="yes"), "takes_A="),
    (dict(batch_first=None), "batch_first="),
    (dict(threads=0), "threads="),
    (dict(threads=True), "threads="),
    (dict(device="no-such-device"), "device="),
    (dict(module=torch.nn.Linear(5, 7, dtype=torch.float16)), "float16 parameters"),
    (dict(module=Ambiguous()), "pass takes_A"),
])
def test_bad_arguments_raise_smale18error(kwargs, match):
    kwargs = {"module": torch.nn.Linear(5, 7, dtype=torch.float64), **kwargs}
    with pytest.raises(Smale18Error, match=match):
        torch_candidate(**kwargs)


# -- the barrier game, sealed ---------------------------------------------------------------------------------
def _barrier_lista():
    """LISTA trained on the barrier class's own matrix (a member's A at n = 52) and sparse vectors: a torch module."""
    member = OMEGA.member(0, OMEGA.l0, 0, 60)
    A = np.asarray(member.A.approx(52), dtype=float)
    rng = np.random.default_rng(6)
    X = np.zeros((OMEGA.N, 512))
    for k in range(512):
        X[rng.choice(OMEGA.N, 3, replace=False), k] = rng.standard_normal(3)
    return to_torch(train_lista(A, A @ X, X, depth=5, iterations=200, batch=256).network())


def _assert_defeated_on_its_own_reading(result, module, reads):
    assert result.sealed and result.outcome is Outcome.DEFEATED, result.summary()
    assert [(r.kind, r.n) for r in result.log.records] == [("y", reads)]
    assert result.transcript_honest and result.distance.lower > result.accuracy
    # the verdict is about this module's output: it is what the module computes from the committed member's answer
    y = torch.from_numpy(result.instance.y.approx(reads).rounded_float64()).to(next(module.parameters()).dtype)
    with torch.no_grad():
        expected = module(y.unsqueeze(0))[0].double().numpy()
    assert np.array_equal(result.output.to_float64(), expected)


def test_a_torch_lista_plays_the_barrier_game():
    module = _barrier_lista()
    result = play(module, OMEGA)  # pickled here, unpickled (importing torch) and adapted in its own process
    assert result.candidate == "TorchNetwork"
    _assert_defeated_on_its_own_reading(result, module, 52)


def test_a_torch_module_from_a_spec_file_plays(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("import torch\n"
                    "torch.manual_seed(0)\n"
                    f"model = torch.nn.Sequential(torch.nn.Linear({OMEGA.m}, {OMEGA.N}, dtype=torch.float64))\n")
    result = play(f"{path}:model", OMEGA)
    assert result.sealed and result.outcome is Outcome.DEFEATED, result.summary()
    assert [(r.kind, r.n) for r in result.log.records] == [("y", 52)]
    torch.manual_seed(0)  # the same module, rebuilt here
    module = torch.nn.Sequential(torch.nn.Linear(OMEGA.m, OMEGA.N, dtype=torch.float64))
    _assert_defeated_on_its_own_reading(result, module, 52)


@pytest.mark.slow
def test_a_float32_candidate_at_a_stated_precision_plays():
    module = _barrier_lista().float()
    result = play(torch_candidate(module, reads=30), OMEGA)
    _assert_defeated_on_its_own_reading(result, module, 30)


@pytest.mark.slow
def test_a_module_returning_nan_is_a_judged_loss():
    result = play(Returns(lambda y: torch.full((1, OMEGA.N), float("nan"), dtype=torch.float64)), OMEGA)
    assert result.sealed and result.outcome is Outcome.DEFEATED
    assert "judged loss" in result.reason and "non-finite entry" in result.reason
