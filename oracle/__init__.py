"""smale18.oracle — what an algorithm is allowed to see.

Exact sources of ``A`` and ``y`` (:mod:`smale18.oracle.exact`), their exact dyadic answers within ``2^-n``
(:mod:`smale18.oracle.dyadic`), the inexact input a candidate receives (:mod:`smale18.oracle.inexact`), the problems
P1-P3 with rigorous duality-gap checks (:mod:`smale18.oracle.problems`) and the training-set oracle
(:mod:`smale18.oracle.training`).
"""

from ._errors import (
    MAX_ENTRIES,
    MAX_ENTRY_BITS,
    MAX_EXPONENT,
    MAX_PREC_BITS,
    MAX_PRECISION,
    EnclosureError,
    EngineError,
    InconsistentAnswerError,
    InexactConversionError,
    PrecisionCapExceeded,
    PrecisionLoopError,
    Smale18Error,
)
from ._verdict import Interval, Status, format_bound
from .dyadic import DyadicArray
from .exact import (
    BallArray,
    ExactArray,
    OrthonormalDCT2,
    ProductArray,
    RationalArray,
    SympyArray,
    as_exact,
    dct2,
    distance_upper_bound,
    from_float64,
    is_within,
    hadamard,
    hilbert,
)
from .inexact import DEFAULT_PRECISION_CAP, InexactInput, ProblemSpec, QueryLog, QueryRecord
from .problems import BasisPursuitDenoise, ConvexHull, Lasso, MinimiserCheck, PointSet, SqrtLasso
from .training import TrainingSample, TrainingSetLog, TrainingSetOracle

__all__ = [
    "Smale18Error",
    "InexactConversionError",
    "PrecisionCapExceeded",
    "PrecisionLoopError",
    "InconsistentAnswerError",
    "EngineError",
    "EnclosureError",
    "MAX_PRECISION",
    "MAX_EXPONENT",
    "MAX_ENTRY_BITS",
    "MAX_ENTRIES",
    "MAX_PREC_BITS",
    "Status",
    "Interval",
    "format_bound",
    "DyadicArray",
    "ExactArray",
    "RationalArray",
    "SympyArray",
    "BallArray",
    "ProductArray",
    "OrthonormalDCT2",
    "as_exact",
    "from_float64",
    "dct2",
    "hadamard",
    "hilbert",
    "distance_upper_bound",
    "is_within",
    "InexactInput",
    "QueryLog",
    "QueryRecord",
    "ProblemSpec",
    "DEFAULT_PRECISION_CAP",
    "SqrtLasso",
    "Lasso",
    "BasisPursuitDenoise",
    "MinimiserCheck",
    "PointSet",
    "ConvexHull",
    "TrainingSetOracle",
    "TrainingSample",
    "TrainingSetLog",
]
