"""The common certificate type: a claim, the exact data it is about, the witness, and a check from the witness alone.

A :class:`Certificate` is immutable. ``check()`` re-derives the claim from ``data`` and ``witness`` in exact or ball
arithmetic, ignoring how the witness was found, and returns a :class:`CheckResult`. Certificates round-trip through
JSON; every exact number is written as a string — a rational ``"p/q"`` or a float's exact hexadecimal form
(``float.hex``) — so nothing is lost to JSON floats.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from oracle import Smale18Error, Status

__all__ = ["Certificate", "CheckResult", "register_checker", "encode_floats", "decode_floats", "matrix_digest"]

_CHECKERS: dict[str, Callable] = {}


def register_checker(kind: str):
    """Register the function that checks certificates of ``kind`` (one registry, no isinstance ladders)."""

    def deco(fn):
        _CHECKERS[kind] = fn
        return fn

    return deco


def encode_floats(arr: np.ndarray) -> dict:
    """Exact JSON form of a float64 array: shape and each entry's ``float.hex``."""
    arr = np.asarray(arr, dtype=float)
    return {"shape": list(arr.shape), "hex": [float(v).hex() for v in arr.reshape(-1)]}


def decode_floats(data: dict) -> np.ndarray:
    """Inverse of :func:`encode_floats` (raises on anything malformed)."""
    try:
        shape = tuple(int(d) for d in data["shape"])
        vals = np.array([float.fromhex(s) for s in data["hex"]], dtype=float)
        return vals.reshape(shape)
    except (KeyError, TypeError, ValueError) as exc:
        raise Smale18Error(f"not an exact float array record: {exc}") from None


def matrix_digest(arr: np.ndarray) -> str:
    """SHA-256 of a float64 array's shape and bytes (little-endian)."""
    arr = np.ascontiguousarray(np.asarray(arr, dtype="<f8"))
    h = hashlib.sha256(str(arr.shape).encode())
    h.update(arr.tobytes())
    return h.hexdigest()


@dataclass(frozen=True)
class CheckResult:
    """The outcome of ``Certificate.check()``: ``valid`` iff every recomputed bound supports the claim. ``recomputed``
    holds the exact bounds derived from the witness; ``reason`` says why a check failed."""

    valid: bool
    recomputed: dict
    reason: str

    def __bool__(self) -> bool:
        return self.valid


@dataclass(frozen=True)
class Certificate:
    """``kind`` names the property; ``status`` is certified / refuted / unknown; ``claim`` holds the exact numbers
    claimed (strings in JSON); ``data`` the exact data (or how to rebuild it); ``witness`` what proves the claim."""

    kind: str
    status: Status
    claim: dict
    data: dict
    witness: dict

    def check(self) -> CheckResult:
        """Re-derive the claim from ``data`` and ``witness`` alone."""
        checker = _CHECKERS.get(self.kind)
        if checker is None:
            return CheckResult(False, {}, f"unknown certificate kind {self.kind!r}")
        try:
            return checker(self)
        except Smale18Error as exc:
            return CheckResult(False, {}, f"malformed certificate: {exc}")

    def to_json(self) -> dict:
        return {"kind": self.kind, "status": str(self.status), "claim": self.claim, "data": self.data,
                "witness": self.witness}

    def dumps(self) -> str:
        return json.dumps(self.to_json())

    @classmethod
    def from_json(cls, obj) -> "Certificate":
        if isinstance(obj, str):
            try:
                obj = json.loads(obj)
            except json.JSONDecodeError as exc:
                raise Smale18Error(f"certificate is not JSON: {exc.msg}") from None
        try:
            return cls(str(obj["kind"]), Status(obj["status"]), dict(obj["claim"]), dict(obj["data"]),
                       dict(obj["witness"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise Smale18Error(f"not a certificate record (needs kind, status, claim, data, witness): {exc}") from None


def parse_fraction(value, name: str) -> Fraction:
    """An exact rational from a certificate field (a string ``"p/q"`` or an integer)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Smale18Error(f"{name}={value!r} must be an exact rational written as a string")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise Smale18Error(f"{name}={value!r} is not a rational") from None
