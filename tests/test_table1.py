"""Table 1: the quick table's entries, and the claim that the inputs are valid for both members."""

from fractions import Fraction

import numpy as np
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from smale18.oracle import Smale18Error, is_within
from smale18.oracle.constructions import Smale18Class
from smale18.app.table1 import KS, NS, _fine_only_data, table1


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
                                                                  lam=1e-3, delta=1e-4),
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
