"""Cover: who answers a candidate while their recruiter is away (questions.cover).

The rule, first that applies: the recruiter when active and not away; while they are away the
candidate's own backup recruiter (when active and not away), else the colleague the recruiter
named to cover, else HR. The routed emails go over a real SMTP server on loopback (aiosmtpd),
sent by the real worker's jobs from an app of their own; the people use the pages.

A fixed week in March 2026: Ana Ruiz (Paris) is away from Monday 9 to Friday 13 March, Cy Chen
covers. Alice is Ana's candidate; Dan is Ana's too, with Bo Lee as his own backup recruiter.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.engagement.models import RecruiterDigest
from portal.mail.models import OutgoingEmail
from portal.people.models import AuditEntry, Role, StaffAbsence
from portal.questions.cover import Route, Routing
from portal.questions.models import Message
from portal.worker.loop import JOBS, Worker
from tests.support import BASE_URL, make_candidate, make_staff, post_form, sign_in, text_body

SUNDAY = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 08:30 in Paris
TUESDAY = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # 11:00 in Paris
DIGEST_TIME = datetime(2026, 3, 11, 7, 30, tzinfo=UTC)  # Wednesday, 08:30 in Paris
BACK = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)  # Thursday, a day early
MAIL = tuple(job for job in JOBS if job.name == "mail")
DIGESTS_AND_MAIL = tuple(job for job in JOBS if job.name in ("digests", "mail"))


# --- The rule, on its own -----------------------------------------------------------------------


def _away(recruiter_id: int, cover_id: int | None) -> StaffAbsence:
    return StaffAbsence(recruiter_id=recruiter_id, cover_id=cover_id)


@pytest.mark.parametrize(
    ("recruiter", "backup", "away", "expected"),
    [
        (1, None, {}, Route(1)),  # at work: their recruiter
        (1, 2, {}, Route(1)),  # a backup changes nothing while the recruiter is in
        (1, None, {1: 3}, Route(3, 1)),  # away: the colleague who covers
        (1, 2, {1: 3}, Route(2, 1)),  # the candidate's own backup comes first
        (1, 2, {1: 3, 2: None}, Route(3, 1)),  # the backup is away too: the cover
        (1, 2, {1: 3, 2: None, 3: None}, Route(None, 1)),  # everyone away: HR
        (1, None, {1: None}, Route(None, 1)),  # nobody named: HR
        (1, 9, {1: None}, Route(None, 1)),  # the backup has left (not active): HR
        (9, 2, {}, Route(None)),  # the recruiter has left: HR
        (None, 2, {}, Route(None)),  # nobody assigned: HR
    ],
)
def test_the_rule_most_specific_first(recruiter, backup, away, expected):
    routing = Routing(
        active={1, 2, 3}, away={who: _away(who, cover) for who, cover in away.items()}
    )
    assert routing.route(recruiter, backup) == expected


# --- Through the pages and the worker -------------------------------------------------------------


@pytest.fixture
def cast(make_app, smtp_server):
    """The web app (no mail server: mail stays queued) and the worker's app (the SMTP server
    on loopback), both at TUESDAY, and the people."""
    web = make_app(PORTAL_CLOCK=TUESDAY, ANSWER_BATCH_MINUTES=0)
    worker_app = make_app(PORTAL_CLOCK=TUESDAY, SMTP_URL=smtp_server.url)
    with web.app_context():
        make_staff(Role.HR, "sam@example.com", "Sam Lee")
        ana = make_staff(Role.RECRUITER, "ana@example.com", "Ana Ruiz", zone="Europe/Paris")
        make_staff(Role.RECRUITER, "cy@example.com", "Cy Chen", zone="Europe/Paris")
        bo = make_staff(Role.RECRUITER, "bo@example.com", "Bo Lee", zone="Europe/Paris")
        make_staff(Role.RECRUITER, "eve@example.com", "Eve Stranger", zone="Europe/Paris")
        alice = make_candidate(
            "alice@example.com", ana, name="Alice Martin", joining_date=date(2026, 4, 20)
        )
        dan = make_candidate(
            "dan@example.com", ana, name="Dan Weber", joining_date=date(2026, 3, 16)
        )
        dan.profile.backup_recruiter_id = bo.id
        db.session.commit()
        ids = {"alice": alice.id, "dan": dan.id}
        ids.update({u.email.split("@")[0]: u.id for u in db.session.scalars(select(type(ana)))})
    return {"web": web, "worker": worker_app, "ids": ids, "smtp": smtp_server}


def _client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _ask(client, text: str):
    return post_form(client, "/candidate/questions", {"body": text, "client_key": uuid.uuid4().hex})


def _plan_away(client, path: str, first: str, last: str, cover_id: int | str):
    page = path.rsplit("/away", 1)[0]
    form = {"first_day": first, "last_day": last, "cover_id": str(cover_id)}
    return post_form(client, path, form, form_url=page)


def _run(app, jobs, at: datetime) -> None:
    app.config["PORTAL_CLOCK"] = at
    for outcome in Worker(app, jobs).run_pass():
        assert outcome.error is None, outcome.line()


def _page(client, path: str, status: int = 200) -> str:
    answer = client.get(path)
    assert answer.status_code == status, (path, answer.status_code)
    return answer.get_data(as_text=True)


def _to(smtp, address: str) -> list:
    return [m for m in smtp.messages if m["To"] == address]


def test_a_question_while_away_goes_to_the_cover_by_email(cast):
    web, ids, smtp = cast["web"], cast["ids"], cast["smtp"]
    ana = _client(web, "ana@example.com")
    planned = _plan_away(ana, "/recruiter/availability/away", "2026-03-09", "2026-03-13", ids["cy"])
    assert planned.status_code == 302
    page = _page(ana, "/recruiter/availability")
    assert "You are away until the end of Friday 13 March 2026" in page
    assert "Cy Chen covers" in page

    alice = _client(web, "alice@example.com")
    assert _ask(alice, "Can I bring my own keyboard?").status_code == 302
    dan = _client(web, "dan@example.com")
    assert _ask(dan, "Where do I park on Monday?").status_code == 302
    _run(cast["worker"], MAIL, TUESDAY)
    smtp.wait_for(2)

    (to_cy,) = _to(smtp, "cy@example.com")
    assert to_cy["Subject"] == "New question from Alice Martin"
    body = text_body(to_cy)
    assert "You are covering for Ana Ruiz, their recruiter, who is away" in body
    assert f"{BASE_URL}/recruiter/candidates/{ids['alice']}/questions" in body
    # Dan has his own backup: the most specific choice, before the absence's cover.
    (to_bo,) = _to(smtp, "bo@example.com")
    assert to_bo["Subject"] == "New question from Dan Weber"
    assert not _to(smtp, "ana@example.com"), "the away recruiter is sent nothing"

    cy = _client(web, "cy@example.com")
    inbox = _page(cy, "/recruiter/inbox")
    assert "Alice Martin" in inbox and "covering for Ana Ruiz" in inbox
    thread = f"/recruiter/candidates/{ids['alice']}/questions"
    assert "covering for Ana Ruiz" in _page(cy, thread)
    answered = post_form(cy, thread, {"body": "Yes, of course.", "client_key": "k1"})
    assert answered.status_code == 302
    assert "Cy Chen, covering for Ana Ruiz" in _page(alice, "/candidate/questions")
    # A recruiter who covers nobody here still gets 404.
    eve = _client(web, "eve@example.com")
    assert eve.get(thread).status_code == 404
    assert "Alice Martin" not in _page(eve, "/recruiter/inbox")


def test_the_covers_digest_carries_the_covered_candidates_and_their_overdue_marks(cast):
    web, ids, smtp = cast["web"], cast["ids"], cast["smtp"]
    # Everyone's digest of Sunday 8 March (nothing to tell yet), before Ana leaves.
    _run(cast["worker"], DIGESTS_AND_MAIL, SUNDAY)
    sam = _client(web, "sam@example.com")  # HR plans it for Ana
    hr_path = f"/hr/people/{ids['ana']}/availability/away"
    assert _plan_away(sam, hr_path, "2026-03-09", "2026-03-13", ids["cy"]).status_code == 302
    with web.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "absence.planned")
        ).one()
        assert (entry.actor_id, entry.target_user_id) == (ids["sam"], ids["ana"])
        assert entry.subject == "away 9 Mar 2026 to 13 Mar 2026, covered by Cy Chen"
        # Asked on Monday morning: past the 24-hour promise by Wednesday.
        db.session.add(
            Message(
                candidate_id=ids["alice"],
                author_id=ids["alice"],
                body="Is there a dress code?",
                created_at=datetime(2026, 3, 9, 8, 0, tzinfo=UTC),
            )
        )
        db.session.commit()

    engagement = tuple(job for job in JOBS if job.name == "engagement")
    _run(cast["worker"], engagement + DIGESTS_AND_MAIL, DIGEST_TIME)
    arrived = smtp.wait_for(2)
    assert sorted(m["To"] for m in arrived) == ["bo@example.com", "cy@example.com"]
    (digest,) = [m for m in arrived if m["To"] == "cy@example.com"]
    body = text_body(digest)
    assert "Alice Martin has been waiting for 47 hours" in body
    assert "You are covering for Ana Ruiz." in body
    assert f"{BASE_URL}/recruiter/candidates/{ids['alice']}/questions" in body
    # Dan joins on Monday: in the digest of Bo, his own backup, not Cy's.
    assert "Dan Weber" not in body
    with web.app_context():
        owners = set(
            db.session.scalars(
                select(OutgoingEmail.to_address).where(OutgoingEmail.kind == "digest")
            )
        )
        assert owners == {"cy@example.com", "bo@example.com"}
        # Ana's mornings stay unsettled while she is away: her last digest is Sunday's.
        assert db.session.scalars(
            select(RecruiterDigest.local_date).where(RecruiterDigest.recruiter_id == ids["ana"])
        ).all() == [date(2026, 3, 8)]
    (bos,) = [m for m in arrived if m["To"] == "bo@example.com"]
    assert "Dan Weber joins in 5 days" in text_body(bos)

    cy = _client(web, "cy@example.com")
    cast["web"].config["PORTAL_CLOCK"] = DIGEST_TIME
    inbox = _page(cy, "/recruiter/inbox")
    row = inbox[inbox.index("Alice Martin") :].split("</tr>", 1)[0]
    assert "covering for Ana Ruiz" in row and "Overdue" in row

    # Ana comes back early (she confirms), and everything routes to her again.
    web.config["PORTAL_CLOCK"] = BACK
    ana = _client(web, "ana@example.com")
    page = _page(ana, "/recruiter/availability")
    (end_path,) = re.findall(r'action="(/recruiter/availability/away/\d+/end)"', page)
    asked = post_form(ana, end_path, {}, form_url="/recruiter/availability")
    assert "End this absence now?" in asked.get_data(as_text=True)
    ended = post_form(ana, end_path, {"confirmed": "1"}, form_url="/recruiter/availability")
    assert ended.status_code == 302
    assert "Welcome back" in _page(ana, "/recruiter/availability")
    thread = f"/recruiter/candidates/{ids['alice']}/questions"
    assert cy.get(thread).status_code == 404, "the cover's access ended with the absence"
    assert "Alice Martin" not in _page(cy, "/recruiter/inbox")

    alice = _client(web, "alice@example.com")
    assert _ask(alice, "And the parking?").status_code == 302
    _run(cast["worker"], DIGESTS_AND_MAIL, BACK)
    arrived = smtp.wait_for(4)
    to_ana = [m for m in arrived if m["To"] == "ana@example.com"]
    subjects = sorted(m["Subject"] for m in to_ana)
    assert subjects[0] == "New question from Alice Martin"
    # Her first digest since her return tells what happened while she was away.
    (back_digest,) = [m for m in to_ana if m["Subject"].startswith("Your candidates today")]
    assert "Alice Martin has been waiting for" in text_body(back_digest)
    assert "covering" not in text_body(back_digest)


def test_time_away_refused_beside_its_field(cast):
    web, ids = cast["web"], cast["ids"]
    ana = _client(web, "ana@example.com")
    path = "/recruiter/availability/away"

    def error_of(answer, field: str) -> str:
        assert answer.status_code == 422
        found = re.search(
            rf'<p class="error-message" id="{field}-error">(.*?)</p>',
            answer.get_data(as_text=True),
            re.S,
        )
        assert found, f"no error beside {field}"
        return found.group(1)

    assert "comes on or after" in error_of(
        _plan_away(ana, path, "2026-03-12", "2026-03-10", ""), "last_day"
    )
    assert "has passed" in error_of(
        _plan_away(ana, path, "2026-03-01", "2026-03-05", ""), "last_day"
    )
    assert "Enter the first day away" in error_of(
        _plan_away(ana, path, "", "2026-03-12", ""), "first_day"
    )
    assert "from the list" in error_of(
        _plan_away(ana, path, "2026-03-11", "2026-03-12", ids["sam"]), "cover_id"
    )
    # Cy is away that week: he cannot cover.
    cy = _client(web, "cy@example.com")
    assert _plan_away(cy, path, "2026-03-11", "2026-03-20", "").status_code == 302
    assert "Cy Chen is away then too" in error_of(
        _plan_away(ana, path, "2026-03-12", "2026-03-13", ids["cy"]), "cover_id"
    )
    assert _plan_away(ana, path, "2026-03-12", "2026-03-13", ids["bo"]).status_code == 302
    assert "Already away from 12 Mar 2026" in error_of(
        _plan_away(ana, path, "2026-03-13", "2026-03-14", ""), "first_day"
    )
    with web.app_context():
        assert (
            db.session.scalar(
                select(StaffAbsence.cover_id).where(StaffAbsence.recruiter_id == ids["ana"])
            )
            == ids["bo"]
        )
    # Another recruiter's absence is not hers to end.
    with web.app_context():
        cys = db.session.scalar(
            select(StaffAbsence.id).where(StaffAbsence.recruiter_id == ids["cy"])
        )
    refused = post_form(
        ana, f"{path}/{cys}/end", {"confirmed": "1"}, form_url="/recruiter/availability"
    )
    assert refused.status_code == 404
    # A future absence is taken back, not ended.
    assert "Take it back" in _page(ana, "/recruiter/availability")
