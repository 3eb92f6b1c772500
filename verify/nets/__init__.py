"""Networks as explicit layer lists (float64, ball arithmetic, vector-Jacobian products), FIRENET and LISTA, the Adam
optimiser that trains LISTA and the paradox's classifiers, and the ways in and out: ONNX (``to_onnx``, ``from_onnx``)
and PyTorch (``to_torch``); onnx, onnxruntime and torch are imported only when those are called."""

from ._adam import Adam
from ._float_enclosure import float64_enclosure
from ._layers import Affine, BallProjection, Layer, ReLU, Sigmoid, SoftThreshold, Tanh
from ._network import Network
from ._onnx import MAX_FILE_BYTES, MAX_NODES, MAX_TENSOR_ENTRIES, from_onnx, to_onnx
from ._torch import to_torch
from .firenet import Firenet, firenet
from .firenet_solver import FirenetSolution, FirenetSolver, GapBound, firenet_solver
from .lista import Lista, train_lista

__all__ = [
    "Layer",
    "Affine",
    "SoftThreshold",
    "BallProjection",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Network",
    "Firenet",
    "firenet",
    "FirenetSolver",
    "FirenetSolution",
    "GapBound",
    "firenet_solver",
    "Lista",
    "train_lista",
    "Adam",
    "to_onnx",
    "from_onnx",
    "to_torch",
    "float64_enclosure",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "MAX_TENSOR_ENTRIES",
]
