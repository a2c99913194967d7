"""Uploading photos through the forms: a good photo is stored as the portal's own WebP; every
bad file gets its reason beside the photo field, the rest of the form comes back as typed, and
nothing at all is stored."""

from __future__ import annotations

import io

import pytest
from markupsafe import escape
from PIL import Image
from sqlalchemy import select

from portal.core.config import PROJECT_ROOT
from portal.core.extensions import db
from portal.team.models import ManagerWelcome, TeamPhoto
from tests.team import images
from tests.team.support import (
    counts,
    field_error,
    photo_addresses,
    send,
    send_raw,
    signed_in,
)

NOTHING = {"team_photos": 0, "team_members": 0, "manager_welcomes": 0, "buddies": 0}
WELCOME = {
    "manager_name": "Margaux Lefèvre",
    "manager_title": "Head of Engineering",
    "message": "Welcome aboard!\nWe can't wait to build things with you.",
}
MEMBER = {"name": "Théo Martin", "title": "Backend engineer", "department": "Engineering"}

HOSTILE = [
    (images.TEXT, "notes.jpg", "image/jpeg", "not a JPEG, PNG or WebP photo"),
    (images.PDF, "cv.pdf", "application/pdf", "not a JPEG, PNG or WebP photo"),
    (images.SVG_WITH_SCRIPT, "me.svg", "image/svg+xml", "not a JPEG, PNG or WebP photo"),
    (images.HTML_WITH_PNG_SIGNATURE, "me.png", "image/png", "could not be read"),
    (images.truncated_jpeg(), "me.jpg", "image/jpeg", "could not be read"),
    (images.png_bomb(), "me.png", "image/png", "too many pixels"),
    (images.png((50, 50)), "tiny.png", "image/png", "too small"),
    (images.HTML_NAMED_JPEG, "photo.jpg", "image/jpeg", "not a JPEG, PNG or WebP photo"),
    (b"", "empty.jpg", "image/jpeg", "That file is empty"),
    (images.jpeg_bomb(), "me.jpg", "image/jpeg", "too many pixels"),
    (images.gif(), "me.gif", "image/gif", "not a JPEG, PNG or WebP photo"),
    (images.TEXT, "../../../etc/passwd", "image/jpeg", "not a JPEG, PNG or WebP photo"),
]
HOSTILE_IDS = [
    "text-as-jpg",
    "pdf",
    "svg-script",
    "html-polyglot",
    "truncated",
    "bomb",
    "tiny",
    "html-as-jpg",
    "empty",
    "jpeg-bomb",
    "gif",
    "traversal-name",
]


def _welcome_url(people) -> str:
    return f"/hr/people/{people['ids']['candidate_a']}/team/welcome"


@pytest.mark.parametrize(("data", "filename", "declared", "reason"), HOSTILE, ids=HOSTILE_IDS)
def test_a_bad_file_is_refused_beside_the_field_and_nothing_is_stored(
    app, people, data, filename, declared, reason
):
    client = signed_in(app, people["emails"]["hr"])
    for url, fields in ((_welcome_url(people), WELCOME), ("/hr/team/new", MEMBER)):
        answer = send(client, url, fields, data, filename, declared)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422, url
        assert reason in (field_error(page, "photo") or ""), url
        # What was typed comes back; nothing else was refused.
        first_value = next(iter(fields.values()))
        assert str(escape(first_value)) in page
        assert field_error(page, next(iter(fields))) is None
        assert counts(app) == NOTHING, url


def test_the_declared_type_and_the_name_do_not_matter_only_the_bytes(app, people):
    client = signed_in(app, people["emails"]["hr"])
    answer = send(client, "/hr/team/new", MEMBER, images.png(), "notes.txt", "text/plain")
    assert answer.status_code == 302
    assert counts(app)["team_photos"] == 1


