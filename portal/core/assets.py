"""Fingerprinted static files: `asset_url('portal.css')` in a template gives
/static/portal.3f2a9c1b7d.css, a name that carries the first ten hex digits of the SHA-256 of the
file's bytes. The name changes whenever the bytes do, so a browser may keep it for a year
without asking again (`Cache-Control: public, max-age=31536000, immutable`); a new release links
new names and is seen at once.

Hashes are computed once per process and kept. In development and the tests (or with debug on)
a file whose modification time or size changed is hashed again, so an edited stylesheet shows
on the next reload.

The app's own `static` route serves both kinds of name from static/ (through Flask's
`send_from_directory`, whose safe_join refuses anything outside the folder):

- a fingerprinted name whose hash is the file's current one: the file, cached a year, immutable;
- a fingerprinted name with any other hash: **404**, not a redirect to the current name. A name
  promises exactly the bytes it was made from, and browsers and shared caches keep what a name
  answers for a year: it must never answer other bytes. Pages are never cached (no-store), so
  a stale name only comes from a page rendered just before a deploy; it gets the current name
  on its next load, and a 404 shows a broken link instead of hiding it behind an extra round
  trip on every request for that name;
- a plain name (/static/portal.css): the file, cached only PLAIN_MAX_AGE seconds, since its
  bytes may change under the same name. Nothing the portal renders links one any more.

Stylesheets, scripts and SVGs go out compressed (gzip, or brotli when that package is
installed) to a client that takes it, compressed once per process and kept
(core/compression.py), with `Vary: Accept-Encoding`.

Behind nginx (deploy/nginx.conf) the proxy serves both kinds of name itself, with the same
headers, and gzips the same kinds; this route then only serves `make run` and direct requests
to gunicorn.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath

from flask import Flask, Response, abort, current_app, send_from_directory, url_for
from werkzeug.security import safe_join

from portal.core import compression

HASH_LENGTH = 10
# Only the kinds deploy/nginx.conf knows to strip the hash from (its regex location): a name
# of any other kind would 404 behind the proxy, so asset_url gives it its plain URL.
FINGERPRINTED_SUFFIXES = (".css", ".js", ".svg", ".png", ".ico", ".woff2")
FINGERPRINTED_MAX_AGE = 365 * 24 * 3600
FINGERPRINTED_CACHE_CONTROL = f"public, max-age={FINGERPRINTED_MAX_AGE}, immutable"
PLAIN_MAX_AGE = 300

_FINGERPRINTED_NAME = re.compile(
    rf"(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})"
    rf"(?P<suffix>{'|'.join(re.escape(suffix) for suffix in FINGERPRINTED_SUFFIXES)})"
)
_EXTENSION_KEY = "portal.assets"
_COMPRESSED_KEY = "portal.assets.compressed"


class Fingerprints:
    """The content hashes of files, kept per file. With `watch`, a file whose modification time
    or size changed since it was hashed is hashed again; without it, once is enough."""

    def __init__(self, *, watch: bool) -> None:
        self.watch = watch
        self._known: dict[str, tuple[tuple[int, int], str]] = {}

    def of(self, folder: str, filename: str) -> str | None:
        """The hash of `filename` inside `folder`, or None if it is not a file there (missing,
        a directory, or a name that would leave the folder)."""
        path = safe_join(folder, filename)
        if path is None:
            return None
        known = self._known.get(path)
        if known is not None and not self.watch:
            return known[1]
        version = compression.file_version(path)
        if version is None:
            return None
        if known is not None and known[0] == version:
            return known[1]
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:HASH_LENGTH]
        self._known[path] = (version, digest)
        return digest


def _fingerprints() -> Fingerprints:
    found: Fingerprints = current_app.extensions[_EXTENSION_KEY]
    return found


def _static_folder() -> str:
    folder = current_app.static_folder
    if folder is None:  # pragma: no cover - the portal always has one
        abort(404)
    return folder


def fingerprinted_name(filename: str) -> str:
    """`portal.css` → `portal.3f2a9c1b7d.css` (the file's current hash); a kind of file that
    is not fingerprinted (FINGERPRINTED_SUFFIXES) keeps its name. A file that is not in
    static/ is a mistake in a template, like a missing template: FileNotFoundError."""
    suffix = PurePosixPath(filename).suffix
    if suffix not in FINGERPRINTED_SUFFIXES:
        return filename
    digest = _fingerprints().of(_static_folder(), filename)
    if digest is None:
        raise FileNotFoundError(f"static/{filename} does not exist: asset_url cannot link it")
    return f"{filename[: -len(suffix)]}.{digest}{suffix}"


def assets_watched() -> bool:
    """Whether a file's name may change while the process runs (development and the tests
    hash an edited file again): then a page must not keep the names it linked."""
    return _fingerprints().watch


def asset_url(filename: str) -> str:
    """The URL of a file of static/ under its fingerprinted name (a template global)."""
    return url_for("static", filename=fingerprinted_name(filename))


def serve_static(filename: str) -> Response:
    """The `static` route's view: fingerprinted names cached a year, plain ones briefly."""
    folder = _static_folder()
    match = _FINGERPRINTED_NAME.fullmatch(filename)
    if match is not None:
        original = match["stem"] + match["suffix"]
        current = _fingerprints().of(folder, original)
        if current is not None:
            if current != match["hash"]:
                abort(404)  # a stale name: see the module's docstring for why not a redirect
            response = _send(folder, original, max_age=FINGERPRINTED_MAX_AGE)
            response.headers["Cache-Control"] = FINGERPRINTED_CACHE_CONTROL
            return response
    return _send(folder, filename, max_age=PLAIN_MAX_AGE)


def _send(folder: str, filename: str, *, max_age: int) -> Response:
    """The file, compressed once for a client that takes it (core/compression.py)."""
    store: compression.Precompressed = current_app.extensions[_COMPRESSED_KEY]
    response = compression.send_static(store, folder, filename)
    if response is not None:
        response.cache_control.public = True
        response.cache_control.max_age = max_age
        return response
    response = send_from_directory(folder, filename, max_age=max_age)
    if compression.is_compressed(store, folder, filename):
        compression.add_vary(response)
    return response


def init_assets(app: Flask) -> None:
    """Serve static/ through `serve_static` (same route, same `static` endpoint, text files
    compressed once: core/compression.py) and give templates `asset_url`."""
    watch = app.debug or app.config.get("PORTAL_ENV") in ("development", "testing")
    app.extensions[_EXTENSION_KEY] = Fingerprints(watch=watch)
    app.extensions[_COMPRESSED_KEY] = compression.make_precompressed(watch=watch)
    app.view_functions["static"] = serve_static
    app.jinja_env.globals.update(asset_url=asset_url, assets_watched=assets_watched)
