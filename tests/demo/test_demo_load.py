"""`flask demo load`: every stage of the demo cast once, readable mail, dashboards with
something to say, and a sign-in for each demo role."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.core.clock import utcnow
from portal.core.extensions import db
from portal.engagement import status_changes
from portal.mail.models import OutgoingEmail
from portal.people.models import Role, User
from tests.support import sign_in


def test_demo_load_creates_every_stage_once(make_app):
    app = make_app(DEV_MAILBOX=True)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output and "hannah.hr@example.com" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert "already loaded" in second.output
    with app.app_context():
        counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
        assert counts == {Role.HR: 1, Role.RECRUITER: 2, Role.CANDIDATE: 7}
        invited = db.session.scalars(select(OutgoingEmail)).one()
        assert invited.to_address == "sofia@example.com" and invited.status == "sent"
    # The invitation is readable in the development mailbox, link included.
    client = app.test_client()
    mailbox = client.get("/dev/mailbox").get_data(as_text=True)
    assert "sofia@example.com" in mailbox
    message = client.get(f"/dev/mailbox/{invited.id}").get_data(as_text=True)
    assert "/invitation/" in message
    # The stages are counted in each candidate's own zone.
    hr_client = app.test_client()
    sign_in(hr_client, "hannah.hr@example.com", "preboarding-demo")
    people_page = hr_client.get("/hr/").get_data(as_text=True)
    for stage in ("joined yesterday", "in 2 days", "in 21 days", "in 61 days", "Invited, not"):
        assert stage in people_page
    # The demo conversations: Arjun has waited past the promised answer time.
    ravi = app.test_client()
    sign_in(ravi, "ravi.recruiter@example.com", "preboarding-demo")
    inbox = ravi.get("/recruiter/inbox").get_data(as_text=True)
    assert "Arjun Mehta" in inbox and "Overdue" in inbox
    # The dashboards have something to say: one of each status, with the reasons in words.
    rosa = app.test_client()
    sign_in(rosa, "rosa.recruiter@example.com", "preboarding-demo")
    board = rosa.get("/recruiter/").get_data(as_text=True)
    assert "Quiet" in board and "not seen for 9 days" in board
    assert "Engaged" in board and "Ravi" not in board and "Arjun" not in board
    # Sofia has never signed in: invited, never engaged.
    sofia = board.split("Sofia Rossi", 1)[1].split("</tr>", 1)[0]
    assert ">Invited<" in sofia and "has not accepted the invitation sent today" in sofia
    board = ravi.get("/recruiter/").get_data(as_text=True)
    assert board.index("Tomás García") < board.index("Arjun Mehta") < board.index("Olivia Brown")
    assert "joins in 6 days and has signed in but not read, asked or downloaded anything" in board
    assert "pulse fell from 5 to 2" in board and "question unanswered for 30 hours" in board
    everyone = hr_client.get("/hr/engagement").get_data(as_text=True)
    for count in ("At risk (2)", "Quiet (1)", "Invited (1)", "Engaged (3)", "Every status (7)"):
        assert count in everyone
    arjun = re.search(r'href="(/recruiter/candidates/\d+)">Arjun Mehta<', board).group(1)
    timeline = ravi.get(arjun).get_data(as_text=True)
    assert (
        "Pulse: 2 of 5 — comment:" in timeline
        and "Status changed from engaged to at risk" in timeline
    )
    # The worker's first run finds nothing changed that the history does not already say.
    with app.app_context():
        assert status_changes.evaluate(utcnow()) == 0
    # Each demo role can sign in and sees a page that fits it.
    for email, home, text in [
        ("hannah.hr@example.com", "/hr/", "Marcus Johnson"),
        ("rosa.recruiter@example.com", "/recruiter/", "Chloé Dubois"),
        ("chloe@example.com", "/candidate/", "Hello, Chloé"),
        ("marcus@example.com", "/candidate/", "Your first day has begun"),
    ]:
        browser = app.test_client()
        assert sign_in(browser, email, "preboarding-demo").headers["Location"] == home
        assert text in browser.get(home).get_data(as_text=True)


def test_the_demo_checklist_is_done_but_for_one_candidate(make_app):
    """The tasks already due are ticked off (the ID card uploaded), except Tomás's, which a
    recruiter sees overdue."""
    app = make_app(DEV_MAILBOX=True)
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    chloe = app.test_client()
    sign_in(chloe, "chloe@example.com", "preboarding-demo")
    page = chloe.get("/candidate/checklist").get_data(as_text=True)
    assert "Upload a copy of your passport or ID card" in page and "id-card.png" in page
    assert "Overdue" not in page
    tomas = app.test_client()
    sign_in(tomas, "tomas@example.com", "preboarding-demo")
    assert "Overdue" in tomas.get("/candidate/checklist").get_data(as_text=True)
