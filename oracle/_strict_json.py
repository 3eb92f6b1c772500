"""Reading a user's JSON file strictly, shared by every file smale18 reads (certificates, refutations, game cases).

``loads_strict`` refuses what :func:`json.loads` lets through: ``NaN``/``Infinity``, duplicate keys, nesting deep
enough to exhaust the recursion limit, integers Python will not read (more than 4300 digits) — each as a one-line
:class:`Smale18Error` naming the file's kind. ``strict_validator_class`` is Draft 2020-12 made stricter, never
laxer: ``integer`` means a JSON integer (not ``true``, not ``20.0``), and ``pattern`` anchors ``$`` at the end of the
string only, as JSON Schema (ECMA-262) specifies; Python's ``$`` also matches before a final newline.
"""

from __future__ import annotations

import json
import re

from ._errors import Smale18Error, short_repr

__all__ = ["loads_strict", "ecma_pattern", "strict_validator_class"]

_ECMA: dict[str, re.Pattern] = {}


def loads_strict(text: str, what: str, max_depth: int):
    """``json.loads(text)`` with the refusals above; ``what`` names the file in messages ("certificate")."""
    def reject_constant(token: str):
        raise Smale18Error(f"{what} is not strict JSON: {token} is not a number")

    def no_duplicates(pairs):
        out = {}
        for key, value in pairs:
            if key in out:
                raise Smale18Error(f"{what} has a duplicate key {short_repr(key)}")
            out[key] = value
        return out

    try:
        return json.loads(text, parse_constant=reject_constant, object_pairs_hook=no_duplicates)
    except Smale18Error:
        raise
    except RecursionError:
        raise Smale18Error(f"{what} is nested too deeply (more than {max_depth} levels)") from None
    except json.JSONDecodeError as exc:
        raise Smale18Error(f"{what} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError:  # Python refuses to read an integer of more than 4300 digits
        raise Smale18Error(f"{what} is not JSON smale18 reads: an integer has more than 4300 digits") from None


def ecma_pattern(regex: str) -> re.Pattern:
    """``regex`` compiled with ECMA-262's end anchor: an unescaped ``$`` becomes ``\\Z`` (end of string only)."""
    hit = _ECMA.get(regex)
    if hit is None:
        hit = _ECMA[regex] = re.compile(re.sub(r"(?<!\\)\$", r"\\Z", regex))
    return hit


def strict_validator_class(extra_validators: dict | None = None):
    """A Draft 2020-12 validator class with the strict ``integer``/``number`` types and ECMA ``pattern``;
    ``extra_validators`` (keyword -> function) may replace others, e.g. a faster ``items`` for long arrays."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    def pattern(validator, regex, instance, schema):
        if isinstance(instance, str) and ecma_pattern(regex).search(instance) is None:
            yield ValidationError(f"{short_repr(instance)} does not match {regex!r}")

    checker = Draft202012Validator.TYPE_CHECKER.redefine_many({
        "integer": lambda _, x: type(x) is int,
        "number": lambda _, x: type(x) in (int, float),
    })
    return validators.extend(Draft202012Validator, validators={"pattern": pattern, **(extra_validators or {})},
                             type_checker=checker)
