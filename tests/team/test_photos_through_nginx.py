"""A photo upload through deploy/nginx.conf in front of gunicorn, as in production: the photo
pages take a body larger than the portal's usual 1 MiB form limit (a phone photo of a few MB
arrives and is stored), other pages still refuse one at nginx, and nginx refuses a body past
the photo pages' own size before any worker sees it."""

from __future__ import annotations

import http.cookiejar
import io
import os
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from PIL import Image

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

PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """Just enough of a browser: cookies, forms, multipart."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as answer:
            return answer.read().decode()

    def post(self, path: str, fields: dict, file: bytes | None = None) -> tuple[int, str]:
        token = CSRF.search(self.get(path)).group(1)
        boundary = uuid.uuid4().hex
        body = b""
        for name, value in {"csrf_token": token, **fields}.items():
            body += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            ).encode()
        if file is not None:
            body += (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; '
                    'filename="me.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
                ).encode()
                + file
                + b"\r\n"
            )
        body += f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            self.base + path,
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def _phone_photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((1800, 1800), 80).convert("RGB").save(out, format="JPEG", quality=95)
    return out.getvalue()


def test_a_photo_of_a_few_megabytes_goes_through_nginx(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    nginx = _require(NGINX, "nginx")
    gunicorn = _require(str(GUNICORN), "gunicorn")
    database = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    env = {**os.environ, "PORTAL_ENV": "development", "DATABASE_URL": database}
    flask = [str(BIN / "flask"), "--app", "portal"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, timeout=60)
    subprocess.run(
        [*flask, "users", "create", "--role", "hr", "--email", "hr@example.com"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    app_port, proxy_port = _free_port(), _free_port()
    serve_env = {
        **env,
        "BASE_URL": f"http://127.0.0.1:{proxy_port}",
        "PORTAL_BIND": f"127.0.0.1:{app_port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_LOGLEVEL": "warning",
    }
    # nginx's workers (nobody, when the tests run as root) write large bodies to a temporary
    # folder: one they can reach, not pytest's private one.
    reachable = Path(tempfile.mkdtemp(prefix="portal-nginx-"))
    reachable.chmod(0o755)
    request.addfinalizer(lambda: shutil.rmtree(reachable, ignore_errors=True))
    conf = _nginx_config(reachable, proxy_port, app_port)
    _readable_static(reachable, request)
    app_proc = proxy_proc = None
    try:
        app_proc = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py", "portal:create_app()"], env=serve_env, cwd=ROOT
        )
        proxy_proc = subprocess.Popen(
            [nginx, "-p", str(reachable), "-c", str(conf), "-g", "daemon off;"], cwd=reachable
        )
        _wait_for_port(app_port, app_proc)
        _wait_for_port(proxy_port, proxy_proc)
        hr = Browser(f"http://127.0.0.1:{proxy_port}")
        status, _ = hr.post("/sign-in", {"email": "hr@example.com", "password": PASSWORD})
        assert status == 200  # followed to HR's home

        photo = _phone_photo()
        assert 2 * 1024 * 1024 < len(photo) < 8 * 1024 * 1024
        member = {"name": "Théo Martin", "title": "Engineer", "department": "Engineering"}
        status, page = hr.post("/hr/team/new", member, photo)
        assert status == 200 and "Théo Martin is on the team list" in page
        assert re.search(r'src="/team/photos/\d+/[0-9a-f]{64}\.webp" alt="Photo of Th', page)

        # Any other page keeps nginx's 1 MiB limit.
        status, _ = hr.post("/hr/timeline/new", {"title": "x" * (2 * 1024 * 1024)})
        assert status == 413
        # Past the photo pages' own room, nginx refuses before the portal sees it.
        status, _ = hr.post("/hr/team/new", member, b"\xff" * (18 * 1024 * 1024))
        assert status == 413
    finally:
        _stop(proxy_proc)
        _stop(app_proc)
