"""rNSP in levels: certification of a Gaussian matrix, soundness on planted violations, refutation, tampering."""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smale18.oracle import Smale18Error, Status
from smale18.verify.certificates import Certificate, encode_floats, matrix_digest
from smale18.app.cli import main
from smale18.verify.named import named_matrix
from smale18.verify.rnsp import SparsityInLevels, certify, refute, rnsp_violation, _matrix_and_data


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
        rest = {k: v for k, v in kwargs.items() if k != "sparsity"}  # the parameter itself is left unchanged
        SparsityInLevels.make(6, kwargs["sparsity"], **rest)
    with pytest.raises(Smale18Error, match="finite"):
        certify(np.array([[1.0, np.nan]]), 1)


# -- the exact decision for small N --------------------------------------------------------------------------------
from smale18.verify.rnsp import _nsp_constant_bruteforce, nsp_constant  # noqa: E402


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
        from smale18.oracle import _arb

        rho_below = _arb.sqrt_bounds(fast.rho2, fast.rho2, 128)[0] * Fraction(999, 1000)  # strictly below rho*
        lo, _ = rnsp_violation(enc, v, fast.support, lv, rho_below, Fraction(10**9))
        assert lo > 0


# -- issue 12: regressions -----------------------------------------------------------------------------------------
def _write(tmp_path, record, name="rec.json"):
    path = tmp_path / name
    path.write_text(json.dumps(record))
    return str(path)


def _one_line_error(capsys):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("smale18: error: ") and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def gaussian_30x40():
    A = np.random.default_rng(0).standard_normal((30, 40))
    return A, certify(A, 1)


def _refutation_record(cert, v, support, rho=None, gamma=None):
    record = cert.to_json()
    record["kind"], record["status"] = "rnsp-levels-violation", "refuted"
    if rho is not None:
        record["claim"] = {"rho": rho, "gamma": gamma}
    record["witness"] = {"v": encode_floats(v), "support": support}
    return record


@pytest.mark.parametrize("support", [[str(i) for i in range(40)], [i + 0.5 for i in range(40)],
                                     [float(i) for i in range(40)], [True], ["x"]])
def test_issue12_forged_refutation_support_types(tmp_path, capsys, gaussian_30x40, support):
    """Item 1: a support of strings or half-integers was 'admissible' at any size, so a certified matrix was also
    'refuted'. Now the file is refused (exit 2, one line) and a Certificate built in Python is invalid."""
    A, cert = gaussian_30x40
    assert cert.status is Status.CERTIFIED and _check_file(tmp_path, cert.to_json()) == 0
    v = np.linalg.svd(A)[2][-1]
    record = _refutation_record(cert, v, support)
    assert main(["check", _write(tmp_path, record)]) == 2
    err = _one_line_error(capsys)
    assert "witness.support" in err
    forged = Certificate("rnsp-levels-violation", Status.REFUTED, record["claim"], record["data"], record["witness"])
    assert not forged.check().valid


def test_issue12_integer_support_of_full_size_is_not_admissible(tmp_path, gaussian_30x40):
    A, cert = gaussian_30x40
    v = np.linalg.svd(A)[2][-1]
    assert main(["check", _write(tmp_path, _refutation_record(cert, v, list(range(40))))]) == 1


def _identity_refutation(s, j, r=1):
    """Item 2: A = I_N, rho = -r, gamma = r j, N = s j^2, Delta empty, v = ones: a TRUE inequality (Cauchy-Schwarz,
    with equality), which the checker used to 'refute' because its rounding assumed rho >= 0."""
    N = s * j * j
    _, _, data = _matrix_and_data(np.eye(N))
    data.update({"levels": [N], "sparsity": [s], "weights": ["1"]})
    return {"kind": "rnsp-levels-violation", "status": "refuted", "claim": {"rho": str(-r), "gamma": str(r * j)},
            "data": data, "witness": {"v": encode_floats(np.ones(N)), "support": []}}


@pytest.mark.parametrize("s, j", [(2, 2), (3, 2), (2, 3)])
def test_issue12_negative_rho_refutation_is_refused(tmp_path, capsys, s, j):
    record = _identity_refutation(s, j)
    assert main(["check", _write(tmp_path, record)]) == 2
    assert "claim.rho" in _one_line_error(capsys)
    forged = Certificate(record["kind"], Status.REFUTED, record["claim"], record["data"], record["witness"])
    result = forged.check()
    assert not result.valid and "rho" in result.reason
    record["claim"] = {"rho": "1", "gamma": "-1"}
    assert main(["check", _write(tmp_path, record)]) == 2
    assert "claim.gamma" in _one_line_error(capsys)


def test_issue12_rnsp_violation_refuses_negative_constants():
    _, enc, _ = _matrix_and_data(np.eye(8))
    lv = SparsityInLevels.make(8, 2)
    with pytest.raises(Smale18Error, match="rho=-1 must be"):
        rnsp_violation(enc, np.ones(8), [], lv, Fraction(-1), Fraction(2))
    with pytest.raises(Smale18Error, match="gamma=-1/2 must be"):
        rnsp_violation(enc, np.ones(8), [], lv, Fraction(1), Fraction(-1, 2))


