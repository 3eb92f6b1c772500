"""Candidates from the libraries users have: a PyTorch ``nn.Module`` and a scikit-learn / skglm estimator become
candidate algorithms ``candidate(inp) -> x`` that read the inexact input at a stated precision.

A candidate given to a game (or to ``smale18 game --candidate file.py:name``) that is such a model is wrapped by
:func:`adapt_candidate` *in the candidate's own process*; the judge never calls a method of the model. Each adapter
imports its library only when used (``pip install 'smale18[torch]'`` or ``'smale18[sklearn]'``).
"""

from __future__ import annotations

__all__ = ["adapt_candidate", "is_candidate", "torch_candidate", "estimator_candidate"]


def _is_torch_module(obj) -> bool:
    return any(cls.__module__.startswith("torch.nn") and cls.__name__ == "Module" for cls in type(obj).__mro__)


def _is_estimator(obj) -> bool:
    return not isinstance(obj, type) and callable(getattr(obj, "fit", None)) and callable(getattr(obj, "get_params",
                                                                                                 None))


def is_candidate(obj) -> bool:
    """True for what a game accepts as a candidate object: a callable ``candidate(inp)`` (a torch module is one) or a
    scikit-learn-style estimator (adapted in the candidate's process). Checked in the engine before any secret of a
    game exists, as the candidate is pickled there."""
    return callable(obj) or _is_estimator(obj)


def adapt_candidate(obj):
    """``obj`` as a candidate: a torch ``nn.Module`` through :func:`torch_candidate` (defaults), a scikit-learn-style
    estimator (``fit`` and ``get_params``) through :func:`estimator_candidate`, anything else unchanged."""
    if _is_torch_module(obj):
        return torch_candidate(obj)
    if _is_estimator(obj):
        return estimator_candidate(obj)
    return obj


def torch_candidate(*args, **kwargs):
    """See :func:`smale18.oracle.adapters._torch.torch_candidate` (imported on first use)."""
    from ._torch import torch_candidate as make

    return make(*args, **kwargs)


def estimator_candidate(*args, **kwargs):
    """See :func:`smale18.oracle.adapters._sklearn.estimator_candidate` (imported on first use)."""
    from ._sklearn import estimator_candidate as make

    return make(*args, **kwargs)
