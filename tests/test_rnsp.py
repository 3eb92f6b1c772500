"""rNSP in levels: certification of a Gaussian matrix, soundness on planted violations, refutation, tampering."""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle import Smale18Error, Status
from verify.certificates import Certificate, encode_floats, matrix_digest
from verify.cli import main
from verify.named import named_matrix
from verify.rnsp import SparsityInLevels, certify, refute, rnsp_violation, _matrix_and_data


@pytest.fixture(scope="module")
def gaussian():
    return np.random.default_rng(0).standard_normal((60, 120))


@pytest.mark.parametrize("s", [1, 2])
def test_gaussian_60x120_is_certified(gaussian, s):
    cert = certify(gaussian, s)
    assert cert.status is Status.CERTIFIED
    rho, gamma = Fraction(cert.claim["rho"]), Fraction(cert.claim["gamma"])
    assert rho < 1
    result = cert.check()
    assert result.valid
    # the printed numbers are upper ends of the enclosures, rounded outward: never below what the witness proves
    assert Fraction(result.recomputed["rho"]) <= rho and Fraction(result.recomputed["gamma"]) <= gamma
    again = Certificate.from_json(json.loads(cert.dumps()))
    assert again == cert and again.check().valid


def test_levels_and_weights(gaussian):
    cert = certify(gaussian[:, :80], [1, 1], levels=[40, 80], weights=["1", "3/2"])
    assert cert.status is Status.CERTIFIED and cert.check().valid
    assert cert.data["weights"] == ["1", "3/2"]


def test_named_exact_matrix_round_trip():
    cert = certify(named_matrix("subdct:64:40:0"), 1)
    assert cert.status is Status.CERTIFIED and cert.data["matrix"] == {"named": "subdct:64:40:0"}
    assert Certificate.from_json(cert.dumps()).check().valid


# -- soundness on planted violations --------------------------------------------------------------------------------
def _planted(seed, m, N, kind, s=1):
    """(A, v) with A small-integer valued and v a planted (near-)kernel vector, exactly representable.

    The kernel vector has s + 1 entries +-1, so with Delta its s first entries ||v_Delta||_2 = sqrt(s) and
    ||v_{Delta^c}||_1 = 1: it violates the rNSP of order s for every rho < s (and every gamma, as A v = 0)."""
    rng = np.random.default_rng(seed)
    A = rng.integers(-3, 4, size=(m, N)).astype(float)
    A[:, np.all(A == 0, axis=0)] = 1.0
    i, j = rng.choice(N, 2, replace=False)
    v = np.zeros(N)
    if kind == "duplicate":
        A[:, j] = A[:, i]
        v[i], v[j] = 1.0, -1.0
    elif kind == "near-duplicate":
        A[:, j] = A[:, i]
        A[0, j] += 2.0**-20
        v[i], v[j] = 1.0, -1.0
    else:  # entries +-1 on s + 1 columns, the last column set so that A v = 0 exactly (integer arithmetic)
        k = rng.choice(N, s + 1, replace=False)
        signs = rng.choice([-1.0, 1.0], s + 1)
        v[k] = signs
        A[:, k[-1]] = -(A[:, k[:-1]] @ signs[:-1]) * signs[-1]
    return A, v


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**6), st.integers(4, 8), st.integers(2, 6), st.sampled_from(["duplicate", "near-duplicate",
                                                                                       "kernel"]), st.integers(1, 2))
def test_certify_is_sound_and_refute_finds_planted_violations(seed, m, extra, kind, s):
    N = m + extra
    A, v = _planted(seed, m, N, kind, s)
    _, enc, _ = _matrix_and_data(A)
    lv = SparsityInLevels.make(N, s)
    cert = certify(A, s)
    if kind in ("duplicate", "kernel"):
        assert cert.status is not Status.CERTIFIED  # an exact sparse kernel vector: no rho < 1 exists
    if cert.status is Status.CERTIFIED:  # then the planted vector cannot violate the certified constants
        D = sorted(np.argsort(-np.abs(v))[:s].tolist())
        lo, _ = rnsp_violation(enc, v, D, lv, Fraction(cert.claim["rho"]), Fraction(cert.claim["gamma"]))
        assert lo <= 0
    # below the planted vector's threshold, refute proves a violation
    ref = refute(A, s, rho="1/2", gamma=1 if kind == "near-duplicate" else 10**6)
    assert ref.status is Status.REFUTED and ref.check().valid


def test_refutation_checks_are_strict():
    A, _ = _planted(3, 5, 8, "duplicate")
    ref = refute(A, 1, rho="1/2", gamma=100)
    data = ref.to_json()
    data["witness"]["v"] = encode_floats(np.ones(8))  # not a violating vector
    assert not Certificate.from_json(data).check().valid
    data = ref.to_json()
    data["witness"]["support"] = [0, 1, 2]  # not admissible for s = 1
    assert not Certificate.from_json(data).check().valid
    unknown = refute(np.eye(4), 1, rho="1/2", gamma=1)
    assert unknown.status is Status.UNKNOWN  # the identity has the NSP: nothing to find


