"""The docstrings' examples of every module of smale18.oracle, smale18.verify and smale18.app, run as doctests.

pytest's ``--doctest-modules`` imports a module from its file path, which here would give it a second name
(``oracle.exact`` beside ``smale18.oracle.exact``: the folders are mapped into the smale18 namespace by setuptools and
not nested under a ``smale18`` folder). So the examples are found from the *installed* modules instead, with the
flags pytest uses by default (ELLIPSIS).
"""

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("smale18.oracle", "smale18.verify", "smale18.app")


def _module_names():
    names = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.append(package)
        names += [info.name for info in pkgutil.walk_packages(module.__path__, package + ".")]
    return sorted(names)


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for name in _module_names():
        module = importlib.import_module(name)
        found += [test for test in finder.find(module, name) if test.examples]
    return sorted(found, key=lambda test: test.name)


DOCTESTS = _doctests()


def test_every_package_has_examples():
    # the examples are found at all (a packaging change that hid the modules would otherwise pass silently)
    for package in PACKAGES:
        assert any(test.name == package or test.name.startswith(package + ".") for test in DOCTESTS), package


@pytest.mark.parametrize("test", DOCTESTS, ids=[test.name for test in DOCTESTS])
def test_docstring_examples(test):
    report = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS, verbose=False)
    test.globs = dict(test.globs)
    result = runner.run(test, out=report.append, clear_globs=True)
    assert result.failed == 0, "".join(report)
