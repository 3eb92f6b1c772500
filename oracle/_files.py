"""Reading a user's file: a regular file only (a FIFO or a device could block or never end), its size checked on the
open descriptor before anything is read (no window between the check and the read), at most ``max_bytes``."""

from __future__ import annotations

import os
import stat

from ._errors import Smale18Error

__all__ = ["read_regular_file"]


def read_regular_file(path: str, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path`` if it has at most ``max_bytes``; else a one-line Smale18Error."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise Smale18Error(f"{what} {path!r} is not a regular file")
            if st.st_size > max_bytes:
                raise Smale18Error(f"{what} {path!r} has {st.st_size} bytes; at most {max_bytes} are read")
            chunks, size = [], 0
            while size <= max_bytes:
                chunk = os.read(fd, max_bytes + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise Smale18Error(f"cannot read {what} {path!r}: {exc.strerror or type(exc).__name__}") from None
    if size > max_bytes:  # it grew after the check
        raise Smale18Error(f"{what} {path!r} has more than {max_bytes} bytes")
    return b"".join(chunks)
