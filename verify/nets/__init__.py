"""Networks as explicit layer lists (float64, ball arithmetic, vector-Jacobian products), FIRENET and LISTA, and the
Adam optimiser that trains LISTA and the paradox's classifiers."""

from ._adam import Adam
from ._layers import Affine, BallProjection, Layer, ReLU, SoftThreshold, Tanh
from ._network import Network
from .firenet import Firenet, firenet
from .lista import Lista, train_lista

__all__ = [
    "Layer",
    "Affine",
    "SoftThreshold",
    "BallProjection",
    "ReLU",
    "Tanh",
    "Network",
    "Firenet",
    "firenet",
    "Lista",
    "train_lista",
    "Adam",
]
