"""Meet the people in German (issue 14): the candidate's "Meet your team" page, the staff's
forms and a refused photo, in the reader's language, with sizes and counts written as a German
reader writes them. The English pages are held by the other tests of this folder."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.core.extensions import db
from portal.people.models import AuditEntry, User
from tests.team import images
from tests.team.support import photo_addresses, send, signed_in

WELCOME = {
    "manager_name": "Margaux Lefèvre",
    "manager_title": "Head of Engineering",
    "message": "Willkommen im Team!",
}
BUDDY = {"name": "Amina Diallo", "title": "Frontend engineer", "intro": "Fragen Sie mich."}
MEMBER = {"name": "Théo Martin", "title": "Backend engineer", "department": "Engineering"}


def _speaks_german(app, *user_ids: int) -> None:
    with app.app_context():
        for user_id in user_ids:
            db.session.get(User, user_id).language = "de"
        db.session.commit()


def _error_beside(html: str, field: str) -> str | None:
    """The German error shown beside `field` ("Fehler:" read out before it), or None."""
    found = re.search(
        rf'<p class="error-message" id="{field}-error"><span class="visually-hidden">Fehler:'
        r"</span> ([^<]*)</p>",
        html,
    )
    return found.group(1) if found else None


def test_the_candidate_meets_their_team_in_german(app, people):
    ids, emails = people["ids"], people["emails"]
    hr = signed_in(app, emails["hr"])
    base = f"/hr/people/{ids['candidate_a']}/team"
    assert send(hr, f"{base}/welcome", WELCOME).status_code == 302
    assert send(hr, f"{base}/buddy", {**BUDDY, "email": "amina@example.com"}).status_code == 302
    assert (
        send(hr, "/hr/team/new", {**MEMBER, "location": "Paris"}, images.png()).status_code == 302
    )
    _speaks_german(app, ids["candidate_a"])

    page = signed_in(app, emails["candidate_a"]).get("/candidate/team").get_data(as_text=True)
    assert '<html lang="de"' in page
    assert "<h1>Ihr Team kennenlernen</h1>" in page
    assert "Die Menschen, mit denen Sie in Engineering, Paris, arbeiten werden." in page
    assert "Ein Willkommensgruß Ihrer Führungskraft" in page and "Willkommen im Team!" in page
    assert "Ihr Buddy" in page and ">Amina schreiben</a>" in page
    ((_src, alt),) = photo_addresses(page)
    assert alt == "Foto von Théo Martin"
    # Nothing of the English page is left.
    for english in ("Meet your team", "Your buddy", "Write to", "Photo of", "They look forward"):
        assert english not in page, english


def test_staff_read_the_welcome_and_team_page_and_its_messages_in_german(app, people):
    ids, emails = people["ids"], people["emails"]
    _speaks_german(app, ids["recruiter_a"])
    recruiter = signed_in(app, emails["recruiter_a"])
    base = f"/recruiter/candidates/{ids['candidate_a']}/team"
    page = recruiter.get(base).get_data(as_text=True)
    assert "<h1>Wer Alice Candidate willkommen heißt</h1>" in page
    assert "Noch kein Willkommensgruß." in page and "Buddy vorstellen" in page
    assert "Teamliste, die HR pflegt" in page  # a recruiter has no link to HR's list

    answer = send(recruiter, f"{base}/welcome", {**WELCOME, "manager_name": ""})
    assert answer.status_code == 422
    form = answer.get_data(as_text=True)
    assert _error_beside(form, "manager_name") == (
        "Geben Sie den Namen der einstellenden Führungskraft ein."
    )
    assert "Bitte korrigieren Sie das unten markierte Feld." in form
    # The counter of the message is a German number: "1.500 Zeichen".
    assert "Reiner Text, bis zu 1.500 Zeichen." in form

    answer = send(recruiter, f"{base}/welcome", WELCOME)
    assert answer.status_code == 302
    page = recruiter.get(base).get_data(as_text=True)
    assert "Willkommensgruß gespeichert. Alice sieht ihn auf der Start- und der Teamseite." in page
    # The audit log keeps what was done as a code; the reader's words come when it is read.
    with app.app_context():
        written = select(AuditEntry.action).where(AuditEntry.action.like("team.%"))
        assert db.session.scalars(written).all() == ["team.welcome_written"] * 3


def test_a_refused_photo_is_explained_in_german_with_a_german_size(app, people):
    app.config["PHOTO_MAX_BYTES"] = 1536 * 1024  # 1.5 MB: "1,5 MB" in German
    ids, emails = people["ids"], people["emails"]
    _speaks_german(app, ids["hr"])
    hr = signed_in(app, emails["hr"])
    form = hr.get("/hr/team/new").get_data(as_text=True)
    assert "Ein JPEG-, PNG- oder WebP-Bild von höchstens 1,5 MB" in form
    # static/photo-field.js says the server's own words before a file too large is sent.
    assert (
        'data-too-large="Diese Datei ist größer als 1,5 MB. Wählen Sie ein kleineres Foto oder '
        'speichern Sie dieses zuerst kleiner."'
    ) in form

    for data, filename, message in (
        (images.TEXT, "notes.jpg", "Diese Datei ist kein JPEG-, PNG- oder WebP-Foto."),
        (images.png((60, 400)), "tall.png", "Dieses Foto ist zu klein (60 × 400 Pixel)."),
        (images.jpeg_bomb(), "me.jpg", "Dieses Foto hat zu viele Pixel (mehr als 40 Megapixel)."),
    ):
        answer = send(hr, "/hr/team/new", MEMBER, data, filename)
        assert answer.status_code == 422, filename
        assert message in (_error_beside(answer.get_data(as_text=True), "photo") or ""), filename

    answer = send(hr, "/hr/team/new", MEMBER, images.png())
    assert answer.status_code == 302
    page = hr.get("/hr/team").get_data(as_text=True)
    assert (
        "Théo Martin steht auf der Teamliste: Kandidat:innen in Engineering sehen diese Person."
        in page
    )
    assert "<h1>Teamliste</h1>" in page and "Nach Namen, 50 pro Seite." in page
