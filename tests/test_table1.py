"""Table 1: the quick table's entries, and the claim that the inputs are valid for both members."""

from fractions import Fraction

import numpy as np
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from smale18.oracle import Smale18Error, is_within
from smale18.oracle.constructions import Smale18Class
from smale18.app.table1 import KS, NS, _fine_only_data, table1
from smale18.app.table1_reference import reference_member, table1_reference


@pytest.fixture(scope="module")
def rows():
    return table1(quick=True)


def test_all_entries_and_their_sizes(rows):
    assert [(r.K, r.n) for r in rows] == [(K, n) for K in KS for n in NS]
    for r in rows:
        assert r.lista >= r.bound and r.firenet >= r.bound  # observed, for this pair of members
        assert abs(float(r.lista) / (3 * 10.0**-r.K) - 1) < 0.10  # LISTA lands on the other member's minimiser
        assert abs(float(r.firenet) / (1.5 * 10.0**-r.K) - 1) < 0.01  # FIRENET lands on the midpoint
        assert r.lista_upper - r.lista < Fraction(1, 10**12)  # the enclosures are tight
        js = r.to_json()
        assert set(js) >= {"K", "n", "lista", "firenet", "bound"}


@pytest.mark.parametrize("K", KS)
@pytest.mark.parametrize("n", NS)
def test_inputs_are_within_2_to_minus_n_of_both_members(K, n):
    omega = Smale18Class("P3", K)
    e2 = max(n + 2, omega.l0)
    P, T = omega.member(0, omega.l0, 0, e2), omega.member(0, omega.l0, 1, e2)
    An = P.A.approx(n + 1)
    assert is_within(An, P.A, n) and is_within(An, T.A, n)
    y = _fine_only_data(P)
    assert is_within(y.approx(n + 1), y, n) and np.asarray(y.approx(n + 1), dtype=float).shape == (omega.m,)


# -- the reference code's own instance (proofs_notes/table1.md, "On the reference instance") --------------------------
@pytest.mark.parametrize("K", KS)
@pytest.mark.parametrize("n", NS)
def test_reference_members_are_a_valid_pair(K, n):
    A1, y, x1 = reference_member(K, n, 1)
    A2, y2, x2 = reference_member(K, n, 2)
    assert A1.shape == (21, 22) and np.array_equal(y, y2)
    assert np.linalg.norm(A1 - A2, 2) < 0.75 * 2.0**-n  # sqrt(2) 2^-(n+1), with float rounding to spare
    for A, x in ((A1, x1), (A2, x2)):  # A_j x_j = y: the data are interpolated by the claimed minimiser
        assert np.linalg.norm(A @ x - y) < 1e-12
    rho, u = 5 / 6, 2.0 ** -(n + 1) / (np.sqrt(2) * 5 / 6 * 10**K / 3)
    t = u * rho**2 / (1 + u * rho)
    assert abs(np.linalg.norm(x1 - x2) / (3 * 10.0**-K * (1 - t / rho)) - 1) < 1e-12  # the minimisers' distance


@pytest.fixture(scope="module")
def reference_rows():
    return table1_reference(quick=True, ns=(10, 30))


def test_reference_table_reproduces_the_published_columns(reference_rows):
    assert [(r.K, r.n) for r in reference_rows] == [(K, n) for K in KS for n in (10, 30)]
    for r in reference_rows:
        assert r.lista >= r.bound and r.firenet >= r.bound
        # published LISTA column: 0.2999690, 0.3000000, ..., 0.0000030 -- the distance between the two members'
        # minimisers (0.29996893 at K = 1, n = 10): LISTA outputs member 2's. Ours with quick training: to 1 %
        _, _, x1 = reference_member(r.K, r.n, 1)
        _, _, x2 = reference_member(r.K, r.n, 2)
        assert abs(float(r.lista) / np.linalg.norm(x1 - x2) - 1) < 0.01
        # published FIRENET column with the script's index fixed: 1.500 10^-K (0.1500233 at K = 1, n = 10)
        assert abs(float(r.firenet) / (1.5 * 10.0**-r.K) - 1) < 0.005
        assert r.firenet_upper - r.firenet < Fraction(1, 10**20)


