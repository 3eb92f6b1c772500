"""The common certificate type: a claim, the exact data it is about, the witness, and a check from the witness alone.

A :class:`Certificate` is immutable. ``check()`` re-derives the claim from ``data`` and ``witness`` in exact or ball
arithmetic, ignoring how the witness was found, and returns a :class:`CheckResult`. Certificates round-trip through
JSON; every exact number is written as a string — a rational ``"p/q"`` or a plain decimal, or a float's exact
hexadecimal form (``float.hex``) — so nothing is lost to JSON floats.

Reading a certificate file (:meth:`Certificate.from_json`) is strict and bounded: the JSON text is parsed with NaN,
Infinity and duplicate keys refused, its nesting depth is bounded (:data:`MAX_JSON_DEPTH`), then the published JSON
Schema ``verify/schemas/certificate.schema.json`` is applied (integers must be JSON integers, rationals strings of at
most :data:`MAX_RATIONAL_CHARS` characters without exponent, sizes bounded), then the kind's own structural check
(shapes agree, levels end at N, ...). Anything else raises :class:`smale18.oracle.Smale18Error` with one line naming the
field."""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from smale18.oracle import Smale18Error, Status
from smale18.oracle._errors import short_repr
from smale18.oracle._strict_json import ecma_pattern, loads_strict, strict_validator_class

__all__ = [
    "Certificate", "CheckResult", "register_checker", "register_validator", "encode_floats", "decode_floats",
    "matrix_digest", "parse_fraction", "exact_rational", "schema", "SCHEMA_FILE", "MAX_JSON_DEPTH",
    "MAX_RATIONAL_CHARS", "MAX_ARRAY_ENTRIES",
]

_CHECKERS: dict[str, Callable] = {}
_VALIDATORS: dict[str, Callable] = {}

#: the published schema, inside the package
SCHEMA_FILE = "schemas/certificate.schema.json"
#: deepest nesting of arrays/objects accepted in a certificate file (a certificate needs 4)
MAX_JSON_DEPTH = 8
#: longest string accepted for an exact rational ("p", "p/q" or "d.ddd"): at most ~1000 digits, so parsing one
#: takes under 0.1 ms (40 us measured here); "1e-1000000000" (an exponent) is refused, not expanded
MAX_RATIONAL_CHARS = 1000
#: most entries of one float array in a certificate (a 1024 x 1024 matrix)
MAX_ARRAY_ENTRIES = 1 << 20

_RATIONAL = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+)|/([0-9]+))?")
# exactly the strings the schema's float64 pattern accepts: each is a finite double, read without rounding
_FLOAT64 = re.compile(
    r"-?0x(?:1\.[0-9a-f]{1,13}p(?:\+(?:[0-9]|[1-9][0-9]|[1-9][0-9][0-9]|10[01][0-9]|102[0-3])"
    r"|-(?:[1-9]|[1-9][0-9]|[1-9][0-9][0-9]|10[01][0-9]|102[0-2]))|0\.[0-9a-f]{1,13}p-1022|0\.0p\+0)"
)


def register_checker(kind: str):
    """Register the function that checks certificates of ``kind`` (one registry, no isinstance ladders)."""

    def deco(fn):
        _CHECKERS[kind] = fn
        return fn

    return deco


def register_validator(kind: str):
    """Register the structural check :meth:`Certificate.from_json` runs after the schema for records of ``kind``
    (cross-field conditions a JSON Schema cannot state; raises :class:`Smale18Error`)."""

    def deco(fn):
        _VALIDATORS[kind] = fn
        return fn

    return deco


def _short(value, limit: int = 40) -> str:
    return short_repr(value, limit)


