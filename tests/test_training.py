import pytest

from smale18.oracle import DyadicArray, PrecisionCapExceeded, Smale18Error, TrainingSetOracle


def _label(k, n, A_n, y_n):
    return DyadicArray([k, 0])


def test_counts_samples_and_precision():
    ora = TrainingSetOracle.honest([[2, 0], [0, 2]], [[1, 1], [2, 0], [0, 1]], _label, precision_cap=64)
    ora.sample(0, 10)
    ora.sample(2, 30)
    ora.sample(0, 5)
    log = ora.log
    assert log.samples_read == {0, 2} and log.count == 2 and log.deepest == 30
    assert log.precision_by_sample() == {0: 10, 2: 30}
    with pytest.raises(PrecisionCapExceeded):
        ora.sample(1, 65)
    assert ora.log.refused == ((1, 65),) and ora.log.count == 2


def test_bad_input():
    with pytest.raises(Smale18Error, match=r"ys\[0\].shape=\(3,\) does not match"):
        TrainingSetOracle.honest([[1, 0], [0, 1]], [[1, 2, 3]], _label)
    ora = TrainingSetOracle.honest([[1, 0], [0, 1]], [[1, 2]], lambda k, n, A, y: DyadicArray([1]))
    with pytest.raises(Smale18Error, match=r"label\(0, 3\) must return a DyadicArray of shape \(2,\)"):
        ora.sample(0, 3)
    with pytest.raises(Smale18Error, match="n=-1 must be"):
        ora.sample(0, -1)
