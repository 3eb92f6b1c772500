"""A scikit-learn or skglm estimator as a candidate algorithm ``candidate(inp) -> x`` for P2 or P3.

Supported estimators (exactly these classes; a subclass may change ``fit`` and is refused):

==========================================  ======  ===========================================  ====================
estimator                                   solves  its objective (``n_samples = m``)            ``alpha`` set to
==========================================  ======  ===========================================  ====================
``sklearn.linear_model.Lasso``              P2      ``||y - Xw||_2^2 / (2m) + alpha ||w||_1``    ``lam / (2m)``
``skglm.experimental.SqrtLasso``            P3      ``||y - Xw||_2 + alpha ||w||_1``             ``lam``
==========================================  ======  ===========================================  ====================

P2 is ``F(x) = lam ||x||_{1,w} + ||Ax - y||_2^2`` and P3 is ``F(x) = lam ||x||_{1,w} + ||Ax - y||_2``
(:mod:`smale18.oracle.problems`), with ``||x||_{1,w} = sum_i w_i |x_i|``. The candidate reads ``A_n = inp.A(reads)``
and ``y_n = inp.y(reads)``, rounds them to float64, fits the estimator to ``X = A diag(1/w)`` with
``fit_intercept=False`` and answers ``x = z / w`` (``z`` its ``coef_``). Then ``alpha ||z||_1 = alpha ||x||_{1,w}`` and
``X z = A x``, and the estimator's objective in ``z`` is ``F(x)`` times ``1/(2m)`` (Lasso) or ``1`` (SqrtLasso): the
minimiser sets correspond exactly (``proofs_notes/adapters.md``, "scikit-learn and skglm"). That correspondence is
proven; the answer itself is the solver's float64 iterate, *observed*, never certified. P1 is refused.

The user's estimator is never fitted: each run fits a ``sklearn.base.clone`` of it, with ``alpha``,
``fit_intercept=False`` (and ``warm_start=False`` for Lasso) set by the adapter and every other parameter kept
(``tol``, ``max_iter`` replaced when given here). A fit that stops early — a ``ConvergenceWarning`` from the solver
(scikit-learn's "did not converge", skglm's ProxNewton ``max_iter``, or skglm's "small residuals" stop, after which
SqrtLasso keeps its last iterate) — raises ``RuntimeError`` whose first line says why, so that a game records the
reason as a judged loss.

Example (needs ``pip install 'smale18[sklearn]'``, hence in prose)::

    from sklearn.linear_model import Lasso
    from smale18.oracle.adapters import estimator_candidate
    candidate = estimator_candidate(Lasso(), tol=1e-12, max_iter=100_000)
    play(candidate, Smale18Class("P2", K=3))       # or play(Lasso(), ...): adapted in the sealed process

Without the extra, making a candidate raises a one-line error:

>>> from smale18.oracle.adapters._sklearn import estimator_candidate
>>> estimator_candidate(object())
Traceback (most recent call last):
...
smale18.oracle._errors.Smale18Error: estimator=<object object at ...> is not a supported estimator (object); ...
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._errors import MAX_PRECISION, Smale18Error, check_int_range, check_positive_number, short_repr
from .._extras import require

__all__ = ["estimator_candidate", "EstimatorCandidate", "class_candidate", "fit_minimiser", "SUPPORTED",
           "BUILTIN_SETTINGS", "regularisation"]

#: the most iterations a caller may ask for (a game's wall-clock limit stops a run long before)
MAX_ITER = 10**9

_SUPPORTED_TEXT = "sklearn.linear_model.Lasso (P2), skglm.experimental.SqrtLasso (P3)"


@dataclass(frozen=True)
class _Kind:
    """One supported estimator class: its module and name, the problem it solves, its label in messages."""

    module: str
    cls: str
    problem: str
    label: str


#: the supported estimator classes, by key
SUPPORTED = {
    "sklearn-lasso": _Kind("sklearn.linear_model", "Lasso", "P2", "sklearn Lasso"),
    "skglm-sqrt-lasso": _Kind("skglm.experimental", "SqrtLasso", "P3", "skglm SqrtLasso"),
}


def _unsupported(estimator) -> Smale18Error:
    return Smale18Error(f"estimator={short_repr(estimator)} is not a supported estimator "
                        f"({type(estimator).__name__}); supported: {_SUPPORTED_TEXT}")


def _kind_of(estimator) -> str:
    """The key in :data:`SUPPORTED` of ``estimator``'s class (exactly that class), importing only its library."""
    if isinstance(estimator, type):
        raise Smale18Error(f"estimator={short_repr(estimator)} is a class; pass an instance, e.g. Lasso()")
    module = getattr(type(estimator), "__module__", "") or ""
    for key, kind in SUPPORTED.items():
        if module.split(".")[0] == kind.module.split(".")[0] and type(estimator).__name__ == kind.cls:
            cls = getattr(require(kind.module, "sklearn"), kind.cls)
            if type(estimator) is cls:
                return key
    raise _unsupported(estimator)


