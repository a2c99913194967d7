"""Who welcomes a candidate: the recruiter or HR write the manager's welcome and introduce the
buddy; the team is the department's list unless staff choose it; the candidate sees it all on
"Meet your team", and the start of the welcome on their home page."""

from __future__ import annotations

import io
import re

from markupsafe import escape
from sqlalchemy import select

from portal.core.extensions import db
from portal.people.models import AuditEntry, User
from portal.team import members, photos, teams
from portal.team.members import MemberFields
from portal.team.models import ChosenTeam, TeamMember, TeamPick
from tests import support
from tests.team import images
from tests.team.support import counts, field_error, photo_addresses, send, signed_in

WELCOME = {
    "manager_name": "Margaux Lefèvre",
    "manager_title": "Head of Engineering",
    "message": "Dear Alice,\n\nWelcome to the team! <b>Bring</b> your ideas.",
}
BUDDY = {
    "name": "Amina Diallo",
    "title": "Frontend engineer",
    "intro": "Ask me anything about the office.",
    "email": "Amina.Diallo@Example.com",
}


def _member(app, name, department="Engineering", location="Paris", photo=None) -> int:
    with app.app_context():
        hr = db.session.scalars(select(User).where(User.email == "hr@example.com")).one()
        prepared = None
        if photo is not None:
            prepared = photos.prepare(io.BytesIO(photo), max_bytes=10**7, max_pixels=10**7)
        added = members.create_member(
            hr,
            MemberFields(name, "Engineer", f"Hello from {name}.", department, location),
            prepared,
        )
        db.session.commit()
        return added.id


def _team_names(client) -> str:
    return client.get("/candidate/team").get_data(as_text=True)


def test_the_recruiter_writes_the_welcome_and_the_candidate_sees_it(app, people):
    ids, emails = people["ids"], people["emails"]
    recruiter = signed_in(app, emails["recruiter_a"])
    url = f"/recruiter/candidates/{ids['candidate_a']}/team/welcome"
    answer = send(recruiter, url, WELCOME, images.jpeg())
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/recruiter/candidates/{ids['candidate_a']}/team")
    candidate = signed_in(app, emails["candidate_a"])
    page = _team_names(candidate)
    assert "A welcome from your manager" in page and "Margaux Lefèvre" in page
    # Plain text, escaped: the markup typed is shown as typed, never as HTML.
    assert str(escape("<b>Bring</b> your ideas.")) in page and "<b>Bring</b>" not in page
    ((src, alt),) = photo_addresses(page)
    assert alt == "Photo of Margaux Lefèvre"
    assert candidate.get(src).status_code == 200
    home = candidate.get("/candidate/").get_data(as_text=True)
    assert "A welcome from Margaux" in home and "Dear Alice," in home
    assert 'href="/candidate/team"' in home
    # The other candidate sees none of it.
    other = signed_in(app, emails["candidate_b"])
    assert "Margaux" not in _team_names(other)
    assert "Margaux" not in other.get("/candidate/").get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert "team.welcome_written" in actions


def test_the_buddy_is_introduced_with_an_email_to_write_to(app, people):
    ids, emails = people["ids"], people["emails"]
    hr = signed_in(app, emails["hr"])
    answer = send(hr, f"/hr/people/{ids['candidate_a']}/team/buddy", BUDDY, images.png())
    assert answer.status_code == 302
    page = _team_names(signed_in(app, emails["candidate_a"]))
    assert "Your buddy" in page and "Amina Diallo" in page
    assert 'href="mailto:amina.diallo@example.com"' in page
    assert "Write to Amina" in page


def test_bad_values_are_refused_beside_their_fields(app, people):
    ids, emails = people["ids"], people["emails"]
    hr = signed_in(app, emails["hr"])
    base = f"/hr/people/{ids['candidate_a']}/team"
    cases = [
        (f"{base}/welcome", {**WELCOME, "manager_name": "1234"}, "manager_name", "letter"),
        (f"{base}/welcome", {**WELCOME, "message": "x" * 1501}, "message", "1,500 characters"),
        (f"{base}/welcome", {**WELCOME, "manager_title": "t" * 121}, "manager_title", "120"),
        (f"{base}/buddy", {**BUDDY, "email": "not an address"}, "email", "like name@"),
        (f"{base}/buddy", {**BUDDY, "intro": ""}, "intro", "Write a short introduction."),
        (
            "/hr/team/new",
            {"name": "Théo", "title": "Engineer", "department": ""},
            "department",
            "Enter their department.",
        ),
        (
            "/hr/team/new",
            {"name": "Théo", "title": "", "department": "Sales"},
            "title",
            "Enter their role",
        ),
    ]
    for url, fields, field, message in cases:
        answer = send(hr, url, fields)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422, (url, field)
        assert message in (field_error(page, field) or ""), (url, field, field_error(page, field))
    assert counts(app) == {"team_photos": 0, "team_members": 0, "manager_welcomes": 0, "buddies": 0}