def _complex_with_sparse_kernel_vector():
    """Item 5: columns a_0 = r1 + i r2 and a_1 = i a_0 give the complex kernel vector (1, i, 0, ...), which violates
    the rNSP of order 1 for every rho < 1; the real part (independent Gaussian columns) certifies."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((30, 40)) + 1j * rng.standard_normal((30, 40))
    A[:, 1] = 1j * A[:, 0]
    return A


def test_issue12_complex_matrices_are_refused():
    A = _complex_with_sparse_kernel_vector()
    v = np.zeros(40, complex)
    v[:2] = [1, 1j]
    assert np.linalg.norm(A @ v) < 1e-12  # the violating complex kernel vector
    for call in (lambda: certify(A, 1), lambda: refute(A, 1, rho="1/2", gamma=1), lambda: nsp_constant(A[:3, :6], 1)):
        with pytest.raises(Smale18Error, match="A is complex"):
            call()


def test_issue12_nsp_constant_of_float_matrices_is_finite():
    """Item 10: the integer matrix overflowed int64 (rho* = inf for every Gaussian matrix); now Python integers."""
    values = []
    for N in range(8, 17):
        A = np.random.default_rng(N).standard_normal((N - 4, N))
        exact = nsp_constant(A, 1)
        assert exact.rho2 is not None and 0 < exact.rho2, (N, exact.rho2)
        values.append(float(exact.rho2) ** 0.5)
        if N <= 10:
            assert _nsp_constant_bruteforce(A, 1) == exact.rho2
        # every kernel vector's ratio is at most rho*^2 (a lower-bound check independent of the enumeration)
        K = np.linalg.svd(A)[2][N - 4:]
        for c in np.random.default_rng(0).standard_normal((20, 4)):
            v = c @ K
            i = int(np.argmax(np.abs(v)))
            assert v[i] ** 2 / (np.abs(v).sum() - abs(v[i])) ** 2 <= float(exact.rho2) * (1 + 1e-9)
    assert 0.2 < min(values) and max(values) < 3  # observed 0.33 .. 2.83 (m = N - 4)
    A = np.random.default_rng(8).standard_normal((4, 8))
    assert nsp_constant(A, 1).rho2 == _nsp_constant_bruteforce(A, 1) is not None  # observed rho* = 2.83


def test_issue12_nsp_constant_float_maximiser_refutes_below():
    A = np.random.default_rng(3).standard_normal((4, 8))
    exact = nsp_constant(A, 1)
    _, enc, _ = _matrix_and_data(A)
    lv = SparsityInLevels.make(8, 1)
    from smale18.oracle import _arb

    lo_rho, hi_rho = _arb.sqrt_bounds(exact.rho2, exact.rho2, 128)
    # the exact maximiser is rational, not a float vector: scale it into float range and refute just below rho*
    vec = [float(x) for x in exact.vector]
    lo, _ = rnsp_violation(enc, np.array(vec), exact.support, lv, lo_rho * Fraction(999, 1000), Fraction(10**6))
    assert lo > 0
    cert = certify(A, 1, method="column")
    if cert.status is Status.CERTIFIED:
        assert Fraction(cert.claim["rho"]) >= hi_rho * Fraction(999, 1000)


@pytest.mark.parametrize("scale", [2.0**100, 1e30, 1e-8])
@pytest.mark.parametrize("method", ["entrywise", "column"])
def test_issue12_scaled_matrices_certify_cleanly(scale, method):
    """cvxpy's SolverError / HiGHS model errors on scaled matrices: the solvers now see A scaled by an exact power of
    two (the witness is scaled back exactly and checked against the true A); rho is scale-invariant."""
    A = np.random.default_rng(1).standard_normal((12, 20))
    base = certify(A, 1, method=method)
    cert = certify(A * scale, 1, method=method)
    assert base.status is Status.CERTIFIED and cert.status is Status.CERTIFIED, cert.claim
    assert cert.check().valid
    assert abs(float(Fraction(cert.claim["rho"])) - float(Fraction(base.claim["rho"]))) < 1e-3
    assert "E" not in cert.claim["gamma"] and "e" not in cert.claim["gamma"]  # plain decimals, no exponent


def test_issue12_solver_failure_is_unknown(monkeypatch):
    """A solver that fails is no proof of anything: certify returns UNKNOWN with the reason, never an exception."""
    import cvxpy as cp

    def boom(self, *args, **kwargs):
        raise cp.error.SolverError("Solver 'CLARABEL' failed.")

    monkeypatch.setattr(cp.Problem, "solve", boom)
    cert = certify(np.random.default_rng(1).standard_normal((6, 8)), 1, method="column")
    assert cert.status is Status.UNKNOWN and cert.claim == {"rho": None, "gamma": None, "q": None}
    assert "SolverError" in cert.witness["failure"]
    assert Certificate.from_json(cert.dumps()) == cert and not cert.check().valid


# -- boundaries of every condition in the checkers (for mutation testing) ----------------------------------------
from smale18.verify.rnsp import _admissible, _bounds_from_witness, _check_certificate, _check_refutation  # noqa: E402


def _cert_obj(record):
    return Certificate(record["kind"], Status(record["status"]), dict(record["claim"]), dict(record["data"]),
                       dict(record["witness"]))


@pytest.fixture(scope="module")
def exact_bounds(gaussian_30x40):
    """The certificate and the exact (rho, gamma) its witness proves (what check compares the claim with)."""
    A, cert = gaussian_30x40
    _, enc, _ = _matrix_and_data(A)
    Y = np.array([float.fromhex(h) for h in cert.witness["Y"]["hex"]]).reshape(30, 40)
    b = _bounds_from_witness(enc, Y, SparsityInLevels.make(40, 1), "entrywise")
    return cert, b


def test_certificate_claim_equal_to_the_proven_bound_is_valid(exact_bounds, gaussian_30x40):
    """check() is valid iff the float64 proof or the ball proof establishes the claim: equality with either bound is
    enough, and a claim below both is refused."""
    cert, b = exact_bounds
    _, enc, _ = _matrix_and_data(gaussian_30x40[0])
    Y = np.array([float.fromhex(h) for h in cert.witness["Y"]["hex"]]).reshape(30, 40)
    ball = _bounds_from_witness(enc, Y, SparsityInLevels.make(40, 1), "entrywise", "ball")
    record = cert.to_json()
    for bounds, how in ((b, "float64"), (ball, "ball arithmetic")):
        record["claim"] = {"rho": str(bounds["rho"]), "gamma": str(bounds["gamma"])}
        result = Certificate.from_json(record).check()
        assert result.valid  # equality is enough
        if bounds is ball and (ball["rho"], ball["gamma"]) != (b["rho"], b["gamma"]):
            assert how in result.reason  # the float proof did not reach it; the ball proof did
    tiny = Fraction(1, 10**40)
    for key in ("rho", "gamma"):
        below_both = dict(record["claim"], **{key: str(min(b[key], ball[key]) - tiny)})
        result = _cert_obj(dict(record, claim=below_both)).check()
        assert not result.valid and f"proves {key} <=" in result.reason


def test_certificate_rho_must_be_below_one(exact_bounds):
    cert, b = exact_bounds
    record = cert.to_json()
    for rho, valid in [("1", False), ("3/2", False), (str(1 - Fraction(1, 2**80)), True)]:
        record["claim"] = {"rho": rho, "gamma": str(b["gamma"])}
        result = _cert_obj(record).check()
        assert result.valid is valid, (rho, result.reason)
        if not valid:
            assert "is not below 1" in result.reason


def test_certificate_status_method_and_useless_witness(exact_bounds):
    cert, _ = exact_bounds
    record = cert.to_json()
    assert not _cert_obj(dict(record, status="unknown")).check().valid
    assert "status is unknown" in _check_certificate(_cert_obj(dict(record, status="unknown"))).reason
    bad = dict(record, witness=dict(record["witness"], method="magic"))
    assert "must be 'entrywise' or 'column'" in _cert_obj(bad).check().reason
    zero = dict(record, witness={"method": "entrywise", "Y": encode_floats(np.zeros((30, 40)))})
    result = _cert_obj(zero).check()  # B = I: q = sqrt(s xi) = 1
    assert not result.valid and "q >= 1" in result.reason
    assert Fraction(result.recomputed["q"]) >= 1


def test_certificate_witness_overflowing_float64_is_invalid():
    A = np.full((2, 3), 1e300)
    _, _, data = _matrix_and_data(A)
    data.update({"levels": [3], "sparsity": [1], "weights": ["1"]})
    record = {"kind": "rnsp-levels", "status": "certified", "claim": {"rho": "1/2", "gamma": "1"}, "data": data,
              "witness": {"method": "entrywise", "Y": encode_floats(np.full((2, 3), 1e300))}}
    result = Certificate.from_json(record).check()
    assert not result.valid and "exceeds the float64 range" in result.reason


def _tiny_refutation(rho, gamma, support, v=(1.0, 1.0), levels=(2,), sparsity=(1,), weights=("1",), A=None):
    A = np.zeros((1, len(v))) if A is None else A
    _, _, data = _matrix_and_data(A)
    data.update({"levels": list(levels), "sparsity": list(sparsity), "weights": list(weights)})
    return {"kind": "rnsp-levels-violation", "status": "refuted", "claim": {"rho": rho, "gamma": gamma},
            "data": data, "witness": {"v": encode_floats(np.array(v)), "support": list(support)}}


def test_refutation_margin_exactly_zero_is_not_a_violation():
    # A = 0, xi = 1, v = (1, 1), Delta = {0}: ||v_D|| - rho ||v_Dc||_1 = 1 - rho exactly
    assert not Certificate.from_json(_tiny_refutation("1", "0", [0])).check().valid
    assert Certificate.from_json(_tiny_refutation(str(1 - Fraction(1, 2**100)), "0", [0])).check().valid
    # with A v != 0 the gamma term counts: A = (1, 0), ||A v|| = 1: 1 - rho - gamma
    A = np.array([[1.0, 0.0]])
    assert not Certificate.from_json(_tiny_refutation("1/2", "1/2", [0], A=A)).check().valid
    assert Certificate.from_json(_tiny_refutation("1/2", str(Fraction(1, 2) - Fraction(1, 2**90)), [0], A=A)).check()


def test_refutation_zero_constants_are_allowed():
    result = Certificate.from_json(_tiny_refutation("0", "0", [0], v=(1.0, 0.0))).check()
    assert result.valid and Fraction(result.recomputed["margin_lower"]) > 0
    assert not Certificate.from_json(_tiny_refutation("0", "0", [], v=(1.0, 0.0))).check().valid  # 0 - 0 - 0


def test_refutation_support_of_exactly_s_k_per_level():
    v = (1.0, 1.0, 1.0, 1.0, 1.0)
    common = dict(v=v, levels=(2, 5), sparsity=(1, 2), weights=("1", "1"))
    assert Certificate.from_json(_tiny_refutation("1/100", "0", [0, 2, 3], **common)).check().valid
    for D in ([0, 1, 2], [0, 2, 3, 4], [0, 1]):  # s_k + 1 in one level
        assert not Certificate.from_json(_tiny_refutation("1/100", "0", D, **common)).check().valid
    for D in ([0, 0], [4, 4, 2], [True], [0.0], ["0"], [5], [-1], "0", None, [[0]]):
        record = _tiny_refutation("1/100", "0", [0], **common)
        record["witness"]["support"] = D
        assert not _check_refutation(_cert_obj(record)).valid if isinstance(D, list) and all(
            type(i) is int for i in D) else not _cert_obj(record).check().valid


def test_refutation_status_and_shapes():
    record = _tiny_refutation(str(Fraction(1, 2)), "0", [0])
    assert not _cert_obj(dict(record, status="unknown")).check().valid
    assert not _cert_obj(dict(record, status="certified")).check().valid
    short = dict(record, witness={"v": encode_floats(np.ones(3)), "support": [0]})
    assert "expected [2]" in _cert_obj(short).check().reason


@pytest.mark.parametrize("support, expected", [
    ([], True), ([0], True), ([0, 3], True), ((0, 3), True), ([np.int64(0), 3], True), (np.array([1, 4]), True),
    ([0, 1], False), ([3, 4, 5], False), ([0, 0], False), ([True], False), ([0.0], False), (["0"], False),
    ([6], False), ([-1], False), (None, False), ("03", False), ([None], False), ([2**70], False),
])
def test_admissible_table(support, expected):
    lv = SparsityInLevels.make(6, [1, 2], levels=[2, 6], weights=["1", "1"])
    assert _admissible(support, lv) is expected


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-6, 6), min_size=4, max_size=4), st.lists(st.integers(-4, 4), min_size=8, max_size=8),
       st.sets(st.integers(0, 3), max_size=2), st.fractions(0, 3, max_denominator=50),
       st.fractions(0, 3, max_denominator=50), st.sampled_from([("1", "1"), ("1", "2"), ("2/3", "5")]))
def test_rnsp_violation_encloses_the_exact_value(v, a, D, rho, gamma, weights):
    """lo <= value <= hi, with the value decided exactly (lo > 0 => value > 0 by squares; hi < 0 => value < 0)."""
    v = np.array(v, dtype=float) / 4
    A = np.array(a, dtype=float).reshape(2, 4) / 3
    lv = SparsityInLevels.make(4, [1, 1], levels=[2, 4], weights=list(weights))
    D = sorted(D)
    _, enc, _ = _matrix_and_data(A)
    lo, hi = rnsp_violation(enc, v, D, lv, rho, gamma)
    assert lo <= hi
    vf = [Fraction(float(x)) for x in v]
    w = lv.column_weights()
    H = sum(vf[i] ** 2 for i in D)
    T = sum(w[i] * abs(vf[i]) for i in range(4) if i not in D)
    Af = [[Fraction(float(x)) for x in row] for row in A]
    R = sum(sum(row[j] * vf[j] for j in range(4)) ** 2 for row in Af)
    # value = sqrt(H) - rho T / sqrt(xi) - gamma sqrt(R); compare with lo and hi through mpmath at 60 digits
    import mpmath

    with mpmath.workdps(60):
        value = mpmath.sqrt(mpmath.mpf(H.numerator) / H.denominator) - mpmath.mpf(rho.numerator) / rho.denominator * (
            mpmath.mpf(T.numerator) / T.denominator) / mpmath.sqrt(mpmath.mpf(lv.xi.numerator) / lv.xi.denominator) \
            - mpmath.mpf(gamma.numerator) / gamma.denominator * mpmath.sqrt(mpmath.mpf(R.numerator) / R.denominator)
        assert mpmath.mpf(lo.numerator) / lo.denominator <= value + mpmath.mpf(10) ** -50
        assert value <= mpmath.mpf(hi.numerator) / hi.denominator + mpmath.mpf(10) ** -50
        assert hi - lo < Fraction(1, 10**15)


_G = np.random.default_rng(0).standard_normal((4, 6))


@pytest.mark.parametrize("call, match", [
    (lambda: certify(_G, None), "sparsity=None must be"),
    (lambda: certify(_G, [1.9]), r"sparsity\[0\]=1.9 must be an integer"),
    (lambda: certify(_G, ["1"]), r"sparsity\[0\]='1' must be an integer"),
    (lambda: certify(_G, True), "sparsity=True must be"),
    (lambda: certify(_G, 1, levels=[3.0, 6]), r"levels\[0\]=3.0 must be an integer"),
    (lambda: certify(_G, 1, weights=["1e-1000000000"]), r"weights\[0\]='1e-1000000000' must be a rational"),
    (lambda: certify(_G, 1, weights=[float("nan")]), r"weights\[0\]=nan must be finite"),
    (lambda: certify(_G, 1, method="magic"), "method='magic' must be"),
    (lambda: certify(np.array([[1, None]], dtype=object), 1), "dtype object"),
    (lambda: certify(np.array([[True, False]]), 1), "dtype bool"),
    (lambda: certify(np.array([[2**60 + 1, 1]], dtype=np.int64), 1), "cannot hold exactly"),
    (lambda: certify(np.ones((1, 1100)), 1), "each side must lie in"),
    (lambda: certify(np.ones((600, 1024)), 1), "exceeds the limit"),
    (lambda: certify("abc", 1), "not a string"),
    (lambda: refute(_G, 1, rho="-1/2", gamma=1), "rho=-1/2 must be non-negative"),
    (lambda: refute(_G, 1, rho="1/2", gamma=float("inf")), "gamma=inf must be finite"),
    (lambda: refute(_G, 1, rho="1/2", gamma=1, seed=-1), "seed=-1 must be"),
    (lambda: refute(_G, 1, rho=True, gamma=1), "rho=True must be a number"),
    (lambda: nsp_constant(np.random.default_rng(0).standard_normal((10, 40)), 1), "MAX_NSP_SLICES"),
    (lambda: nsp_constant(_G, [0]), "must not be all zero"),
    (lambda: SparsityInLevels.make(6, [0, 1], levels=[3, 6]), "give weights explicitly"),
    (lambda: named_matrix("dct2:²"), "must be a non-negative decimal integer"),
    (lambda: named_matrix("subdct:8:3:" + "9" * 30), "must be a non-negative decimal integer"),
    (lambda: named_matrix("hadamard:12"), "power of two"),
])
def test_api_bad_input_names_the_argument(call, match):
    with pytest.raises(Smale18Error, match=match):
        call()


def test_zero_sparsity_level_with_explicit_weights():
    A = np.random.default_rng(4).standard_normal((6, 8))
    cert = certify(A, [0, 1], levels=[4, 8], weights=["1", "1"], method="column")
    assert cert.status is Status.CERTIFIED and Certificate.from_json(cert.dumps()).check().valid
    exact = nsp_constant(A, [0, 1], levels=[4, 8], weights=["1", "1"])
    assert exact.rho2 == _nsp_constant_bruteforce(A, [0, 1], levels=[4, 8], weights=["1", "1"])
    assert Fraction(cert.claim["rho"]) ** 2 >= exact.rho2


def test_check_reports_pin_the_recomputed_numbers(exact_bounds):
    from smale18.oracle import format_bound

    cert, b = exact_bounds
    result = cert.check()
    assert result.recomputed == {k: format_bound(b[k], "up", 12) for k in ("q", "rho", "gamma")}
    record = _tiny_refutation(str(Fraction(1, 3)), "0", [0])
    _, enc, _ = _matrix_and_data(np.zeros((1, 2)))
    lo, _ = rnsp_violation(enc, np.ones(2), [0], SparsityInLevels.make(2, 1), Fraction(1, 3), Fraction(0))
    assert Certificate.from_json(record).check().recomputed == {"margin_lower": format_bound(lo, "down", 8)}


@pytest.mark.parametrize("field, value, reason", [
    ("witness", [], "witness.Y must be an object"), ("claim", [], "claim must be an object"),
    ("witness", {"method": "entrywise", "Y": {"shape": [30, 40]}}, "witness.Y must be an object"),
    ("witness", {"method": "entrywise", "Y": {"shape": [40, 30], "hex": ["0x0.0p+0"] * 1200}}, "witness Y has shape"),
])
def test_malformed_certificate_objects_are_invalid_not_errors(gaussian_30x40, field, value, reason):
    _, cert = gaussian_30x40
    record = cert.to_json()
    record[field] = value
    result = Certificate(record["kind"], Status.CERTIFIED, record["claim"], record["data"], record["witness"]).check()
    assert not result.valid and reason in result.reason


def test_malformed_refutation_objects_are_invalid_not_errors():
    record = _tiny_refutation("1/3", "0", [0])
    for witness, reason in [([], "witness.v must be an object"), ({"support": [0]}, "witness.v must be an object"),
                            ({"v": encode_floats(np.ones((1, 2))), "support": [0]}, "witness.v.shape")]:
        obj = Certificate(record["kind"], Status.REFUTED, record["claim"], record["data"], witness)
        result = obj.check()
        assert not result.valid and reason in result.reason, result.reason


def test_rnsp_violation_checks_its_arguments():
    _, enc, _ = _matrix_and_data(np.zeros((1, 2)))
    lv = SparsityInLevels.make(2, 1)
    with pytest.raises(Smale18Error, match="levels end at 3 but the matrix has 2 columns"):
        rnsp_violation(enc, np.ones(2), [0], SparsityInLevels.make(3, 1), Fraction(0), Fraction(0))
    with pytest.raises(Smale18Error, match="must be a vector of length 2"):
        rnsp_violation(enc, np.ones(3), [0], lv, Fraction(0), Fraction(0))
    with pytest.raises(Smale18Error, match="is complex"):
        rnsp_violation(enc, np.ones(2) * 1j, [0], lv, Fraction(0), Fraction(0))
    with pytest.raises(Smale18Error, match=r"support\[0\]='0' must be an integer index"):
        rnsp_violation(enc, np.ones(2), ["0"], lv, Fraction(0), Fraction(0))
    with pytest.raises(Smale18Error, match="repeats an index"):
        rnsp_violation(enc, np.ones(2), [1, 1], lv, Fraction(0), Fraction(0))
    with pytest.raises(Smale18Error, match="A_enc must be"):
        rnsp_violation(np.zeros((1, 2)), np.ones(2), [0], lv, Fraction(0), Fraction(0))
    with pytest.raises(Smale18Error, match="lv must be"):
        rnsp_violation(enc, np.ones(2), [0], (2,), Fraction(0), Fraction(0))
    lo, hi = rnsp_violation(enc, [1, 1], (0,), lv, "1/3", 0)  # exact inputs of any kind; 1 - 1/3 exactly
    assert lo <= Fraction(2, 3) <= hi and hi - lo < Fraction(1, 10**30)


# -- the exact wording of rnsp_violation's refusals (each names what is wrong; pinned for mutation testing) ---------
def _violation_args():
    import flint

    A = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    enc = flint.arb_mat(A.tolist())
    return enc, np.array([1.0, -1.0, 0.5]), [0], SparsityInLevels.make(3, 1), Fraction(1, 2), Fraction(1)


@pytest.mark.parametrize("position, bad, message", [
    (0, [[1.0, 0.0, 1.0]], "A_enc must be a python-flint arb_mat"),
    (3, "levels", "lv must be a SparsityInLevels"),
    (4, "abc", "rho='abc' must be a rational"),
    (5, "abc", "gamma='abc' must be a rational"),
    (2, np.array([[0]]), "support must be a list of integer indices"),
    (2, [0, 1, 2, 0], "support has 4 entries, more than N=3"),
    (2, [0, 0], "support repeats an index"),
    (2, [3], "support[0]=3 must be an integer index in [0, 3)"),
])
def test_rnsp_violation_refusals_name_what_is_wrong(position, bad, message):
    args = list(_violation_args())
    args[position] = bad
    with pytest.raises(Smale18Error) as info:
        rnsp_violation(*args)
    assert str(info.value).startswith(message), str(info.value)


# -- parallel certify and nsp_constant (issue 17): the same answer however the jobs run -----------------------------
import itertools  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402

from _support import require_extra  # noqa: E402

from smale18.verify import _parallel  # noqa: E402
from smale18.verify.rnsp import _combinations_from  # noqa: E402


def _closed_port() -> int:
    """A local TCP port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gaussian_30x60():
    A = np.random.default_rng(0).standard_normal((30, 60))
    return A, certify(A, 1, workers=1)


