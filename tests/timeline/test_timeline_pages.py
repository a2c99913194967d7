"""The timeline pages: HR edits the template and one candidate's version of it; the candidate
reads theirs on their home page, in order, with the past ones marked done."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import event, select

from portal.core.extensions import db
from portal.people.models import AuditEntry, Role, User
from portal.timeline import milestones as timeline
from portal.timeline.milestones import MilestoneFields
from portal.timeline.models import CandidateMilestone, MilestoneTemplate
from tests.support import make_candidate, make_staff, post_form, sign_in

# Monday 7 December 2026, joining at 09:00 in Paris (08:00 UTC). The clock stands at 10:00 UTC
# on Sunday 6 December: the day before has not ended yet in Paris.
JOINING = date(2026, 12, 7)
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


@pytest.fixture
def app(make_app):
    return make_app(PORTAL_CLOCK=NOW)


@pytest.fixture
def cast(app):
    """HR, and two candidates joining on JOINING in Paris."""
    with app.app_context():
        hr = make_staff(Role.HR, "hr@example.com", "Helen HR")
        recruiter = make_staff(Role.RECRUITER, "rec@example.com", "Rita Recruiter")
        alice = make_candidate("alice@example.com", recruiter, name="Alice A", joining_date=JOINING)
        ben = make_candidate("ben@example.com", recruiter, name="Ben B", joining_date=JOINING)
        return {"hr": hr.id, "recruiter": recruiter.id, "alice": alice.id, "ben": ben.id}


def _signed_in(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _error_beside(page: str, field: str, text: str) -> bool:
    return re.search(rf'id="{field}-error"[^>]*>.*?{re.escape(text)}', page, re.S) is not None


def _milestone(title="Documents to prepare", day_offset="-14", time_of_day="", details=""):
    return {
        "title": title,
        "day_offset": day_offset,
        "time_of_day": time_of_day,
        "details": details,
    }


def _audit(app, action):
    with app.app_context():
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return [(e.field, e.old_value, e.new_value) for e in db.session.scalars(query)]


def _timeline_items(page: str) -> list[tuple[str, bool]]:
    """(title, marked done) for each item of the candidate's ordered list, in page order."""
    listed = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S)
    assert listed, "no timeline on the page"
    items = re.findall(r'<li class="timeline-item[^"]*">(.*?)</li>', listed.group(1), re.S)
    return [
        (
            html.unescape(re.search(r'<h3 class="timeline-title">(.*?)</h3>', item).group(1)),
            ">Done</span>" in item,
        )
        for item in items
    ]


def _add_templates(app, hr_id, specs):
    with app.app_context():
        hr = db.session.get(User, hr_id)
        rows = [timeline.create_template(hr, MilestoneFields(*spec)) for spec in specs]
        db.session.commit()
        return [row.id for row in rows]


# --- The template ----------------------------------------------------------------------------