# -- tampering: smale18 check exits 1 -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_cert():
    A = np.random.default_rng(1).standard_normal((30, 40))
    return A, certify(A, 1)


def _check_file(tmp_path, record):
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(record))
    return main(["check", str(path)])


def test_untampered_certificate_checks(tmp_path, small_cert, capsys):
    _, cert = small_cert
    assert _check_file(tmp_path, cert.to_json()) == 0
    assert "valid" in capsys.readouterr().out


@pytest.mark.parametrize("field", ["rho", "gamma"])
def test_smaller_constant_is_invalid(tmp_path, small_cert, field):
    _, cert = small_cert
    record = cert.to_json()
    record["claim"][field] = str(Fraction(record["claim"][field]) * Fraction(99, 100))
    assert _check_file(tmp_path, record) == 1


def test_changed_witness_is_invalid(tmp_path, small_cert):
    _, cert = small_cert
    record = cert.to_json()
    Y = np.array([float.fromhex(h) for h in record["witness"]["Y"]["hex"]]).reshape(record["witness"]["Y"]["shape"])
    record["witness"]["Y"] = encode_floats(2 * Y)
    assert _check_file(tmp_path, record) == 1


def test_different_matrix_is_invalid(tmp_path, small_cert):
    A, cert = small_cert
    B = A.copy()
    B[:, 3] *= 3
    record = cert.to_json()
    record["data"]["matrix"] = encode_floats(B)
    assert _check_file(tmp_path, record) == 1  # digest mismatch
    record["data"]["sha256"] = matrix_digest(B)
    assert _check_file(tmp_path, record) == 1  # consistent digest, but the witness does not prove the claim for B


def test_certify_cli(tmp_path, capsys):
    path = tmp_path / "g.npy"
    np.save(path, np.random.default_rng(0).standard_normal((30, 40)))
    out = tmp_path / "c.json"
    assert main(["certify", "rnsp", str(path), "--sparsity", "1", "--out", str(out)]) == 0
    assert "certified" in capsys.readouterr().out
    record = json.loads(out.read_text())
    assert set(record) == {"kind", "status", "claim", "data", "witness"} and record["status"] == "certified"
    assert isinstance(record["claim"]["rho"], str) and isinstance(record["claim"]["gamma"], str)
    assert main(["certify", "rnsp", str(path), "--sparsity", "9"]) == 1
    assert main(["certify", "rnsp", str(path), "--sparsity", "x"]) == 2
    assert main(["certify", "rnsp", "nope:3", "--sparsity", "1"]) == 2
    assert main(["check", str(tmp_path / "missing.json")]) == 2
    (tmp_path / "junk.json").write_text("{}")
    assert main(["check", str(tmp_path / "junk.json")]) == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(sparsity=[7], levels=[6]), "sparsity\\[0\\]=7 must lie in"),
        (dict(sparsity=[1, 1], levels=[3, 5]), "must end at N=6"),
        (dict(sparsity=[1], weights=["-1"]), "weights\\[0\\]=-1 must be positive"),
        (dict(sparsity=[1, 1], levels=[6]), "same positive length"),
    ],
)
def test_levels_bad_input(kwargs, match):
    with pytest.raises(Smale18Error, match=match):
        SparsityInLevels.make(6, kwargs.pop("sparsity"), **kwargs)
    with pytest.raises(Smale18Error, match="finite"):
        certify(np.array([[1.0, np.nan]]), 1)


# -- the exact decision for small N --------------------------------------------------------------------------------
from verify.rnsp import _nsp_constant_bruteforce, nsp_constant  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(5, 12), st.integers(1, 4), st.integers(1, 2), st.booleans())
def test_exact_constant_agrees_with_brute_force_and_bounds_certify(seed, N, gap, s, two_levels):
    m = max(2, N - gap)
    rng = np.random.default_rng(seed)
    A = rng.integers(-3, 4, size=(m, N)).astype(float)
    levels = [N // 2, N] if two_levels else None
    sparsity = [1, s] if two_levels else s
    weights = ["1", "2"] if two_levels else None
    fast = nsp_constant(A, sparsity, levels, weights)
    slow = _nsp_constant_bruteforce(A, sparsity, levels, weights)
    assert fast.rho2 == slow
    cert = certify(A, sparsity, levels=levels, weights=weights)
    if cert.status is Status.CERTIFIED:  # certify's rho is never below the exact constant
        assert fast.rho2 is not None and Fraction(cert.claim["rho"]) ** 2 >= fast.rho2
    if fast.rho2:  # and the maximiser refutes every smaller rho, rigorously
        _, enc, _ = _matrix_and_data(A)
        lv = SparsityInLevels.make(N, sparsity, levels, weights)
        v = np.array([float(x) for x in fast.vector])
        from oracle import _arb

        rho_below = _arb.sqrt_bounds(fast.rho2, fast.rho2, 128)[0] * Fraction(999, 1000)  # strictly below rho*
        lo, _ = rnsp_violation(enc, v, fast.support, lv, rho_below, Fraction(10**9))
        assert lo > 0
