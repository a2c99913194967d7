"""Static files compressed once, for when the app serves them itself (`make run`, gunicorn
without nginx): a stylesheet, a script or an SVG is gzipped (and brotli-compressed, if the
`brotli` package happens to be installed) the first time it is asked for, kept in memory with
the file's modification time and size, and sent as it is to every client whose
Accept-Encoding takes it, with `Content-Encoding` and `Vary: Accept-Encoding`. A client that
takes neither gets the file itself (also with `Vary`, so no shared cache hands a compressed
copy to it).

Compressing once is what makes this cheap enough for a sync worker: a request costs a
dictionary look-up, never CPU time for compression (deploy/README.md, "Compression").
Behind nginx (deploy/nginx.conf) the proxy serves static/ itself and gzips the same kinds
(`gzip_types`, above the same size, `gzip_vary on`), so either way a browser gets the same
bytes compressed the same way. Pages are never compressed here: they change with every
request, and nginx compresses them."""

from __future__ import annotations

import gzip
import importlib
import mimetypes
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from flask import Response, request
from werkzeug.security import safe_join

# The kinds of file worth compressing: text (deploy/nginx.conf's gzip_types for static/).
COMPRESSIBLE_SUFFIXES = (".css", ".js", ".svg")
# Smaller files gain nothing worth a header: the same as nginx's gzip_min_length.
MIN_SIZE = 1024


def _brotli() -> Callable[[bytes], bytes] | None:
    """brotli.compress when the optional `brotli` package is installed (not a dependency)."""
    try:
        module = importlib.import_module("brotli")
    except ImportError:
        return None
    compress: Callable[[bytes], bytes] = module.compress
    return compress


def _gzip(data: bytes) -> bytes:
    # mtime=0: the same bytes give the same file, whichever process compressed them.
    return gzip.compress(data, compresslevel=9, mtime=0)


@dataclass(frozen=True)
class Compressed:
    """One file's compressed copies by coding ("br", "gzip"), made from one version of it."""

    version: tuple[int, int]  # (modification time in ns, size)
    codings: dict[str, bytes]


def file_version(path: str) -> tuple[int, int] | None:
    """A regular file's (modification time in ns, size): what says it changed; None when
    `path` is not a regular file."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    return (found.st_mtime_ns, found.st_size)


class Precompressed:
    """Each compressible file's copies, made once. With `watch` (development, the tests), a
    file whose modification time or size changed is compressed again."""

    def __init__(self, *, watch: bool, brotli: Callable[[bytes], bytes] | None = None) -> None:
        self.watch = watch
        self.compressors: dict[str, Callable[[bytes], bytes]] = {}
        if brotli is not None:
            self.compressors["br"] = brotli  # first: smaller than gzip where both are taken
        self.compressors["gzip"] = _gzip
        self._known: dict[str, Compressed] = {}

    def of(self, path: str) -> Compressed | None:
        """The compressed copies of the file at `path` (None: not a file, or not worth it)."""
        if PurePosixPath(path).suffix not in COMPRESSIBLE_SUFFIXES:
            return None
        known = self._known.get(path)
        if known is not None and not self.watch:
            return known
        version = file_version(path)
        if version is None:
            return None
        if known is not None and known.version == version:
            return known
        data = Path(path).read_bytes()
        codings: dict[str, bytes] = {}
        if len(data) >= MIN_SIZE:
            for coding, compress in self.compressors.items():
                packed = compress(data)
                if len(packed) < len(data):
                    codings[coding] = packed
        compressed = Compressed(version, codings)
        self._known[path] = compressed
        return compressed


def make_precompressed(*, watch: bool) -> Precompressed:
    return Precompressed(watch=watch, brotli=_brotli())


def chosen_coding(compressed: Compressed) -> str | None:
    """The best coding of `compressed` this request's Accept-Encoding takes, else None."""
    accepted = request.accept_encodings
    for coding in compressed.codings:  # in the order of preference
        if accepted[coding] > 0:
            return coding
    return None


def send_static(store: Precompressed, folder: str, filename: str) -> Response | None:
    """`filename` of `folder` compressed as this request's client takes it (the caller adds
    Cache-Control), answering If-None-Match and If-Modified-Since; None when the file is not
    compressed or the client takes no coding we have: the caller sends the file itself, with
    `add_vary` when `is_compressed` says it could have gone out compressed."""
    path = safe_join(folder, filename)
    compressed = None if path is None else store.of(path)
    if compressed is None:
        return None
    coding = chosen_coding(compressed)
    if coding is None:
        return None
    modified, size = compressed.version
    response = Response(
        compressed.codings[coding],
        mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream",
    )
    response.headers["Content-Encoding"] = coding
    add_vary(response)
    response.last_modified = datetime.fromtimestamp(modified / 1e9, UTC)
    response.set_etag(f"{modified:x}-{size:x}-{coding}")
    response.make_conditional(request)  # 304 when the client has this copy
    return response


def is_compressed(store: Precompressed, folder: str, filename: str) -> bool:
    """Whether `filename` goes out compressed to a client that takes it (so its plain answer
    must vary by Accept-Encoding too)."""
    path = safe_join(folder, filename)
    compressed = None if path is None else store.of(path)
    return compressed is not None and bool(compressed.codings)


def add_vary(response: Response) -> None:
    response.vary.add("Accept-Encoding")
