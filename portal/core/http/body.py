"""Reading one HTTP response within a deadline and a cap on its decompressed size.

Used by client.py: every read waits only as long as the exchange has left, and gzip/deflate bodies
are inflated a piece at a time so a compression bomb stops at the cap.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
import zlib
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

_READ_SIZE = 64 * 1024


class Failure(Exception):
    """Ends an exchange (a feed fetch, a webhook delivery) with a message for HR."""

    def __init__(
        self,
        error: str,
        *,
        status: int | None = None,
        retry_after: datetime | None = None,
        about_hop: bool = True,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.about_hop = about_hop  # False for the deadline, which is about the whole fetch
        self.status = status
        self.retry_after = retry_after


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._ends - time.monotonic()

    def failure(self) -> Failure:
        message = f"the server took longer than {self.seconds:g} seconds to send the feed"
        return Failure(message, about_hop=False)

    def timeout(self, cap: float | None = None) -> float:
        """Seconds the next blocking step may take; a _Failure once the deadline has passed."""
        left = self.remaining()
        if left <= 0:
            raise self.failure()
        return left if cap is None else min(left, cap)


class DeadlineReader(io.RawIOBase):
    """The socket as a raw stream whose every read waits at most until the deadline, so a server
    dripping one byte at a time (in the headers or the body) cannot stretch the fetch."""

    def __init__(self, sock: socket.socket, deadline: Deadline):
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        self._sock.settimeout(self._deadline.timeout())
        try:
            return self._sock.recv_into(buffer)
        except TimeoutError:
            raise self._deadline.failure() from None


class ResponseSocket:
    """All that http.client.HTTPResponse needs from a socket: makefile()."""

    def __init__(self, sock: socket.socket, deadline: Deadline):
        self._sock = sock
        self._deadline = deadline

    def makefile(self, *_args: object, **_kwargs: object) -> io.BufferedReader:
        return io.BufferedReader(DeadlineReader(self._sock, self._deadline))


class _Decoder:
    """Incremental identity/gzip/deflate decoding that never produces more than it is asked for,
    so a gzip bomb costs at most the cap in memory."""

    def __init__(self, encoding: str) -> None:
        if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise Failure(f"the server compressed the feed as {encoding!r}, which is not supported")
        self._encoding = encoding
        self._inflater: zlib._Decompress | None = None
        self._started = False

    def _new_inflater(self, data: bytes) -> zlib._Decompress:
        if self._encoding == "deflate":  # zlib-wrapped as the RFC says, or raw as some servers do
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        return zlib.decompressobj(zlib.MAX_WBITS | 16)

    def decode(self, data: bytes, limit: int) -> bytes:
        """Up to `limit` bytes of output for `data` (the caller fails when it reaches the limit)."""
        if self._encoding == "identity":
            return data
        out = bytearray()
        while data and len(out) < limit:
            if self._inflater is None:
                if self._started and (self._encoding == "deflate" or not data.strip(b"\0")):
                    break  # bytes after a deflate stream, or zero padding after gzip members
                self._inflater = self._new_inflater(data)
                self._started = True
            out += self._inflater.decompress(data, limit - len(out))
            if self._inflater.eof:  # gzip allows several members one after another
                data = self._inflater.unused_data
                self._inflater = None
            else:
                data = self._inflater.unconsumed_tail
        return bytes(out)

    def finish(self) -> None:
        if self._inflater is not None:
            raise Failure("the server sent a compressed feed that ends too early")


def size_text(max_bytes: int) -> str:
    if max_bytes % (1024 * 1024) == 0:
        return f"{max_bytes // (1024 * 1024)} MiB"
    if max_bytes % 1024 == 0:
        return f"{max_bytes // 1024} KiB"
    return f"{max_bytes} bytes"


def read_body(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    too_large = Failure(f"the feed is larger than {size_text(max_bytes)}", status=response.status)
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower() or "identity"
    decoder = _Decoder(encoding)
    if encoding == "identity" and response.length is not None and response.length > max_bytes:
        raise too_large
    body = bytearray()
    while chunk := response.read1(_READ_SIZE):
        body += decoder.decode(chunk, max_bytes + 1 - len(body))
        if len(body) > max_bytes:
            raise too_large
    if response.length:  # read1() reports a short Content-Length body as a plain end
        raise http.client.IncompleteRead(bytes(body), response.length)
    decoder.finish()
    return bytes(body)
