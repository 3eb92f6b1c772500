"""The examples/ folder runs: one property holds, one is falsified with a shrunk, exactly printed counterexample."""

import re

import pytest

from examples.properties import falsified, holds


def test_the_true_property_holds():
    holds()


def test_the_false_property_is_falsified_with_an_exact_counterexample():
    with pytest.raises(AssertionError) as info:
        falsified()
    text = str(info.value)
    assert "not 2-digit accurate on the exact instance" in text
    assert re.search(r'"construction": "smale18-p2".*"e2": \d+', text)  # the member, exactly (integers, no floats)
