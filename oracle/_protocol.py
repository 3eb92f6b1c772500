"""The wire between the judge and a candidate's process: length-prefixed frames, and the plain-number encodings of
what crosses it.

Direction matters. The judge (engine) trusts nothing it reads: every frame from a candidate's process is JSON (never
pickle), bounded in size, and decoded by :func:`decode_output` into a float64 array or an exact
:class:`~smale18.oracle.dyadic.DyadicArray` under strict checks. Frames the engine *writes* may be pickles: the
candidate's process reads them, and a candidate has nothing to fear from the judge.

Frame: 4-byte big-endian payload length, one tag byte (``J`` JSON, ``P`` pickle), the payload.
"""

from __future__ import annotations

import json
import pickle
import re
import socket
import struct

import numpy as np

from ._errors import Smale18Error
from .dyadic import DyadicArray

__all__ = ["ProtocolError", "Channel", "send_frame", "recv_frame", "encode_output", "decode_output",
           "dyadic_to_wire", "dyadic_from_wire", "MAX_FRAME_BYTES"]

#: the largest frame a candidate's process may send (its output; queries are tiny)
MAX_FRAME_BYTES = 64 << 20
#: an output entry's numerator may have at most this many hex digits (2^20 bits)
MAX_NUMERATOR_HEX = 1 << 18
#: |exponent| of an exact output, at most
MAX_EXPONENT = 1 << 22
_HEADER = struct.Struct(">IB")
_HEX = re.compile(r"-?[0-9a-f]{1,%d}" % MAX_NUMERATOR_HEX)


class ProtocolError(Smale18Error):
    """A frame from a candidate's process broke the protocol (judged a loss, never trusted)."""


# -- frames ----------------------------------------------------------------------------------------------------------
def _frame(obj, tag: bytes) -> bytes:
    payload = json.dumps(obj, separators=(",", ":")).encode() if tag == b"J" else pickle.dumps(obj, protocol=5)
    return _HEADER.pack(len(payload), tag[0]) + payload