def encode_floats(arr: np.ndarray) -> dict:
    """Exact JSON form of a real float64 array: shape and each entry's ``float.hex`` (finite entries only)."""
    arr = np.asarray(arr)
    if np.iscomplexobj(arr):
        raise Smale18Error("encode_floats: the array is complex; certificates hold real float64 arrays")
    arr = np.asarray(arr, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise Smale18Error("encode_floats: the array has a NaN or infinite entry")
    return {"shape": list(arr.shape), "hex": [float(v).hex() for v in arr.reshape(-1)]}


def decode_floats(data, name: str = "array", ndim: int | None = None) -> np.ndarray:
    """Inverse of :func:`encode_floats`, strict: ``data`` is ``{"shape": [...], "hex": [...]}`` with JSON-integer
    dimensions in ``[1, 1024]`` (``ndim`` of them if given), at most :data:`MAX_ARRAY_ENTRIES` entries, and exactly
    ``prod(shape)`` strings in the schema's ``float64`` form (each a finite double, read exactly). Raises
    :class:`Smale18Error` naming ``name`` otherwise."""
    if not isinstance(data, dict) or set(data) != {"shape", "hex"}:
        raise Smale18Error(f"{name} must be an object with exactly the fields shape and hex")
    shape, hexes = data["shape"], data["hex"]
    if not isinstance(shape, list) or not shape or (ndim is not None and len(shape) != ndim):
        raise Smale18Error(f"{name}.shape={_short(shape)} must be a list of {ndim or 'one or two'} integers")
    for k, d in enumerate(shape):
        if type(d) is not int or not 1 <= d <= 1024:
            raise Smale18Error(f"{name}.shape[{k}]={_short(d)} must be an integer in [1, 1024]")
    size = math.prod(shape)
    if size > MAX_ARRAY_ENTRIES:
        raise Smale18Error(f"{name}.shape={shape} has more than {MAX_ARRAY_ENTRIES} entries")
    if not isinstance(hexes, list) or len(hexes) != size:
        got = len(hexes) if isinstance(hexes, list) else _short(hexes)
        raise Smale18Error(f"{name}.hex must be a list of {size} entries (shape {shape}), got {got}")
    match = _FLOAT64.fullmatch
    for k, h in enumerate(hexes):
        if not isinstance(h, str) or match(h) is None:
            raise Smale18Error(f"{name}.hex[{k}]={_short(h)} must be a finite float64 in float.hex form")
    return np.array([float.fromhex(h) for h in hexes], dtype=float).reshape(shape)


def matrix_digest(arr: np.ndarray) -> str:
    """SHA-256 of a float64 array's shape and bytes (little-endian)."""
    arr = np.ascontiguousarray(np.asarray(arr, dtype="<f8"))
    h = hashlib.sha256(str(arr.shape).encode())
    h.update(arr.tobytes())
    return h.hexdigest()


def parse_fraction(value, name: str) -> Fraction:
    """An exact rational from a certificate field: a string ``"p"``, ``"-p"``, ``"p/q"`` (q > 0) or a plain decimal
    ``"d.ddd"`` of at most :data:`MAX_RATIONAL_CHARS` characters (no exponent, no spaces), or a JSON integer of at
    most that many digits. Raises :class:`Smale18Error` naming ``name`` otherwise.

    >>> parse_fraction("3/6", "rho"), parse_fraction("0.25", "rho")
    (Fraction(1, 2), Fraction(1, 4))
    >>> parse_fraction("1e-1000000000", "rho")
    Traceback (most recent call last):
    ...
    smale18.oracle._errors.Smale18Error: rho='1e-1000000000' must be a rational written as "p/q" or a plain decimal ...
    """
    if type(value) is int:
        if value.bit_length() > 3 * MAX_RATIONAL_CHARS + 4:  # ~ MAX_RATIONAL_CHARS decimal digits
            raise Smale18Error(f"{name} has more than {MAX_RATIONAL_CHARS} digits")
        return Fraction(value)
    hint = (f'must be a rational written as "p/q" or a plain decimal "d.ddd" (at most {MAX_RATIONAL_CHARS} '
            "characters, no exponent)")
    if not isinstance(value, str):
        raise Smale18Error(f"{name}={_short(value)} {hint}")
    if len(value) > MAX_RATIONAL_CHARS:
        raise Smale18Error(f"{name} has {len(value)} characters; it {hint}")
    m = _RATIONAL.fullmatch(value)
    if m is None:
        raise Smale18Error(f"{name}={_short(value)} {hint}")
    sign, whole, decimals, den = m.groups()
    if den is not None:
        if int(den) == 0:
            raise Smale18Error(f"{name}={_short(value)} has a zero denominator")
        out = Fraction(int(whole), int(den))
    elif decimals is not None:
        out = Fraction(int(whole + decimals), 10 ** len(decimals))
    else:
        out = Fraction(int(whole))
    return -out if sign else out


def exact_rational(value, name: str) -> Fraction:
    """An exact rational from a Python argument: an ``int`` (not a bool), a :class:`~fractions.Fraction`, a finite
    float (read as the dyadic it is), a numpy integer or float, or a string as in :func:`parse_fraction`; numerator
    and denominator of at most ~1000 digits. Raises :class:`Smale18Error` naming ``name`` otherwise."""
    if isinstance(value, (bool, np.bool_)):
        raise Smale18Error(f"{name}={value!r} must be a number, not a bool")
    if isinstance(value, str):
        return parse_fraction(value, name)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise Smale18Error(f"{name}={value!r} must be finite")
        if isinstance(value, np.floating) and np.finfo(value.dtype).nmant > 52 and float(value) != value:
            raise Smale18Error(f"{name}={value!r} is a long double that float64 cannot hold exactly; pass a Fraction")
        return Fraction(float(value))
    if isinstance(value, (numbers.Rational, np.integer)):
        out = Fraction(int(value)) if isinstance(value, np.integer) else Fraction(value.numerator, value.denominator)
        if max(out.numerator.bit_length(), out.denominator.bit_length()) > 3 * MAX_RATIONAL_CHARS + 4:
            raise Smale18Error(f"{name} has more than {MAX_RATIONAL_CHARS} digits")
        return out
    raise Smale18Error(f"{name}={_short(value)} must be an exact rational (int, Fraction, float or \"p/q\")")


# -- reading JSON: strict parse, bounded depth, the published schema --------------------------------------------------
def _loads(text: str):
    return loads_strict(text, "certificate", MAX_JSON_DEPTH)


def _check_depth(obj) -> None:
    """Refuse containers nested deeper than MAX_JSON_DEPTH (iteratively: no recursion on hostile input)."""
    stack = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise Smale18Error(f"certificate is nested too deeply (more than {MAX_JSON_DEPTH} levels)")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


_VALIDATOR = None
def schema() -> dict:
    """The published JSON Schema of certificate files (``verify/schemas/certificate.schema.json``)."""
    from importlib import resources

    return json.loads((resources.files("smale18.verify") / SCHEMA_FILE).read_text(encoding="utf-8"))


def _validator():
    """A Draft 2020-12 validator of the published schema with three changes that only make it stricter or faster:
    ``integer`` means a JSON integer (``int``, not ``bool``, not an integral float like ``20.0``); ``pattern`` uses
    ECMA-262's ``$`` (end of string only, as JSON Schema specifies; Python's ``$`` also matches before a final
    newline); and arrays of ``float64`` strings are matched in one loop (the same pattern; the first failing entry is
    reported through the standard path). Checking 2^19 float strings takes 0.15 s instead of 7 s (measured on the
    2-core machine)."""
    global _VALIDATOR
    if _VALIDATOR is None:
        from jsonschema import Draft202012Validator

        sch = schema()
        float_ref = {"$ref": "#/$defs/float64"}
        float_rx = ecma_pattern(sch["$defs"]["float64"]["pattern"])
        max_len = sch["$defs"]["float64"]["maxLength"]
        draft_items = Draft202012Validator.VALIDATORS["items"]

        def items(validator, subschema, instance, parent):
            if subschema == float_ref and isinstance(instance, list) and "prefixItems" not in parent:
                for k, entry in enumerate(instance):
                    if not isinstance(entry, str) or len(entry) > max_len or float_rx.search(entry) is None:
                        yield from validator.descend(entry, subschema, path=k)
                        return
                return
            yield from draft_items(validator, subschema, instance, parent)

        cls = strict_validator_class({"items": items})
        _VALIDATOR = cls(sch)
    return _VALIDATOR


_TYPE_NAMES = {"integer": "a JSON integer", "string": "a string", "object": "a JSON object", "array": "a list",
               "null": "null", "number": "a number"}
_WHAT = {
    "type": lambda e: "must be " + _TYPE_NAMES.get(str(e.validator_value), f"of type {e.validator_value}"),
    "minimum": lambda e: f"must be >= {e.validator_value}",
    "maximum": lambda e: f"must be <= {e.validator_value}",
    "minItems": lambda e: f"must have at least {e.validator_value} entries",
    "maxItems": lambda e: f"must have at most {e.validator_value} entries",
    "maxLength": lambda e: f"must have at most {e.validator_value} characters",
    "maxProperties": lambda e: f"must have at most {e.validator_value} fields",
    "uniqueItems": lambda e: "must not repeat an entry",
    "enum": lambda e: "must be one of " + ", ".join(map(str, e.validator_value)),
    "const": lambda e: f"must be {e.validator_value!r}",
}


def _where(path) -> str:
    out = "certificate"
    for p in path:
        out = f"{out}[{p}]" if isinstance(p, int) else (p if out == "certificate" else f"{out}.{p}")
    return out


def _schema_message(error) -> str:
    where = _where(error.absolute_path)
    kw = error.validator
    if kw == "required":
        return f"{where}: {error.message[:120]}"
    if kw == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})), key=str)
        return f"{where} has unexpected field(s) {_short(extra, 80)}"
    if kw == "pattern":
        what = "must be " + error.schema.get("description", f"match {error.validator_value}")
    elif kw == "type" and error.validator_value == "object" and where == "certificate":
        return "certificate must be a JSON object with kind, status, claim, data and witness"
    elif kw in _WHAT:
        what = _WHAT[kw](error)
        if kw in ("type", "minimum", "maximum") and "description" in error.schema:
            what = "must be " + error.schema["description"]
    else:
        what = f"violates {kw} {_short(error.validator_value, 60)}"
    value = "" if isinstance(error.instance, (dict, list)) and kw not in ("type", "enum", "const") \
        else f"={_short(error.instance)}"
    return f"{where}{value} {what}"