def _monotone_to(calls, total):
    done = [d for d, _ in calls]
    return calls and all(t == total for _, t in calls) and done == sorted(done) and done[-1] == total


def test_parallel_certify_same_certificate_on_one_and_two_workers(gaussian_30x60, monkeypatch):
    """workers=1 with one range (the columns in one loop, as before issue 17) and a pool of 2 with 32 ranges give
    the same certificate: the same Y bits, the same claim, and it passes the independent ball check."""
    A, ref = gaussian_30x60
    assert ref.status is Status.CERTIFIED and ref.check().valid
    monkeypatch.setattr(_parallel, "MIN_CHUNKS", 1)  # one range: a single call over all 60 columns
    one = certify(A, 1, workers=1)
    monkeypatch.undo()
    calls = []
    two = certify(A, 1, workers=2, progress=lambda done, total: calls.append((done, total)))
    assert one == ref and two == ref and two.dumps() == ref.dumps()
    assert two.witness["Y"]["hex"] == ref.witness["Y"]["hex"]
    assert _monotone_to(calls, 60) and len(calls) == 32


def test_parallel_certify_on_a_dask_cluster(gaussian_30x60):
    """The same jobs on a Dask LocalCluster (2 worker processes), by client and by scheduler address."""
    distributed = require_extra("distributed")
    A, ref = gaussian_30x60
    B = np.random.default_rng(3).integers(-2, 3, size=(5, 11)).astype(float)
    exact = nsp_constant(B, 2, workers=1)
    cluster_options = dict(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.LocalCluster(**cluster_options) as cluster, distributed.Client(cluster, set_as_default=False) \
            as client:
        calls = []
        assert certify(A, 1, dask=client, progress=lambda d, t: calls.append((d, t))) == ref
        assert _monotone_to(calls, 60)
        assert nsp_constant(B, 2, dask=cluster.scheduler_address) == exact
        assert client.status == "running"  # a client given by the caller is left open


@pytest.mark.parametrize("kernel", ["finite", "sparse"])
def test_parallel_nsp_constant_identical(kernel):
    """The exact constant, its maximising vector and support (the first in slice order) are identical for 1, 2 and 3
    workers; with a sparse kernel vector (rho* infinite) the ranges after the first hit are cancelled and the
    answer is still the first hit in slice order."""
    B = np.random.default_rng(1).integers(-2, 3, size=(5, 11)).astype(float)
    if kernel == "sparse":
        B[:, 3] = B[:, 7]  # e_3 - e_7 is in the kernel: 2-sparse
    ref = nsp_constant(B, 2, workers=1)
    assert (ref.rho2 is None) == (kernel == "sparse")
    if kernel == "finite":
        assert ref.rho2 == _nsp_constant_bruteforce(B, 2)
    calls = []
    assert nsp_constant(B, 2, workers=2, progress=lambda d, t: calls.append((d, t))) == ref
    assert _monotone_to(calls, math.comb(11, ref.nullity - 1))
    if kernel == "finite":
        assert nsp_constant(B, 2, workers=3) == ref


@pytest.mark.parametrize("n, k", [(0, 0), (5, 0), (5, 5), (7, 3), (9, 4)])
def test_combinations_from_rank(n, k):
    every = list(itertools.combinations(range(n), k))
    for start in range(len(every)):
        for count in (1, 3, len(every)):
            assert list(_combinations_from(n, k, start, count)) == every[start:start + count]


def test_split_ranges_and_local_workers():
    assert _parallel.split_ranges(10, 4) == [(0, 3), (3, 3), (6, 2), (8, 2)]
    assert _parallel.split_ranges(3, 32) == [(0, 1), (1, 1), (2, 1)]
    assert _parallel.local_workers(None, worth_a_pool=False) == 1
    assert _parallel.local_workers(None, worth_a_pool=True) == (os.cpu_count() or 1)
    assert _parallel.local_workers(3, worth_a_pool=False) == 3


@pytest.mark.parametrize("kwargs, match", [
    ({"workers": 0}, r"workers=0 must be an integer in \[1, 256\]"),
    ({"workers": 257}, r"workers=257 must be an integer in \[1, 256\]"),
    ({"workers": True}, r"workers=True must be an integer"),
    ({"workers": 2.0}, r"workers=2.0 must be an integer"),
    ({"workers": "2"}, r"workers='2' must be an integer"),
    ({"dask": 123}, r"dask=123 must be a dask.distributed.Client or a scheduler address"),
    ({"dask": ""}, r"dask='' must be a Dask scheduler address"),
    ({"dask": "tcp://host"}, r"dask='tcp://host' is not a scheduler address"),
    ({"dask": "tcp://127.0.0.1:PORT"}, r"dask='tcp://127.0.0.1:\d+': cannot reach a Dask scheduler there"),
    ({"workers": 2, "dask": "tcp://127.0.0.1:1"}, r"workers=2 and dask='tcp://127.0.0.1:1' were both given: a Dask cluster runs the jobs on its own workers"),
    ({"progress": 5}, r"progress=5 must be None or a callable"),
])
@pytest.mark.parametrize("fn", ["certify", "nsp_constant"])
def test_parallel_bad_options_name_the_argument(fn, kwargs, match):
    if "dask" in kwargs and kwargs["dask"] != 123:
        require_extra("distributed")
    kwargs = {k: (v.replace("PORT", str(_closed_port())) if isinstance(v, str) else v) for k, v in kwargs.items()}
    A = np.random.default_rng(0).standard_normal((6, 8))
    call = certify if fn == "certify" else nsp_constant
    with pytest.raises(Smale18Error, match=match):
        call(A, 1, **kwargs)


def test_certify_cli_workers_dask_and_progress(tmp_path, capsys, monkeypatch):
    path = tmp_path / "g.npy"
    np.save(path, np.random.default_rng(0).standard_normal((12, 20)))
    assert main(["certify", "rnsp", str(path), "--sparsity", "1", "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert "workers=0 must be an integer in [1, 256]" in err and err.count("\n") == 1
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # progress is shown on a terminal only
    assert main(["certify", "rnsp", str(path), "--sparsity", "1", "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "certified" in captured.out and captured.err.endswith("certify: columns solved: 20/20\n")
    assert main(["certify", "rnsp", str(path), "--sparsity", "1", "--workers", "1", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and json.loads(captured.out)["status"] == "certified"


def test_certify_cli_unreachable_dask_is_one_line(tmp_path, capsys):
    require_extra("distributed")
    path = tmp_path / "g.npy"
    np.save(path, np.random.default_rng(0).standard_normal((12, 20)))
    port = _closed_port()
    assert main(["certify", "rnsp", str(path), "--sparsity", "1", "--dask", f"tcp://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smale18: error: dask='tcp://127.0.0.1:{port}': cannot reach a Dask scheduler there")
    assert err.count("\n") == 1


# -- the float64 check (proofs_notes/float_norm.md, Theorem 3) against the ball check -------------------------------
def _float_and_ball_cases():
    r = np.random.default_rng(2026)
    return [
        ("gaussian 20x30", r.standard_normal((20, 30)), 1, None, "entrywise"),
        ("gaussian 30x40 s=2", r.standard_normal((30, 40)), 2, None, "column"),
        ("gaussian two levels", r.standard_normal((24, 32)), [1, 1], [12, 32], "entrywise"),
        ("gaussian two levels column", r.standard_normal((24, 32)), [1, 2], [16, 32], "column"),
        ("integers", r.integers(-9, 10, (20, 28)).astype(float), 1, None, "column"),
        ("scaled 1e-30", r.standard_normal((16, 24)) * 1e-30, 1, None, "entrywise"),
        ("hadamard:16", named_matrix("hadamard:16"), 1, None, "entrywise"),
        ("dct2:16", named_matrix("dct2:16"), 2, None, "column"),
        ("hilbert:4", named_matrix("hilbert:4"), 1, None, "entrywise"),
        ("subdct:64:32:0", named_matrix("subdct:64:32:0"), 1, None, "column"),
    ]


@pytest.fixture(scope="module")
def float_and_ball_checks():
    out = []
    for name, A, s, levels, method in _float_and_ball_cases():
        cert = certify(A, s, levels=levels, method=method)
        out.append((name, cert, cert.check(), cert.check(rigorous="ball")))
    return out


def test_float_check_and_ball_check_agree_on_certify_outputs(float_and_ball_checks):
    """Every certificate from certify (whose claim comes from the float path) gets the same verdict from both checks,
    and the recomputed bounds agree to 1e-6 relative (or 1e-9 absolute: for rho ~ 1e-12, on exact-ish witnesses of
    orthonormal or ill-conditioned matrices, the float path's a priori term m u |Y|^T |A| dominates)."""
    for name, cert, fast, ball in float_and_ball_checks:
        assert cert.status is Status.CERTIFIED, name
        assert fast.valid and ball.valid, (name, fast.reason, ball.reason)
        for key in ("q", "rho", "gamma"):
            f, b = Fraction(fast.recomputed[key]), Fraction(ball.recomputed[key])
            assert abs(f - b) <= b * Fraction(1, 10**6) + Fraction(1, 10**9), (name, key, f, b)


def test_bounds_from_witness_paths_and_inputs_agree():
    A = np.random.default_rng(5).standard_normal((20, 30))
    cert = certify(A, 1)
    Y = np.array([float.fromhex(h) for h in cert.witness["Y"]["hex"]]).reshape(20, 30)
    _, enc, _ = _matrix_and_data(A)
    lv = SparsityInLevels.make(30, 1)
    fast_array = _bounds_from_witness(A, Y, lv, "entrywise")  # the exact float matrix
    fast_balls = _bounds_from_witness(enc, Y, lv, "entrywise")  # its (exact) ball matrix: rel 2^-52 assumed
    ball = _bounds_from_witness(enc, Y, lv, "entrywise", rigorous="ball")
    assert _bounds_from_witness(A, Y, lv, "entrywise", rigorous="ball") == ball
    for key in ("q", "rho", "gamma"):
        assert ball[key] <= fast_array[key] <= fast_balls[key] <= ball[key] * (1 + Fraction(1, 10**10))
    with pytest.raises(Smale18Error, match="rigorous='exact' must be 'float' or 'ball'"):
        _bounds_from_witness(enc, Y, lv, "entrywise", rigorous="exact")


@pytest.mark.parametrize("tamper", ["scale Y", "one entry of Y", "claim below", "matrix column"])
def test_tampered_certificates_are_rejected_by_both_checks(float_and_ball_checks, tamper):
    _, cert, fast, _ = float_and_ball_checks[0]
    record = cert.to_json()
    Y = np.array([float.fromhex(h) for h in record["witness"]["Y"]["hex"]]).reshape(record["witness"]["Y"]["shape"])
    if tamper == "scale Y":
        record["witness"]["Y"] = encode_floats(1.5 * Y)
    elif tamper == "one entry of Y":
        Y[0, 0] += 0.5
        record["witness"]["Y"] = encode_floats(Y)
    elif tamper == "claim below":
        record["claim"]["rho"] = str(Fraction(fast.recomputed["rho"]) * Fraction(999999, 1000000))
    else:
        A = np.array([float.fromhex(h) for h in record["data"]["matrix"]["hex"]]).reshape(20, 30)
        A[:, 2] *= 3
        record["data"]["matrix"], record["data"]["sha256"] = encode_floats(A), matrix_digest(A)
    forged = Certificate.from_json(record)
    assert not forged.check().valid and not forged.check(rigorous="ball").valid


def test_check_rigorous_argument():
    A = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    ref = refute(A, 1, rho="1/2", gamma=10)
    assert ref.check().valid and ref.check(rigorous="ball").valid  # refutations: always ball arithmetic
    with pytest.raises(Smale18Error, match="rigorous='fast' must be 'auto', 'float' or 'ball'"):
        ref.check(rigorous="fast")


def test_cli_check_ball_runs_the_independent_proof(gaussian_30x40, tmp_path, capsys):
    from smale18.app import cli

    path = tmp_path / "c.json"
    path.write_text(gaussian_30x40[1].dumps())
    assert cli.main(["check", str(path)]) == 0
    assert "(float64 with proven error bounds)" in capsys.readouterr().out
    assert cli.main(["check", "--ball", str(path)]) == 0
    assert "(ball arithmetic)" in capsys.readouterr().out
