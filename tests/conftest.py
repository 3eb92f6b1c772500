"""Shared fixtures: no test may leave a global working precision changed."""

import os

import flint
import mpmath
import pytest
from hypothesis import settings

settings.register_profile("default", deadline=None, max_examples=60)
settings.register_profile("ci", deadline=None, max_examples=60, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _no_global_precision_leak():
    flint_prec, mp_prec = flint.ctx.prec, mpmath.mp.prec
    yield
    assert flint.ctx.prec == flint_prec, "a test or the code under test left flint.ctx.prec changed"
    assert mpmath.mp.prec == mp_prec, "a test or the code under test left mpmath.mp.prec changed"