def _validate_schema(obj) -> None:
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(obj))
    if error is not None:
        raise Smale18Error(f"{_schema_message(error)} (schema verify/{SCHEMA_FILE})")


def _load_kinds() -> None:
    """Import the modules that register the kinds the schema names (their checkers and validators)."""
    from . import rnsp  # noqa: F401


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

    def check(self, rigorous: str = "auto") -> CheckResult:
        """Re-derive the claim from ``data`` and ``witness`` alone.

        ``rigorous`` chooses the arithmetic of the proof where a kind has two: ``"float"``, float64 with proven a
        priori rounding-error bounds (``proofs_notes/float_norm.md``); ``"ball"``, python-flint balls and exact
        rationals, the independent re-check (for an rNSP certificate at 512 x 1024 its bound from the witness takes
        83-106x longer, the whole check about 5x; it is slightly tighter, by about ``m 2^-53 (|Y|^T |A|)_ij`` on each
        entry of ``B = I - Y^T A``); ``"auto"`` (default), the float proof and, only if it does not establish the
        claim, the ball proof — valid iff one of them proves it, so a claim written by the ball path a hair below the
        float bound is still accepted. A valid result's ``reason`` says which proved it. Refutations are always
        checked in ball arithmetic."""
        if not isinstance(rigorous, str) or rigorous not in ("auto", "float", "ball"):
            raise Smale18Error(f"rigorous={rigorous!r} must be 'auto', 'float' or 'ball'")
        _load_kinds()
        checker = _CHECKERS.get(self.kind)
        if checker is None:
            return CheckResult(False, {}, f"unknown certificate kind {self.kind!r}")
        try:
            return checker(self, rigorous=rigorous)
        except Smale18Error as exc:
            return CheckResult(False, {}, f"malformed certificate: {exc}")
        except (ArithmeticError, TypeError, ValueError, IndexError, KeyError, RecursionError) as exc:
            # a certificate built in Python (not read by from_json) can hold anything: never valid, never a crash
            return CheckResult(False, {}, f"malformed certificate: {type(exc).__name__}: {str(exc)[:120]}")

    def to_json(self) -> dict:
        return {"kind": self.kind, "status": str(self.status), "claim": self.claim, "data": self.data,
                "witness": self.witness}

    def dumps(self) -> str:
        return json.dumps(self.to_json())

    @classmethod
    def from_json(cls, obj) -> "Certificate":
        """Read a certificate from JSON text or from the parsed object, strictly (module docstring): strict JSON,
        depth at most :data:`MAX_JSON_DEPTH`, the published schema, then the kind's structural check. Raises
        :class:`Smale18Error` with one line naming the offending field."""
        if isinstance(obj, (bytes, bytearray)):
            try:
                obj = obj.decode("utf-8")
            except UnicodeDecodeError:
                raise Smale18Error("certificate is not UTF-8 text") from None
        if isinstance(obj, str):
            obj = _loads(obj)
        if not isinstance(obj, dict):
            raise Smale18Error("certificate must be a JSON object with kind, status, claim, data and witness")
        _check_depth(obj)
        _validate_schema(obj)
        _load_kinds()
        cert = cls(obj["kind"], Status(obj["status"]), dict(obj["claim"]), dict(obj["data"]), dict(obj["witness"]))
        validate = _VALIDATORS.get(cert.kind)
        if validate is not None:
            validate(cert)
        return cert
