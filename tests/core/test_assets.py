"""Fingerprinted static files (portal/core/assets.py): pages link names that carry the hash of
the file's bytes, those names are cached for a year, a stale one is 404, and no name reaches
outside static/."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from portal.core import assets

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/portal\.([0-9a-f]{10})\.css)">')
IMMUTABLE = "public, max-age=31536000, immutable"


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def _stylesheet(client) -> tuple[str, str]:
    """The stylesheet link of the sign-in page: (URL, hash)."""
    page = client.get("/sign-in")
    assert page.status_code == 200
    match = STYLESHEET.search(page.get_data(as_text=True))
    assert match, "the page links no fingerprinted stylesheet"
    return match.group(1), match.group(2)


def _fetch(client, url: str) -> tuple[int, str, str | None, bytes]:
    """Status, MIME type, Cache-Control and body of a static file (its file handle closed)."""
    with client.get(url) as response:
        return (
            response.status_code,
            response.mimetype,
            response.headers.get("Cache-Control"),
            response.get_data(),
        )


@pytest.fixture
def static_copy(app, tmp_path: Path) -> Path:
    """The app serving a copy of static/ that the test may change, with a file beside it."""
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    (tmp_path / "secret.css").write_text("body { color: red }  /* outside static/ */\n")
    app.static_folder = str(folder)
    return folder


def test_the_page_links_the_stylesheet_by_the_hash_of_its_bytes(client):
    url, digest = _stylesheet(client)
    assert digest == _hash((STATIC / "portal.css").read_bytes())

    assert _fetch(client, url) == (200, "text/css", IMMUTABLE, (STATIC / "portal.css").read_bytes())


def test_the_plain_name_still_works_with_a_short_cache(client):
    status, _mimetype, cache_control, body = _fetch(client, "/static/portal.css")
    assert status == 200 and body == (STATIC / "portal.css").read_bytes()
    assert cache_control == f"public, max-age={assets.PLAIN_MAX_AGE}"
    assert assets.PLAIN_MAX_AGE <= 3600


def test_changing_the_file_changes_its_name_and_the_old_name_is_404(client, static_copy):
    old_url, old_digest = _stylesheet(client)
    assert old_digest == _hash((static_copy / "portal.css").read_bytes())

    changed = (static_copy / "portal.css").read_bytes() + b"\n.new-rule { color: navy }\n"
    (static_copy / "portal.css").write_bytes(changed)
    new_url, new_digest = _stylesheet(client)
    assert new_digest == _hash(changed) != old_digest

    assert _fetch(client, old_url)[0] == 404
    assert _fetch(client, new_url) == (200, "text/css", IMMUTABLE, changed)


def test_outside_development_a_file_is_hashed_once_per_process(make_app, tmp_path):
    app = make_app(PORTAL_ENV="production", SECRET_KEY="s" * 48)
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    app.static_folder = str(folder)
    client = app.test_client()
    url, digest = _stylesheet(client)
    (folder / "portal.css").write_bytes(b"body { color: navy }\n")
    assert _stylesheet(client) == (url, digest)  # a new release restarts the workers


def test_a_name_with_a_stale_or_made_up_hash_is_404(client):
    _url, digest = _stylesheet(client)
    wrong = "0123456789" if digest != "0123456789" else "9876543210"
    assert _fetch(client, f"/static/portal.{wrong}.css")[0] == 404
    assert _fetch(client, "/static/nothing.0123456789.css")[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/static/../portal/__init__.py",
        "/static/%2e%2e/portal/__init__.py",
        "/static/..%2fportal%2f__init__.py",
        "/static/../secret.css",
        "/static/..%2fsecret.css",
        "/static/../static/portal.css",
    ],
)
def test_no_name_reaches_outside_static(client, static_copy, path):
    status, _mimetype, _cache_control, body = _fetch(client, path)
    assert status == 404
    assert b"outside static" not in body and b"create_app" not in body


def test_no_fingerprinted_name_reaches_outside_static(client, static_copy):
    """The hash is right, so only the folder check can refuse these."""
    secret = _hash((static_copy.parent / "secret.css").read_bytes())
    inside = _hash((static_copy / "portal.css").read_bytes())
    for path in (
        f"/static/../secret.{secret}.css",
        f"/static/%2e%2e/secret.{secret}.css",
        f"/static/..%2fsecret.{secret}.css",
        f"/static/../static/portal.{inside}.css",
    ):
        status, _mimetype, _cache_control, body = _fetch(client, path)
        assert status == 404, path
        assert b"outside static" not in body


def test_asset_url_refuses_a_file_that_is_not_in_static(app, static_copy):
    (static_copy / "notes.txt").write_text("not a kind nginx fingerprints\n")
    with app.test_request_context():
        assert assets.asset_url("countdown.js").startswith("/static/countdown.")
        assert assets.asset_url("notes.txt") == "/static/notes.txt"
        for missing in ("no-such.css", "../secret.css"):
            with pytest.raises(FileNotFoundError):
                assets.asset_url(missing)


def test_nginx_fingerprints_the_same_kinds_of_file():
    """asset_url only fingerprints what deploy/nginx.conf's regex location strips the hash of."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    match = re.search(
        r'location ~ "\^/static/\(\.\+\)\\\.\[0-9a-f\]\{(\d+)\}\\\.\(([a-z0-9|]+)\)\$"', conf
    )
    assert match, "deploy/nginx.conf lost its location for fingerprinted names"
    assert int(match.group(1)) == assets.HASH_LENGTH
    assert {f".{kind}" for kind in match.group(2).split("|")} == set(assets.FINGERPRINTED_SUFFIXES)
