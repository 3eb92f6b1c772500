"""smale18's application layer: what is *shown* rather than proven.

The experiments and demonstrations (Table 1 on the barrier class, FIRENET's convergence, the phantom reconstruction,
the instability demonstration, the classification paradox), the tour and its report and figures, and the
command-line interface. Their numbers are **observed** unless a section says which certificate of
:mod:`smale18.verify` stands behind it. The dependency direction is one way: ``smale18.app`` imports
:mod:`smale18.verify` and :mod:`smale18.oracle`; neither of them imports this package (``tests/test_layers.py``).

Names are imported on first use, so ``smale18 --help`` does not load matplotlib, cvxpy or the networks.

>>> from smale18.app import run_tour, train_relu_classifier
>>> run_tour.__module__, train_relu_classifier.__module__
('smale18.app._tour', 'smale18.app.paradox')

The functions ``table1`` and ``paradox`` share their modules' names, so they are imported from the modules
(``from smale18.app.table1 import table1``) and not re-exported here, where the name would mean the module or the
function depending on what was imported first.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "main": "cli",
    "run_tour": "_tour",
    "Table1Row": "table1",
    "convergence_run": "convergence", "convergence_figure": "convergence", "ConvergenceRun": "convergence",
    "reconstruct_phantom": "imaging", "reconstruction_figure": "imaging", "ImageReconstruction": "imaging",
    "demonstration_pair": "instability_demo", "demonstration_figure": "instability_demo",
    "DemoPair": "instability_demo",
    "paradox_figure": "paradox", "train_relu_classifier": "paradox", "ParadoxRow": "paradox",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'smale18.app' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
