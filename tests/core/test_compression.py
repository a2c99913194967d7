"""Static files served by the app itself (`make run`, no nginx) go out compressed once
(portal/core/compression.py): gzip to a client that takes it, the file itself to one that does
not, both varying by Accept-Encoding; brotli first when that package is there."""

from __future__ import annotations

import gzip
import mimetypes
import re
import shutil
from pathlib import Path

import pytest

from portal.core import compression

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
LINKED = re.compile(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{10}\.(?:css|js|svg))"')


def _get(client, url: str, encoding: str | None) -> tuple[int, dict[str, str], bytes]:
    headers = {"Accept-Encoding": encoding} if encoding is not None else {}
    with client.get(url, headers=headers) as response:
        return response.status_code, dict(response.headers), response.get_data()


def _vary(headers: dict[str, str]) -> set[str]:
    return {name.strip() for name in headers.get("Vary", "").split(",")}


def _linked_files(client) -> list[str]:
    """The fingerprinted stylesheets, scripts and icons the sign-in page links."""
    page = client.get("/sign-in").get_data(as_text=True)
    return sorted(set(LINKED.findall(page)))


def test_a_browser_that_takes_gzip_gets_the_stylesheet_gzipped(client):
    urls = _linked_files(client)
    assert any(url.endswith(".css") for url in urls), urls
    for url in urls:
        name = re.sub(r"\.[0-9a-f]{10}\.", ".", url.removeprefix("/static/"))
        original = (STATIC / name).read_bytes()
        status, headers, body = _get(client, url, "gzip, deflate, br;q=0")
        assert status == 200, url
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        if len(original) < compression.MIN_SIZE:
            assert "Content-Encoding" not in headers and body == original, url
            continue
        assert "Accept-Encoding" in _vary(headers), url
        assert headers["Content-Encoding"] == "gzip", url
        assert gzip.decompress(body) == original, url
        assert len(body) < len(original) / 2, url
        if name.endswith(".css"):
            assert headers["Content-Type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize("encoding", [None, "identity", "gzip;q=0", "br;q=0, gzip;q=0"])
def test_a_client_that_takes_no_compression_gets_the_file_itself(client, encoding):
    url = next(url for url in _linked_files(client) if url.endswith(".css"))
    name = re.sub(r"\.[0-9a-f]{10}\.", ".", url.removeprefix("/static/"))
    status, headers, body = _get(client, url, encoding)
    assert status == 200
    assert "Content-Encoding" not in headers
    assert body == (STATIC / name).read_bytes()
    assert "Accept-Encoding" in _vary(headers)  # a shared cache keeps both apart


def test_plain_names_are_compressed_too_and_an_image_is_not(client):
    css = (STATIC / "portal.css").read_bytes()
    status, headers, body = _get(client, "/static/portal.css", "gzip")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == css
    assert headers["Cache-Control"] == "public, max-age=300"

    status, headers, body = _get(client, "/static/email-logo.png", "gzip")
    assert status == 200 and "Content-Encoding" not in headers
    assert body == (STATIC / "email-logo.png").read_bytes()
    assert _get(client, "/static/no-such.css", "gzip")[0] == 404


def test_the_compressed_copy_answers_if_none_match(client):
    url = next(url for url in _linked_files(client) if url.endswith(".css"))
    with client.get(url, headers={"Accept-Encoding": "gzip"}) as first:
        etag = first.headers["ETag"]
    assert etag.endswith('-gzip"')
    with client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag}) as again:
        assert again.status_code == 304 and again.get_data() == b""
    # The plain file has its own tag: a cache never takes one for the other.
    with client.get(url) as plain:
        assert plain.headers["ETag"] != etag


def test_a_changed_file_is_compressed_again_in_development(app, client, tmp_path):
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    app.static_folder = str(folder)
    first = gzip.decompress(_get(client, "/static/portal.css", "gzip")[2])
    changed = first + b"\n.new-rule { color: navy }\n"
    (folder / "portal.css").write_bytes(changed)
    assert gzip.decompress(_get(client, "/static/portal.css", "gzip")[2]) == changed


def test_brotli_comes_first_when_the_package_is_there(tmp_path):
    """`brotli` is not a dependency: stand in for its compress() to see the choice."""
    store = compression.Precompressed(watch=False, brotli=lambda data: b"BR" + data[:10])
    path = tmp_path / "site.css"
    path.write_bytes(b"body { color: navy }\n" * 100)
    found = store.of(str(path))
    assert found is not None and list(found.codings) == ["br", "gzip"]
    assert found.codings["br"].startswith(b"BR")
    assert gzip.decompress(found.codings["gzip"]) == path.read_bytes()
    # A file too small to gain is left alone.
    small = tmp_path / "small.css"
    small.write_bytes(b"a{}")
    assert store.of(str(small)) is not None and store.of(str(small)).codings == {}


def test_nginx_compresses_the_same_kinds_over_the_same_size():
    """Behind nginx or not, a browser gets the same files compressed (deploy/nginx.conf)."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    size = re.search(r"gzip_min_length (\d+);", conf)
    assert size and int(size.group(1)) == compression.MIN_SIZE
    kinds = re.search(r"gzip_types([^;]+);", conf)
    assert kinds and "gzip_vary on;" in conf
    for suffix in compression.COMPRESSIBLE_SUFFIXES:
        guessed = mimetypes.guess_type(f"file{suffix}")[0]
        assert guessed in kinds.group(1).split(), suffix
