"""Helpers for the team tests: signed-in clients, forms with photos, counts of rows."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from portal.core.extensions import db
from portal.team.models import Buddy, ManagerWelcome, TeamMember, TeamPhoto
from tests import support

IMG = re.compile(r'<img class="avatar[^"]*" src="(/team/photos/[^"]+)" alt="([^"]*)"')


def signed_in(app, email: str):
    client = app.test_client()
    answer = support.sign_in(client, email)
    assert answer.status_code == 302, email
    return client


def send(
    client,
    url: str,
    fields: dict,
    photo: bytes | None = None,
    filename: str = "me.jpg",
    content_type: str = "image/jpeg",
):
    """GET the form, then POST it as a browser would (multipart, with its CSRF token)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    data = {"csrf_token": support.csrf_token(page.get_data(as_text=True)), **fields}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), filename, content_type)
    return client.post(url, data=data, content_type="multipart/form-data")


def send_raw(client, url: str, fields: dict, photo: bytes, filename: str = "me.jpg"):
    """`send`, with the multipart body built here in memory (the test client spools a large
    one to a temporary file that nobody closes when the app refuses it unread)."""
    page = client.get(url)
    fields = {"csrf_token": support.csrf_token(page.get_data(as_text=True)), **fields}
    boundary = "----portal-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{filename}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        url,
        data=b"".join(parts),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (TeamPhoto, TeamMember, ManagerWelcome, Buddy)
        }


def photo_addresses(html: str) -> list[tuple[str, str]]:
    """(src, alt) of every photo on a page."""
    return IMG.findall(html)


def field_error(html: str, field: str) -> str | None:
    """The error shown beside `field`, or None."""
    found = re.search(
        rf'<p class="error-message" id="{field}-error"><span class="visually-hidden">Error:'
        r"</span> ([^<]*)</p>",
        html,
    )
    return found.group(1) if found else None
