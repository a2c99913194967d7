"""Photos are served only to whom their pages show them, as the bytes the portal wrote, with
a year's private cache at an address that changes with the bytes."""

from __future__ import annotations

from sqlalchemy import select

from portal.core.extensions import db
from portal.team.models import TeamMember, TeamPhoto
from tests.team import images
from tests.team.support import photo_addresses, send, signed_in

WELCOME = {"manager_name": "Margaux Lefèvre", "message": "Welcome!"}
MEMBER = {"name": "Priya Nair", "title": "Analyst", "department": "Analytics"}


def _welcome_photo(app, people, who: str = "candidate_a") -> str:
    hr = signed_in(app, people["emails"]["hr"])
    send(hr, f"/hr/people/{people['ids'][who]}/team/welcome", WELCOME, images.jpeg())
    page = signed_in(app, people["emails"][who]).get("/candidate/team").get_data(as_text=True)
    ((src, _alt),) = photo_addresses(page)
    return src


def test_a_photo_comes_with_a_years_private_cache_its_type_and_nosniff(app, people):
    src = _welcome_photo(app, people)
    client = signed_in(app, people["emails"]["candidate_a"])
    answer = client.get(src)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "image/webp"
    assert answer.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert answer.data[:4] == b"RIFF" and answer.data[8:12] == b"WEBP"
    with app.app_context():
        photo = db.session.scalars(select(TeamPhoto)).one()
        assert src == f"/team/photos/{photo.id}/{photo.digest}.webp"
        assert answer.data == photo.data
    etag = answer.headers["ETag"]
    assert etag == f'"{photo.digest}"'
    again = client.get(src, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_another_candidate_cannot_load_a_photo_that_is_not_on_their_pages(app, people):
    src = _welcome_photo(app, people)
    assert signed_in(app, people["emails"]["candidate_b"]).get(src).status_code == 404
    # Staff see every photo, anonymous visitors are sent to sign in.
    assert signed_in(app, people["emails"]["recruiter_b"]).get(src).status_code == 200
    anonymous = app.test_client().get(src)
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


def test_the_address_must_carry_the_photos_own_digest(app, people):
    src = _welcome_photo(app, people)
    client = signed_in(app, people["emails"]["candidate_a"])
    photo_id = src.split("/")[3]
    assert client.get(f"/team/photos/{photo_id}/{'0' * 64}.webp").status_code == 404
    assert client.get(src.replace(".webp", ".png")).status_code == 404


def test_a_team_members_photo_is_seen_by_their_departments_candidates_only(app, people):
    hr = signed_in(app, people["emails"]["hr"])
    send(hr, "/hr/team/new", MEMBER, images.png())
    with app.app_context():
        member = db.session.scalars(select(TeamMember)).one()
        src = f"/team/photos/{member.photo.id}/{member.photo.digest}.webp"
    candidate_a = signed_in(app, people["emails"]["candidate_a"])  # Engineering: not theirs
    assert candidate_a.get(src).status_code == 404
    with app.app_context():
        member = db.session.get(TeamMember, member.id)
        member.department = "Engineering"
        db.session.commit()
    assert candidate_a.get(src).status_code == 200
    assert photo_addresses(candidate_a.get("/candidate/team").get_data(as_text=True)) == [
        (src, "Photo of Priya Nair")
    ]


def test_a_replaced_photo_is_gone_from_its_old_address(app, people):
    old = _welcome_photo(app, people)
    hr = signed_in(app, people["emails"]["hr"])
    send(hr, f"/hr/people/{people['ids']['candidate_a']}/team/welcome", WELCOME, images.png())
    client = signed_in(app, people["emails"]["candidate_a"])
    ((new, _alt),) = photo_addresses(client.get("/candidate/team").get_data(as_text=True))
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