def test_reference_table_refuses_bad_members():
    for args in ((0, 10, 1), (7, 10, 1), (1, 0, 1), (1, 10, 3), (1, 10, True), (1, 10**9, 1)):
        with pytest.raises(Smale18Error):
            reference_member(*args)


# -- API fuzz of the demonstrations: hostile arguments give a Smale18Error naming them, before any work ------------
_HOSTILE = [None, True, -1, 10**400, 10**5000, 2.5, float("nan"), float("inf"), "abc", "", [], [1, 2], {}, object(),
            np.int64(-7), 1j, Fraction(1, 3), [[1, 2], "x"], (0, 10**400)]


class _Reached(Exception):
    pass


def _stop(*args, **kwargs):
    raise _Reached


def _targets():
    from smale18.app import _tour, imaging, instability_demo, paradox

    X = np.array([[0.1, 0.0], [0.2, 0.06], [0.3, 0.0], [0.4, 0.06]])
    y = np.array([0, 1, 0, 1])
    return {
        "table1": (table1, dict(quick=True, seed=0, progress=None, ns=(10,), samples=10, iterations=10),
                   [("smale18.app.table1", "Smale18Class")]),
        "table1_reference": (table1_reference, dict(quick=True, seed=0, progress=None, ns=(10,), samples=10,
                                                    iterations=10),
                             [("smale18.app.table1_reference", "reference_member")]),
        "paradox": (paradox.paradox, dict(K=10, widths_list=((4,),), seed=0, iterations=10),
                    [("smale18.app.paradox", "StripeFamily")]),
        "train_relu_classifier": (paradox.train_relu_classifier, dict(X=X, y=y, widths=(3,), iterations=5, lr=0.01,
                                                                      seed=0), []),
        "stability_measure": (paradox.stability_measure, dict(classify=lambda P: (P[:, 1] > 0.03).astype(int), X=X,
                                                              directions=2, radius=0.1, seed=0), []),
        "random_phantoms": (instability_demo.random_phantoms, dict(n=8, count=2, seed=0), []),
        "demonstration_pair": (instability_demo.demonstration_pair, dict(n=16, train=None, seed=0, steps=2),
                               [("smale18.app.instability_demo", "SampledTransform")]),
        "reconstruct_phantom": (imaging.reconstruct_phantom, dict(n=32, fraction=0.25, restarts=2, inner=2, seed=0,
                                                                  lam=1e-3, delta=1e-4, domain="complex"),
                                [("smale18.app.imaging", "variable_density_mask")]),
        "run_tour": (_tour.run_tour, dict(quick=True, seed=0, out="unused-folder"),
                     [("smale18.app._tour", "_start_report")]),
    }


_TARGETS = _targets()


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_demo_api_fuzz_names_the_argument(data):
    import importlib

    target = data.draw(st.sampled_from(sorted(_TARGETS)), label="target")
    call, valid, stops = _TARGETS[target]
    arg = data.draw(st.sampled_from(sorted(valid)), label="argument")
    value = data.draw(st.sampled_from(_HOSTILE), label="value")
    saved = [(importlib.import_module(m), name, getattr(importlib.import_module(m), name)) for m, name in stops]
    for module, name, _ in saved:
        setattr(module, name, _stop)
    try:
        call(**dict(valid, **{arg: value}))
    except _Reached:
        pass
    except Smale18Error as exc:
        assert arg in str(exc) and "\n" not in str(exc), (target, arg, str(exc))
    finally:
        for module, name, original in saved:
            setattr(module, name, original)


def test_cli_reference_instance_runs_the_reference_table(monkeypatch, capsys):
    """The flag selects table1_reference (a stand-in records the call; the table itself is tested above)."""
    from smale18.app import cli, table1_reference as module

    calls = []

    def fake(quick=False, seed=0, progress=None, **kwargs):
        calls.append((quick, seed))
        row = reference_rows_stub()
        if progress:
            progress(row)
        return [row]

    monkeypatch.setattr(module, "table1_reference", fake)
    assert cli.main(["table1", "--reference-instance", "--quick", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert calls == [(True, 3)] and "reference code's 21 x 22 instance" in out and "  0.15  " in out


def reference_rows_stub():
    from smale18.app.table1 import Table1Row

    return Table1Row(1, 10, Fraction(3, 10), Fraction(3, 10), Fraction(15, 100), Fraction(15, 100), Fraction(1, 10), 0.0)