def test_a_candidate_sees_their_departments_team_at_their_location_or_anywhere(app, people):
    _member(app, "Théo Martin", "Engineering", "Paris", images.jpeg())
    _member(app, "Lucas Bernard", "Engineering", "")  # the whole department
    _member(app, "Priya Nair", "Engineering", "London")
    _member(app, "Emily Carter", "Sales", "Paris")
    page = _team_names(signed_in(app, people["emails"]["candidate_a"]))
    assert "Théo Martin" in page and "Lucas Bernard" in page
    assert "Priya Nair" not in page and "Emily Carter" not in page
    assert "Hello from Théo Martin." in page
    # Lucas has no photo: his initials stand in, hidden from screen readers.
    assert '<span class="avatar avatar-normal avatar-initials" aria-hidden="true">LB</span>' in page


def test_staff_choose_the_team_then_go_back_to_the_departments(app, people):
    ids, emails = people["ids"], people["emails"]
    theo = _member(app, "Théo Martin")
    priya = _member(app, "Priya Nair", "Analytics", "London")
    recruiter = signed_in(app, emails["recruiter_a"])
    base = f"/recruiter/candidates/{ids['candidate_a']}/team"
    found = recruiter.get(f"{base}?q=priya").get_data(as_text=True)
    assert "Priya Nair" in found and "Add<span" in found
    token = support.csrf_token(found)
    answer = recruiter.post(f"{base}/members", data={"csrf_token": token, "member_id": priya})
    assert answer.status_code == 302
    page = _team_names(signed_in(app, emails["candidate_a"]))
    assert "Priya Nair" in page and "Théo Martin" in page  # the department's so far, and Priya
    answer = recruiter.post(f"{base}/members/{theo}/remove", data={"csrf_token": token})
    assert answer.status_code == 302
    page = _team_names(signed_in(app, emails["candidate_a"]))
    assert "Priya Nair" in page and "Théo Martin" not in page
    # Someone new in the department no longer reaches a chosen team...
    _member(app, "Amina Diallo")
    assert "Amina Diallo" not in _team_names(signed_in(app, emails["candidate_a"]))
    # ...until staff go back to the department's team (after "Are you sure?").
    asking = recruiter.post(f"{base}/department", data={"csrf_token": token})
    assert asking.status_code == 200 and "Yes, use the department’s team" in asking.text
    answer = recruiter.post(f"{base}/department", data={"csrf_token": token, "confirmed": "1"})
    assert answer.status_code == 302
    page = _team_names(signed_in(app, emails["candidate_a"]))
    assert "Amina Diallo" in page and "Théo Martin" in page and "Priya Nair" not in page
    with app.app_context():
        assert not db.session.scalars(select(ChosenTeam)).all()
        assert not db.session.scalars(select(TeamPick)).all()


def test_a_chosen_team_has_a_limit(app, people, monkeypatch):
    monkeypatch.setattr(teams, "MOST_PICKS", 2)
    ids = [_member(app, f"Person {letter}", "Analytics") for letter in "ABC"]
    client = signed_in(app, people["emails"]["hr"])
    base = f"/hr/people/{people['ids']['candidate_a']}/team"
    token = support.csrf_token(client.get(base).get_data(as_text=True))
    for member_id in ids:
        client.post(f"{base}/members", data={"csrf_token": token, "member_id": member_id})
    page = client.get(base).get_data(as_text=True)
    assert "A team shows at most 2 people. Remove someone first." in page
    with app.app_context():
        assert len(db.session.scalars(select(TeamPick)).all()) == 2


def test_a_recruiter_cannot_touch_another_recruiters_candidate(app, people):
    ids, emails = people["ids"], people["emails"]
    recruiter_b = signed_in(app, emails["recruiter_b"])
    base = f"/recruiter/candidates/{ids['candidate_a']}/team"
    assert recruiter_b.get(base).status_code == 404
    assert recruiter_b.get(f"{base}/welcome").status_code == 404
    token = support.csrf_token(recruiter_b.get("/recruiter/").get_data(as_text=True))
    answer = recruiter_b.post(f"{base}/welcome", data={"csrf_token": token, **WELCOME})
    assert answer.status_code == 404
    assert counts(app)["manager_welcomes"] == 0