def regularisation(key: str, lam: Fraction, m: int) -> float:
    """The estimator's ``alpha`` for P2/P3's ``lam`` and ``m`` rows (rounded to float64 once): ``lam / (2m)`` for
    scikit-learn's Lasso, ``lam`` for skglm's SqrtLasso.

    >>> regularisation("sklearn-lasso", Fraction(1), 22), regularisation("skglm-sqrt-lasso", Fraction(1, 2), 22)
    (0.022727272727272728, 0.5)
    """
    if key == "sklearn-lasso":
        return float(Fraction(lam) / (2 * m))
    if key == "skglm-sqrt-lasso":
        return float(Fraction(lam))
    raise Smale18Error(f"key={short_repr(key)} must be one of {', '.join(SUPPORTED)}")


def _template(estimator, key: str, tol, max_iter):
    """A clone of ``estimator`` with the adapter's settings; refuses parameters that change the problem."""
    base = require("sklearn.base", "sklearn")
    params = estimator.get_params(deep=False)
    if key == "sklearn-lasso":
        if params.get("positive"):
            raise Smale18Error("estimator has positive=True, which constrains x >= 0: that is not P2; use "
                               "positive=False")
        pre = params.get("precompute")
        if not (isinstance(pre, bool) or (isinstance(pre, str) and pre == "auto")):
            raise Smale18Error(f"estimator has precompute={short_repr(pre)}: a Gram matrix of other data; use "
                               "precompute=False, True or 'auto'")
    try:
        template = base.clone(estimator)
    except Exception as exc:  # noqa: BLE001 - a broken estimator is bad input
        raise Smale18Error(f"estimator={short_repr(estimator)} cannot be cloned: {type(exc).__name__}: "
                           f"{str(exc)[:80]}") from None
    settings = {"fit_intercept": False}
    if key == "sklearn-lasso":
        settings["warm_start"] = False
    if tol is not None:
        settings["tol"] = tol
    if max_iter is not None:
        settings["max_iter"] = max_iter
    template.set_params(**settings)
    check = getattr(template, "_validate_params", None)  # scikit-learn's own parameter check, run at fit otherwise
    if key == "sklearn-lasso" and callable(check):
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - sklearn's InvalidParameterError: bad input
            raise Smale18Error(f"estimator has an invalid parameter: {' '.join(str(exc).split())[:160]}") from None
    return template


def _problem_data(problem, expected: str, N: int) -> tuple[Fraction, np.ndarray]:
    """``(lam, weights as float64)`` of the candidate's problem, or a one-line Smale18Error."""
    if problem is None:
        raise Smale18Error(f"inp.problem is None: the estimator needs the problem ({expected} and its lam); play it "
                           "in a game or give InexactInput(problem=...)")
    name = getattr(problem, "name", None)
    if name != expected:
        raise Smale18Error(f"this estimator solves {expected}, but the problem is {short_repr(name)}")
    if problem.lam is None:
        raise Smale18Error(f"the problem {expected} has no lam")
    weights = np.ones(N) if problem.weights is None else np.array([float(w) for w in problem.weights])
    if weights.shape != (N,):
        raise Smale18Error(f"problem has {weights.size} weights for N={N} columns")
    if not np.all(np.isfinite(weights) & (weights > 0)):
        raise Smale18Error("problem weights do not all round to positive finite float64 numbers")
    return problem.lam, weights


def _float_input(inp, reads: int) -> tuple[np.ndarray, np.ndarray]:
    A = np.asarray(inp.A(reads), dtype=float)
    y = np.asarray(inp.y(reads), dtype=float)
    if A.ndim != 2 or y.shape != (A.shape[0],):
        raise Smale18Error(f"inp gave A of shape {A.shape} and y of shape {y.shape}; need (m, N) and (m,)")
    return A, y


def _stopped_early(key: str, est, caught) -> str | None:
    """One line saying why the fit stopped before its tolerance, or None when it did not."""
    exceptions = require("sklearn.exceptions", "sklearn")
    label = SUPPORTED[key].label
    for w in caught:
        if not issubclass(w.category, exceptions.ConvergenceWarning):
            continue
        text = " ".join(str(w.message).split()).split(". ")[0].rstrip(".")[:100]
        if "Small residuals" in text:
            return f"{label} stopped early: the residual fell below 1e-2 ||y||, where its datafit stops ({text})"
        return (f"{label} stopped after max_iter={est.max_iter} iterations without reaching tol={est.tol:g} "
                f"(ConvergenceWarning: {text})")
    return None


def fit_minimiser(template, key: str, A: np.ndarray, y: np.ndarray, lam: Fraction,
                  weights: np.ndarray) -> np.ndarray:
    """Fit a clone of ``template`` to ``X = A diag(1/w)`` with ``alpha = regularisation(key, lam, m)`` and return
    ``coef_ / w`` (float64, observed). Raises RuntimeError (first line: why) when the solver stopped early."""
    base = require("sklearn.base", "sklearn")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(y))):
        raise Smale18Error("A or y has a non-finite float64 entry")
    est = base.clone(template)
    est.set_params(alpha=regularisation(key, lam, A.shape[0]))
    X = np.asfortranarray(A / weights)  # column j divided by w_j: X = A diag(1/w)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    why = _stopped_early(key, est, caught)
    if why is not None:
        raise RuntimeError(why)
    x = np.asarray(est.coef_, dtype=float).reshape(-1) / weights
    if x.shape != (A.shape[1],) or not np.all(np.isfinite(x)):
        raise RuntimeError(f"{SUPPORTED[key].label} returned coef_ of shape {x.shape} or with non-finite entries")
    return x