def send_frame(sock: socket.socket, obj, tag: bytes = b"J") -> None:
    """Send ``obj`` as one frame (``tag`` ``b"J"``: JSON; ``b"P"``: pickle — engine to candidate only)."""
    sock.sendall(_frame(obj, tag))


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks, got = [], 0
    while got < size:
        chunk = sock.recv(min(size - got, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket, allow_pickle: bool):
    """Blocking read of one frame. ``allow_pickle`` is for the candidate's side only (it reads the engine)."""
    size, tag = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
    payload = _recv_exact(sock, size)
    return _decode_payload(payload, tag, allow_pickle)


def _decode_payload(payload: bytes, tag: int, allow_pickle: bool):
    if tag == ord("P") and allow_pickle:
        return pickle.loads(payload)
    if tag != ord("J"):
        raise ProtocolError(f"frame tag {tag!r} is not JSON")
    try:
        return json.loads(payload, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"frame is not valid JSON ({type(exc).__name__})") from None


def _reject_constant(name):
    raise ValueError(f"non-finite JSON constant {name}")


class Channel:
    """The engine's non-blocking reader of one candidate socket: bytes in, complete JSON frames out."""

    def __init__(self, sock: socket.socket, max_frame: int = MAX_FRAME_BYTES):
        self.sock = sock
        self.max_frame = max_frame
        self._buf = bytearray()
        self.closed = False

    def fileno(self) -> int:
        return self.sock.fileno()

    def feed(self) -> list:
        """Read what is available; return the complete frames decoded. Raises :class:`ProtocolError` on a frame over
        the size limit or not JSON; sets ``closed`` at end of stream."""
        try:
            chunk = self.sock.recv(1 << 20)
        except (BlockingIOError, InterruptedError):
            return []
        except OSError:
            chunk = b""
        if not chunk:
            self.closed = True
        self._buf += chunk
        return self.feed_buffered()

    def feed_buffered(self) -> list:
        """The complete frames already in the buffer."""
        frames = []
        while len(self._buf) >= _HEADER.size:
            size, tag = _HEADER.unpack_from(self._buf)
            if size > self.max_frame:
                raise ProtocolError(f"a frame of {size} bytes exceeds the limit of {self.max_frame}")
            if len(self._buf) < _HEADER.size + size:
                break
            payload = bytes(self._buf[_HEADER.size:_HEADER.size + size])
            del self._buf[:_HEADER.size + size]
            frames.append(_decode_payload(payload, tag, allow_pickle=False))
        return frames


# -- exact arrays, engine to candidate -------------------------------------------------------------------------------
def dyadic_to_wire(d: DyadicArray) -> tuple:
    """A plain tuple ``(shape, exponent, flat numerators)`` for pickling to the candidate's process."""
    return (d.shape, d.exponent, [int(v) for v in d.numerators.reshape(-1)])


def dyadic_from_wire(t: tuple) -> DyadicArray:
    shape, exponent, flat = t
    return DyadicArray(np.array(flat, dtype=object).reshape(shape), exponent)


# -- outputs, candidate to engine ------------------------------------------------------------------------------------
def encode_output(raw) -> dict:
    """What a candidate returned, as plain numbers (run in the candidate's process: whatever this reads, once, is the
    output). A :class:`DyadicArray` or an exact source (rounded to ``2^-256``) crosses exactly; anything else as
    float64. Raises ``TypeError``/``ValueError`` when ``raw`` is not an array of real numbers."""
    from .exact import ExactArray

    if isinstance(raw, ExactArray):
        raw = raw.approx(256)
    if isinstance(raw, DyadicArray):
        flat = raw.numerators.reshape(-1)
        return {"type": "dyadic", "shape": list(raw.shape), "exponent": int(raw.exponent),
                "num": [format(int(v), "x") for v in flat]}
    arr = np.array(raw, dtype="<f8")
    return {"type": "float64", "shape": list(arr.shape), "data": arr.tobytes().hex()}


def _check_shape(shape, max_size: int) -> tuple[int, ...]:
    if not (isinstance(shape, list) and len(shape) <= 2
            and all(type(d) is int and 0 <= d <= max_size for d in shape)):
        raise ProtocolError("output shape must be a list of at most two small non-negative integers")
    size = int(np.prod(shape)) if shape else 1
    if size > max_size:
        raise ProtocolError(f"output has {size} entries, more than {max_size}")
    return tuple(shape)


def decode_output(obj, max_size: int = 1 << 20) -> np.ndarray | DyadicArray:
    """Inverse of :func:`encode_output`, run in the engine on untrusted JSON: returns a fresh float64 array or a
    fresh :class:`DyadicArray` built by the engine's own code, or raises :class:`ProtocolError`."""
    if not isinstance(obj, dict):
        raise ProtocolError("output must be an object")
    kind = obj.get("type")
    shape = _check_shape(obj.get("shape"), max_size)
    size = int(np.prod(shape)) if shape else 1
    if kind == "float64":
        data = obj.get("data")
        if not isinstance(data, str) or len(data) != 16 * size:
            raise ProtocolError("float64 output: data must be 16 hex digits per entry")
        try:
            raw = bytes.fromhex(data)
        except ValueError:
            raise ProtocolError("float64 output: data is not hex") from None
        return np.frombuffer(raw, dtype="<f8").astype(float).reshape(shape)
    if kind == "dyadic":
        exponent, num = obj.get("exponent"), obj.get("num")
        if type(exponent) is not int or abs(exponent) > MAX_EXPONENT:
            raise ProtocolError("dyadic output: exponent must be an integer of size at most 2^22")
        if not isinstance(num, list) or len(num) != size:
            raise ProtocolError("dyadic output: num must list one numerator per entry")
        ints = []
        for v in num:
            if not isinstance(v, str) or not _HEX.fullmatch(v):
                raise ProtocolError("dyadic output: a numerator is not a hex integer of at most 2^20 bits")
            ints.append(int(v, 16))
        if not shape:
            raise ProtocolError("dyadic output must have one or two dimensions")
        return DyadicArray(np.array(ints, dtype=object).reshape(shape), exponent)
    raise ProtocolError("output type must be 'float64' or 'dyadic'")
