"""Optional dependencies, imported on first use with a one-line error naming the extra that installs them.

smale18's base install is lean; the adapters for PyTorch, ONNX, scikit-learn/skglm (and, for the audit, Dask) import
their library only when they are used:

>>> require("numpy", "test").__name__
'numpy'
>>> require("no_such_library_xyz", "torch")
Traceback (most recent call last):
...
smale18.oracle._errors.Smale18Error: this needs the optional dependency 'no_such_library_xyz': pip install 'smale18[torch]'
"""

from __future__ import annotations

import importlib

from ._errors import Smale18Error

__all__ = ["require", "EXTRAS"]

#: extra -> what ``pip install 'smale18[extra]'`` adds (pyproject.toml's optional dependencies)
EXTRAS = {"torch": ("torch",), "onnx": ("onnx", "onnxruntime"), "sklearn": ("sklearn", "skglm"),
          "dask": ("dask", "distributed")}


def require(module: str, extra: str):
    """Import ``module``, or raise :class:`Smale18Error` saying which extra of smale18 installs it when it is not
    installed, or what went wrong when it is installed but fails to import (e.g. under a candidate's memory limit)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (exc.name == module or module.startswith(exc.name + ".")):
            raise Smale18Error(f"this needs the optional dependency {module!r}: pip install 'smale18[{extra}]'") \
                from None
        raise Smale18Error(f"{module!r} is installed but failed to import: {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - an installed library that fails to import is reported as it failed
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise Smale18Error(f"{module!r} is installed but failed to import: {type(exc).__name__}: {first}") from None