class EstimatorCandidate:
    """The candidate made by :func:`estimator_candidate`: ``candidate(inp) -> x`` (float64, length ``N``).

    ``estimator`` is the adapter's own clone (``alpha`` is set per run from ``inp.problem``); ``key`` names the class
    in :data:`SUPPORTED`; ``problem`` is what it solves ("P2" or "P3"); ``reads`` the precision ``n`` it reads."""

    def __init__(self, template, key: str, reads: int):
        self.estimator, self.key, self.reads = template, key, reads
        self.problem = SUPPORTED[key].problem
        self.__name__ = f"{SUPPORTED[key].label} (reads n={reads})"

    def __call__(self, inp):
        A, y = _float_input(inp, self.reads)
        lam, weights = _problem_data(getattr(inp, "problem", None), self.problem, A.shape[1])
        return fit_minimiser(self.estimator, self.key, A, y, lam, weights)

    def __repr__(self) -> str:
        return f"EstimatorCandidate({self.estimator!r}, solves {self.problem}, reads n={self.reads})"


def estimator_candidate(estimator, reads: int = 52, tol=None, max_iter=None) -> EstimatorCandidate:
    """``estimator`` as a candidate ``candidate(inp) -> x`` for the problem it solves.

    Parameters
    ----------
    estimator : ``sklearn.linear_model.Lasso`` (solves P2) or ``skglm.experimental.SqrtLasso`` (solves P3) instance;
        it is cloned, never fitted. ``positive=True`` or a precomputed Gram array (Lasso) is refused.
    reads : the precision ``n`` read: the candidate asks ``inp.A(reads)``, ``inp.y(reads)`` once each (``0 <= reads
        <= 2^20``; float64 keeps about 53 bits, so more than ~60 changes nothing but the query log).
    tol, max_iter : when given, replace the estimator's own (``tol`` a number in ``(0, 1]``, ``max_iter`` an integer
        ``>= 1``).

    The candidate reads ``lam`` and the weights from ``inp.problem`` (a P1 problem or the other problem raises
    :class:`Smale18Error`), and answers ``coef_ / w`` of the fit on ``A diag(1/w)`` (the module's docstring gives the
    mapping). A fit that stops early raises ``RuntimeError`` saying why. Errors in the arguments raise
    :class:`Smale18Error` with one line naming them.
    """
    key = _kind_of(estimator)
    reads = check_int_range(reads, "reads", 0, MAX_PRECISION)
    if tol is not None:
        tol = float(check_positive_number(tol, "tol", 1.0))
    if max_iter is not None:
        max_iter = check_int_range(max_iter, "max_iter", 1, MAX_ITER)
    return EstimatorCandidate(_template(estimator, key, tol, max_iter), key, reads)


#: the built-ins' settings (``builtin:sklearn-lasso``, ``builtin:skglm-sqrt-lasso``): tolerances near float64's floor
BUILTIN_SETTINGS = {
    "sklearn-lasso": {"tol": 1e-14, "max_iter": 10**6, "selection": "cyclic"},
    "skglm-sqrt-lasso": {"tol": 1e-14, "max_iter": 100},
}


def class_candidate(key: str, omega, reads: int = 52):
    """The built-in ``key`` (in :data:`BUILTIN_SETTINGS`) made for the class ``omega`` (a
    :class:`~smale18.oracle.constructions.Smale18Class`): ``candidate(inp)`` reads ``A(reads), y(reads)`` and fits the
    estimator with the class's ``lam`` (unit weights) and the settings above. A class of a problem the estimator does
    not solve raises :class:`Smale18Error` here, when the candidate is made."""
    if not isinstance(key, str) or key not in BUILTIN_SETTINGS:
        raise Smale18Error(f"key={short_repr(key)} must be one of {', '.join(BUILTIN_SETTINGS)}")
    kind = SUPPORTED[key]
    problem = getattr(omega, "problem", None)
    if problem != kind.problem:
        raise Smale18Error(f"builtin:{key} ({kind.label}) solves {kind.problem}, but the class "
                           f"{getattr(omega, 'name', short_repr(omega))} poses {short_repr(problem)}")
    reads = check_int_range(reads, "reads", 0, MAX_PRECISION)
    module = require(kind.module, "sklearn")
    settings = dict(BUILTIN_SETTINGS[key], fit_intercept=False)
    template = getattr(module, kind.cls)(**settings)
    lam, N = omega.lam, omega.N

    def candidate(inp):
        A, y = _float_input(inp, reads)
        if A.shape[1] != N:
            raise Smale18Error(f"inp has N={A.shape[1]} columns, the class {omega.name} has N={N}")
        return fit_minimiser(template, key, A, y, lam, np.ones(N))

    candidate.__name__ = key.replace("-", "_")
    return candidate
