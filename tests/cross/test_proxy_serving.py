"""Serving through nginx (deploy/nginx.conf) in front of gunicorn (gunicorn.conf.py), as
deploy/README.md describes: nginx compresses pages and stylesheets (the app never compresses a
page, so its sync workers spend no CPU on it; its own static answers, for `make run`, are
compressed once per process), serves fingerprinted static names itself with the one-year
immutable header, serves plain names briefly cached, and no name reaches outside static/."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.cross.test_slow_clients import (
    BIN,
    GUNICORN,
    NGINX,
    ROOT,
    _free_port,
    _nginx_config,
    _readable_static,
    _require,
    _stop,
    _wait_for_port,
)

pytestmark = pytest.mark.slow

STYLESHEET = re.compile(r'href="(/static/portal\.([0-9a-f]{10})\.css)"')
IMMUTABLE = "public, max-age=31536000, immutable"


def _get(port: int, path: str, gzip_ok: bool = True) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and the body as sent (still compressed, if it is)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Host": "127.0.0.1"}
        if gzip_ok:
            headers["Accept-Encoding"] = "gzip"
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        merged: dict[str, str] = {}
        for name, value in response.getheaders():  # a repeated header (Vary) as one list
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        return response.status, merged, response.read()
    finally:
        conn.close()


def _body(headers: dict[str, str], raw: bytes) -> bytes:
    return gzip.decompress(raw) if headers.get("content-encoding") == "gzip" else raw


def test_nginx_compresses_and_serves_fingerprinted_files_for_a_year(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    nginx = _require(NGINX, "nginx")
    gunicorn = _require(str(GUNICORN), "gunicorn")
    database = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    flask = [str(BIN / "flask"), "--app", "portal", "db", "upgrade"]
    setup_env = {**os.environ, "PORTAL_ENV": "development", "DATABASE_URL": database}
    subprocess.run(flask, env=setup_env, cwd=ROOT, check=True, timeout=60)

    # nginx serves a checkout of its own (a world-readable copy of static/), with a file beside
    # static/ that no URL may reach.
    app_port, proxy_port = _free_port(), _free_port()
    conf = _nginx_config(tmp_path, proxy_port, app_port)
    checkout = _readable_static(tmp_path, request)
    secret = b"body { color: red }  /* outside static/ */\n"
    (checkout / "secret.css").write_bytes(secret)
    serve_env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "BASE_URL": f"http://127.0.0.1:{proxy_port}",
        "DATABASE_URL": database,
        "TRUSTED_HOSTS": "127.0.0.1,localhost",
        "PORTAL_BIND": f"127.0.0.1:{app_port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_LOGLEVEL": "warning",
    }
    app_proc = proxy_proc = None
    try:
        app_proc = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py", "portal:create_app()"], env=serve_env, cwd=ROOT
        )
        proxy_proc = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"], cwd=tmp_path
        )
        _wait_for_port(app_port, app_proc)
        _wait_for_port(proxy_port, proxy_proc)

        # The app itself never compresses: straight from gunicorn, the page comes as it is.
        status, headers, raw = _get(app_port, "/sign-in")
        assert status == 200 and "content-encoding" not in headers
        direct_size = len(raw)

        # Through nginx the same page is gzipped, and links the fingerprinted stylesheet.
        status, headers, raw = _get(proxy_port, "/sign-in")
        assert status == 200
        assert headers.get("content-encoding") == "gzip"
        assert "accept-encoding" in headers.get("vary", "").lower()
        match = STYLESHEET.search(_body(headers, raw).decode())
        assert match, "the page links no fingerprinted stylesheet"
        css_url, digest = match.groups()
        css = (ROOT / "static" / "portal.css").read_bytes()
        assert digest == hashlib.sha256(css).hexdigest()[:10]
        print(f"/sign-in: {direct_size} bytes from gunicorn, {len(raw)} gzipped by nginx")

        status, headers, raw = _get(proxy_port, css_url)
        assert status == 200
        assert headers.get("content-encoding") == "gzip"
        assert headers.get("cache-control") == IMMUTABLE
        assert headers.get("content-type", "").startswith("text/css")
        assert _body(headers, raw) == css
        print(f"{css_url}: {len(css)} bytes, {len(raw)} gzipped by nginx")
        # Straight from gunicorn the stylesheet is gzipped too, compressed once and kept
        # (portal/core/compression.py): the same file, the same headers either way.
        status, headers, direct = _get(app_port, css_url)
        assert status == 200 and headers.get("content-encoding") == "gzip"
        assert "accept-encoding" in headers.get("vary", "").lower()
        assert headers.get("cache-control") == IMMUTABLE
        assert _body(headers, direct) == css
        status, headers, direct = _get(app_port, css_url, gzip_ok=False)
        assert status == 200 and "content-encoding" not in headers and direct == css

        # A plain name still works, kept a short while only.
        status, headers, raw = _get(proxy_port, "/static/portal.css")
        assert status == 200 and _body(headers, raw) == css
        assert headers.get("cache-control") == "public, max-age=300"

        # No name, fingerprinted or not, leaves static/: nginx resolves ".." (decoded or not)
        # before choosing a location, so these reach the app's 404 or nginx's, never the file.
        secret_hash = hashlib.sha256(secret).hexdigest()[:10]
        for path in (
            f"/static/../secret.{secret_hash}.css",
            f"/static/%2e%2e/secret.{secret_hash}.css",
            f"/static/..%2fsecret.{secret_hash}.css",
            "/static/../secret.css",
            "/static/%2e%2e/secret.css",
        ):
            status, headers, raw = _get(proxy_port, path)
            assert status in (400, 404), path
            assert b"outside static" not in _body(headers, raw), path

        # The fingerprinted file comes from nginx alone: with gunicorn stopped, still there.
        _stop(app_proc)
        status, headers, raw = _get(proxy_port, css_url)
        assert status == 200 and _body(headers, raw) == css
        assert headers.get("cache-control") == IMMUTABLE
        assert _get(proxy_port, "/sign-in")[0] == 502  # whereas pages need the app
    finally:
        _stop(proxy_proc)
        _stop(app_proc)
