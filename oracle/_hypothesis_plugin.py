"""The ``hypothesis`` entry point: ``st.from_type(ExactArray)`` draws :func:`smale18.oracle.strategies.exact_matrices`.

Hypothesis loads its entry points while ``hypothesis`` itself is being imported. The entry point therefore lives
here, in a module that imports neither hypothesis nor :mod:`smale18.oracle.strategies` at import time: pointing it
at the strategies module (which imports hypothesis) made ``from smale18.oracle.strategies import ...`` in a fresh
interpreter re-enter its own half-initialised module. The strategy is resolved when a test first asks for it.
"""

from __future__ import annotations


def _exact_matrices_for(_type):
    from .strategies import exact_matrices

    return exact_matrices()


def register() -> None:
    """Register the strategy for :class:`~smale18.oracle.ExactArray` (resolved lazily)."""
    from hypothesis import strategies as st

    from .exact import ExactArray

    st.register_type_strategy(ExactArray, _exact_matrices_for)