@pytest.mark.parametrize(
    "filename",
    ["../../static/evil.jpg", "..\\..\\static\\evil.jpg", "/etc/cron.d/evil.png", "évil<b>.jpg"],
    ids=["dotdot", "backslashes", "absolute", "markup"],
)
def test_a_hostile_file_name_is_never_used_only_the_bytes(app, people, filename):
    client = signed_in(app, people["emails"]["hr"])
    answer = send(client, "/hr/team/new", MEMBER, images.png(), filename, "image/png")
    assert answer.status_code == 302
    page = client.get("/hr/team").get_data(as_text=True)
    (src,) = {src for src, _alt in photo_addresses(page)}
    with app.app_context():
        photo_id, digest, data = db.session.execute(
            select(TeamPhoto.id, TeamPhoto.digest, TeamPhoto.data)
        ).one()
    # Served from the database at an address made of its id and digest, never of the name.
    assert src == f"/team/photos/{photo_id}/{digest}.webp"
    assert "evil" not in page and "cron" not in page
    assert not (PROJECT_ROOT / "static" / "evil.jpg").exists()
    assert client.get(src).data == data


def test_a_file_a_little_too_large_is_refused_beside_the_field(app, people):
    app.config["PHOTO_MAX_BYTES"] = 100 * 1024
    ids, emails = people["ids"], people["emails"]
    data = images.noisy_png(220)  # about 145 kB
    assert 100 * 1024 < len(data) < 2 * 100 * 1024
    client = signed_in(app, emails["hr"])
    answer = send(client, f"/hr/people/{ids['candidate_a']}/team/welcome", WELCOME, data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "larger than 100 kB" in field_error(page, "photo")
    assert "Margaux Lef" in page and "Head of Engineering" in page
    assert counts(app)["team_photos"] == 0


def test_a_body_far_too_large_gets_a_page_saying_so_not_a_bare_413(app, people):
    app.config["PHOTO_MAX_BYTES"] = 100 * 1024
    ids, emails = people["ids"], people["emails"]
    client = signed_in(app, emails["hr"])
    answer = send_raw(
        client, f"/hr/people/{ids['candidate_a']}/team/welcome", WELCOME, b"\xff" * (600 * 1024)
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 413
    assert "The photo you chose is far larger than the 100 kB allowed" in page
    assert 'class="site-header"' in page  # the portal's own page, with its menu
    assert counts(app) == NOTHING


def test_a_good_photo_is_stored_as_the_portals_own_webp(app, people):
    client = signed_in(app, people["emails"]["hr"])
    original = images.sideways_jpeg_with_gps()
    answer = send(client, _welcome_url(people), WELCOME, original)
    assert answer.status_code == 302
    with app.app_context():
        welcome = db.session.get(ManagerWelcome, people["ids"]["candidate_a"])
        photo = db.session.scalars(select(TeamPhoto)).one()
        assert welcome.photo_id == photo.id
        assert photo.candidate_id == people["ids"]["candidate_a"]
        assert photo.content_type == "image/webp" and photo.data[8:12] == b"WEBP"
        stored = Image.open(io.BytesIO(photo.data))
        assert not stored.getexif() and b"GPS" not in photo.data
        assert welcome.message == WELCOME["message"]


def test_a_new_photo_replaces_the_old_one_and_remove_takes_it_away(app, people):
    client = signed_in(app, people["emails"]["hr"])
    url = _welcome_url(people)
    send(client, url, WELCOME, images.jpeg())
    send(client, url, WELCOME, images.png())
    with app.app_context():
        (photo,) = db.session.scalars(select(TeamPhoto)).all()
        assert Image.open(io.BytesIO(photo.data)).getpixel((5, 5))[2] > 150  # the blue PNG
    page = client.get(url).get_data(as_text=True)
    assert "Remove the current photo" in page
    assert send(client, url, {**WELCOME, "remove_photo": "y"}).status_code == 302
    assert counts(app)["team_photos"] == 0
    with app.app_context():
        assert db.session.get(ManagerWelcome, people["ids"]["candidate_a"]).photo_id is None


def test_other_fields_wrong_keep_a_good_photo_unstored_and_say_to_choose_it_again(app, people):
    client = signed_in(app, people["emails"]["hr"])
    answer = send(client, _welcome_url(people), {**WELCOME, "message": "  "}, images.jpeg())
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert field_error(page, "message") == "Write the welcome message."
    assert field_error(page, "photo") is None
    assert "choose it again" in page
    assert counts(app) == NOTHING