def test_taking_someone_off_the_list_takes_their_photo_and_picks(app, people):
    theo = _member(app, "Théo Martin", photo=images.jpeg())
    client = signed_in(app, people["emails"]["hr"])
    base = f"/hr/people/{people['ids']['candidate_a']}/team"
    token = support.csrf_token(client.get(base).get_data(as_text=True))
    client.post(f"{base}/members", data={"csrf_token": token, "member_id": theo})
    asking = client.post(f"/hr/team/{theo}/delete", data={"csrf_token": token})
    assert asking.status_code == 200 and "Take Théo Martin off the team list?" in asking.text
    answer = client.post(f"/hr/team/{theo}/delete", data={"csrf_token": token, "confirmed": "1"})
    assert answer.status_code == 302
    assert counts(app) == {"team_photos": 0, "team_members": 0, "manager_welcomes": 0, "buddies": 0}
    with app.app_context():
        assert not db.session.scalars(select(TeamPick)).all()


def test_removing_the_welcome_asks_first_and_takes_its_photo(app, people):
    client = signed_in(app, people["emails"]["hr"])
    base = f"/hr/people/{people['ids']['candidate_a']}/team"
    send(client, f"{base}/welcome", WELCOME, images.jpeg())
    token = support.csrf_token(client.get(base).get_data(as_text=True))
    asking = client.post(f"{base}/welcome/remove", data={"csrf_token": token})
    assert asking.status_code == 200 and "Remove the welcome Alice Candidate sees?" in asking.text
    assert counts(app)["manager_welcomes"] == 1
    client.post(f"{base}/welcome/remove", data={"csrf_token": token, "confirmed": "1"})
    assert counts(app) == {"team_photos": 0, "team_members": 0, "manager_welcomes": 0, "buddies": 0}


def test_hr_lists_filters_and_edits_the_team_list(app, people):
    for n in range(3):
        _member(app, f"Engineer {n}")
    _member(app, "Priya Nair", "Analytics", "London")
    client = signed_in(app, people["emails"]["hr"])
    page = client.get("/hr/team").get_data(as_text=True)
    assert all(f"Engineer {n}" in page for n in range(3)) and "Priya Nair" in page
    page = client.get("/hr/team?department=Analytics").get_data(as_text=True)
    assert "Priya Nair" in page and "Engineer 0" not in page
    page = client.get("/hr/team?q=NAIR").get_data(as_text=True)
    assert "Priya Nair" in page and "Engineer 1" not in page
    with app.app_context():
        priya = db.session.scalars(select(TeamMember).where(TeamMember.name == "Priya Nair")).one()
    fields = {
        "name": "Priya Nair",
        "title": "Head of Analytics",
        "department": "Analytics",
        "location": "London",
        "intro": "",
    }
    answer = send(client, f"/hr/team/{priya.id}/edit", fields, images.webp())
    assert answer.status_code == 302
    page = client.get("/hr/team").get_data(as_text=True)
    assert "Head of Analytics" in page
    assert ("Photo of Priya Nair") in [alt for _src, alt in photo_addresses(page)]


def test_the_team_list_pages_by_name(app, people, monkeypatch):
    monkeypatch.setattr(members, "MEMBERS_PAGE_SIZE", 2)
    for name in ("Dana", "Ana", "Cleo", "Bea", "Eve"):
        _member(app, name)
    client = signed_in(app, people["emails"]["hr"])
    seen, url = [], "/hr/team"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += [name for name in ("Ana", "Bea", "Cleo", "Dana", "Eve") if f">{name}<" in page]
        found = re.search(r'href="(/hr/team\?after=\d+)" rel="next"', page)
        url = found.group(1) if found else None
    assert seen == ["Ana", "Bea", "Cleo", "Dana", "Eve"]


def test_the_candidates_team_pages_by_name_too(app, people, monkeypatch):
    monkeypatch.setattr(teams, "TEAM_PAGE_SIZE", 2)
    for name in ("Dana", "Ana", "Cleo"):
        _member(app, name)
    client = signed_in(app, people["emails"]["candidate_a"])
    first = client.get("/candidate/team").get_data(as_text=True)
    assert ">Ana<" in first and ">Cleo<" in first and ">Dana<" not in first
    found = re.search(r'href="(/candidate/team\?after=\d+)" rel="next"', first)
    second = client.get(found.group(1)).get_data(as_text=True)
    assert ">Dana<" in second and ">Ana<" not in second