def test_hr_adds_edits_and_deletes_a_template_milestone(app, cast):
    client = _signed_in(app, "hr@example.com")
    assert 'href="/hr/timeline">Timeline</a>' in client.get("/hr/").get_data(as_text=True)
    empty = client.get("/hr/timeline").get_data(as_text=True)
    assert "No milestones yet" in empty

    added = post_form(client, "/hr/timeline/new", _milestone(details="ID card\nBank details"))
    assert added.status_code == 302 and added.headers["Location"] == "/hr/timeline"
    page = client.get("/hr/timeline").get_data(as_text=True)
    assert "Milestone added" in page
    assert "Documents to prepare" in page and "14 days before joining" in page
    with app.app_context():
        row = db.session.scalars(select(MilestoneTemplate)).one()
        assert (row.day_offset, row.time_of_day, row.details) == (
            -14,
            None,
            "ID card\nBank details",
        )
    assert _audit(app, "milestone_template.created") == [
        (None, None, "14 days before joining: Documents to prepare")
    ]

    form = client.get(f"/hr/timeline/{row.id}/edit").get_data(as_text=True)
    assert 'value="Documents to prepare"' in form and 'value="-14"' in form
    edited = post_form(
        client,
        f"/hr/timeline/{row.id}/edit",
        _milestone("Documents to bring", "-10", "08:30", "ID card\nBank details"),
    )
    assert edited.status_code == 302
    page = client.get("/hr/timeline").get_data(as_text=True)
    assert "Documents to bring" in page and "10 days before joining, 08:30" in page
    assert set(_audit(app, "milestone_template.updated")) == {
        ("title", "Documents to prepare", "Documents to bring"),
        ("day_offset", "-14", "-10"),
        ("time_of_day", None, "08:30:00"),
    }
    audit_page = client.get("/hr/audit").get_data(as_text=True)
    assert "changed a timeline milestone" in audit_page and "Documents to bring" in audit_page

    deleted = post_form(
        client, f"/hr/timeline/{row.id}/delete", {"confirmed": "1"}, form_url="/hr/timeline"
    )
    assert deleted.status_code == 302
    page = client.get("/hr/timeline").get_data(as_text=True)
    assert "“Documents to bring” deleted" in page and "No milestones yet" in page
    assert _audit(app, "milestone_template.deleted") == [
        (None, "10 days before joining, 08:30: Documents to bring", None)
    ]
    assert client.get(f"/hr/timeline/{row.id}/edit").status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (_milestone(title=""), "title", "Enter a title."),
        (_milestone(title="x" * 121), "title", "120 characters or fewer"),
        (_milestone(day_offset=""), "day_offset", "Enter a number of days"),
        (_milestone(day_offset="soon"), "day_offset", "Enter a whole number of days"),
        (_milestone(day_offset="1.5"), "day_offset", "Enter a whole number of days"),
        (_milestone(day_offset="400"), "day_offset", "Enter a number between -365 and 365."),
        (_milestone(time_of_day="25:99"), "time_of_day", "Enter a time like 09:00"),
        (_milestone(details="x" * 2001), "details", "2,000 characters or fewer"),
    ],
    ids=["no-title", "long-title", "no-days", "words", "fraction", "too-far", "bad-time", "long"],
)
def test_wrong_values_get_a_message_beside_the_field_and_nothing_is_saved(
    app, cast, data, field, message
):
    client = _signed_in(app, "hr@example.com")
    response = post_form(client, "/hr/timeline/new", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _error_beside(page, field, message), page
    assert "Please correct the field marked below" in page
    assert len(re.findall(r'class="error-message"', page)) == 1
    assert 'value="soon"' not in page and 'value="25:99"' not in page  # invalid in type=number/time
    with app.app_context():
        assert db.session.scalars(select(MilestoneTemplate)).all() == []
    assert _audit(app, "milestone_template.created") == []


def test_the_form_explains_the_days_and_bounds_them(app, cast):
    page = _signed_in(app, "hr@example.com").get("/hr/timeline/new").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="day_offset"[^>]*>', page).group(0)
    assert 'type="number"' in field and 'min="-365"' in field and 'max="365"' in field
    assert "Negative before the joining date, 0 on the day" in page
    assert _error_beside(page, "day_offset", "") is False


# --- One candidate -------------------------------------------------------------------------


def test_hr_changes_hides_and_resets_milestones_for_one_candidate(app, cast):
    docs, reception = _add_templates(
        app,
        cast["hr"],
        [("Documents to prepare", -14), ("Reception, building B", 0, time(9, 0))],
    )
    client = _signed_in(app, "hr@example.com")
    person = client.get(f"/hr/people/{cast['alice']}").get_data(as_text=True)
    assert f'href="/hr/people/{cast["alice"]}/timeline"' in person
    base = f"/hr/people/{cast['alice']}/timeline"
    page = client.get(base).get_data(as_text=True)
    assert "Alice A's timeline" in page and page.count("From the template") == 2

    changed = post_form(
        client,
        f"{base}/template/{reception}/edit",
        _milestone("Reception, London office", "0", "10:00", "Ask for Rita."),
    )
    assert changed.status_code == 302 and changed.headers["Location"] == base
    page = client.get(base).get_data(as_text=True)
    assert "Saved for Alice A only." in page
    assert "Reception, London office" in page and "Changed for Alice A" in page
    assert "Monday 7 December 2026, 10:00 CET" in page
    assert "Reset to template" in page

    alice = _signed_in(app, "alice@example.com").get("/candidate/").get_data(as_text=True)
    ben = _signed_in(app, "ben@example.com").get("/candidate/").get_data(as_text=True)
    assert [t for t, _ in _timeline_items(alice)] == [
        "Documents to prepare",
        "Reception, London office",
    ]
    assert [t for t, _ in _timeline_items(ben)] == ["Documents to prepare", "Reception, building B"]

    hidden = post_form(client, f"{base}/template/{docs}/hide", {}, form_url=base)
    assert hidden.status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Hidden for Alice A" in page and "Show again" in page
    alice = _signed_in(app, "alice@example.com").get("/candidate/").get_data(as_text=True)
    assert [t for t, _ in _timeline_items(alice)] == ["Reception, London office"]

    post_form(client, f"{base}/template/{docs}/show", {}, form_url=base)
    post_form(client, f"{base}/template/{reception}/reset", {"confirmed": "1"}, form_url=base)
    page = client.get(base).get_data(as_text=True)
    assert page.count("From the template") == 2 and "Reception, building B" in page
    assert "Hidden for" not in page and "Reset to template" not in page
    with app.app_context():
        assert db.session.scalars(select(CandidateMilestone)).all() == []

    history = client.get(f"/hr/people/{cast['alice']}").get_data(as_text=True)
    for words in (  # the audit entries, as HR reads them
        "changed a candidate&#39;s milestone",
        "hid a milestone for a candidate",
        "showed a milestone again for a candidate",
        "reset a candidate&#39;s milestone",
    ):
        assert words in history
    assert ("title", "Reception, building B", "Reception, London office") in _audit(
        app, "candidate_milestone.updated"
    )
    assert ("title", "Reception, London office", "Reception, building B") in _audit(
        app, "candidate_milestone.reset"
    )


def test_hr_adds_edits_and_deletes_a_candidates_own_milestone(app, cast):
    client = _signed_in(app, "hr@example.com")
    base = f"/hr/people/{cast['alice']}/timeline"
    page = client.get(base).get_data(as_text=True)
    assert "No milestones yet" in page

    bad = post_form(client, f"{base}/new", _milestone(title="", day_offset="-400"))
    assert bad.status_code == 422
    assert _error_beside(bad.get_data(as_text=True), "title", "Enter a title.")
    assert _error_beside(bad.get_data(as_text=True), "day_offset", "between -365 and 365")

    added = post_form(client, f"{base}/new", _milestone("Laptop pick-up", "-1", "16:00"))
    assert added.status_code == 302 and added.headers["Location"] == base
    with app.app_context():
        own = db.session.scalars(select(CandidateMilestone)).one()
    page = client.get(base).get_data(as_text=True)
    assert "Laptop pick-up" in page and "Only for Alice A" in page
    assert "Sunday 6 December 2026, 16:00 CET" in page

    edited = post_form(client, f"{base}/{own.id}/edit", _milestone("Laptop pick-up", "-2", ""))
    assert edited.status_code == 302
    assert "Saturday 5 December 2026" in client.get(base).get_data(as_text=True)
    ben_page = client.get(f"/hr/people/{cast['ben']}/timeline").get_data(as_text=True)
    assert "Laptop pick-up" not in ben_page

    deleted = post_form(client, f"{base}/{own.id}/delete", {"confirmed": "1"}, form_url=base)
    assert deleted.status_code == 302
    assert "Laptop pick-up" not in client.get(base).get_data(as_text=True).split("</h1>")[1]
    assert [a[0] for a in _audit(app, "candidate_milestone.updated")] == [
        "day_offset",
        "time_of_day",
    ]
    assert len(_audit(app, "candidate_milestone.created")) == 1
    assert len(_audit(app, "candidate_milestone.deleted")) == 1


def test_out_of_scope_ids_are_404_and_change_nothing(app, cast):
    (docs,) = _add_templates(app, cast["hr"], [("Documents to prepare", -14)])
    with app.app_context():
        ben = db.session.get(User, cast["ben"])
        bens = timeline.add_own(None, ben, MilestoneFields("Ben's own", -2))
        db.session.commit()
        bens_id = bens.id
    client = _signed_in(app, "hr@example.com")
    alice = f"/hr/people/{cast['alice']}/timeline"
    recruiter = f"/hr/people/{cast['recruiter']}/timeline"
    assert client.get(recruiter).status_code == 404
    assert client.get(f"/hr/people/{cast['hr']}/timeline").status_code == 404
    assert client.get(f"{alice}/{bens_id}/edit").status_code == 404
    assert client.get(f"{alice}/template/999999/edit").status_code == 404
    assert client.get(f"{recruiter}/template/{docs}/edit").status_code == 404
    for url in (
        f"{alice}/{bens_id}/delete",
        f"{alice}/{bens_id}/edit",
        f"{recruiter}/template/{docs}/hide",
        f"{alice}/template/999999/hide",
    ):
        response = post_form(client, url, _milestone(), form_url=alice)
        assert response.status_code == 404, url
    with app.app_context():
        assert db.session.get(CandidateMilestone, bens_id).title == "Ben's own"
        assert db.session.scalars(select(CandidateMilestone)).all() != []
    assert _audit(app, "candidate_milestone.deleted") == []
    assert _audit(app, "candidate_milestone.hidden") == []
    # Without a CSRF token, a one-button action is refused.
    assert client.post(f"{alice}/template/{docs}/hide").status_code == 400


# --- The candidate's home ------------------------------------------------------------------


def test_the_candidate_sees_the_milestones_in_order_with_the_past_ones_done(app, cast):
    _add_templates(
        app,
        cast["hr"],
        [
            ("First one-to-one", 1),
            ("Reception, building B", 0, time(9, 0), "Building B.\nAsk at the front desk."),
            ("Documents to prepare", -14, None, "<b>ID</b> & bank details\nOriginals, please."),
            ("Call with your manager", -1, time(10, 30)),
            ("Lunch", -1, time(12, 0)),
            ("Meet your team online", -7),
            ("Pack your bag", -1),
        ],
    )
    page = _signed_in(app, "alice@example.com").get("/candidate/").get_data(as_text=True)
    # At 10:00 UTC on Sunday 6 December (11:00 in Paris): the 10:30 call is done, lunch is not,
    # and "Pack your bag" (some time that Sunday) is not done until the Sunday has ended.
    assert _timeline_items(page) == [
        ("Documents to prepare", True),
        ("Meet your team online", True),
        ("Pack your bag", False),
        ("Call with your manager", True),
        ("Lunch", False),
        ("Reception, building B", False),
        ("First one-to-one", False),
    ]
    assert "Monday 23 November 2026" in page
    assert (
        '<time datetime="2026-12-07T09:00+01:00">Monday 7 December 2026, 09:00 CET</time>' in page
    )
    # Details are plain text: escaped, with their line breaks kept for CSS to show.
    escaped = "&lt;b&gt;ID&lt;/b&gt; &amp; bank details\nOriginals, please."
    assert f'<p class="timeline-details">{escaped}</p>' in page
    assert "<b>ID</b>" not in page


def test_a_candidate_without_milestones_sees_no_timeline(app, cast):
    page = _signed_in(app, "alice@example.com").get("/candidate/").get_data(as_text=True)
    assert "timeline" not in page.lower()


def test_a_relocating_candidate_sees_workplace_time_and_their_own(make_app):
    app = make_app(PORTAL_CLOCK=NOW)
    with app.app_context():
        make_candidate(
            "arjun@example.com",
            None,
            zone="Asia/Kolkata",
            joining_zone="Europe/London",
            joining_date=JOINING,
        )
        timeline.create_template(None, MilestoneFields("Reception", 0, time(10, 0)))
        db.session.commit()
    page = _signed_in(app, "arjun@example.com").get("/candidate/").get_data(as_text=True)
    assert "Monday 7 December 2026, 10:00 GMT" in page
    assert "(Monday 7 December 2026, 15:30 IST where you are)" in page


def _queries_for_home(app, client) -> tuple[int, str]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get("/candidate/")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_the_candidate_home_takes_as_many_queries_for_40_milestones_as_for_3(app, cast):
    hr_id, alice_id = cast["hr"], cast["alice"]
    _add_templates(app, hr_id, [("Documents", -14), ("Reception", 0, time(9, 0))])
    with app.app_context():
        alice = db.session.get(User, alice_id)
        timeline.add_own(None, alice, MilestoneFields("Laptop", -1))
        db.session.commit()
    client = _signed_in(app, "alice@example.com")
    client.get("/candidate/")  # the hour's first visit also records it; compare usual visits
    few, page = _queries_for_home(app, client)
    assert len(_timeline_items(page)) == 3

    ids = _add_templates(app, hr_id, [(f"Template {n}", n) for n in range(1, 21)])
    with app.app_context():
        alice = db.session.get(User, alice_id)
        for n in range(1, 18):
            timeline.add_own(None, alice, MilestoneFields(f"Own {n}", -n))
        for template_id in ids[:10]:
            row = db.session.get(MilestoneTemplate, template_id)
            timeline.change_for_candidate(None, alice, row, MilestoneFields("Changed", 2))
        db.session.commit()
    many, page = _queries_for_home(app, client)
    assert len(_timeline_items(page)) == 40
    assert many == few, f"{few} queries for 3 milestones, {many} for 40"
